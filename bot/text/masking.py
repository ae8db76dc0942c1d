"""Remove personal data from a citizen's free text before it is kept (question logs, analytics): identity
and phone numbers, e-mail addresses, and personal names introduced the usual ways."""

from __future__ import annotations

import re

# Vietnamese mobile and landline numbers, with or without +84 and separators.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\d)")
# CCCD (12 digits), CMND (9 digits), passport numbers (a letter and 7 digits), long number runs.
_ID_NUMBER = re.compile(r"(?<![\w])(?:\d[\s.]?){9,12}(?![\w])|\b[A-Za-z]\d{7}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The common family names: a capitalised run of 2–4 words starting with one is taken for a person's name,
# unless it is a place that starts the same way.
_SURNAMES = (
    "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Đào|Đoàn|Vương|Trịnh|Trương|"
    "Lâm|Phùng|Mai|Tô|Hà|Tạ|Lương|Đinh|Thái|Quách|Cao|Chu|Kiều|Lưu|Triệu|Văn|Nông|Lò|Hứa|Mạc|Tăng|Từ"
)
_PLACES = (
    "Hà Nội|Hà Giang|Hà Nam|Hà Tĩnh|Hà Tiên|Hà Đông|Cao Bằng|Cao Lãnh|Lâm Đồng|Thái Bình|Thái Nguyên|"
    "Hồ Chí Minh|Phan Thiết|Phan Rang|Lý Sơn|Mai Châu|Văn Phòng|Văn Bản"
)
_NAME = re.compile(rf"\b(?!(?:{_PLACES})\b)(?:{_SURNAMES})((?:\s+\w+){{1,3}})")
# "tên là lan", "tên con là Minh Anh": the words after such a phrase are a name, capitalised or not
# ("đứng tên sổ đỏ" is not: "là" is required).
_NAMED = re.compile(
    r"(?i)\b((?:họ )?tên(?: của)?(?: tôi| em| con| cháu| mình| bé| ông| bà| bố| mẹ)? là)"
    r"\s+([^\s,.;!?]+(?:\s+[^\s,.;!?]+){0,2})"
)


def _name(match: re.Match[str]) -> str:
    """The surname and the capitalised words after it are the name; what follows is kept."""
    words = match.group(1).split()
    given = 0
    while given < len(words) and words[given][0].isupper():
        given += 1
    if not given:
        return match.group(0)
    rest = " ".join(words[given:])
    return "[họ tên]" + (f" {rest}" if rest else "")


def mask_personal(text: str) -> str:
    masked = _EMAIL.sub("[email]", text)
    masked = _PHONE.sub("[số điện thoại]", masked)
    masked = _ID_NUMBER.sub("[số giấy tờ]", masked)
    masked = _NAME.sub(_name, masked)
    return _NAMED.sub(lambda match: f"{match.group(1)} [họ tên]", masked)
