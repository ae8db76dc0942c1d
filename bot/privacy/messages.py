"""What the assistant tells a citizen about their personal data (bot/privacy/subject_access.py), in one place.

The exceptions to erasure are explained in general terms: Decree 13/2023/NĐ-CP (Articles 16 and 17) lets data
be kept when a law requires it to be kept or when a state agency needs it for a task the law gives it."""

from __future__ import annotations

from datetime import datetime

from bot.privacy.held_data import Erasure, HeldConversation, HeldDossier, SubjectData
from bot.workflow.clock import VIETNAM

CHANNEL_NAMES = {"rest": "trang web", "socketio": "trang web", "telegram": "Telegram", "zalo": "Zalo"}

NOTHING_KEPT = "Dạ, hệ thống hiện không lưu hồ sơ hay cuộc trò chuyện nào của anh/chị."
INTRO = "Dạ, đây là dữ liệu cá nhân hệ thống đang lưu về anh/chị:"
NOT_VERIFIED = (
    "Em mới tìm theo cuộc trò chuyện này. Để xem cả các hồ sơ nộp từ nơi khác, anh/chị xác minh số điện "
    "thoại đã khai trong hồ sơ bằng mã gửi qua SMS ạ."
)
WHAT_DOSSIERS_HOLD = (
    "Các thông tin đã khai (họ tên, số CCCD, số điện thoại, địa chỉ…) nằm trong hồ sơ để cán bộ giải quyết "
    "thủ tục; mã xác thực gửi qua SMS được xóa sau một ngày."
)
HOW_TO_ERASE = (
    'Anh/chị có thể nhắn "xóa dữ liệu của tôi" để xóa nội dung các cuộc trò chuyện; hồ sơ được giữ theo '
    "quy định lưu trữ."
)
LEGAL_BASIS = (
    "Theo Nghị định 13/2023/NĐ-CP (Điều 16, 17), dữ liệu cá nhân không bị xóa khi pháp luật quy định phải "
    "lưu giữ, hoặc khi cơ quan nhà nước cần để thực hiện nhiệm vụ theo quy định của pháp luật."
)


def day(moment: datetime) -> str:
    return f"{moment.astimezone(VIETNAM):%d/%m/%Y}"


def _dossier_line(dossier: HeldDossier) -> str:
    line = f"• Hồ sơ {dossier.code} ({dossier.procedure_name}), nộp ngày {day(dossier.received_at)}: "
    if dossier.erased_at is not None:
        return line + f"đã giải quyết xong; thông tin cá nhân đã được ẩn danh ngày {day(dossier.erased_at)}."
    if dossier.closed_at is None or dossier.kept_until is None:
        return line + f"{dossier.status_label}; lưu trong suốt quá trình giải quyết."
    return (
        line + f"đã trả kết quả ngày {day(dossier.closed_at)}; thông tin cá nhân trong hồ sơ được lưu đến "
        f"ngày {day(dossier.kept_until)}, sau đó được ẩn danh."
    )


def _conversation_line(chat: HeldConversation, days: int) -> str:
    where = CHANNEL_NAMES.get(chat.channel, chat.channel)
    first, last = day(chat.first_at), day(chat.last_at)
    when = f"ngày {first}" if first == last else f"từ ngày {first} đến ngày {last}"
    line = f"• Cuộc trò chuyện trên {where}, {when}: "
    if chat.anonymised:
        return line + "nội dung đã được ẩn danh, chỉ còn số liệu thống kê (loại câu hỏi, thời điểm)."
    return (
        line + f"{chat.messages} tin nhắn; nội dung được ẩn danh sau {days} ngày không trao đổi "
        f"(ngày {day(chat.anonymised_after)} nếu anh/chị không nhắn thêm)."
    )


def describe(data: SubjectData) -> str:
    if not data.dossiers and not data.conversations:
        return NOTHING_KEPT
    lines = [INTRO]
    lines += [_dossier_line(dossier) for dossier in data.dossiers]
    lines += [_conversation_line(chat, data.chat_retention_days) for chat in data.conversations]
    if data.dossiers:
        lines.append(WHAT_DOSSIERS_HOLD)
    if not data.phone_verified:
        lines.append(NOT_VERIFIED)
    lines.append(HOW_TO_ERASE)
    return "\n".join(lines)


def _codes(dossiers: tuple[HeldDossier, ...]) -> str:
    return ", ".join(dossier.code for dossier in dossiers)


def erasure(result: Erasure) -> str:
    lines = [
        "Dạ, em đã xóa nội dung các cuộc trò chuyện của anh/chị (tin nhắn và thông tin đã nhập trong trò "
        "chuyện); hệ thống chỉ giữ số liệu thống kê không gắn với nội dung."
        if result.conversations
        else "Dạ, các cuộc trò chuyện của anh/chị không còn nội dung nào cần xóa."
    ]
    if result.pending:
        lines.append(
            f"Hồ sơ {_codes(result.pending)} đang được giải quyết: đây là hồ sơ pháp lý của thủ tục "
            "hành chính anh/chị đã nộp nên không xóa được trong khi cơ quan đang xử lý. Nếu không muốn tiếp "
            "tục, anh/chị liên hệ Bộ phận Một cửa ạ."
        )
    for dossier in result.closed:
        until = day(dossier.kept_until) if dossier.kept_until else "hết thời hạn lưu trữ"
        lines.append(
            f"Hồ sơ {dossier.code} đã giải quyết xong và được lưu đến ngày {until} theo thời hạn lưu trữ "
            "hồ sơ hành chính. Trong thời gian đó, thông tin cá nhân trong hồ sơ cũng không xóa riêng được "
            "vì là một phần của hồ sơ lưu trữ; hết thời hạn, thông tin này tự động được ẩn danh."
        )
    if result.pending or result.closed:
        lines.append(LEGAL_BASIS)
    if result.erased:
        lines.append(f"Hồ sơ {_codes(result.erased)}: thông tin cá nhân đã được ẩn danh trước đây.")
    return "\n".join(lines)
