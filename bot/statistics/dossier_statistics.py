"""Monthly figures of dossier processing, as commune portals publish them.

A dossier is *processed* (đã giải quyết) in the month of its `completed_at`, *on time* (đúng hạn) when it was
completed no later than its `due_at` (or has no due date) and *late* (trễ hạn) otherwise. *In progress*
(đang giải quyết) is a snapshot at the end of each month, or at `now` for the current month: received by
then and not completed by then; of those, *overdue* (quá hạn) are past their due date at that moment and not
paused while waiting for the citizen's supplement. Months follow Vietnam's calendar (Asia/Ho_Chi_Minh).

One query loads four columns of the dossiers that can matter (received or completed since the start of the
range, or not completed at all); the counting is done in Python with binary searches over the month
boundaries, so it stays linear in the number of dossiers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.db.models import Dossier, Payment
from bot.db.times import as_utc
from bot.text.normalize import fold
from bot.workflow.clock import VIETNAM

TOTAL = "total"
MAX_MONTHS = 36
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class MonthFigures:
    month: str  # "YYYY-MM", or "total" for the aggregate over the whole range
    received: int  # received in the month
    processed: int  # completed in the month
    on_time: int  # processed no later than the due date, or without a due date
    late: int  # processed after the due date
    late_rate: float  # percent of processed that were late, one decimal; 0.0 when nothing was processed
    in_progress: int  # at the end of the month (at `now` for the current month and the total)
    overdue_in_progress: int  # of those, past the due date and not paused for a supplement
    paid_online: int = 0  # fees paid online (VNPay) in the month

    @property
    def year(self) -> int:
        return int(self.month[:4])

    @property
    def month_number(self) -> int:
        return int(self.month[5:7])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Statistics:
    generated_at: datetime  # aware
    months: tuple[MonthFigures, ...]  # oldest first; the last one is the current month
    totals: MonthFigures  # month="total"; in_progress and overdue_in_progress as of generated_at
    commune: str = ""

    @property
    def current(self) -> MonthFigures:
        return self.months[-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.astimezone(VIETNAM).isoformat(timespec="seconds"),
            "commune": self.commune,
            "totals": self.totals.to_dict(),
            "months": [figures.to_dict() for figures in self.months],
        }


def late_rate(late: int, processed: int) -> float:
    """Percent of `processed` that were late, rounded half up to one decimal (1 of 16 → 6.3)."""
    if processed <= 0:
        return 0.0
    percent = Decimal(late * 100) / Decimal(processed)
    return float(percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _naive_utc(moment: datetime) -> datetime:
    """The comparisons run on naive UTC datetimes, as SQLite returns them (no per-row conversion there)."""
    return moment if moment.tzinfo is None else moment.astimezone(timezone.utc).replace(tzinfo=None)


def _month_starts(now: datetime, months: int) -> list[datetime]:
    """The UTC instants at which the `months` Vietnam calendar months ending with now's month begin, plus
    the start of the following month (months + 1 boundaries)."""
    local = now.astimezone(VIETNAM)
    index = local.year * 12 + local.month - 1 - (months - 1)
    starts = []
    for offset in range(months + 1):
        year, month = divmod(index + offset, 12)
        starts.append(datetime(year, month + 1, 1, tzinfo=VIETNAM).astimezone(timezone.utc))
    return starts


def _figures(
    month: str, received: int, on_time: int, late: int, in_progress: int, overdue: int, paid_online: int = 0
) -> MonthFigures:
    processed = on_time + late
    return MonthFigures(
        month=month,
        received=received,
        processed=processed,
        on_time=on_time,
        late=late,
        late_rate=late_rate(late, processed),
        in_progress=in_progress,
        overdue_in_progress=overdue,
        paid_online=paid_online,
    )


def dossier_statistics(
    session_factory: Callable[[], Session], *, now: datetime, months: int = 12, commune: str = ""
) -> Statistics:
    """Figures for the `months` calendar months (Vietnam time) ending with now's month, oldest first."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be between 1 and {MAX_MONTHS}, not {months}")
    now = as_utc(now)
    starts = _month_starts(now, months)
    range_start = starts[0]
    # The moment of each in-progress snapshot: the last instant of each past month, and now for this one.
    snapshots = [_naive_utc(start - _JUST_BEFORE) for start in starts[1:-1]] + [_naive_utc(now)]
    bounds = [_naive_utc(start) for start in starts]
    first_bound, last_snapshot = bounds[0], snapshots[-1]

    query = select(Dossier.received_at, Dossier.completed_at, Dossier.due_at, Dossier.clock_paused_at).where(
        Dossier.received_at <= now,
        or_(
            Dossier.received_at >= range_start,
            Dossier.completed_at.is_(None),
            Dossier.completed_at >= range_start,
        ),
    )
    payments = select(Payment.paid_at).where(
        Payment.status == "paid", Payment.paid_at >= range_start, Payment.paid_at <= now
    )
    with session_factory() as session:
        rows = session.execute(query).all()
        paid_at = [_naive_utc(moment) for (moment,) in session.execute(payments).all()]
    paid_online = [0] * months
    for moment in paid_at:
        paid_online[bisect_right(bounds, moment) - 1] += 1

    received = [0] * months
    on_time = [0] * months
    late = [0] * months
    # Difference arrays: +1 where a dossier's run of in-progress snapshots starts, -1 after it ends.
    in_progress = [0] * (months + 1)
    overdue = [0] * (months + 1)
    for received_at, completed_at, due_at, paused_at in rows:
        if received_at.tzinfo is not None:  # PostgreSQL gives aware datetimes
            received_at = _naive_utc(received_at)
            completed_at = _naive_utc(completed_at) if completed_at is not None else None
            due_at = _naive_utc(due_at) if due_at is not None else None
            paused_at = _naive_utc(paused_at) if paused_at is not None else None

        if received_at >= first_bound:
            received[bisect_right(bounds, received_at) - 1] += 1
        if completed_at is not None and first_bound <= completed_at <= last_snapshot:
            index = bisect_right(bounds, completed_at) - 1
            if due_at is None or completed_at <= due_at:
                on_time[index] += 1
            else:
                late[index] += 1

        # In progress at snapshot s: received_at <= s < completed_at.
        first = bisect_left(snapshots, received_at)
        end = months if completed_at is None else bisect_left(snapshots, completed_at)
        if first >= end:
            continue
        in_progress[first] += 1
        in_progress[end] -= 1
        if due_at is None:
            continue
        # Overdue at snapshot s: also due_at < s, and not paused (paused from clock_paused_at onwards).
        overdue_first = max(first, bisect_right(snapshots, due_at))
        overdue_end = end if paused_at is None else min(end, bisect_left(snapshots, paused_at))
        if overdue_first < overdue_end:
            overdue[overdue_first] += 1
            overdue[overdue_end] -= 1

    figures = []
    running_in_progress = running_overdue = 0
    for index, start in enumerate(starts[:-1]):
        running_in_progress += in_progress[index]
        running_overdue += overdue[index]
        figures.append(
            _figures(
                start.astimezone(VIETNAM).strftime("%Y-%m"),
                received[index],
                on_time[index],
                late[index],
                running_in_progress,
                running_overdue,
                paid_online[index],
            )
        )
    totals = _figures(
        TOTAL,
        sum(received),
        sum(on_time),
        sum(late),
        figures[-1].in_progress,
        figures[-1].overdue_in_progress,
        sum(paid_online),
    )
    return Statistics(generated_at=now, months=tuple(figures), totals=totals, commune=commune)


def _number(value: int) -> str:
    """Vietnamese digit grouping: 12.345."""
    return f"{value:,}".replace(",", ".")


def format_rate(rate: float) -> str:
    """A percentage with the Vietnamese decimal comma: 8,3%; whole numbers without decimals: 0%, 100%."""
    text = f"{rate:.1f}".removesuffix(".0").replace(".", ",")
    return f"{text}%"


def describe_month(figures: MonthFigures, *, current: bool) -> str:
    """One polite sentence (two at most) about a month's figures, for the chatbot's answer."""
    period = f"tháng {figures.month_number}/{figures.year}" + (" (tính đến hôm nay)" if current else "")
    if figures.processed == 0:
        if figures.received:
            summary = (
                f"Dạ, {period} xã đã tiếp nhận {_number(figures.received)} hồ sơ, "
                "chưa có hồ sơ nào được giải quyết."
            )
        else:
            summary = f"Dạ, {period} xã chưa có hồ sơ nào được giải quyết."
    else:
        summary = (
            f"Dạ, {period} xã đã giải quyết {_number(figures.processed)} hồ sơ: "
            f"{_number(figures.on_time)} đúng hạn, {_number(figures.late)} trễ hạn — "
            f"tỉ lệ trễ hạn {format_rate(figures.late_rate)}."
        )
    when = "Hiện" if current else "Cuối tháng"
    if figures.in_progress == 0:
        backlog = f"{when} không còn hồ sơ nào đang giải quyết."
    elif figures.overdue_in_progress == 0:
        backlog = (
            f"{when} còn {_number(figures.in_progress)} hồ sơ đang giải quyết, chưa có hồ sơ nào quá hạn."
        )
    else:
        backlog = (
            f"{when} còn {_number(figures.in_progress)} hồ sơ đang giải quyết, "
            f"trong đó {_number(figures.overdue_in_progress)} hồ sơ đã quá hạn."
        )
    return f"{summary} {backlog}"


def answer_question(statistics: Statistics, question: str) -> str:
    """The chat's answer to "tỉ lệ trễ hạn tháng này?": this month, or last month when the citizen says so."""
    last_month = "thang truoc" in fold(question) and len(statistics.months) > 1
    figures = statistics.months[-2] if last_month else statistics.months[-1]
    return describe_month(figures, current=not last_month)
