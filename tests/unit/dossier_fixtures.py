"""A form, a procedure and a settable clock shared by the dossier workflow and status tests."""

from datetime import datetime, timezone

from bot.catalog.model import ONLINE, Channel, Fee, Procedure, TimeLimit
from bot.forms.definitions import FieldSpec, FormSpec

FORM = FormSpec(
    "1.001193",
    "Tờ khai đăng ký khai sinh",
    (FieldSpec("applicant_full_name", "Họ tên", "?"), FieldSpec("applicant_phone", "SĐT", "?", type="phone")),
)
BIRTH = Procedure(
    code="1.001193",
    name="Thủ tục đăng ký khai sinh",
    portal_url="https://dichvucong.gov.vn/p/1.001193",
    channels=(Channel(ONLINE, TimeLimit("3 ngày làm việc", 3, "ngày làm việc"), Fee("8.000 đồng", (8000,))),),
)
FRIDAY_10AM = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vietnam


class Clock:
    def __init__(self) -> None:
        self.now = FRIDAY_10AM

    def __call__(self) -> datetime:
        return self.now
