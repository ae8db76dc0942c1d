"""Real conversations through Rasa's REST channel on a running server (GUIDE §5)."""

import pytest

pytestmark = pytest.mark.servers

MAIN_MENU = {"/other_procedure", "/ask_service_levels", "/ask_online_benefits", "/help"}


def payloads(replies):
    return {button["payload"] for reply in replies for button in reply.get("buttons", [])}


@pytest.mark.parametrize("message", ["xin chào", "xin chao ad", "Chào em", "hello"])
def test_greeting_answers_politely_with_the_main_features(citizen, message):
    replies = citizen().say(message)
    assert replies[0]["text"].startswith("Dạ, em chào anh/chị")
    assert payloads(replies) >= MAIN_MENU


def test_button_payload_explains_the_four_levels(citizen):
    text = citizen().texts("/ask_service_levels")
    for level in ("Mức 1", "Mức 2", "Mức 3", "Mức 4"):
        assert level in text
    assert "toàn trình" in text and "một phần" in text
    assert "42/2022/NĐ-CP" in text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("dịch vụ công mức độ 4 là gì", "mức độ 4"),
        ("dvc muc do 3 la gi vay ad", "mức độ 3"),
        ("toàn trình là gì", '"toàn trình"'),
        ("dich vu cong mot phan nghia la gi", '"một phần"'),
    ],
)
def test_a_named_level_gets_its_own_explanation(citizen, question, expected):
    text = citizen().texts(question)
    assert text.startswith("Dạ, dịch vụ công") and expected in text
    assert "Mức 1:" not in text  # not the overview


@pytest.mark.parametrize(
    "question",
    ["vì sao nên nộp hồ sơ trực tuyến", "lam online co loi gi khong", "nộp online có phải đi lại ko"],
)
def test_benefits_of_online_services(citizen, question):
    text = citizen().texts(question)
    assert "24/7" in text and "xếp hàng" in text


@pytest.mark.parametrize(
    ("message", "start"),
    [
        ("cảm ơn em nhiều", "Dạ, không có gì"),
        ("tks ad", "Dạ, không có gì"),
        ("tạm biệt", "Dạ, em chào anh/chị. Khi cần"),
        ("bạn là người hay máy vậy", "Dạ, em là trợ lý ảo"),
        ("ban la robot a", "Dạ, em là trợ lý ảo"),
        ("em giúp được gì", "Dạ, hiện em có thể"),
    ],
)
def test_small_talk(citizen, message, start):
    assert citizen().texts(message).startswith(start)


@pytest.mark.parametrize(
    "message", ["thời tiết Hà Nội mai thế nào", "kể chuyện cười đi", "ty so tran mu hom qua"]
)
def test_out_of_scope_is_declined_with_the_main_features(citizen, message):
    replies = citizen().say(message)
    assert "ngoài phạm vi" in replies[0]["text"]
    assert payloads(replies) >= MAIN_MENU


@pytest.mark.parametrize("message", ["asdkjh qwe zzz", "???", "👍👍"])
def test_unknown_input_gets_a_polite_answer_with_buttons(citizen, message):
    replies = citizen().say(message)
    assert replies, "the bot must always answer"
    assert replies[0]["text"].startswith("Dạ")
    assert payloads(replies) >= MAIN_MENU


@pytest.mark.parametrize("message", ["", "   ", "x" * 5000, "hỏi về dịch vụ công " * 250])
def test_degenerate_messages_do_not_break_the_server(citizen, message):
    person = citizen()
    person.say(message)
    assert person.texts("xin chào").startswith("Dạ, em chào anh/chị")


def test_yes_and_no_out_of_context(citizen):
    person = citizen()
    assert person.texts("ok").startswith("Dạ vâng")
    assert person.texts("khong").startswith("Dạ vâng")
