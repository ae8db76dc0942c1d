"""A question about one part of a procedure, against the whole national catalogue: the words asking about
the part ("lệ phí", "bao nhiêu") are not searched as words of the procedure's name. Before, "lệ phí khai
sinh bao nhiêu" was answered, confidently, with "Khai/ Khai quyết toán phí, lệ phí khác thuộc ngân sách nhà
nước"."""

from __future__ import annotations

import pytest

from bot.catalog import answers
from bot.catalog.assistant import ProcedureAssistant
from bot.catalog.library import build_library
from bot.settings import load_settings


@pytest.fixture(scope="module")
def assistant() -> ProcedureAssistant:
    library = build_library(load_settings())
    return ProcedureAssistant(library, library)


@pytest.mark.parametrize(
    "aspect, question, code",
    [
        (answers.FEE, "lệ phí khai sinh bao nhiêu", "1.001193"),
        (answers.FEE, "le phi khai sinh bao nhieu", "1.001193"),
        (answers.OVERVIEW, "lệ phí khai sinh bao nhiêu", "1.001193"),  # the aspect read from its words
        (answers.FEE, "lệ phí đăng ký kết hôn bao nhiêu tiền", "1.000894"),
        (answers.DOCUMENTS, "đăng ký khai tử cần giấy tờ gì", "1.000656"),
    ],
)
def test_the_procedure_not_the_words_of_the_question(assistant, aspect, question, code):
    """Answered with it, or a question back that offers it ("chỉ khai sinh, hay cả thẻ BHYT?"): never
    another procedure answered directly."""
    turn = assistant.ask(aspect, question)
    asked_back = turn.procedure_code is None and code in turn.offered
    assert turn.procedure_code == code or asked_back, [reply.text[:80] for reply in turn.replies]


def test_a_procedure_named_by_the_same_words_is_still_found(assistant):
    # "lệ phí trước bạ" is the procedure here: what is left after the cue words still names it.
    turn = assistant.ask(answers.FEE, "khai lệ phí trước bạ nhà đất mất phí không")
    codes = {turn.procedure_code} | {
        code for reply in turn.replies for button in reply.buttons for code in [button.payload]
    }
    assert any("1.007277" in code for code in codes if code)
