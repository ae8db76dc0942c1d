"""How the result comes back to the citizen (level 4): online as a file, by post, or at the desk.

The citizen chooses in the form (`result_delivery`, `delivery_address`: data/procedures.yml common_fields);
an officer can change it; when the result is marked ready the citizen is told accordingly: a tokenised link
to the result file, the postal tracking note, or the desk's address, hours and what to bring."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.text.money import money

AT_DESK = "Tại Bộ phận Một cửa"
ONLINE = "Nhận trực tuyến"
BY_POST = "Qua bưu điện"
CHOICES = (AT_DESK, ONLINE, BY_POST)
FIELD = "result_delivery"
ADDRESS_FIELD = "delivery_address"
MAX_RESULT_BYTES = 10 * 1024 * 1024  # the back-office's upload limit

READY_ONLINE = (
    "Kết quả đã sẵn sàng. Anh/chị tải bản điện tử (có chữ ký số) tại: {url}\n"
    "Liên kết chỉ dành cho anh/chị, anh/chị không chia sẻ cho người khác ạ."
)
READY_BY_POST = (
    "Kết quả đã được gửi qua bưu điện đến địa chỉ: {address}. Mã bưu gửi: {note}; anh/chị tra cứu hành trình "
    "trên trang của bưu điện và nhận tại nhà ạ."
)
READY_AT_DESK = (
    "Kết quả đã sẵn sàng; anh/chị đến {desk} trong giờ làm việc ({hours}) để nhận, mang theo căn cước và bản "
    "chính các giấy tờ đã khai{fee}."
)
NEEDS_FILE = (
    "Hồ sơ nhận kết quả trực tuyến: vui lòng tải lên tệp kết quả (PDF đã ký số) trước khi báo sẵn sàng."
)
NEEDS_TRACKING = "Hồ sơ nhận kết quả qua bưu điện: vui lòng ghi mã bưu gửi vào ghi chú."
NEEDS_ADDRESS = "Vui lòng ghi địa chỉ nhận kết quả qua bưu điện."
UNKNOWN_CHOICE = "Hình thức nhận kết quả phải là một trong: " + ", ".join(CHOICES) + "."
CHANGED = "Dạ, hình thức nhận kết quả của hồ sơ {code} đã được đổi thành: {choice}{address}."
PDF = re.compile(rb"^%PDF-")


def chosen(answers: Mapping[str, Any]) -> str:
    """The citizen's choice (dossiers filed before the question existed are collected at the desk)."""
    value = str(answers.get(FIELD) or AT_DESK)
    return value if value in CHOICES else AT_DESK


@dataclass(frozen=True)
class DeskInfo:
    name: str
    address: str
    hours: str

    @property
    def where(self) -> str:
        return f"{self.name} ({self.address})" if self.address else self.name


class ResultFiles:
    """The result files officers upload for online delivery, one PDF per dossier under `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, code: str) -> Path:
        return self.directory / f"{re.sub(r'[^0-9A-Za-z.-]', '_', code)}.pdf"

    def save(self, code: str, content: bytes) -> None:
        if not PDF.match(content):
            raise ValueError("Tệp kết quả phải là PDF.")
        if len(content) > MAX_RESULT_BYTES:
            raise ValueError("Tệp kết quả lớn hơn 10 MB.")
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.path(code).with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(self.path(code))  # a half-written file is never served

    def get(self, code: str) -> bytes | None:
        path = self.path(code)
        return path.read_bytes() if path.is_file() else None

    def has(self, code: str) -> bool:
        return self.path(code).is_file()

    def delete(self, code: str) -> bool:
        """Remove a dossier's result file; False when there was none."""
        path = self.path(code)
        if not path.is_file():
            return False
        path.unlink()
        return True


@dataclass
class ResultDelivery:
    files: ResultFiles
    desk: DeskInfo
    result_url: Callable[[str], str]  # the citizen's tokenised link to a dossier's result file

    def refusal(self, code: str, answers: Mapping[str, Any], note: str, approved: bool) -> str | None:
        """Why the result cannot be marked ready yet, or None."""
        choice = chosen(answers)
        if approved and choice == ONLINE and not self.files.has(code):
            return NEEDS_FILE
        if approved and choice == BY_POST and not note.strip():
            return NEEDS_TRACKING
        return None

    def ready_message(
        self, code: str, answers: Mapping[str, Any], note: str, approved: bool, unpaid_fee: int | None
    ) -> str:
        choice = chosen(answers) if approved else AT_DESK  # a refusal decision is handed over at the desk
        if choice == ONLINE:
            return READY_ONLINE.format(url=self.result_url(code))
        if choice == BY_POST:
            return READY_BY_POST.format(address=answers.get(ADDRESS_FIELD) or "đã khai", note=note.strip())
        fee = f", và lệ phí {money(unpaid_fee)} nếu chưa nộp trực tuyến" if unpaid_fee else ""
        return READY_AT_DESK.format(desk=self.desk.where, hours=self.desk.hours, fee=fee)


def validate_change(choice: str, address: str) -> str | None:
    if choice not in CHOICES:
        return UNKNOWN_CHOICE
    if choice == BY_POST and not address.strip():
        return NEEDS_ADDRESS
    return None
