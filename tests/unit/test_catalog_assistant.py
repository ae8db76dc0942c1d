from bot.catalog import answers
from bot.catalog.assistant import NOT_FOUND, WHICH_PROCEDURE, ProcedureAssistant
from tests.unit.catalog_fixtures import CATALOG, SEARCH

ASSISTANT = ProcedureAssistant(CATALOG, SEARCH)


def test_question_naming_a_procedure_answers_it_and_remembers_it():
    turn = ASSISTANT.ask(answers.DOCUMENTS, "làm giấy khai sinh cần giấy tờ gì")
    assert turn.procedure_code == "1.001193"
    assert "hồ sơ cần chuẩn bị" in turn.replies[0].text


def test_follow_up_uses_the_procedure_under_discussion():
    turn = ASSISTANT.ask(answers.FEE, "còn lệ phí thì sao?", current_code="1.001193")
    assert turn.procedure_code == "1.001193"
    assert 'phí, lệ phí của "Thủ tục đăng ký khai sinh" (mã 1.001193)' in turn.replies[0].text


def test_a_new_procedure_replaces_the_one_under_discussion():
    turn = ASSISTANT.ask(answers.FEE, "lệ phí đăng ký kết hôn", current_code="1.001193")
    assert turn.procedure_code == "1.000894"


def test_a_general_question_that_names_an_aspect_is_answered_with_that_aspect():
    # The NLU took it for a general question; its words still ask for the conditions.
    turn = ASSISTANT.ask(answers.OVERVIEW, "điều kiện đăng ký khai sinh")
    assert turn.procedure_code == "1.001193"
    assert "điều kiện" in turn.replies[0].text and "(mã 1.001193)" in turn.replies[0].text
    assert "Cấp thực hiện" not in turn.replies[0].text  # not the overview


def test_follow_up_without_a_procedure_asks_which_and_keeps_the_question():
    turn = ASSISTANT.ask(answers.TIME, "mất mấy ngày?")
    assert turn.replies[0].text == WHICH_PROCEDURE
    assert turn.pending_aspect == answers.TIME


def test_ambiguous_question_offers_candidates_then_answers_the_pending_aspect():
    turn = ASSISTANT.ask(answers.DOCUMENTS, "hộ chiếu cần giấy tờ gì")
    assert turn.pending_aspect == answers.DOCUMENTS
    assert 2 <= len(turn.replies[0].buttons) <= 5
    chosen = ASSISTANT.choose("1.001456", turn.pending_aspect)
    assert chosen.procedure_code == "1.001456"
    assert "thành phần hồ sơ" in chosen.replies[0].text


def test_the_whole_message_is_the_query_and_the_nlu_phrase_only_a_hint():
    turn = ASSISTANT.ask(answers.OVERVIEW, "cho hỏi về gks ạ", procedure_phrase="gks")
    assert turn.procedure_code == "1.001193"
    # The NLU caught "khai sinh"; the citizen asked about the mobile registration, which the message names.
    turn = ASSISTANT.ask(answers.OVERVIEW, "đăng ký khai sinh lưu động", procedure_phrase="khai sinh")
    assert turn.procedure_code == "1.003583"
    # A formal question: the fragment "phí" must not decide; the full name after the aspect phrase does.
    name = "Thủ tục đăng ký khai sinh lưu động"
    turn = ASSISTANT.ask(answers.FEE, f"Quy định về phí, lệ phí thủ tục {name}", procedure_phrase="phí")
    assert turn.procedure_code == "1.003583"


def test_a_phrase_the_whole_message_cannot_place_gives_candidates_never_a_direct_answer():
    turn = ASSISTANT.ask(answers.OVERVIEW, "", procedure_phrase="khai sinh")
    assert turn.pending_aspect == answers.OVERVIEW and turn.replies[0].buttons
    assert "1.001193" in [button.payload[-10:-2] for button in turn.replies[0].buttons]


def test_unknown_procedure_says_not_found():
    turn = ASSISTANT.ask(answers.OVERVIEW, "thủ tục xin phép bay lên mặt trăng bằng khinh khí cầu")
    assert turn.replies[0].text == NOT_FOUND.format(desk=ASSISTANT.desk) or turn.replies[0].buttons


def test_unknown_code_from_a_stale_button():
    assert ASSISTANT.choose("0.000000", None).replies[0].text == NOT_FOUND.format(desk=ASSISTANT.desk)


def test_try_message_for_unclassified_messages():
    assert ASSISTANT.try_message("asdkjh qwe") is None
    assert ASSISTANT.try_message("đăng ký kết hôn").procedure_code == "1.000894"
