"""What the citizen reads about their dossier: the message for each step an officer takes, and the full
status answer ("hồ sơ của tôi đang ở đâu"). Only for the dossier's owner: these texts carry their details."""

from __future__ import annotations

from datetime import date

from bot.text.money import money
from bot.workflow.clock import vietnam_time
from bot.workflow.states import (
    APPROVED,
    DECIDED,
    REJECTED,
    RESULT_READY,
    RETURNED,
    SUBMITTED_FOR_SIGNATURE,
    SUPPLEMENT_REQUESTED,
    ActionRule,
)
from bot.workflow.views import DossierView

# What each step means for the citizen; {department}, {officer}, {due}, {note} are filled in.
STEP_MESSAGES = {
    "accept": "Bộ phận Một cửa đã tiếp nhận hồ sơ. Hạn giải quyết: {due}.",
    "forward": "Hồ sơ đã được chuyển đến {department} để giải quyết.",
    "assign": "Cán bộ {officer} đang thụ lý hồ sơ của anh/chị.",
    "request_supplement": (
        "Anh/chị cần bổ sung: {note}.\n"
        "Thời hạn giải quyết tạm dừng và được tính lại từ đầu khi nhận đủ hồ sơ."
    ),
    "receive_supplement": "Đã nhận hồ sơ bổ sung. Hạn giải quyết mới: {due}.",
    "submit_for_signature": "Hồ sơ đã được trình lãnh đạo ký duyệt.",
    "approve": "Hồ sơ đã được lãnh đạo phê duyệt; em sẽ báo khi có kết quả để nhận.",
    "reject": "Hồ sơ bị từ chối giải quyết. Lý do: {note}.",
    "mark_result_ready": "Kết quả đã sẵn sàng; anh/chị mang giấy tờ tùy thân đến Bộ phận Một cửa để nhận ạ.",
    "return_result": "Kết quả đã được trả. Cảm ơn anh/chị đã sử dụng dịch vụ công trực tuyến!",
}


def _date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "chưa xác định"


def _title(view: DossierView) -> str:
    return f"hồ sơ {view.code} ({view.procedure_name}, mã {view.procedure_code})"


def _officer(view: DossierView) -> str:
    return view.officer.display_name if view.officer else "Cán bộ"


def change_message(view: DossierView, rule: ActionRule, note: str, detail: str | None = None) -> str:
    """The message pushed to the citizen's conversation when an officer takes `rule` on their dossier
    (`detail` replaces the step's usual sentence, e.g. how the result reaches this citizen)."""
    detail = detail or STEP_MESSAGES[rule.name].format(
        department=view.department.name if view.department else "phòng chuyên môn",
        officer=_officer(view),
        due=_date(view.timing.due_date),
        note=note.rstrip(".") or "không ghi",
    )
    return f"Dạ, {_title(view)} có cập nhật mới: {view.status_label}.\n{detail}"


def _clock_line(view: DossierView) -> str:
    timing = view.timing
    if timing.due_date is None:
        return "• Hạn giải quyết: danh mục không nêu thời hạn cụ thể."
    due = f"• Hạn giải quyết: {_date(timing.due_date)}"
    if timing.finished:
        verdict = (
            f"giải quyết trễ hạn {timing.late_working_days} ngày làm việc"
            if timing.is_late
            else "giải quyết đúng hạn"
        )
        return f"{due} — {verdict}."
    if timing.paused:
        return f"{due} — đang tạm dừng chờ anh/chị bổ sung hồ sơ (hạn được tính lại khi nhận đủ)."
    if timing.is_late:
        return f"{due} — đã trễ hạn {timing.late_working_days} ngày làm việc. Em thành thật xin lỗi anh/chị."
    return f"{due} — còn trong hạn (còn {timing.remaining_working_days} ngày làm việc)."


def _holder_line(view: DossierView) -> str:
    if view.status in (RESULT_READY, RETURNED):
        return "• Nơi giữ hồ sơ: Bộ phận Một cửa (trả kết quả)"
    if view.status == SUBMITTED_FOR_SIGNATURE:
        return "• Nơi giữ hồ sơ: Lãnh đạo đang ký duyệt"
    return f"• Nơi giữ hồ sơ: {view.department.name if view.department else 'Bộ phận Một cửa'}"


def _to_do(view: DossierView) -> list[str]:
    actions = []
    if view.status == SUPPLEMENT_REQUESTED and view.supplement_request:
        actions.append(f"bổ sung {view.supplement_request.rstrip('.')}")
    if view.fee_amount and not view.fee_paid and view.status not in (REJECTED, RETURNED):
        actions.append(f"nộp phí, lệ phí {money(view.fee_amount)}")
    if view.status == RESULT_READY:
        actions.append("đến Bộ phận Một cửa nhận kết quả (mang theo giấy tờ tùy thân)")
    return actions


def status_message(view: DossierView) -> str:
    """The full answer to "hồ sơ của tôi đang ở đâu" for the dossier's owner."""
    received = vietnam_time(view.received_at)
    lines = [
        f"Dạ, {_title(view)}:",
        f"• Bước hiện tại: {view.status_label}",
        _holder_line(view),
    ]
    if view.officer and view.status not in DECIDED:
        lines.append(f"• Người thụ lý: {view.officer.display_name}")
    lines.append(f"• Ngày tiếp nhận: {received:%d/%m/%Y}")
    lines.append(_clock_line(view))
    if view.status == REJECTED:
        reason = next((entry.note for entry in reversed(view.timeline) if entry.action == "reject"), "")
        if reason:
            lines.append(f"• Lý do từ chối: {reason}")
    to_do = _to_do(view)
    if to_do:
        lines.append("• Anh/chị cần: " + "; ".join(to_do) + ".")
    elif view.status not in DECIDED and view.status != APPROVED:
        lines.append("• Anh/chị chưa cần làm gì thêm; em sẽ báo ngay khi hồ sơ chuyển bước ạ.")
    return "\n".join(lines)
