"""Dossier codes, due dates in working days, idempotent submission in one transaction."""

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from bot.calendar.working_days import WorkingCalendar
from bot.catalog.model import ONLINE, Channel, Fee, TimeLimit
from bot.db.models import Dossier
from bot.db.session import session_factory, upgrade_schema
from bot.dossiers.status_lookup import find_code
from bot.dossiers.submission import DossierService, dossier_code, due_date
from bot.forms.definitions import FieldSpec, FormSpec
from bot.services import Services
from bot.settings import DEMO_AGENCY_CODE, load_settings
from tests.unit.catalog_fixtures import procedure

FORM = FormSpec(
    "1.001193",
    "Tờ khai đăng ký khai sinh",
    (FieldSpec("applicant_full_name", "Họ tên", "?"), FieldSpec("applicant_phone", "SĐT", "?", type="phone")),
)
CALENDAR = WorkingCalendar()


def test_code_format():
    assert dossier_code("000.00.12.H23", date(2025, 11, 22), 7) == "000.00.12.H23-251122-0007"


@pytest.mark.parametrize(
    ("received", "limit", "expected", "estimate"),
    [
        # Friday + 3 working days -> Wednesday
        (
            datetime(2026, 11, 20, 10),
            TimeLimit("03 ngày làm việc", 3, "ngày làm việc"),
            date(2026, 11, 25),
            False,
        ),
        # Across Tết 2027 (holidays from the `holidays` package)
        (datetime(2027, 2, 3, 10), TimeLimit("5 ngày làm việc", 5, "ngày làm việc"), None, False),
        (datetime(2026, 11, 20, 10), TimeLimit("15 ngày", 15, "ngày"), date(2026, 12, 5), False),
        (datetime(2026, 1, 31, 10), TimeLimit("1 tháng", 1, "tháng"), date(2026, 2, 28), False),
        (datetime(2026, 11, 20, 10), TimeLimit("1", 1, None), date(2026, 11, 23), True),
        (datetime(2026, 11, 20, 10), TimeLimit("Không quy định"), None, False),
    ],
)
def test_due_dates(received, limit, expected, estimate):
    due, is_estimate = due_date(received, limit, CALENDAR)
    if expected is None and limit.value is not None:  # the Tết case: skips the whole holiday
        assert due > date(2027, 2, 10) and CALENDAR.is_working_day(due)
        assert CALENDAR.working_days_between(received.date(), due) == 5
    else:
        assert due == expected
    assert is_estimate is estimate


@pytest.fixture
def service(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    clock = lambda: datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # noqa: E731
    return DossierService(
        session_factory(url), CALENDAR, clock=clock, agency_code=DEMO_AGENCY_CODE
    ), session_factory(url)


BIRTH = procedure(
    "1.001193",
    "Thủ tục đăng ký khai sinh",
    channels=(Channel(ONLINE, TimeLimit("3 ngày làm việc", 3, "ngày làm việc"), Fee("Miễn phí", free=True)),),
)


def submit(service, key, name="Nguyễn Văn An"):
    return service.submit(
        form=FORM,
        procedure=BIRTH,
        answers={"applicant_full_name": name, "applicant_phone": "0912345678"},
        channel="rest",
        sender_id="s",
        phone_hash="h",
        idempotency_key=key,
    )


def test_sequence_per_day_and_due_date(service):
    dossiers, _ = service
    first, second = submit(dossiers, "a"), submit(dossiers, "b")
    assert first.code == "000.00.12.H23-261120-0001" and second.code == "000.00.12.H23-261120-0002"
    assert first.due_date == date(2026, 11, 25) and first.created


def test_same_key_gives_the_same_dossier(service):
    dossiers, sessions = service
    first, again = submit(dossiers, "same"), submit(dossiers, "same")
    assert again.code == first.code and not again.created
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Dossier)).scalar_one() == 1


def test_concurrent_double_click_creates_one_dossier(service):
    dossiers, sessions = service
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: submit(dossiers, "double-click"), range(8)))
    assert len({result.code for result in results}) == 1
    assert sum(result.created for result in results) == 1
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Dossier)).scalar_one() == 1


# -- the commune's agency code is a setting ----------------------------------------------------------------

OTHER_COMMUNE = "000.00.31.H56"


def test_another_communes_agency_code_is_used_for_its_dossiers(tmp_path, monkeypatch):
    """The shipped forms and the services built from the settings file dossiers under DVC_AGENCY_CODE."""
    monkeypatch.setenv("DVC_AGENCY_CODE", OTHER_COMMUNE)
    monkeypatch.setenv("DVC_OTP_SECRET", "s" * 40)
    settings = dataclasses.replace(
        load_settings(), database_url=f"sqlite:///{tmp_path / 'dvc.db'}", var_dir=tmp_path
    )
    assert settings.agency_code == OTHER_COMMUNE
    app = Services(settings)
    filed = app.dossiers.submit(
        form=app.forms["1.001193"],
        procedure=BIRTH,
        answers={"applicant_full_name": "Nguyễn Văn An", "applicant_phone": "0912345678"},
        channel="rest",
        sender_id="s",
        phone_hash="h",
        idempotency_key="other-commune",
    )
    assert re.fullmatch(rf"{re.escape(OTHER_COMMUNE)}-\d{{6}}-0001", filed.code)
    assert find_code(f"hồ sơ {filed.code.lower()} đến đâu rồi") == filed.code  # status lookups find it
    assert app.workflow.get(filed.code).code == filed.code


@pytest.mark.parametrize("wrong", ["H23", "000.00.12.h23", "000.00.12.H23-"])
def test_a_malformed_agency_code_is_refused_when_the_settings_load(monkeypatch, wrong: str):
    monkeypatch.setenv("DVC_AGENCY_CODE", wrong)
    with pytest.raises(ValueError, match="DVC_AGENCY_CODE"):
        load_settings()
