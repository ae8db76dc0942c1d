"""The limits every chat channel puts on a citizen's messages: their length, how many one conversation may
send per window and, where the client's address is the citizen's own (the web widget), how many one address
may send. Telegram and Zalo call our webhooks from their own servers, so there the sender (a chat id or a
Zalo user id, both authenticated by the platform's signature) is the only key that means anything."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.channels import messages
from bot.limits.rate import MonotonicClock, SlidingWindowLimiter
from bot.settings import ChatLimits


@dataclass(frozen=True)
class ChatRefusal:
    text: str  # the polite Vietnamese reply to give instead of an answer
    retry_after_seconds: int  # 0 when waiting does not help (the message is too long)
    tell: bool  # False when the sender was already told in this window: do not answer every flooded message


class ChatGuard:
    def __init__(self, limits: ChatLimits, clock: MonotonicClock = time.monotonic) -> None:
        self.limits = limits
        window = limits.window_seconds
        self.per_sender = SlidingWindowLimiter(limits.messages_per_sender, window, clock)
        self.per_address = SlidingWindowLimiter(limits.messages_per_address, window, clock)
        self._told = SlidingWindowLimiter(1, window, clock)

    def check(self, sender: str, text: str | None, address: str | None = None) -> ChatRefusal | None:
        """None when the message may reach the assistant (and it is counted), else what to answer."""
        if text is not None and len(text) > self.limits.max_message_chars:
            return ChatRefusal(messages.TOO_LONG.format(limit=self.limits.max_message_chars), 0, True)
        checks = [(self.per_sender, sender)]
        if address is not None:
            checks.insert(0, (self.per_address, address))
        for limiter, key in checks:
            decision = limiter.hit(key)
            if not decision.allowed:
                seconds = decision.retry_after_seconds
                told_now = self._told.hit(sender).allowed
                return ChatRefusal(messages.TOO_FAST.format(seconds=seconds), seconds, told_now)
        return None
