import pytest

from bot.catalog import answers
from bot.catalog.answers import ASPECTS, MESSAGE_LIMIT, answer, candidates, split_text
from bot.catalog.model import Procedure
from tests.unit.catalog_fixtures import BIRTH, CATALOG


@pytest.mark.parametrize("aspect", ASPECTS)
def test_every_answer_names_the_procedure_with_its_code_and_cites_the_source(aspect):
    replies = answer(BIRTH, aspect)
    assert '"Thủ tục đăng ký khai sinh" (mã 1.001193)' in replies[0].text
    assert replies[-1].text.endswith(
        "Nguồn: Cơ sở dữ liệu quốc gia về TTHC – https://dichvucong.gov.vn/p/1.001193"
    )
    assert all(len(reply.text) <= MESSAGE_LIMIT + 200 for reply in replies)
    follow_ups = replies[-1].buttons
    assert 1 <= len(follow_ups) <= 5 and all("1.001193" in button.payload for button in follow_ups)


def test_time_without_a_unit_says_so_instead_of_guessing():
    text = answer(BIRTH, answers.TIME)[0].text
    assert "• Trực tuyến: 1 ngày làm việc" in text
    # Channels with the same answer share one line.
    assert (
        "• Trực tiếp, Qua dịch vụ bưu chính: 1 (danh mục không ghi rõ đơn vị: ngày hay ngày làm việc)" in text
    )


def test_documents_with_quantities_and_form_templates():
    text = "\n".join(reply.text for reply in answer(BIRTH, answers.DOCUMENTS))
    assert "Tờ khai đăng ký khai sinh — 1 bản chính [mẫu: Tờ khai đăng ký khai sinh.docx]" in text
    assert "Giấy chứng sinh — 1 bản chính" in text


def test_a_fee_note_that_contradicts_the_table_is_shown_as_the_catalogue_note():
    from bot.catalog.model import ONLINE, Channel, Fee, TimeLimit
    from tests.unit.catalog_fixtures import procedure

    licence = procedure(
        "3.000348",
        "Cấp lại giấy phép lái xe",
        channels=(
            Channel(
                ONLINE,
                TimeLimit("5 ngày làm việc", 5, "ngày làm việc"),
                Fee("Miễn phí", note="Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần."),
            ),
        ),
    )
    text = answer(licence, answers.FEE)[0].text
    assert "Miễn phí — ghi chú của danh mục: Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần." in text


def test_fee_forms_legal_result():
    assert "• Trực tiếp, Trực tuyến, Qua dịch vụ bưu chính: Miễn phí" in answer(BIRTH, answers.FEE)[0].text
    assert "Tờ khai đăng ký khai sinh.docx" in answer(BIRTH, answers.FORMS)[0].text
    assert "Luật Hộ tịch (60/2014/QH13)" in "\n".join(r.text for r in answer(BIRTH, answers.LEGAL))
    assert "• Giấy khai sinh" in answer(BIRTH, answers.RESULT)[0].text


def test_silent_catalogue_is_reported_not_filled_in():
    bare = CATALOG.get("1.003583")
    assert "danh mục không nêu thành phần hồ sơ" in answer(bare, answers.DOCUMENTS)[0].text
    assert "danh mục không nêu yêu cầu, điều kiện" in answer(bare, answers.CONDITIONS)[0].text
    assert "Danh mục không nêu rõ" in answer(bare, answers.FEE)[0].text


def test_unparsed_documents_are_shown_verbatim():
    raw = Procedure(
        "9.999999", "Thủ tục thử", "https://x", unparsed={"documents": "Đơn đề nghị; Bản sao CCCD"}
    )
    text = "\n".join(reply.text for reply in answer(raw, answers.DOCUMENTS))
    assert "nguyên văn danh mục" in text and "Đơn đề nghị; Bản sao CCCD" in text


def test_long_texts_are_split_into_readable_messages():
    long_steps = "\n".join(
        f"Bước {n}: " + "công chức kiểm tra hồ sơ và ghi vào sổ. " * 8 for n in range(1, 15)
    )
    parts = split_text(long_steps)
    assert len(parts) > 3
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert "".join(parts).replace("\n", "") == long_steps.replace("\n", "")
    one_line = "a " * 1500
    assert all(len(part) <= MESSAGE_LIMIT for part in split_text(one_line))


def test_candidates_are_at_most_five_buttons_named_with_codes():
    reply = candidates(list(CATALOG)[:8])
    assert len(reply.buttons) == 5
    assert reply.buttons[0].title == "Thủ tục đăng ký khai sinh (1.001193)"
    assert reply.buttons[0].payload == '/choose_procedure{"procedure_code":"1.001193"}'
