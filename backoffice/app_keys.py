"""The keys under which the back-office application keeps what its handlers share (aiohttp AppKeys).

In a module of their own so that every route module can read them without importing the app that defines
the routes (no import cycle between the app and its parts)."""

from __future__ import annotations

from aiohttp import web

from bot.limits.rate import SlidingWindowLimiter
from bot.notifications.delivery import RasaDelivery
from bot.services import Services
from bot.settings import Settings

SETTINGS_KEY = web.AppKey("settings", Settings)
SERVICES_KEY = web.AppKey("services", Services)
SIGN_IN_LIMITER_KEY = web.AppKey("sign_in_limiter", SlidingWindowLimiter)  # per client address
UPLOAD_LIMITER_KEY = web.AppKey("upload_limiter", SlidingWindowLimiter)  # per client address
DELIVERY_KEY = web.AppKey("notification_delivery", RasaDelivery)
