"""Ratings end to end on the real stack: under the first answer about a procedure the citizen is asked
whether it helped (once per procedure), "chưa có ích" asks why and the next message typed is the comment, a
released live chat carries "hài lòng / chưa hài lòng" on the citizen's own channel (web widget, Telegram,
Zalo), and an officer reads the negative rating with its conversation on the back-office page."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from bot.db.session import session_factory
from bot.feedback.models import Feedback
from tests.integration.test_dossier_status import officers, wait_for  # noqa: F401
from tests.integration.test_handover import OfficerBrowser, open_request
from tests.integration.test_telegram_channel import TelegramCitizen
from tests.integration.test_zalo_channel import ZaloCitizen

pytestmark = pytest.mark.servers

ASK = "có giúp ích cho anh/chị không"


def ratings(services, sender: str) -> list[tuple[str, str, str, str]]:
    with session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}")() as session:
        rows = session.execute(select(Feedback).where(Feedback.sender_id == sender).order_by(Feedback.id))
        return [(row.subject, row.reference, row.rating, row.comment) for row in rows.scalars()]


def buttons(replies: list[dict]) -> dict[str, str]:
    return {button["title"]: button["payload"] for reply in replies for button in reply.get("buttons") or []}


def test_web_citizen_rates_an_answer_once_and_explains_what_was_missing(services, citizen, officers):  # noqa: F811
    person = citizen()
    answer = person.say("lệ phí đăng ký khai sinh là bao nhiêu")
    assert "1.001193" in answer[0]["text"]
    assert answer[-1]["text"].endswith(ASK + " ạ?")
    offered = buttons(answer[-1:])
    assert list(offered) == ["👍 Có ích", "👎 Chưa có ích"]
    again = person.say("hồ sơ đăng ký khai sinh gồm những gì")
    assert ASK not in json.dumps(again, ensure_ascii=False)  # asked once per procedure

    sorry = person.texts(offered["👎 Chưa có ích"])
    assert "điều gì chưa đúng hoặc còn thiếu" in sorry
    taken = person.texts("Không nói rõ lệ phí khi đăng ký quá hạn")
    assert "đã ghi nhận góp ý" in taken
    assert ratings(services, person.sender) == [
        ("answer", "1.001193", "bad", "Không nói rõ lệ phí khi đăng ký quá hạn")
    ]
    after = person.texts("thủ tục đăng ký kết hôn")  # the bot answers as usual afterwards
    assert "kết hôn" in after and "góp ý" not in after

    officer = OfficerBrowser(services, "ttmotcua")  # the one-stop desk reads citizens' complaints
    listing = officer.get("/officer/feedback")
    assert "Không nói rõ lệ phí khi đăng ký quá hạn" in listing
    with session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}")() as session:
        feedback_id = session.execute(
            select(Feedback.id).where(Feedback.sender_id == person.sender)
        ).scalar_one()
    detail = officer.get(f"/officer/feedback/{feedback_id}")
    assert "lệ phí đăng ký khai sinh là bao nhiêu" in detail  # the conversation up to the rating


def test_a_good_rating_thanks_and_skipping_the_comment_is_fine(services, citizen):
    person = citizen()
    answer = person.say("đăng ký kết hôn cần giấy tờ gì")
    offered = buttons(answer[-1:])
    thanks = person.say(offered["👍 Có ích"])
    assert "cảm ơn anh/chị đã đánh giá" in thanks[0]["text"]
    more = buttons(thanks)["Góp ý thêm"]
    asked = person.say(more)
    assert "gõ góp ý" in asked[0]["text"]
    skipped = person.texts(buttons(asked)["Bỏ qua"])
    assert "cần hỏi gì thêm" in skipped
    [(subject, _code, rating, comment)] = ratings(services, person.sender)
    assert (subject, rating, comment) == ("answer", "good", "")


def widget_updates(services, sender: str) -> list[dict]:
    query = urllib.parse.urlencode({"sender": sender, "after": 0})
    with urllib.request.urlopen(f"{services.backoffice_url}/webchat/updates?{query}", timeout=30) as response:
        return json.loads(response.read())["messages"]


def test_a_released_chat_is_rated_on_the_widget(services, citizen, officers):  # noqa: F811
    person = citizen()
    person.say("cho tôi gặp cán bộ")
    request = open_request(services, "rest", person.sender)
    officer = OfficerBrowser(services, "ttmotcua")
    officer.claim(request.id)
    officer.release(request.id, "Đã hướng dẫn")
    released = wait_for(
        lambda: next((m for m in widget_updates(services, person.sender) if "kết thúc" in m["text"]), None)
    )
    offered = {button["title"]: button["payload"] for button in released["buttons"]}
    assert offered["👎 Chưa hài lòng"] == f'/rate{{"feedback":"handover|{request.id}|bad"}}'
    person.say(offered["👎 Chưa hài lòng"])
    assert "đã ghi nhận góp ý" in person.texts("Cán bộ trả lời chưa rõ")
    assert ratings(services, person.sender) == [
        ("handover", str(request.id), "bad", "Cán bộ trả lời chưa rõ")
    ]


def test_telegram_citizen_rates_a_released_chat(services, telegram, officers):  # noqa: F811
    person = TelegramCitizen(services, telegram)
    person.say("gặp cán bộ")
    request = open_request(services, "telegram", str(person.user_id))
    officer = OfficerBrowser(services, "ttmotcua")
    officer.claim(request.id)
    officer.release(request.id, "")
    ended = wait_for(lambda: [call for call in person.sent() if "đã kết thúc" in call.params["text"]])
    released = [
        {"text": call.params["text"], "markup": call.params.get("reply_markup") or {}} for call in ended
    ]
    thanks = person.press(released, "👍 Hài lòng")
    assert thanks[0]["text"] == "▸ 👍 Hài lòng"  # the press, echoed in the chat
    assert "cảm ơn anh/chị đã đánh giá" in thanks[1]["text"]
    assert ratings(services, str(person.user_id)) == [("handover", str(request.id), "good", "")]


def test_zalo_citizen_rates_an_answer(services, zalo):
    person = ZaloCitizen(services, zalo)
    answer = person.say("thủ tục đăng ký khai sinh")
    prompt = [reply for reply in answer if ASK in reply["text"]]
    assert [button["title"] for button in prompt[0]["buttons"]] == ["👍 Có ích", "👎 Chưa có ích"]
    sorry = person.press(prompt, "👎 Chưa có ích")
    assert "điều gì chưa đúng" in sorry[0]["text"]
    assert "đã ghi nhận" in person.say("Em cần biết nộp ở đâu")[0]["text"]
    assert ratings(services, person.user_id) == [("answer", "1.001193", "bad", "Em cần biết nộp ở đâu")]
