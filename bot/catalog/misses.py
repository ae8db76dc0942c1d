"""Learning from use: the questions the bot could not answer with one procedure, kept without personal data,
with what the citizen picked afterwards; a report of the most frequent ones, for whoever writes the
situation data (data/catalog/situations/).

    python -m backoffice misses report [--days 30] [--limit 30]
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from bot.db.models import SearchMiss
from bot.db.times import as_utc
from bot.text.masking import mask_personal
from bot.text.normalize import fold

# What the bot did with a question about a procedure; all but the first two are kept as misses.
ANSWERED = "answered"
WHICH_PROCEDURE = "which_procedure"  # a follow-up without a procedure under discussion: asked which
CANDIDATES = "candidates"
SIBLINGS = "siblings"
NOT_FOUND = "not_found"
OUTSIDE = "outside_catalogue"
NOT_UNDERSTOOD = "not_understood"
OUTCOMES = (CANDIDATES, SIBLINGS, NOT_FOUND, OUTSIDE, NOT_UNDERSTOOD)
PICK_WITHIN = timedelta(minutes=30)  # a choice this soon after the question answers it
MAX_QUESTION = 500


@dataclass(frozen=True)
class MissedQuestion:
    question: str  # masked
    outcome: str
    picked: str | None
    at: datetime


@dataclass(frozen=True)
class MissSummary:
    question: str  # the masked question, as first asked
    count: int
    outcome: str
    picked: tuple[tuple[str, int], ...]  # codes citizens picked afterwards, most often first


class MissLog:
    def __init__(
        self,
        sessions: sessionmaker,
        secret: bytes,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.sessions = sessions
        self.secret = secret
        self.clock = clock

    def _sender(self, channel: str, sender_id: str) -> str:
        key = f"{channel}:{sender_id}".encode()
        return hmac.new(self.secret, b"search-miss:" + key, hashlib.sha256).hexdigest()

    def record(
        self, channel: str, sender_id: str, question: str, outcome: str, offered: Sequence[str] = ()
    ) -> None:
        if outcome not in OUTCOMES or not question.strip():
            return
        with self.sessions.begin() as session:
            session.add(
                SearchMiss(
                    question=mask_personal(" ".join(question.split()))[:MAX_QUESTION],
                    outcome=outcome,
                    offered=list(offered)[:10],
                    sender_hash=self._sender(channel, sender_id),
                    created_at=self.clock(),
                )
            )

    def picked(self, channel: str, sender_id: str, code: str) -> bool:
        """The citizen chose `code` (a candidate or sibling button): it answers their latest open miss."""
        since = self.clock() - PICK_WITHIN
        with self.sessions.begin() as session:
            latest = session.execute(
                select(SearchMiss.id)
                .where(
                    SearchMiss.sender_hash == self._sender(channel, sender_id),
                    SearchMiss.picked.is_(None),
                    SearchMiss.created_at >= since,
                )
                .order_by(SearchMiss.id.desc())
                .limit(1)
            ).scalar()
            if latest is None:
                return False
            session.execute(update(SearchMiss).where(SearchMiss.id == latest).values(picked=code[:64]))
            return True

    def report(self, days: int = 30, limit: int = 30) -> list[MissSummary]:
        """The most frequent misses of the last `days`: questions grouped by their diacritic-free words."""
        since = self.clock() - timedelta(days=days)
        with self.sessions() as session:
            rows = session.execute(
                select(SearchMiss.question, SearchMiss.outcome, SearchMiss.picked).where(
                    SearchMiss.created_at >= since
                )
            ).all()
        groups: dict[str, list] = {}
        for question, outcome, picked in rows:
            groups.setdefault(" ".join(fold(question).split()), []).append((question, outcome, picked))
        summaries = [
            MissSummary(
                question=items[0][0],
                count=len(items),
                outcome=Counter(outcome for _, outcome, _ in items).most_common(1)[0][0],
                picked=tuple(Counter(picked for _, _, picked in items if picked).most_common(3)),
            )
            for items in groups.values()
        ]
        summaries.sort(key=lambda summary: (-summary.count, summary.question))
        return summaries[:limit]

    def between(self, start: datetime, end: datetime, limit: int = 2000) -> list[MissedQuestion]:
        """The questions kept from `start` to `end`, newest first (the analytics page groups them)."""
        with self.sessions() as session:
            rows = session.execute(
                select(SearchMiss.question, SearchMiss.outcome, SearchMiss.picked, SearchMiss.created_at)
                .where(SearchMiss.created_at >= start, SearchMiss.created_at < end)
                .order_by(SearchMiss.id.desc())
                .limit(limit)
            ).all()
        return [MissedQuestion(row.question, row.outcome, row.picked, as_utc(row.created_at)) for row in rows]

    def forget_older_than(self, days: int = 365) -> int:
        with self.sessions.begin() as session:
            result = session.execute(
                delete(SearchMiss).where(SearchMiss.created_at < self.clock() - timedelta(days=days))
            )
            return result.rowcount or 0

    def forget_sender(self, channel: str, sender_id: str) -> int:
        """Delete a conversation's questions (the citizen asked to erase their data)."""
        with self.sessions.begin() as session:
            result = session.execute(
                delete(SearchMiss).where(SearchMiss.sender_hash == self._sender(channel, sender_id))
            )
            return result.rowcount or 0
