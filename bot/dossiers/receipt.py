"""The receipt a citizen gets when a dossier is submitted."""

from __future__ import annotations

from bot.catalog.model import ONLINE, Procedure
from bot.dossiers.submission import SubmittedDossier
from bot.replies import File, Reply


def fee_summary(procedure: Procedure | None) -> str:
    if procedure is None or not procedure.channels:
        return "theo quy định (danh mục không nêu)"
    channel = next((c for c in procedure.channels if c.kind == ONLINE), procedure.channels[0])
    fee = channel.fee
    if fee.free and not fee.amounts_vnd and not fee.note:
        return "Miễn phí"
    text = fee.text or "danh mục không nêu"
    return f"{text} (ghi chú của danh mục: {fee.note})" if fee.note else text


def receipt(dossier: SubmittedDossier, procedure: Procedure | None, pdf_url: str) -> list[Reply]:
    opening = (
        "Dạ, hồ sơ của anh/chị đã được gửi thành công!"
        if dossier.created
        else "Dạ, hồ sơ này đã được gửi trước đó, em không tạo thêm hồ sơ mới."
    )
    if dossier.due_date:
        due = f"{dossier.due_date:%d/%m/%Y}"
        if dossier.due_is_estimate:
            due += " (dự kiến: danh mục không ghi rõ đơn vị thời hạn, em tính theo ngày làm việc)"
    else:
        due = "danh mục không nêu thời hạn; Bộ phận Một cửa sẽ hẹn khi tiếp nhận"
    lines = [
        opening,
        f"• Mã hồ sơ: {dossier.code}",
        f"• Thủ tục: {dossier.procedure_name} (mã {dossier.procedure_code})",
        "• Tình trạng: Mới tiếp nhận tại Bộ phận Một cửa",
        f"• Ngày hẹn trả kết quả: {due}",
        f"• Phí, lệ phí: {dossier.fee_text or fee_summary(procedure)}",
        "Tiếp theo: Bộ phận Một cửa kiểm tra hồ sơ trong giờ hành chính; nếu cần bổ sung giấy tờ, em sẽ nhắn "
        "anh/chị ngay tại đây. Khi nhận kết quả, anh/chị mang theo bản chính các giấy tờ đã khai.",
        f"Tờ khai (PDF) để in: {pdf_url}",
        "Anh/chị giữ mã hồ sơ để tra cứu tình trạng ạ.",
    ]
    return [Reply("\n".join(lines), files=(File(pdf_url, f"to-khai-{dossier.code}.pdf"),))]
