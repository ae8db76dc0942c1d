"""Status in the chat and proactive notifications, across real processes: Rasa, actions, back-office.

Officers act through the back-office JSON API; citizens chat over Rasa's REST channel."""

import itertools
import json
import re
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.catalog.answers import start_payload
from bot.db.models import Dossier, Notification
from bot.db.session import session_factory
from bot.officers.accounts import Accounts
from devtools.services import post_json
from tests.integration.test_dossier_conversations import fill_form, joined, otp_code

pytestmark = pytest.mark.servers

PASSWORD = "mat-khau-thu-nghiem-2026"
_phones = itertools.count(913000001)
CODE = re.compile(r"Mã hồ sơ: (\S+)")


def database(services):
    return session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}")


@pytest.fixture(scope="module")
def officers(services):
    accounts = Accounts(database(services))
    if accounts.get_officer("ttmotcua") is None:
        if "TU_PHAP" not in {department.code for department in accounts.list_departments()}:
            accounts.create_department("TU_PHAP", "Công chức Tư pháp - Hộ tịch")
        if "MOT_CUA" not in {department.code for department in accounts.list_departments()}:
            accounts.create_department("MOT_CUA", "Bộ phận Một cửa")
        # Officers whose password is already their own (the forced first change is a unit test's subject).
        accounts.create_officer(
            "ttmotcua",
            "Lê Thị Hoa",
            "desk",
            PASSWORD,
            "MOT_CUA",
            "Công chức Một cửa",
            must_change_password=False,
        )
        accounts.create_officer(
            "tttuphap",
            "Phạm Văn Minh",
            "specialist",
            PASSWORD,
            "TU_PHAP",
            "Công chức Tư pháp",
            must_change_password=False,
        )
    return {name: token(services, name) for name in ("ttmotcua", "tttuphap")}


def token(services, username: str) -> str:
    body = post_json(
        f"{services.backoffice_url}/api/auth/token", {"username": username, "password": PASSWORD}
    )
    return body["access_token"]


def act(services, bearer: str, code: str, action: str, **extra) -> dict:
    return post_json(
        f"{services.backoffice_url}/api/dossiers/{code}/actions",
        {"action": action, **extra},
        headers={"Authorization": f"Bearer {bearer}"},
    )


def submit(services, person) -> str:
    phone = f"0{next(_phones)}"
    fill_form(person, "1.001193", phone)
    person.say("/affirm")
    receipt = joined(person.say(otp_code(services, phone)))
    return CODE.search(receipt).group(1)


def bot_texts(services, sender: str) -> list[str]:
    url = f"{services.rasa_url}/conversations/{sender}/tracker?token={services.auth_token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        events = json.loads(response.read())["events"]
    return [event.get("text") or "" for event in events if event["event"] == "bot"]


def wait_for(condition, timeout: float = 30, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def test_officers_steps_reach_the_chat_and_the_status_answer(services, citizen, officers):
    person = citizen()
    code = submit(services, person)
    act(services, officers["ttmotcua"], code, "accept")
    act(services, officers["ttmotcua"], code, "forward", department="TU_PHAP")
    answer = joined(person.say("hồ sơ của tôi đang ở đâu"))
    assert code in answer and "Nơi giữ hồ sơ: Công chức Tư pháp - Hộ tịch" in answer
    assert "Đã chuyển phòng chuyên môn" in answer and "còn trong hạn" in answer

    def pushed_updates() -> list[str]:
        return [text for text in bot_texts(services, person.sender) if "có cập nhật mới" in text]

    wait_for(lambda: len(pushed_updates()) >= 2)
    services.wait_delivered()  # nothing waits, and the delivery loop ran more rounds: nothing arrives twice
    pushed = pushed_updates()
    assert len(pushed) == 2 and code in pushed[0]  # accepted, then forwarded
    assert (
        "Bộ phận Một cửa đã tiếp nhận" in pushed[0]
        and "được chuyển đến Công chức Tư pháp - Hộ tịch" in pushed[1]
    )


def test_an_overdue_dossier_says_by_how_many_working_days(services, citizen, officers):
    person = citizen()
    code = submit(services, person)
    act(services, officers["ttmotcua"], code, "accept")
    act(services, officers["ttmotcua"], code, "forward", department="TU_PHAP")
    act(services, officers["tttuphap"], code, "assign")
    last_week = datetime.now(timezone.utc) - timedelta(days=14)
    with database(services)() as session, session.begin():
        session.execute(update(Dossier).where(Dossier.code == code).values(due_at=last_week))
    answer = joined(person.say(f"tra cứu hồ sơ {code}"))
    assert re.search(r"đã trễ hạn \d+ ngày làm việc", answer)
    assert "Người thụ lý: Phạm Văn Minh (Công chức Tư pháp)" in answer


def test_someone_else_learns_nothing_from_a_code(services, citizen):
    owner, stranger = citizen(), citizen()
    code = submit(services, owner)
    answer = joined(stranger.say(f"hồ sơ {code} đến đâu rồi"))
    assert "chưa thể cho xem" in answer and "Nguyễn Văn An" not in answer and "Bộ phận Một cửa" not in answer
    made_up = joined(stranger.say("hồ sơ 000.00.12.H23-200101-0999 đến đâu rồi"))
    assert made_up.replace("000.00.12.H23-200101-0999", code) == answer


def test_verifying_the_phone_in_another_conversation_lists_the_dossiers(services, citizen):
    owner = citizen()
    phone = f"0{next(_phones)}"
    fill_form(owner, "1.001193", phone)
    owner.say("/affirm")
    code = CODE.search(joined(owner.say(otp_code(services, phone)))).group(1)
    services.advance_clock(4.5)  # past the test stack's OTP resend interval (4 s) for this phone
    other_device = citizen()
    assert "số điện thoại đã dùng" in joined(other_device.say("hồ sơ của tôi đang ở đâu"))
    assert "mã xác thực" in joined(other_device.say(phone))
    answer = joined(other_device.say(otp_code(services, phone)))
    assert code in answer and "Bộ phận Một cửa" in answer


def test_a_notification_survives_rasa_being_down_and_arrives_exactly_once(services, citizen, officers):
    person = citizen()
    code = submit(services, person)
    services.stop("rasa")
    try:
        act(services, officers["ttmotcua"], code, "accept")

        def failed_attempts() -> int:
            with database(services)() as session:
                rows = (
                    session.execute(select(Notification).join(Dossier).where(Dossier.code == code))
                    .scalars()
                    .all()
                )
                return sum(row.attempts for row in rows if row.delivered_at is None)

        wait_for(lambda: failed_attempts() >= 2, timeout=30)
    finally:
        services.start_rasa()
        services.wait_ready()
    accepted = wait_for(
        lambda: [
            text for text in bot_texts(services, person.sender) if "Bộ phận Một cửa đã tiếp nhận" in text
        ],
        timeout=60,
    )
    services.wait_delivered()  # several more delivery rounds with nothing waiting: nothing is sent twice
    assert (
        len([text for text in bot_texts(services, person.sender) if "Bộ phận Một cửa đã tiếp nhận" in text])
        == 1
    )
    assert code in accepted[0]


def test_statistics_in_the_chat(citizen):
    answer = joined(citizen().say("tỉ lệ trễ hạn tháng này?"))
    assert re.search(r"tháng \d{1,2}/\d{4} \(tính đến hôm nay\)", answer)
    assert "hồ sơ" in answer


def test_api_statistics_is_public_json(services):
    with urllib.request.urlopen(f"{services.backoffice_url}/api/statistics", timeout=30) as response:
        body = json.loads(response.read())
    assert {"totals", "months"} <= set(body) and len(body["months"]) == 12


def test_an_update_during_another_form_does_not_disturb_it(services, citizen, officers):
    person = citizen()
    code = submit(services, person)
    replies = joined(person.say(start_payload("1.000656")))  # a second dossier: khai tử
    assert "Nghị định 13/2023/NĐ-CP" in replies
    first_question = joined(person.say("/affirm"))
    assert "Bước 1/" in first_question
    act(services, officers["ttmotcua"], code, "accept")
    wait_for(
        lambda: [
            text for text in bot_texts(services, person.sender) if "Bộ phận Một cửa đã tiếp nhận" in text
        ]
    )
    # The form goes on where it was: the update neither answered the question nor skipped it.
    after = bot_texts(services, person.sender)
    assert "Bước 1/" in after[-1]
    assert "Bước 2/" in joined(person.say("Nguyễn Văn An"))
