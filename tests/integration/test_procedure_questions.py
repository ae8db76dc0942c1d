"""Questions about procedures over Rasa's REST channel, answered from the imported national catalogue."""

import re

import pytest

pytestmark = pytest.mark.servers

CODE = re.compile(r"\b\d\.\d{6}\b")


def payloads(replies):
    return [button["payload"] for reply in replies for button in reply.get("buttons", [])]


def joined(replies) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


@pytest.mark.parametrize(
    "question",
    [
        "thủ tục đăng ký khai sinh",
        "dang ky khai sinh cho con nhu the nao",
    ],
)
def test_overview_names_the_procedure_with_code_and_source(citizen, question):
    text = joined(citizen().say(question))
    assert '"Thủ tục đăng ký khai sinh" (mã 1.001193)' in text
    assert "Cấp thực hiện: Cấp xã" in text
    assert "https://dichvucong.gov.vn/" in text


def test_a_loosely_named_procedure_with_close_variants_asks_which_one_first(citizen):
    # "làm giấy khai sinh" fits the plain registration and its liên thông variants (with BHYT, residence)
    # nearly as well: one question with a button per case, then the answer.
    person = citizen()
    replies = person.say("cho em hỏi về làm giấy khai sinh ạ")
    asked = joined(replies)
    assert asked.rstrip().endswith("?") and "(mã" not in asked
    plain = next(
        button["payload"]
        for reply in replies
        for button in reply.get("buttons", [])
        if "1.001193" in button["payload"]
    )
    text = joined(person.say(plain))
    assert '"Thủ tục đăng ký khai sinh" (mã 1.001193)' in text and "https://dichvucong.gov.vn/" in text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("làm giấy khai sinh cần giấy tờ gì", "hồ sơ"),
        ("le phi dang ky ket hon bao nhieu", "phí, lệ phí"),
        ("đăng ký thường trú mất mấy ngày", "thời hạn giải quyết"),
        ("nop ho so dang ky ket hon o dau", "nơi và cách nộp hồ sơ"),
        ("trình tự đăng ký khai tử", "trình tự thực hiện"),
        ("căn cứ pháp lý của thủ tục đăng ký kết hôn", "căn cứ pháp lý"),
        ("mẫu tờ khai đăng ký khai sinh tải ở đâu", "mẫu đơn, tờ khai"),
        ("điều kiện cấp giấy xác nhận tình trạng hôn nhân", "điều kiện"),
    ],
)
def test_each_aspect_is_answered_for_the_named_procedure(citizen, question, expected):
    replies = citizen().say(question)
    text = joined(replies)
    assert expected in text.lower() or expected in text
    assert CODE.search(replies[0]["text"]), "every answer about a procedure shows its code"


def test_follow_ups_refer_to_the_procedure_under_discussion_until_another_is_asked(citizen):
    person = citizen()
    assert "mã 1.000894" in joined(person.say("thủ tục đăng ký kết hôn"))
    fee = joined(person.say("còn lệ phí thì sao?"))
    assert 'phí, lệ phí của "Thủ tục đăng ký kết hôn" (mã 1.000894)' in fee
    where = joined(person.say("nộp ở đâu ạ"))
    assert 'nơi và cách nộp hồ sơ của "Thủ tục đăng ký kết hôn" (mã 1.000894)' in where
    time = joined(person.say("mất bao lâu"))
    assert 'thời hạn giải quyết của "Thủ tục đăng ký kết hôn" (mã 1.000894)' in time
    assert "thủ tục nào" in joined(person.say("thủ tục khác"))
    assert "1.000894" not in joined(person.say("lệ phí bao nhiêu?"))


def test_aspect_buttons_under_an_answer_work(citizen):
    person = citizen()
    replies = person.say("đăng ký khai tử")
    documents_button = next(p for p in payloads(replies) if '"documents"' in p)
    assert "hồ sơ" in joined(person.say(documents_button)).lower()


def test_unsure_offers_at_most_five_candidates_then_answers_the_choice(citizen):
    person = citizen()
    replies = person.say("hộ chiếu cần những giấy tờ gì")
    choices = payloads(replies)
    assert 2 <= len(choices) <= 5
    titles = [button["title"] for reply in replies for button in reply.get("buttons", [])]
    assert all(CODE.search(title) for title in titles)
    answer = joined(person.say(choices[0]))
    assert "thành phần hồ sơ" in answer or "hồ sơ cần chuẩn bị" in answer


def test_unknown_procedure_says_so_and_invents_nothing(citizen):
    text = joined(citizen().say("thủ tục cấp phép nuôi rồng bay trên sao hỏa"))
    assert not CODE.search(text) or "thủ tục nào" in text
    assert "chưa tìm thấy" in text or "thủ tục nào" in text or "chưa hiểu" in text


def test_question_without_a_procedure_asks_which_then_answers_it(citizen):
    person = citizen()
    assert "thủ tục nào" in joined(person.say("lệ phí bao nhiêu vậy"))
    assert 'phí, lệ phí của "Thủ tục đăng ký kết hôn" (mã 1.000894)' in joined(person.say("đăng ký kết hôn"))
