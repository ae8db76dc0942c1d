"""The analytics page's tables as CSV (UTF-8 with a byte-order mark, so that Excel shows Vietnamese)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from bot.analytics.report import Report

BOM = "\ufeff"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _periods(report: Report) -> Iterable[list[object]]:
    yield [
        "ky",
        "cuoc_tro_chuyen",
        "tin_nhan",
        "hieu_duoc",
        "ty_le_hieu_%",
        "nlu_fallback",
        "gap_can_bo",
        "danh_gia_hai_long",
        "danh_gia_chua_hai_long",
        "hai_long_%",
        "ho_so_bat_dau",
        "ho_so_nop_xong",
    ]
    for row in (*report.rows, report.totals):
        yield [
            row.label,
            row.conversations,
            row.messages,
            row.understood,
            _percent(row.understood_rate),
            row.nlu_fallbacks,
            row.handovers,
            row.rated_good,
            row.rated_bad,
            _percent(row.satisfaction),
            row.forms_started,
            row.forms_finished,
        ]


def _procedures(report: Report) -> Iterable[list[object]]:
    yield ["ma_thu_tuc", "ten_thu_tuc", "so_cuoc_tro_chuyen_hoi"]
    for asks in report.procedures:
        yield [asks.code, asks.name, asks.conversations]


def _forms(report: Report) -> Iterable[list[object]]:
    yield ["ma_thu_tuc", "to_khai", "bat_dau", "nop_xong", "dung_lai_o", "so_luong"]
    for funnel in report.forms:
        stops = funnel.stopped_at or (("", 0),)
        for stage, count in stops:
            yield [funnel.procedure_code, funnel.title, funnel.started, funnel.finished, stage, count]


def _questions(report: Report) -> Iterable[list[object]]:
    yield ["cau_hoi", "so_lan", "loai", "cach_hoi_khac", "thu_tuc_nguoi_dan_chon"]
    for found in report.questions:
        picked = "; ".join(f"{code} ({count})" for code, count in found.picked)
        yield [found.question, found.count, found.kind, " | ".join(found.examples), picked]


def _satisfaction(report: Report) -> Iterable[list[object]]:
    yield ["doi_tuong", "hai_long", "chua_hai_long", "hai_long_%"]
    for rated in report.satisfaction:
        yield [rated.label, rated.good, rated.bad, _percent(rated.rate)]


SECTIONS: dict[str, Callable[[Report], Iterable[list[object]]]] = {
    "periods": _periods,
    "procedures": _procedures,
    "forms": _forms,
    "questions": _questions,
    "satisfaction": _satisfaction,
}


def csv_text(report: Report, section: str) -> str:
    if section not in SECTIONS:
        raise ValueError(f"section must be one of {', '.join(SECTIONS)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(SECTIONS[section](report))
    return BOM + out.getvalue()
