"""The limits every chat channel puts on a citizen's messages (bot/limits/chat.py), with an injected clock."""

from __future__ import annotations

from bot.limits.chat import ChatGuard
from bot.settings import ChatLimits


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


LIMITS = ChatLimits(max_message_chars=10, messages_per_sender=3, messages_per_address=4, window_seconds=60)


def test_a_sender_over_the_rate_is_refused_and_told_once_per_window():
    clock = Clock()
    guard = ChatGuard(LIMITS, clock)
    assert [guard.check("chat-1", "chào") for _ in range(3)] == [None, None, None]
    first, second = guard.check("chat-1", "chào"), guard.check("chat-1", "chào")
    assert first is not None and second is not None
    assert first.text.startswith("Dạ, anh/chị nhắn nhanh quá") and first.retry_after_seconds == 60
    assert first.tell and not second.tell  # one polite reply, not one per flooded message
    assert guard.check("chat-2", "chào") is None  # another citizen is not affected
    clock.now += 60
    assert guard.check("chat-1", "chào") is None  # the window has passed


def test_an_over_long_message_is_refused_whatever_the_rate_and_not_counted():
    guard = ChatGuard(LIMITS, Clock())
    refusal = guard.check("chat-1", "x" * 11)
    assert refusal is not None and refusal.retry_after_seconds == 0 and refusal.tell
    assert "dài quá 10 ký tự" in refusal.text
    assert [guard.check("chat-1", "x" * 10) for _ in range(3)] == [None, None, None]


def test_the_address_limit_counts_every_conversation_from_it_and_only_where_given():
    guard = ChatGuard(LIMITS, Clock())
    assert all(guard.check(f"widget-{n}", "chào", "10.0.0.1") is None for n in range(4))
    assert guard.check("widget-9", "chào", "10.0.0.1") is not None
    assert guard.check("widget-9", "chào", "10.0.0.2") is None
    assert guard.check("telegram-chat", "chào") is None  # no address: platforms call from their servers


def test_a_photo_or_a_button_without_text_is_counted_too():
    guard = ChatGuard(LIMITS, Clock())
    assert [guard.check("chat-1", None) for _ in range(3)] == [None, None, None]
    assert guard.check("chat-1", None) is not None
