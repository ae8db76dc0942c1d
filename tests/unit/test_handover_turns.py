"""The citizen's side of a handover, channel-free: queued in office hours with a cancel button, a message
and a callback number taken in two steps out of them, a bad number asked again, cancelling at any step, and
the second misunderstanding in a row; routing to the department by the procedure's field."""

from datetime import datetime, timezone

import pytest

from bot.calendar.working_days import WorkingCalendar
from bot.catalog.model import Procedure
from bot.handover.conversation import MESSAGE, PHONE, CallbackState, HandoverTurns
from bot.handover.desk import HandoverDesk
from bot.handover.office_hours import OfficeHours, parse_sessions
from bot.handover.routing import department_for, load_routes

TUESDAY_9AM = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
TUESDAY_8PM = datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc)


def turns_at(services, moment) -> HandoverTurns:
    hours = OfficeHours(parse_sessions("07:30-11:30,13:30-17:00"), (), WorkingCalendar())
    return HandoverTurns(HandoverDesk(services.sessions, hours, lambda: moment))


def test_in_office_hours_the_citizen_is_queued_with_a_cancel_button(app_services):
    turns = turns_at(app_services, TUESDAY_9AM)
    outcome = turns.start("rest", "s-1", "TU_PHAP", "Khai sinh", "asked")
    assert outcome.state is None
    (reply,) = outcome.replies
    assert "vị trí số 1" in reply.text
    assert [(b.title, b.payload) for b in reply.buttons] == [("Hủy chờ cán bộ", "/cancel_handover")]
    assert turns.cancel("rest", "s-1").text.startswith("Dạ, em đã hủy yêu cầu")
    assert turns.cancel("rest", "s-1").text.startswith("Dạ, anh/chị hiện không ở trong hàng chờ")


def test_out_of_hours_a_message_and_a_number_are_taken_one_step_at_a_time(app_services):
    turns = turns_at(app_services, TUESDAY_8PM)
    outcome = turns.start("zalo", "z-1", None, "", "asked", opened_by="m-1")
    assert outcome.state == CallbackState(MESSAGE, None, "", opened_by="m-1")
    assert "7 giờ 30 sáng mai" in outcome.replies[0].text
    assert outcome.replies[1].text.startswith("Bước 1/2")
    asked_phone = turns.handle(outcome.state, "Tôi cần hỏi về đất đai", "", "zalo", "z-1")
    assert asked_phone.state.step == PHONE and asked_phone.replies[0].text.startswith("Bước 2/2")
    again = turns.handle(asked_phone.state, "0123", "", "zalo", "z-1")
    assert again.state == asked_phone.state and "chưa đúng số di động" in again.replies[0].text
    done = turns.handle(asked_phone.state, "+84 912 345 678", "", "zalo", "z-1")
    assert done.state is None and "0912345678" in done.replies[0].text
    entry = turns.desk.queue(app_services.accounts.get_officer("admin"))[0]
    assert (entry.kind, entry.callback_phone) == ("callback", "0912345678")


@pytest.mark.parametrize("intent", ["cancel", "deny", "cancel_handover"])
def test_the_message_may_be_abandoned_at_any_step(app_services, intent):
    turns = turns_at(app_services, TUESDAY_8PM)
    state = CallbackState(PHONE, None, "", "Tôi cần hỏi")
    outcome = turns.handle(state, "thôi", intent, "rest", "s-2")
    assert outcome.state is None and "không ghi lời nhắn" in outcome.replies[0].text
    assert turns.desk.queue(app_services.accounts.get_officer("admin")) == []


def test_a_button_payload_is_not_taken_as_the_message(app_services):
    turns = turns_at(app_services, TUESDAY_8PM)
    state = CallbackState(MESSAGE, None, "")
    outcome = turns.handle(state, "/affirm", "affirm", "rest", "s-3")
    assert outcome.state == state and "nhắn bằng chữ" in outcome.replies[0].text


def test_the_second_misunderstanding_queues_in_hours_and_offers_a_message_out_of_them(app_services):
    queued = turns_at(app_services, TUESDAY_9AM).offer_after_misunderstanding("rest", "s-4", None, "", None)
    assert queued.replies[0].text.startswith("Dạ, em vẫn chưa hiểu ý anh/chị. Em đã chuyển anh/chị đến")
    closed = turns_at(app_services, TUESDAY_8PM).offer_after_misunderstanding("rest", "s-5", None, "", None)
    assert closed.replies[0].text.startswith("Dạ, em vẫn chưa hiểu ý anh/chị. Hiện đã ngoài giờ làm việc")
    assert [b.payload for b in closed.replies[0].buttons] == ["/request_human"]


def test_the_department_follows_the_procedures_field():
    routes = load_routes()
    birth = Procedure("1.001193", "Đăng ký khai sinh", "", fields=("Hộ tịch",))
    residence = Procedure("1.004194", "Đăng ký thường trú", "", fields=("Đăng ký, quản lý cư trú",))
    customs = Procedure("2.000001", "Thủ tục hải quan", "", fields=("Hải quan",))
    assert department_for(birth, routes) == "TU_PHAP"
    assert department_for(residence, routes) == "CONG_AN"
    assert department_for(customs, routes) is None  # listed nowhere: the one-stop desk
    assert department_for(None, routes) is None
