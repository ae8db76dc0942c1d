"""The analytics page's figures for one range of periods: the conversations (bot/analytics/conversations.py),
handovers to officers and their waits, citizens' ratings, and the questions the bot could not answer, grouped
(bot/analytics/questions.py). Computed on request from the stored data; nothing is precomputed."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.analytics import conversations
from bot.analytics.periods import Bucket, BucketIndex, buckets, local_today
from bot.analytics.questions import Embed, QuestionGroup, group
from bot.catalog.misses import MissLog
from bot.db.times import as_utc
from bot.feedback.models import BAD, GOOD, SUBJECTS, Feedback
from bot.forms.definitions import FormSpec
from bot.handover.models import LIVE, HandoverRequest
from bot.privacy.conversations import ConversationStore

SUBJECT_LABELS = {
    "answer": "Câu trả lời về thủ tục",
    "dossier": "Hồ sơ đã trả kết quả",
    "handover": "Trò chuyện với cán bộ",
}


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class PeriodRow:
    label: str
    conversations: int
    messages: int
    understood: int
    nlu_fallbacks: int
    handovers: int
    rated_good: int
    rated_bad: int
    forms_started: int
    forms_finished: int

    @property
    def understood_rate(self) -> float | None:
        return share(self.understood, self.messages)

    @property
    def satisfaction(self) -> float | None:
        return share(self.rated_good, self.rated_good + self.rated_bad)


@dataclass(frozen=True)
class HandoverFigures:
    requests: int
    live: int
    callbacks: int
    claimed: int
    never_claimed: int  # live requests closed (cancelled by the citizen) before any officer took them
    conversations_rate: float | None  # share of conversations that asked for an officer
    median_wait_minutes: float | None
    p90_wait_minutes: float | None


@dataclass(frozen=True)
class Satisfaction:
    subject: str
    label: str
    good: int
    bad: int

    @property
    def rate(self) -> float | None:
        return share(self.good, self.good + self.bad)


@dataclass(frozen=True)
class ProcedureAsks:
    code: str
    name: str
    conversations: int


@dataclass(frozen=True)
class Report:
    granularity: str
    spans: tuple[Bucket, ...]
    rows: tuple[PeriodRow, ...]
    totals: PeriodRow
    procedures: tuple[ProcedureAsks, ...]
    forms: tuple[conversations.FormFunnel, ...]
    handover: HandoverFigures
    satisfaction: tuple[Satisfaction, ...]
    questions: tuple[QuestionGroup, ...]
    generated_at: datetime


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the value at rank ⌈fraction·n⌉ of the sorted values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Analytics:
    def __init__(
        self,
        sessions: sessionmaker,
        store: ConversationStore,
        misses: MissLog,
        procedure_name: Callable[[str], str | None],
        forms: Mapping[str, FormSpec],
        embed: Embed | None = None,
        not_understood_texts: tuple[str, ...] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        top: int = 10,
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.misses = misses
        self.procedure_name = procedure_name
        self.forms = forms
        self.embed = embed
        self.not_understood_texts = not_understood_texts
        self.clock = clock
        self.top = top

    def report(self, granularity: str, with_questions: bool = True) -> Report:
        now = self.clock()
        spans = buckets(granularity, local_today(now))
        start, end = spans[0].start, spans[-1].end
        talk = conversations.read(
            self.store.events_between(start, end), spans, self.forms, self.not_understood_texts
        )
        index = BucketIndex(spans)
        handovers, handover = self._handovers(start, end, index, len(spans), talk.conversations)
        ratings, satisfaction = self._ratings(start, end, index, len(spans))
        rows = tuple(
            PeriodRow(
                label=span.label,
                conversations=len(counts.conversations),
                messages=counts.messages,
                understood=counts.understood,
                nlu_fallbacks=counts.nlu_fallbacks,
                handovers=handovers[position],
                rated_good=ratings[position][GOOD],
                rated_bad=ratings[position][BAD],
                forms_started=counts.forms_started,
                forms_finished=counts.forms_finished,
            )
            for position, (span, counts) in enumerate(zip(spans, talk.periods, strict=True))
        )
        totals = PeriodRow(
            label="Tổng",
            conversations=len(talk.conversations),
            messages=talk.messages,
            understood=talk.understood,
            nlu_fallbacks=talk.nlu_fallbacks,
            handovers=sum(handovers),
            rated_good=sum(rating[GOOD] for rating in ratings),
            rated_bad=sum(rating[BAD] for rating in ratings),
            forms_started=sum(row.forms_started for row in rows),
            forms_finished=sum(row.forms_finished for row in rows),
        )
        procedures = tuple(
            ProcedureAsks(code, self.procedure_name(code) or code, count)
            for code, count in talk.procedures[: self.top]
        )
        questions = group(self.misses.between(start, end), self.embed) if with_questions else []
        return Report(
            granularity,
            tuple(spans),
            rows,
            totals,
            procedures,
            talk.forms,
            handover,
            satisfaction,
            tuple(questions),
            now,
        )

    def _handovers(
        self, start: datetime, end: datetime, index: BucketIndex, periods: int, talked: frozenset[str]
    ) -> tuple[list[int], HandoverFigures]:
        with self.sessions() as session:
            rows = (
                session.execute(
                    select(HandoverRequest).where(
                        HandoverRequest.created_at >= start, HandoverRequest.created_at < end
                    )
                )
                .scalars()
                .all()
            )
            per_period = [0] * periods
            waits: list[float] = []
            asked: set[str] = set()
            live = claimed = never_claimed = 0
            for row in rows:
                created = as_utc(row.created_at)
                position = index.of(created.timestamp())
                if position is not None:
                    per_period[position] += 1
                asked.add(row.sender_id)
                if row.kind != LIVE:
                    continue
                live += 1
                if row.claimed_at is not None:
                    claimed += 1
                    waits.append((as_utc(row.claimed_at) - created).total_seconds() / 60)
                elif row.closed_at is not None:
                    never_claimed += 1
        figures = HandoverFigures(
            requests=len(rows),
            live=live,
            callbacks=len(rows) - live,
            claimed=claimed,
            never_claimed=never_claimed,
            conversations_rate=share(len(asked & talked), len(talked)),
            median_wait_minutes=percentile(waits, 0.5),
            p90_wait_minutes=percentile(waits, 0.9),
        )
        return per_period, figures

    def _ratings(
        self, start: datetime, end: datetime, index: BucketIndex, periods: int
    ) -> tuple[list[dict[str, int]], tuple[Satisfaction, ...]]:
        with self.sessions() as session:
            rows = session.execute(
                select(Feedback.subject, Feedback.rating, Feedback.created_at).where(
                    Feedback.created_at >= start, Feedback.created_at < end
                )
            ).all()
        per_period = [{GOOD: 0, BAD: 0} for _ in range(periods)]
        by_subject = {subject: {GOOD: 0, BAD: 0} for subject in SUBJECTS}
        for subject, rating, created_at in rows:
            position = index.of(as_utc(created_at).timestamp())
            if position is None or rating not in (GOOD, BAD):
                continue
            per_period[position][rating] += 1
            by_subject.setdefault(subject, {GOOD: 0, BAD: 0})[rating] += 1
        satisfaction = tuple(
            Satisfaction(subject, SUBJECT_LABELS.get(subject, subject), counts[GOOD], counts[BAD])
            for subject, counts in by_subject.items()
        )
        return per_period, satisfaction
