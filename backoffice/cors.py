"""Which web pages may call the citizens' routes from a browser (the widget's uploads and dossier updates).

DVC_CORS_ORIGINS lists the commune's sites ("https://tanphu.gov.vn,https://dichvucong.tanphu.gov.vn"); "*"
(any site, the development default) is refused in production (bot/settings.py refusals)."""

from __future__ import annotations

from aiohttp import web

from backoffice.app_keys import SETTINGS_KEY


def cors_headers(request: web.Request) -> dict[str, str]:
    origins = request.app[SETTINGS_KEY].cors_origins
    if "*" in origins:
        return {"Access-Control-Allow-Origin": "*"}
    origin = request.headers.get("Origin", "")
    if origin in origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}  # the browser will not hand the answer to another site's page
