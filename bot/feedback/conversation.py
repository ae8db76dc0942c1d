"""The citizen's side of a rating: a rating button, then perhaps a comment (the next message typed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.feedback import messages
from bot.feedback.models import BAD, GOOD
from bot.feedback.ratings import COMMENT, SKIP, Choice, FeedbackBook, ask_comment, thanks
from bot.replies import Reply


@dataclass(frozen=True)
class FeedbackOutcome:
    replies: list[Reply] = field(default_factory=list)
    awaiting_comment: int | None = None  # the rating a comment would go to


class FeedbackTurns:
    def __init__(self, book: FeedbackBook) -> None:
        self.book = book

    def choose(self, channel: str, sender_id: str, value: object) -> FeedbackOutcome:
        """A rating button was pressed (or "Góp ý thêm", or "Bỏ qua")."""
        choice = Choice.parse(value)
        if choice is None:
            return FeedbackOutcome([Reply(messages.NOT_RECOGNISED)])
        if choice.choice == SKIP:
            return FeedbackOutcome([Reply(messages.SKIPPED)])
        if choice.choice == COMMENT:
            rated = self.book.find(channel, sender_id, choice.subject, choice.reference)
            if rated is None:
                return FeedbackOutcome([Reply(messages.NOT_RECOGNISED)])
            return FeedbackOutcome([ask_comment(choice, sorry=False)], rated.id)
        feedback_id = self.book.rate(channel, sender_id, choice.subject, choice.reference, choice.choice)
        if choice.choice == GOOD:
            return FeedbackOutcome([thanks(choice)])
        assert choice.choice == BAD
        return FeedbackOutcome([ask_comment(choice, sorry=True)], feedback_id)

    def comment(self, feedback_id: int, channel: str, sender_id: str, typed: str) -> FeedbackOutcome:
        """The message after the question: typed words are the comment; a button means no comment."""
        if typed.strip() and self.book.comment(feedback_id, channel, sender_id, typed):
            return FeedbackOutcome([Reply(messages.COMMENT_TAKEN)])
        return FeedbackOutcome([Reply(messages.SKIPPED)])
