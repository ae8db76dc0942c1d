"""Citizens' ratings on a real database: what a rating button carries, one rating per conversation and
subject (rating again changes it, two presses at once make one row), the comment that follows "chưa có ích",
"Bỏ qua", the officers' list of negative ratings, and the buttons under a finished dossier's or a released
chat's message."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.feedback import messages
from bot.feedback.conversation import FeedbackTurns
from bot.feedback.models import Feedback
from bot.feedback.ratings import Choice, FeedbackBook, ask_about_answer
from bot.notifications.replies import update_message, update_reply


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def book(app_services):
    return FeedbackBook(app_services.sessions, Clock())


def rows(services) -> int:
    with services.sessions() as session:
        return session.execute(select(func.count()).select_from(Feedback)).scalar_one()


def test_a_rating_button_carries_subject_reference_and_choice():
    prompt = ask_about_answer("1.001193")
    assert prompt.text == messages.ASK_ABOUT_ANSWER
    assert [button.title for button in prompt.buttons] == ["👍 Có ích", "👎 Chưa có ích"]
    assert prompt.buttons[1].payload == '/rate{"feedback":"answer|1.001193|bad"}'
    assert Choice.parse("answer|1.001193|bad") == Choice("answer", "1.001193", "bad")
    assert Choice.parse("dossier|000.00.12.H23-261120-0001|skip").choice == "skip"
    for forged in (
        None,
        "",
        "answer|1.001193",
        "answer||good",
        "payment|x|good",
        "answer|x|great",
        "a|b|c|d",
    ):
        assert Choice.parse(forged) is None, forged
    assert Choice.parse("answer|" + "9" * 65 + "|good") is None


def test_rating_again_changes_the_rating_and_keeps_one_row(app_services, book):
    first = book.rate("telegram", "42", "answer", "1.001193", "good")
    again = book.rate("telegram", "42", "answer", "1.001193", "bad")
    other = book.rate("telegram", "42", "answer", "1.000894", "good")
    someone_else = book.rate("zalo", "42", "answer", "1.001193", "good")
    assert first == again and len({first, other, someone_else}) == 3
    assert rows(app_services) == 3
    assert book.get(first).rating == "bad"
    with pytest.raises(ValueError):
        book.rate("telegram", "42", "answer", "1.001193", "excellent")


def test_a_comment_goes_only_to_the_conversations_own_rating(book):
    rated = book.rate("rest", "alice", "dossier", "000.00.12.H23-261120-0001", "bad")
    assert not book.comment(rated, "rest", "mallory", "spam")
    assert not book.comment(rated, "rest", "alice", "   ")
    assert book.comment(rated, "rest", "alice", "Hồ sơ  trả   chậm\nquá hạn 2 ngày")
    assert book.get(rated).comment == "Hồ sơ trả chậm quá hạn 2 ngày"
    assert not book.comment(rated + 100, "rest", "alice", "không có đánh giá này")


def test_officers_read_the_negative_ratings_newest_first(book):
    book.rate("rest", "a", "answer", "1.001193", "good")
    older = book.rate("rest", "b", "answer", "1.001193", "bad")
    book.clock.now += timedelta(hours=1)
    newer = book.rate("zalo", "c", "handover", "7", "bad")
    assert [entry.id for entry in book.negative()] == [newer, older]
    assert [entry.id for entry in book.negative(since=book.clock.now)] == [newer]


def test_a_good_rating_thanks_and_offers_a_comment(book):
    turns = FeedbackTurns(book)
    outcome = turns.choose("rest", "alice", "answer|1.001193|good")
    assert outcome.awaiting_comment is None
    assert outcome.replies[0].text == messages.THANKS
    more = outcome.replies[0].buttons[0]
    assert more.title == messages.MORE_BUTTON and more.payload.endswith('"answer|1.001193|comment"}')
    asked = turns.choose("rest", "alice", "answer|1.001193|comment")
    assert asked.replies[0].text == messages.ASK_COMMENT and asked.awaiting_comment is not None
    taken = turns.comment(asked.awaiting_comment, "rest", "alice", "Rất rõ ràng, cảm ơn")
    assert taken.replies[0].text == messages.COMMENT_TAKEN
    entry = book.find("rest", "alice", "answer", "1.001193")
    assert (entry.rating, entry.comment) == ("good", "Rất rõ ràng, cảm ơn")


def test_a_bad_rating_asks_why_and_a_button_skips(book):
    turns = FeedbackTurns(book)
    outcome = turns.choose("telegram", "42", "handover|7|bad")
    assert outcome.replies[0].text == messages.SORRY_ASK_WHY
    assert outcome.replies[0].buttons[0].payload.endswith('"handover|7|skip"}')
    skipped = turns.comment(outcome.awaiting_comment, "telegram", "42", "")  # a button, not words
    assert skipped.replies[0].text == messages.SKIPPED
    assert book.get(outcome.awaiting_comment).comment == ""
    assert turns.choose("telegram", "42", "handover|7|skip").replies[0].text == messages.SKIPPED


def test_a_comment_asked_for_without_a_rating_or_a_forged_button_is_refused(app_services, book):
    turns = FeedbackTurns(book)
    assert turns.choose("rest", "bob", "answer|1.001193|comment").replies[0].text == messages.NOT_RECOGNISED
    assert turns.choose("rest", "bob", "not a rating").replies[0].text == messages.NOT_RECOGNISED
    assert rows(app_services) == 0


def test_a_finished_dossier_and_a_released_chat_carry_rating_buttons():
    finished = update_reply(
        "Hồ sơ 000.00.12.H23-261120-0001 đã trả kết quả.", "dossier|000.00.12.H23-261120-0001"
    )
    assert [button.title for button in finished.buttons] == ["👍 Hài lòng", "👎 Chưa hài lòng"]
    assert finished.dossier_update == "000.00.12.H23-261120-0001"
    ordinary = update_reply("Hồ sơ 000.00.12.H23-261120-0001 đã được tiếp nhận.")
    assert [button.title for button in ordinary.buttons] == ["Xem tình trạng hồ sơ"]
    released = update_message(9, "Dạ, cán bộ An đã kết thúc trò chuyện.", "handover|3")
    assert released["buttons"][1]["payload"] == '/rate{"feedback":"handover|3|bad"}'
    assert released["custom"]["dvc"]["notification"] == 9
