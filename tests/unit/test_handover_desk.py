"""The handover desk on a real database: queueing once per conversation with place and estimated wait,
department-scoped queues, one claim wins, messages both ways, the bot's silence while held, release with a
summary, callbacks out of hours; every message to the citizen goes through the outbox, in order."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.calendar.working_days import WorkingCalendar
from bot.db.models import Notification
from bot.handover.desk import HandoverDesk, HandoverError
from bot.handover.office_hours import OfficeHours, parse_sessions

TUESDAY_9AM = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 09:00 in Vietnam
TUESDAY_8PM = datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock(TUESDAY_9AM)


@pytest.fixture
def desk(app_services, clock):
    hours = OfficeHours(parse_sessions("07:30-11:30,13:30-17:00"), (), WorkingCalendar())
    return HandoverDesk(app_services.sessions, hours, clock, default_handling_minutes=4)


@pytest.fixture
def officers(app_services):
    return {name: app_services.accounts.get_officer(name) for name in ("motcua", "tuphap", "congan", "admin")}


def said_to(services, sender: str) -> list[str]:
    with services.sessions() as session:
        rows = session.execute(
            select(Notification.text).where(Notification.sender_id == sender).order_by(Notification.id)
        )
        return [text for (text,) in rows]


def test_a_conversation_is_queued_once_with_its_place_and_estimated_wait(desk):
    first = desk.request("rest", "citizen-1", "TU_PHAP", "Đăng ký khai sinh", "asked")
    second = desk.request("telegram", "42", "TU_PHAP", "Đăng ký kết hôn", "fallbacks")
    other_department = desk.request("zalo", "z-1", "CONG_AN", "Đăng ký thường trú", "button")
    again = desk.request("rest", "citizen-1", "TU_PHAP", "Đăng ký khai sinh", "asked")
    assert (first.position, first.estimated_minutes) == (1, 4)
    assert (second.position, second.estimated_minutes) == (2, 8)
    assert other_department.position == 1
    assert again.request_id == first.request_id and again.position == 1
    assert "Tư pháp" in first.message and "vị trí số 1" in first.message and "4 phút" in first.message
    assert "vẫn đang trong hàng chờ" in again.message


def test_each_department_sees_its_queue_the_desk_and_admin_see_all(desk, officers):
    desk.request("rest", "c-tp", "TU_PHAP", "Khai sinh", "asked")
    desk.request("rest", "c-ca", "CONG_AN", "Thường trú", "asked")
    desk.request("rest", "c-desk", None, "", "fallbacks")
    seen = {name: [entry.sender_id for entry in desk.queue(officer)] for name, officer in officers.items()}
    assert seen["tuphap"] == ["c-tp"]
    assert seen["congan"] == ["c-ca"]
    assert seen["motcua"] == seen["admin"] == ["c-tp", "c-ca", "c-desk"]
    other = desk.queue(officers["congan"])[0].id
    tuphap_view = desk.queue(officers["tuphap"])[0].id
    with pytest.raises(HandoverError):
        desk.claim(other, officers["tuphap"])  # not Tư pháp's
    desk.claim(tuphap_view, officers["tuphap"])


def test_one_claim_wins_and_the_chat_goes_both_ways_while_the_bot_is_silent(
    app_services, desk, officers, clock
):
    ticket = desk.request("telegram", "777", "TU_PHAP", "Đăng ký khai sinh", "asked")
    assert desk.holder("telegram", "777") is None
    assert desk.relay("telegram", "777", "còn ai không") is False  # waiting: the bot still answers

    desk.claim(ticket.request_id, officers["tuphap"])
    with pytest.raises(HandoverError):
        desk.claim(ticket.request_id, officers["motcua"])  # someone else was first
    assert desk.holder("telegram", "777") == ticket.request_id

    clock.now += timedelta(minutes=1)
    assert desk.relay("telegram", "777", "Con tôi sinh ở nhà thì làm sao ạ?") is True
    desk.send(ticket.request_id, officers["tuphap"], "Anh/chị cần giấy xác nhận của người làm chứng.")
    with pytest.raises(HandoverError):
        desk.send(ticket.request_id, officers["motcua"], "xin chào")  # not the holder
    with pytest.raises(HandoverError):
        desk.send(ticket.request_id, officers["tuphap"], "   ")

    lines = desk.transcript(ticket.request_id, officers["tuphap"])
    assert [(line.author, line.text) for line in lines] == [
        ("citizen", "Con tôi sinh ở nhà thì làm sao ạ?"),
        ("officer", "Anh/chị cần giấy xác nhận của người làm chứng."),
    ]
    assert desk.transcript(ticket.request_id, officers["tuphap"], after_id=lines[0].id) == lines[1:]

    clock.now += timedelta(minutes=6)
    desk.release(ticket.request_id, officers["tuphap"], "Hướng dẫn khai sinh cho trẻ sinh tại nhà.")
    assert desk.holder("telegram", "777") is None
    assert desk.relay("telegram", "777", "cảm ơn") is False  # the bot answers again
    assert said_to(app_services, "777") == [
        "Dạ, cán bộ Lê Văn Hùng (Công chức Tư pháp - Hộ tịch) đã nhận trò chuyện. "
        "Anh/chị nhắn trực tiếp với cán bộ ạ.",
        "Lê Văn Hùng: Anh/chị cần giấy xác nhận của người làm chứng.",
        "Dạ, cán bộ Lê Văn Hùng đã kết thúc trò chuyện. Tóm tắt: Hướng dẫn khai sinh cho trẻ sinh tại nhà. "
        "Em tiếp tục hỗ trợ anh/chị ạ.",
    ]
    with app_services.sessions() as session:  # the release asks the citizen to rate the chat
        rates = session.execute(
            select(Notification.rate).where(Notification.sender_id == "777").order_by(Notification.id)
        ).scalars()
        assert list(rates) == ["", "", f"handover|{ticket.request_id}"]
    with pytest.raises(HandoverError):
        desk.release(ticket.request_id, officers["tuphap"])  # already released

    # The next citizen's estimate follows this chat's 7 minutes rather than the default 4.
    assert desk.request("rest", "next", "TU_PHAP", "", "asked").estimated_minutes == 7


def test_a_waiting_citizen_may_cancel_but_not_a_held_chat(desk, officers):
    ticket = desk.request("rest", "c-1", None, "", "asked")
    assert desk.cancel("rest", "c-1") is True
    assert desk.queue(officers["motcua"]) == []
    held = desk.request("rest", "c-1", None, "", "asked")  # a new request after cancelling
    assert held.request_id != ticket.request_id
    desk.claim(held.request_id, officers["motcua"])
    assert desk.cancel("rest", "c-1") is False


def test_out_of_hours_the_citizen_leaves_a_message_and_a_number_for_the_next_session(desk, officers, clock):
    clock.now = TUESDAY_8PM
    assert not desk.is_open()
    assert "7 giờ 30 sáng mai (thứ Tư, 02/12/2026)" in desk.out_of_hours_message()
    answer = desk.leave_message(
        "zalo",
        "z-9",
        "TU_PHAP",
        "Đăng ký kết hôn",
        "Tôi cần hỏi về kết hôn với người nước ngoài",
        "0912345678",
    )
    assert "0912345678" in answer and "7 giờ 30 sáng mai" in answer
    entry = desk.queue(officers["tuphap"])[0]
    assert (entry.kind, entry.topic, entry.status) == ("callback", "Đăng ký kết hôn", "waiting")
    lines = desk.transcript(entry.id, officers["tuphap"])
    assert [line.text for line in lines] == ["Tôi cần hỏi về kết hôn với người nước ngoài"]
    with pytest.raises(HandoverError):
        desk.close_callback(entry.id, officers["congan"], "Đã gọi")
    desk.close_callback(entry.id, officers["tuphap"], "Đã gọi lại, hướng dẫn hồ sơ.")
    assert desk.queue(officers["tuphap"]) == []
    closed = desk.queue(officers["tuphap"], include_closed=True)[0]
    assert closed.status == "closed"
