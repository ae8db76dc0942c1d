"""The catalogue importer on real strings from the national portal's crawl, copied here because tests do
not read the shared data (long ones are cut at a field boundary or noted), and the committed output
data/catalog/procedures.jsonl.gz."""

from __future__ import annotations

import gzip
import json
import time
import unicodedata

from bot.catalog.importer import (
    import_catalog,
    parse_channels,
    parse_conditions,
    parse_documents,
    parse_fee,
    parse_fields,
    parse_legal_basis,
    parse_levels,
    parse_record,
    parse_result,
    parse_steps,
    parse_target_groups,
)
from bot.catalog.model import (
    FULLY_ONLINE,
    IN_PERSON,
    IN_PERSON_ONLY,
    ONLINE,
    PARTLY_ONLINE,
    POSTAL,
    Procedure,
)
from bot.catalog.parsing import clean_text, infer_time_unit, split_form_template, vnd_amounts
from bot.catalog.store import read_catalog

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"

# --- cleanup and simple fields ------------------------------------------------------------------------


def test_cleanup_normalises_to_nfc_collapses_spaces_and_drops_the_portal_placeholder():
    name = "Đăng ký xe tạm thời thực hiện bằng dịch vụ công  trực  tuyến toàn trình"  # 1.013083
    cleaned = clean_text(unicodedata.normalize("NFD", name))
    assert cleaned == "Đăng ký xe tạm thời thực hiện bằng dịch vụ công trực tuyến toàn trình"
    assert unicodedata.is_normalized("NFC", cleaned)
    assert clean_text("Không có thông tin") == ""


def test_conditions_that_say_none_are_empty():
    for text in ("Không có thông tin", "Không", "Không.", "không", "Không có", ""):
        assert parse_conditions(text) == ""
    real = (  # 1.013083
        "Xe đăng ký tạm thời được phép tham gia giao thông theo thời hạn, tuyến đường và phạm vi hoạt động "
        "ghi trong chứng nhận đăng ký xe tạm thời."
    )
    assert parse_conditions(real) == real


def test_levels_fields_and_target_groups():
    assert parse_levels("Cấp bộ, Cấp tỉnh, Cấp xã") == ("Cấp bộ", "Cấp tỉnh", "Cấp xã")
    assert parse_fields("Khí tượng, thủy văn") == ("Khí tượng, thủy văn",)  # one field with a comma
    groups = parse_target_groups(
        "Tổ chức (không bao gồm doanh nghiệp, HTX), Công dân Việt Nam, Cán bộ, công chức, viên chức"
    )
    assert groups == (
        "Tổ chức (không bao gồm doanh nghiệp, HTX)",
        "Công dân Việt Nam",
        "Cán bộ, công chức, viên chức",
    )


def test_result_stops_at_the_code_and_drops_the_portal_ui():
    text = (  # 1.013083
        "Giấy chứng nhận đăng ký xe tạm thờiMã: KQ.G01.000011Biển số xe tạm thờiMã: KQ.G01.000013Từ "
        "khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh/ Thành phốBộ ngành-- "
        "Chọn Tỉnh/ Thành phố --Phường/ XãSở-- Chọn Phường/ Xã --Hệ thống chỉ hiển thị những cơ quan "
        "đã áp dụng dịch vụ công trực tuyếnNộp hồ sơ"
    )
    assert parse_result(text) == "Giấy chứng nhận đăng ký xe tạm thời; Biển số xe tạm thời"


# --- steps --------------------------------------------------------------------------------------------


def test_steps_split_on_buoc_markers_even_inside_one_line():
    steps = parse_steps(LAND_STEPS)
    assert len(steps) == 3
    assert steps[0].startswith("Bước 1: Hộ gia đình, cá nhân nộp văn bản")
    assert steps[0].endswith("đến bộ phận một cửa liên thông.")
    assert steps[2].startswith("Bước 3: Cơ quan thuế thực hiện việc tính hoặc tính lại tiền sử dụng đất")
    assert "".join(steps).replace(" ", "") == clean_text(LAND_STEPS).replace(" ", "")  # nothing lost


def test_steps_keep_a_preamble_and_do_not_split_on_a_reference_to_a_step():
    text = (  # 1.009665
        "Trình tự thực hiện:\n- Bước 1: Nhà đầu tư nộp văn bản đề nghị cấp lại/hiệu đính Giấy chứng "
        "nhận đăng ký đầu tư cho Cơ quan đăng ký đầu tư.\n- Bước 2: Trong thời hạn 03 ngày làm việc kể "
        "từ ngày nhận được văn bản đề nghị, Cơ quan đăng ký đầu tư cấp lại/hiệu đính thông tin trên "
        "Giấy chứng nhận đăng ký đầu tư."
    )
    steps = parse_steps(text)
    assert len(steps) == 3 and steps[0] == "Trình tự thực hiện:"
    assert steps[1].startswith("- Bước 1: Nhà đầu tư") and steps[2].startswith("- Bước 2: Trong thời hạn")
    reference = (  # 1.014148, one step that refers to another
        "- Bước 3: Sau khi nhận được văn bản thông báo của Ban kiểm soát đặc biệt nêu tại điểm (ii) "
        "Bước 2, quỹ tín dụng nhân dân nhận sáp nhập, quỹ tín dụng nhân dân đại diện gửi hồ sơ đề nghị "
        "chấp thuận nguyên tắc sáp nhập, hợp nhất cho Ngân hàng Nhà nước c"
    )
    assert parse_steps(reference) == (reference,)


def test_steps_without_buoc_split_on_bullets_and_keep_continuation_lines():
    steps = parse_steps(BIRTH_STEPS)
    assert steps[1].startswith("- Nếu lựa chọn hình thức nộp hồ sơ trực tuyến")
    assert "\nNgười yêu cầu đăng ký khai sinh trực tuyến cung cấp thông tin" in steps[1]
    assert steps[2].startswith("- Cán bộ tiếp nhận hồ sơ") and "\n(iii) Trường hợp" in steps[2]
    assert all(step.startswith("- ") for step in steps)


# --- channels, time limits, fees ----------------------------------------------------------------------


def test_several_channels_in_one_string():
    text = (
        HEADER + "Trực tuyến4 Ngày làm việcMiễn phíDịch vụ bưu chính4 Ngày làm việcMiễn phí"
        "Trực tiếp4 Ngày làm việcMiễn phí"
    )
    channels, complete = parse_channels(text)
    assert complete
    assert [channel.kind for channel in channels] == [ONLINE, POSTAL, IN_PERSON]
    for channel in channels:
        assert (channel.time_limit.text, channel.time_limit.value) == ("4 Ngày làm việc", 4.0)
        assert channel.time_limit.unit == "ngày làm việc"
        assert channel.fee.free and channel.fee.text == "Miễn phí"


def test_channel_amounts_notes_and_descriptions():
    text = (  # 1.002099, its first two channels
        HEADER + "Trực tiếp5 Ngày50,000 Việt Nam Đồng(áp dụng mức phí 25.000 đồng/hồ sơ kể từ ngày "
        "01/7/2025 đến hết ngày 31/12/2026 theo Thông tư số 64/2025/TT-BTC)Hồ sơ được gửi trực tiếp, "
        "qua hệ thống bưu chính hoặc trực tuyến trên Cổng Dịch vụ công quốc gia (đủ điều kiện thực "
        "hiện dịch vụ công trực tuyến toàn trình).Trực tuyến7 Ngày50,000 Việt Nam Đồng(áp dụng mức phí "
        "25.000 đồng/hồ sơ kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 theo Thông tư số "
        "64/2025/TT-BTC)"
    )
    channels, complete = parse_channels(text)
    assert complete and [channel.kind for channel in channels] == [IN_PERSON, ONLINE]
    in_person = channels[0]
    assert (in_person.time_limit.value, in_person.time_limit.unit) == (5.0, "ngày")
    assert in_person.fee.text == "50,000 Việt Nam Đồng"
    assert in_person.fee.amounts_vnd == (50000, 25000)
    assert in_person.fee.note.startswith("áp dụng mức phí 25.000 đồng/hồ sơ")
    assert not in_person.fee.free
    assert in_person.description.startswith("Hồ sơ được gửi trực tiếp, qua hệ thống bưu chính")
    assert channels[1].time_limit.value == 7.0


def test_no_information_cells_and_channel_names_inside_descriptions():
    text = (  # 1.000232
        HEADER + "Trực tiếpKhông có thông tinKhông có thông tinnộp hồ sơ trực tiếp tại trụ sở Cục Quản lý "
        "xuất nhập cảnh.Dịch vụ bưu chínhKhông có thông tinKhông có thông tinGửi hồ sơ và nhận kết quả qua "
        "đường bưu điện.Trực tuyếnKhông có thông tinKhông có thông tinTrực tuyến: nộp hồ sơ trực tuyến qua "
        "Cổng dịch vụ công quốc gia hoặc Cổng dịch vụ công Bộ Công an."
    )
    channels, complete = parse_channels(text)
    assert complete and [channel.kind for channel in channels] == [IN_PERSON, POSTAL, ONLINE]
    for channel in channels:
        assert channel.time_limit.text == "" and channel.time_limit.value is None
        assert channel.time_limit.unit is None
        assert channel.fee.text == "" and not channel.fee.free and channel.fee.amounts_vnd == ()
    assert channels[2].description.startswith("Trực tuyến: nộp hồ sơ trực tuyến qua Cổng")


def test_worded_time_limit_is_kept_as_text():
    text = (  # 1.008312
        HEADER + "Trực tuyếnKhông quy địnhMiễn phíQua Cổng DVC Quốc gia đối với các TTHC đã toàn trình và "
        "được tích hợp, kết nối với Cổng dịch vụ công của Bộ Tài chính theo quy định về thực hiện cơ "
        "chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính/ các Hệ thống thông tin "
        "điện tử, hệ thống thông tin giải quyết TTHC của Cục ThuếDịch vụ bưu chínhKhông quy địnhMiễn "
        "phíThông qua dịch vụ bưu chính công ích theo quy định của Thủ tướng Chính phủ, qua thuê dịch "
        "vụ của doanh nghiệp, cá nhân hoặc qua ủy quyền theo quy định của pháp luậtTrực tiếpKhông quy "
        "địnhMiễn phíTại TTPVHCC cấp tỉnh, xã"
    )
    channels, complete = parse_channels(text)
    assert complete and len(channels) == 3
    assert channels[0].time_limit.text == "Không quy định" and channels[0].time_limit.value is None
    assert channels[2].description == "Tại TTPVHCC cấp tỉnh, xã"


def test_time_without_unit_takes_the_unit_written_in_the_steps():
    text = HEADER + "Trực tuyến5Miễn phíDịch vụ bưu chính5Miễn phíTrực tiếp5Miễn phí"  # 1.004478
    steps = (  # 1.004478, trinh_tu_thuc_hien (its items b and c)
        "b) Ủy ban nhân dân cấp xã trả lời ngay tính đầy đủ của hồ sơ đối với trường hợp nộp trực tiếp "
        "tại Bộ phận một cửa; trả lời tính đầy đủ của hồ sơ trong 01 ngày làm việc đối với trường hợp "
        "nộp hồ sơ thông qua dịch vụ bưu chính công ích theo quy định của Thủ tướng Chính phủ, qua "
        "thuê dịch vụ của doanh nghiệp, cá nhân hoặc qua ủy quyền theo quy định của pháp luật và nộp "
        "hồ sơ trực tuyến tại Cổng Dịch vụ công quốc gia; \nc) Trong thời hạn 05 ngày làm việc kể từ "
        "ngày nhận đủ hồ sơ, Ủy ban nhân dân cấp xã xem xét hồ sơ"
    )
    channels, _ = parse_channels(text, [steps])
    assert [(c.time_limit.text, c.time_limit.value, c.time_limit.unit) for c in channels] == [
        ("5", 5.0, "ngày làm việc")
    ] * 3


def test_time_without_unit_stays_unknown_when_the_source_does_not_say():
    # 1.001193: no "01 ngày…" in its steps; "sau 15 giờ" is another number
    text = HEADER + "Trực tuyến1Miễn phíDịch vụ bưu chính1Miễn phíTrực tiếp1Miễn phí"
    channels, complete = parse_channels(text, [BIRTH_STEPS])
    assert complete
    assert all(c.time_limit.value == 1.0 and c.time_limit.unit is None for c in channels)


def test_time_unit_inference_ignores_dates_and_needs_agreeing_mentions():
    date = "Nghị định số 40/2016/NĐ-CP ngày 15 tháng 5 năm 2016"  # 1.001658
    assert infer_time_unit(15, [date]) is None
    assert infer_time_unit(5, [date]) is None
    mention = (
        "trong thời hạn 01 (một) ngày làm việc, kể từ ngày kết thúc đánh giá thực tế tại cơ sở"  # 1.000010
    )
    assert infer_time_unit(1, [mention]) == "ngày làm việc"
    other = "- Trong thời hạn không quá 01 giờ đối với Cảng vụ hàng hải/Cảng vụ đường "  # 1.002372
    assert infer_time_unit(1, [other]) == "giờ"
    assert infer_time_unit(1, [mention, other]) is None


def test_usd_fees_are_kept_verbatim():
    text = (  # 1.000771
        HEADER
        + "Trực tuyến5 Ngày làm việc10 USD(/lần)Dịch vụ bưu chính5 Ngày làm việc10 USD(/lần)Trực tiếp5 "
        "Ngày làm việc10 USD(/lần)"
    )
    channels, complete = parse_channels(text)
    assert complete and len(channels) == 3
    fee = channels[0].fee
    assert fee.other_amounts == ("10 USD",) and fee.amounts_vnd == () and not fee.free and fee.note == "/lần"
    # 1.003358: the portal wrote "VNĐ" where its note says USD
    card = parse_fee("155 VNĐ", "Thẻ tạm trú có thời hạn từ trên 02 năm đến 05 năm: 155 USD/thẻ.")
    assert card.other_amounts == ("155 USD",) and card.amounts_vnd == ()


def test_vnd_amount_formats():
    assert vnd_amounts("50,000 Việt Nam Đồng") == [50000]
    assert vnd_amounts("1,500,000 VNĐ(đồng/lần)") == [1500000]
    assert vnd_amounts("Lệ phí cấp giấy chứng nhận: 40.000 đồng/01 Giấy chứng nhận.") == [40000]
    assert vnd_amounts("20.000Đ/tờ khai") == [20000]
    assert vnd_amounts("+ Dưới 50 tỷ: 10 triệu đồng/ Giấy chứng nhận") == [10_000_000]
    assert vnd_amounts("theo Thông tư số 64/2025/TT-BTC ngày 30/6/2025 của Bộ Tài chính") == []


def test_fee_set_by_the_provincial_council_is_not_free_and_keeps_its_text():
    text = (
        HEADER
        + "Trực tuyến5Miễn phí(Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh, thành phố trực thuộc Trung "
        "ương quyết định. Miễn lệ phí cho người thuộc gia đình có công với cách mạng; người thuộc hộ "
        "nghèo; người khuyết tật.)Dịch vụ bưu chính5Miễn phí((Mức lệ phí cụ thể do Hội đồng nhân dân "
        "tỉnh, thành phố trực thuộc Trung ương quyết định. Miễn lệ phí cho người thuộc gia đình có "
        "công với cách mạng; người thuộc hộ nghèo; người khuyết tật.))"
    )
    channels, complete = parse_channels(text)
    assert complete
    for channel in channels:
        assert channel.fee.text == "Miễn phí" and not channel.fee.free and channel.fee.amounts_vnd == ()
        assert channel.fee.note.startswith("Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh")
    worded = parse_fee("Miễn phí", "do Ủy ban nhân dân cấp tỉnh quy định.")  # 1.004232
    assert not worded.free and worded.note == "do Ủy ban nhân dân cấp tỉnh quy định."
    assert parse_fee("Miễn phí", "(Không quy định.)").free


def test_amount_stored_in_thousands_is_read_through_its_note():
    # 1.000014: the unit-less time "1" is glued to the fee "20 VNĐ"; the note says 20.000 đồng
    text = HEADER + "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp120 VNĐ(20.000 vnđ /tờ khai)"
    channels, complete = parse_channels(text)
    assert complete
    assert channels[0].time_limit.text == "1" and channels[0].time_limit.unit is None
    assert channels[0].fee.text == "20 VNĐ" and channels[0].fee.amounts_vnd == (20000,)


def test_glued_time_and_fee_without_a_confirming_note_stay_unknown():
    # 1.005137: "120 VNĐ" may be 1 + 20 VNĐ or 12 + 0 VNĐ…: nothing says which
    text = HEADER + "Trực tuyến120 VNĐDịch vụ bưu chính120 VNĐTrực tiếp120 VNĐ"
    channels, complete = parse_channels(text)
    assert not complete
    assert [channel.kind for channel in channels] == [ONLINE, POSTAL, IN_PERSON]
    assert all(c.time_limit.value is None and c.fee.text == "" for c in channels)
    name = "Cấp Giấy xác nhận có quốc tịch Việt Nam ở nước ngoài"
    procedure = parse_record(_record(ten_thu_tuc=name, cach_thuc_thuc_hien=text))
    assert procedure.unparsed["channels"] == text and procedure.online_class == PARTLY_ONLINE


def test_a_fee_below_one_thousand_dong_is_flagged():
    text = (  # 1.002079
        HEADER
        + "Trực tuyến5 Ngày làm việc50 VNĐDịch vụ bưu chính5 Ngày làm việc50 VNĐ(hồ sơ)Trực tiếp5 Ngày "
        "làm việc50 VNĐ((hồ sơ))"
    )
    procedure = parse_record(_record(cach_thuc_thuc_hien=text))
    assert all(channel.fee.amounts_vnd == () for channel in procedure.channels)
    assert procedure.channels[2].fee.note == "hồ sơ"
    assert procedure.unparsed["fees"] == text and "channels" not in procedure.unparsed


# --- documents ----------------------------------------------------------------------------------------


def test_documents_with_groups_quantities_and_two_tables():
    text = (  # 3.000163
        "Giấy tờ phải nộpTên giấy tờMẫu đơn, tờ khaiSố lượngĐơn khởi kiện1 bản chínhTài liệu, chứng cứ "
        "kèm theo (nếu có)0 bản chính,1 bản sao--Tên giấy tờMẫu đơn, tờ khaiSố lượngTài liệu, chứng cứ "
        "kèm theo (nếu có)1 bản chính,1 bản sao"
    )
    documents, parsed = parse_documents(text)
    assert parsed
    assert [(d.name, d.group, d.originals, d.copies, d.quantity_text) for d in documents] == [
        ("Đơn khởi kiện", "Giấy tờ phải nộp", 1, None, "1 bản chính"),
        ("Tài liệu, chứng cứ kèm theo (nếu có)", "Giấy tờ phải nộp", 0, 1, "0 bản chính, 1 bản sao"),
        ("Tài liệu, chứng cứ kèm theo (nếu có)", "", 1, 1, "1 bản chính, 1 bản sao"),
    ]


def test_documents_with_star_headings():
    text = (  # 1.001193, the first row of each table (the other rows cut)
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Trường hợp trẻ em bị bỏ rơi thì phải "
        "có biên bản về việc trẻ bị bỏ rơi do cơ quan có thẩm quyền lập.1 bản chính* Giấy tờ phải xuất "
        "trình:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Trường hợp gửi hồ sơ qua hệ thống bưu chính thì "
        "phải gửi kèm theo bản sao có chứng thực các giấy tờ phải xuất trình nêu trên.0 bản chính"
    )
    documents, parsed = parse_documents(text)
    assert parsed
    assert [(d.group, d.originals) for d in documents] == [
        ("Giấy tờ phải nộp", 1),
        ("Giấy tờ phải xuất trình", 0),
    ]
    assert documents[0].name.startswith("Trường hợp trẻ em bị bỏ rơi")


def test_documents_with_form_templates():
    text = (  # 1.004419
        "--Tên giấy tờMẫu đơn, tờ khaiSố lượngVăn bản đề nghị theo mẫuMaudon.docx1 bản chính,1 bản "
        "saoVận đơn hàng không thứ cấp của doanh nghiệp giao nhận1 bản chính,1 bản sao"
    )
    documents, parsed = parse_documents(text)
    assert parsed and len(documents) == 2
    assert (documents[0].name, documents[0].form_template) == ("Văn bản đề nghị theo mẫu", "Maudon.docx")
    assert (documents[0].originals, documents[0].copies) == (1, 1)
    assert documents[1].name == "Vận đơn hàng không thứ cấp của doanh nghiệp giao nhận"
    assert documents[1].form_template == ""


def test_form_template_file_names_glued_in_several_ways():
    # 1.007690
    assert split_form_template(
        "Tờ khai thuế năm (Mẫu số 01/TKN-CNKD Thông tư số 50/2026/TT-BTC)01 TKN-CNKD.docx"
    ) == ("Tờ khai thuế năm (Mẫu số 01/TKN-CNKD Thông tư số 50/2026/TT-BTC)", "01 TKN-CNKD.docx")
    # a row of 1.000468-type mining procedures
    assert split_form_template(
        "Văn bản đề nghị cấp lại giấy phép thăm dò khoáng sảnMau 03-Phu luc I_37.2025.TT-BNNMT_02.7.2025.doc"
    ) == (
        "Văn bản đề nghị cấp lại giấy phép thăm dò khoáng sản",
        "Mau 03-Phu luc I_37.2025.TT-BNNMT_02.7.2025.doc",
    )
    # 1.002349: two files
    assert split_form_template(
        "+ Nộp cho Biên phòng cửa khẩu: Danh sách thuyền viên theo mẫu; Danh sách hành khách (nếu có) theo "
        "mẫu.MauDanhsachhanhkhach.docxMauDanhsachthuyenvien (1).docx"
    ) == (
        "+ Nộp cho Biên phòng cửa khẩu: Danh sách thuyền viên theo mẫu; Danh sách hành khách (nếu có) "
        "theo mẫu.",
        "MauDanhsachhanhkhach.docx; MauDanhsachthuyenvien (1).docx",
    )
    # 1.004993: no visible seam, so the row stays whole rather than being cut at a guess
    row = "Đơn đề nghị theo mẫu quy địnhvăn bản đề nghị.docx"
    assert split_form_template(row) == (row, "")


def test_quantities_inside_names_are_not_cells():
    text = (  # 1.000014, the table header and four rows (its first row cut)
        "--Tên giấy tờMẫu đơn, tờ khaiSố lượng- Đơn đề nghị được chuyển tiêu thụ nội địa xăng dầu, hóa "
        "chất, khí của Thương nhân:1 bản chính- Tờ khai hải quan nhập khẩu: 02 bản chính. Tại ô chứng "
        "từ đi kèm trên tờ khai hàng hóa nhập khẩu, Thương nhân ghi rõ lượng xăng dầu, hóa chất, khí "
        "chuyển tiêu thụ nội địa của tờ khai tạm nhập số …;2 bản chính- Giấy đăng ký kiểm tra nhà nước "
        "về chất lượng xăng dầu, hóa chất, khí (đối với trường hợp khi tạm nhập chưa thực hiện kiểm "
        "tra Nhà nước về chất lượng) hoặc Thông báo kết quả kiểm tra nhà nước về chất lượng xăng dầu, "
        "hóa chất, khí khi làm thủ tục tạm nhập: 01 bản chụp có đóng dấu xác nhận của Thương nhân.0 "
        "bản chính,1 bản sao- Tờ khai hải quan tạm nhập của lô hàng: 01 bản chụp có đóng dấu xác nhận "
        "của Thương nhân;0 bản chính,1 bản sao"
    )
    documents, parsed = parse_documents(text)
    assert parsed and len(documents) == 4
    assert documents[0].name.endswith("khí của Thương nhân:") and documents[0].originals == 1
    assert documents[1].name.startswith("Tờ khai hải quan nhập khẩu: 02 bản chính. Tại ô chứng từ")
    assert documents[1].originals == 2
    assert (documents[3].originals, documents[3].copies) == (0, 1)
    # 1.012781: the form number and the quantity are glued ("Mẫu số 18" + "1 bản chính,1 bản sao")
    glued = (
        "Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn đăng ký biến động đất đai, tài sản gắn liền với đất theo "
        "Mẫu số 181 bản chính,1 bản sao"
    )
    (document,), parsed = parse_documents(glued)
    assert document.name.endswith("theo Mẫu số 18") and document.quantity_text == "1 bản chính, 1 bản sao"


def test_documents_that_cannot_be_split_are_left_unparsed():
    # 2.000717: the crawl put part of the steps into the documents field; there is no table
    text = (
        "Bước 2. Cơ quan BHXH tiếp nhận hồ sơ và giải quyết theo quy định.\nBước 3. Nhận kết quả giải "
        "quyết Thân nhân của người hưởng nhận tiền lương hưu, trợ cấp BHXH."
    )
    assert parse_documents(text) == ((), False)
    assert parse_documents("--") == ((), True)  # an empty table (5.002546): nothing to parse, nothing lost
    procedure = parse_record(_record(thanh_phan_ho_so=text))
    assert procedure.documents == () and procedure.unparsed["documents"] == clean_text(text)


# --- legal basis --------------------------------------------------------------------------------------


def test_legal_basis_titles_and_numbers():
    documents, parsed = parse_legal_basis(BIRTH_LEGAL_BASIS)
    assert parsed and len(documents) == 15
    assert documents[0].number == "85/2019/TT-BTC"
    assert documents[0].title.startswith("Thông tư Hướng dẫn về phí và lệ phí thuộc thẩm quyền")
    assert (documents[2].number, documents[2].title[:28]) == (
        "123/2015/NĐ-CP",
        "Nghị định số 123/2015/NĐ-CP ",
    )
    assert ("Thông tư số 03/2023/TT-BTP ngày 02/8/2023 của Bộ trưởng Bộ Tư pháp", "03/2023/TT-BTP") in [
        (d.title, d.number) for d in documents
    ]  # the number cell "Thông tư số 03/2023/TT-BTP" keeps only the number
    assert ("Luật 60/2014/QH13", "60/2014/QH13") in [(d.title, d.number) for d in documents]
    assert "66.7/2025/NQ-CP" in [d.number for d in documents]


def test_legal_basis_with_capital_titles_and_numbers_without_year():
    text = (  # 1.001710
        "Tên văn bản pháp lýMã văn bảnLUẬT  Bảo hiểm xã hội58/2014/QH13Thông tư "
        "01/2016/TT-BLĐTBXH01/2016/TT-BLĐTBXHBAN HÀNH QUY TRÌNH GIẢI QUYẾT HƯỞNG CÁC CHẾ ĐỘ BẢO HIỂM "
        "XÃ HỘI, CHI TRẢ CÁC CHẾ ĐỘ BẢO HIỂM XÃ HỘI, BẢO HIỂM THẤT NGHIỆP2222/QĐ-BHXHNghị định "
        "115/2015/NĐ-CP115/2015/NĐ-CPNghị định 134/2015/NĐ-CP134/2015/NĐ-CP"
    )
    documents, parsed = parse_legal_basis(text)
    assert parsed
    assert [(d.title[:30], d.number) for d in documents] == [
        ("LUẬT Bảo hiểm xã hội", "58/2014/QH13"),
        ("Thông tư 01/2016/TT-BLĐTBXH", "01/2016/TT-BLĐTBXH"),
        ("BAN HÀNH QUY TRÌNH GIẢI QUYẾT ", "2222/QĐ-BHXH"),
        ("Nghị định 115/2015/NĐ-CP", "115/2015/NĐ-CP"),
        ("Nghị định 134/2015/NĐ-CP", "134/2015/NĐ-CP"),
    ]


def test_legal_basis_with_a_year_glued_to_the_number():
    text = (  # 1.007765
        "Tên văn bản pháp lýMã văn bảnThông tư 19/2016/TT-BXD19/2016/TT-BXDQuy định chi tiết và hướng "
        "dẫn thi hành một số điều của Luật Nhà ở99/2015/NĐ-CPLuật Nhà ở 201465/2014/QH13"
    )
    documents, parsed = parse_legal_basis(text)
    assert parsed
    assert [(d.title, d.number) for d in documents][1:] == [
        ("Quy định chi tiết và hướng dẫn thi hành một số điều của Luật Nhà ở", "99/2015/NĐ-CP"),
        ("Luật Nhà ở 2014", "65/2014/QH13"),
    ]


def test_legal_basis_in_the_wrong_order_is_unparsed():
    # 3.000353: the number comes before its title
    _, parsed = parse_legal_basis("Tên văn bản pháp lýMã văn bản06/2007/QH12Luật Hóa chất")
    assert not parsed
    assert parse_legal_basis("Không có thông tin") == ((), True)


# --- whole records ------------------------------------------------------------------------------------


def _record(**fields: str) -> dict[str, str]:
    """1.013083 Đăng ký xe tạm thời…, its real fields; long ones cut at a step or channel boundary."""
    record = {
        "ma_thu_tuc": "1.013083",
        "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7-963b-73f7-a52b-d2dc1409f36a",
        "ten_thu_tuc": "Đăng ký xe tạm thời thực hiện bằng dịch vụ công  trực  tuyến toàn trình",
        "so_quyet_dinh": "1383/QĐ-BCA",
        "cap_thuc_hien": "Cấp bộ, Cấp tỉnh, Cấp xã",
        "loai_thu_tuc": "TTHC được giao luật quy định chi tiết",
        "linh_vuc": "Đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng",
        "doi_tuong_thuc_hien": (
            "Doanh nghiệp có vốn đầu tư nước ngoài, Tổ chức (không bao gồm doanh nghiệp, HTX), Hợp tác "
            "xã, Công dân Việt Nam, Doanh nghiệp, Người nước ngoài, Tổ chức nước ngoài"
        ),
        "co_quan_co_tham_quyen": "Cục cảnh sát giao thông, Công an cấp Xã, Công an tỉnh",
        "co_quan_thuc_hien": "Cục cảnh sát giao thông, Công an cấp Xã, Công an tỉnh",
        "dia_chi_tiep_nhan": "",
        "trinh_tu_thuc_hien": (
            "Bước 1: Chủ xe đăng nhập bằng tài khoản định danh mức độ 2 trên cổng dịch vụ công và kê "
            "khai chính xác, đầy đủ, trung thực các nội dung quy định trong mẫu giấy khai đăng ký xe "
            "điện tử. \nBước 2: Sau khi kê khai thành công, chủ xe nhận mã hồ sơ đăng ký xe trực tuyến "
            "do cổng dịch vụ công thông báo qua tin nhắn điện thoại hoặc qua địa chỉ thư điện tử; "
            "\nBước 3: Sau khi kiểm tra hồ sơ hợp lệ, cơ quan đăng ký xe gửi dữ liệu cho cổng dịch vụ "
            "công để thông báo cho chủ xe nộp lệ phí theo quy định; \nBước 4: Chủ xe nhận kết quả xác "
            "thực và in chứng nhận đăng ký xe tạm thời trên cổng dịch vụ công."
        ),
        "cach_thuc_thuc_hien": (
            HEADER + "Trực tuyến8 GiờMiễn phí(Thông tư số 60/2023/TT-BTC ngày 07/9/2023 của Bộ Tài "
            "chính quy định mức thu, chế độ thu, nộp, quản lý lệ phí đăng ký, cấp biển số phương tiện "
            "giao thông cơ giới đường bộ. Thông tư số 06/2025/TT-BTC ngày 24/01/2025 sửa đổi, bổ sung "
            "một số điều của các Thông tư của Bộ trưởng Bộ Tài chính quy định về phí, lệ phí.)- Cách "
            "thức thực hiện: + Chủ xe thực hiện kê khai đăng ký xe trên cổng dịch vụ công. Cơ quan "
            "đăng ký xe tiếp nhận hồ sơ trong giờ làm việc."
        ),
        "thanh_phan_ho_so": (
            "--Tên giấy tờMẫu đơn, tờ khaiSố lượngChứng nhận nguồn gốc xe: Dữ liệu điện  tử phiếu  "
            "kiểm tra  chất lượng xuất xưởng hoặc dữ liệu điện tử chứng nhận an toàn kỹ thuật bảo vệ "
            "môi trường xe nhập khẩu1 bản chínhGiấy khai đăng ký xe (mẫu ĐKX10/79  ban hành  kèm theo  "
            "Thông tư số 13/2025/TT-BCA ngày 28/02/2025 của Bộ trưởng Bộ Công an).1 bản chínhGiấy tờ "
            "của chủ xe (sử dụng tài khoản  định danh  mức độ 2);1 bản chính"
        ),
        "can_cu_phap_ly": (
            "Tên văn bản pháp lýMã văn bảnLuật Trật tự, an toàn giao thông đường bộ36/2024/QH15"
        ),
        "yeu_cau_dieu_kien": "Không có thông tin",
        "ket_qua_xu_ly": (
            "Giấy chứng nhận đăng ký xe tạm thờiMã: KQ.G01.000011Biển số xe tạm thờiMã: "
            "KQ.G01.000013Từ khóaKhông có thông tinMô tảKhông có thông tin"
        ),
        "raw_text": "",
        "_source_dir": "bo-cong-an",
    }
    return {**record, **fields}


def test_a_whole_record():
    procedure = parse_record(_record())
    assert procedure.code == "1.013083"
    assert procedure.name == "Đăng ký xe tạm thời thực hiện bằng dịch vụ công trực tuyến toàn trình"
    assert procedure.portal_url.startswith("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/")
    assert procedure.levels == ("Cấp bộ", "Cấp tỉnh", "Cấp xã")
    assert procedure.fields == ("Đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng",)
    assert procedure.decision_number == "1383/QĐ-BCA" and procedure.source == "bo-cong-an"
    assert procedure.target_groups[1] == "Tổ chức (không bao gồm doanh nghiệp, HTX)"
    assert procedure.implementing_agency == "Cục cảnh sát giao thông, Công an cấp Xã, Công an tỉnh"
    assert procedure.receiving_address == "" and procedure.conditions == ""
    assert len(procedure.steps) == 4 and len(procedure.documents) == 3
    assert procedure.documents[2].name == "Giấy tờ của chủ xe (sử dụng tài khoản định danh mức độ 2);"
    assert procedure.legal_basis[0].number == "36/2024/QH15"
    assert procedure.result == "Giấy chứng nhận đăng ký xe tạm thời; Biển số xe tạm thời"
    (online,) = procedure.channels
    assert (online.kind, online.time_limit.value, online.time_limit.unit) == (ONLINE, 8.0, "giờ")
    assert online.description.startswith("- Cách thức thực hiện: + Chủ xe thực hiện kê khai")
    assert procedure.online_class == FULLY_ONLINE  # its own name says "toàn trình"
    assert procedure.unparsed == {}
    assert Procedure.from_dict(json.loads(json.dumps(procedure.to_dict(), ensure_ascii=False))) == procedure


def test_online_class_rules():
    assert parse_record(_record(ten_thu_tuc="Đăng ký xe tạm thời")).online_class == PARTLY_ONLINE
    # 1.008312: "đối với các TTHC đã toàn trình" speaks of other procedures
    generic = (
        HEADER
        + "Trực tuyếnKhông quy địnhMiễn phíQua Cổng DVC Quốc gia đối với các TTHC đã toàn trình và được "
        "tích hợp, kết nối với Cổng dịch vụ công của Bộ Tài chính"
    )
    name = "Khai thuế tài nguyên/khai quyết toán thuế tài nguyên đối với cơ sở khai thác tài nguyên"
    assert parse_record(_record(ten_thu_tuc=name, cach_thuc_thuc_hien=generic)).online_class == PARTLY_ONLINE
    in_person = HEADER + "Dịch vụ bưu chính25 Ngày làm việcMiễn phíTrực tiếp25 Ngày làm việcMiễn phí"
    assert parse_record(_record(cach_thuc_thuc_hien=in_person)).online_class == IN_PERSON_ONLY


def test_import_is_sorted_and_byte_identical_on_a_rerun(tmp_path):
    source = tmp_path / "source.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as out:
        for code in ("1.013083", "1.000771"):
            out.write(json.dumps(_record(ma_thu_tuc=code), ensure_ascii=False) + "\n")
    first, second = tmp_path / "a" / "out.jsonl.gz", tmp_path / "b" / "out.jsonl.gz"
    import_catalog(source, first)
    import_catalog(source, second)
    assert first.read_bytes() == second.read_bytes()
    assert [procedure.code for procedure in read_catalog(first)] == ["1.000771", "1.013083"]


# --- the committed catalogue --------------------------------------------------------------------------


def test_committed_catalogue():
    started = time.perf_counter()
    catalog = read_catalog()
    elapsed = time.perf_counter() - started
    assert len(catalog) == 2642
    codes = [procedure.code for procedure in catalog]
    assert len(set(codes)) == len(codes) and codes == sorted(codes)
    birth = catalog.get("1.001193")
    assert birth.name == "Thủ tục đăng ký khai sinh"
    assert birth.levels == ("Cấp xã",)
    kinds = {channel.kind for channel in birth.channels}
    assert ONLINE in kinds and IN_PERSON in kinds
    assert birth.documents
    assert birth.portal_url.startswith("https://dichvucong.gov.vn")
    assert elapsed < 2.0, f"read_catalog took {elapsed:.2f} s"


# --- long real texts ----------------------------------------------------------------------------------

# 1.001193 Thủ tục đăng ký khai sinh: trinh_tu_thuc_hien
BIRTH_STEPS = (
    "- Nếu lựa chọn hình thức nộp hồ sơ trực tiếp, người yêu cầu đăng ký khai sinh nộp hồ sơ đăng ký "
    "khai tâm Phục vụ hành chính công có thẩm quyền; nộp lệ phí nếu thuộc trường hợp phải nộp lệ phí "
    "đăng ký khai sinh; nộp phí cấp bản sao Giấy khai sinh nếu có yêu cầu cấp bản sao Giấy khai "
    "sinh.  \n- Nếu lựa chọn hình thức nộp hồ sơ trực tuyến, người yêu cầu đăng ký khai sinh truy "
    "cập Cổng dịch vụ công quốc gia hoặc Ứng dụng định danh quốc gia.\nNgười yêu cầu đăng ký "
    "khai sinh trực tuyến cung cấp thông tin theo mẫu hộ tịch điện tử tương tác đăng ký khai sinh, "
    "đính kèm bản chụp hoặc bản sao điện tử các giấy tờ, tài liệu theo quy định; nộp phí, lệ phí "
    "thông qua chức năng thanh toán trực tuyến hoặc bằng cách thức khác theo quy định pháp luật, "
    "hoàn tất việc sinh tại Trung \nnộp hồ sơ.\n- Cán bộ tiếp nhận hồ sơ tại Trung tâm Phục vụ hành "
    "chính công có trách nhiệm kiểm tra tính chính xác, đầy đủ, thống nhất, hợp lệ của hồ sơ. \n(i) "
    "Trường hợp hồ sơ đầy đủ, hợp lệ thì tiếp nhận hồ sơ; nếu tiếp nhận hồ sơ sau 15 giờ thì có "
    "Phiếu hẹn, trả kết quả cho người yêu cầu trong ngày làm việc tiếp theo (nếu người yêu cầu nộp "
    "hồ sơ trực tiếp) hoặc gửi ngay Phiếu hẹn, trả kết quả qua thư điện tử hoặc gửi tin nhắn hẹn trả "
    "kết quả qua điện thoại di động cho người yêu cầu (nếu người yêu cầu nộp hồ sơ trực tuyến); "
    "chuyển hồ sơ để công chức tư pháp - hộ tịch xử lý; trường hợp tiếp nhận hồ sơ tại Trung tâm "
    "Phục vụ hành chính công cấp tỉnh, cán bộ tiếp nhận hồ sơ chuyển hồ sơ đến Ủy ban nhân dân cấp "
    "xã có thẩm quyền xử lý.\n(ii) Trường hợp hồ sơ chưa đầy đủ, hợp lệ thì cán bộ tiếp nhận hồ sơ "
    "thông báo cho người yêu cầu bổ sung, hoàn thiện hồ sơ, nêu rõ loại giấy tờ, nội dung cần bổ "
    "sung để người yêu cầu bổ sung, hoàn thiện. Sau khi hồ sơ được bổ sung, thực hiện lại bước "
    "(i);\n(iii) Trường hợp người yêu cầu đăng ký khai sinh không bổ sung, hoàn thiện được hồ sơ thì "
    "cán bộ tiếp nhận hồ sơ báo cáo Lãnh đạo Trung tâm Phục vụ hành chính công có thông báo từ chối "
    "giải quyết yêu cầu đăng ký khai sinh.\n- Công chức tư pháp - hộ tịch thẩm tra hồ sơ (thẩm tra "
    "tính thống nhất, hợp lệ của các thông tin trong hồ sơ, giấy tờ, tài liệu do người yêu cầu nộp, "
    "xuất trình hoặc đính kèm). \n+ Trường hợp hồ sơ cần bổ sung, hoàn thiện hoặc không đủ điều kiện "
    "giải quyết, phải từ chối thì công chức tư pháp - hộ tịch gửi thông báo về tình trạng hồ sơ tới "
    "Trung tâm Phục vụ hành chính công để thông báo cho người nộp hồ sơ – thực hiện lại bước (ii) "
    "hoặc (iii);\n+ Trường hợp cần phải kiểm tra, xác minh làm rõ hoặc do nguyên nhân khác mà không "
    "thể trả kết quả đúng thời gian đã hẹn thì công chức tư pháp - hộ tịch lập Phiếu xin lỗi và hẹn "
    "lại ngày trả kết quả, trong đó nêu rõ lý do chậm trả kết quả và thời gian hẹn trả kết quả, "
    "chuyển Trung tâm Phục vụ hành chính công để trả cho người yêu cầu (nếu người yêu cầu nộp hồ sơ "
    "trực tiếp), hoặc gửi Phiếu xin lỗi và hẹn lại ngày trả kết quả qua thư điện tử hoặc gửi tin "
    "nhắn qua điện thoại di động cho người yêu cầu (nếu người yêu cầu nộp hồ sơ trực tuyến).\n+ Nếu "
    "thấy hồ sơ đầy đủ, hợp lệ, đúng quy định, trường hợp tiếp nhận hồ sơ đăng ký khai sinh theo "
    "hình thức trực tiếp, thì công chức tư pháp - hộ tịch thực hiện ghi vào Sổ đăng ký khai sinh, "
    "cập nhật thông tin đăng ký khai sinh trên Phần mềm đăng ký, quản lý hộ tịch điện tử dùng chung "
    "và chuyển thông tin đến Cơ sở dữ liệu quốc gia về dân cư để lấy Số định danh cá "
    "nhân.\nTrường hợp tiếp nhận hồ sơ đăng ký khai sinh theo hình thức trực tuyến, công chức tư "
    "pháp - hộ tịch gửi lại biểu mẫu Giấy khai sinh điện tử với thông tin đầy đủ cho người yêu cầu "
    "qua thư điện tử hoặc thiết bị số. \nNgười yêu cầu có trách nhiệm kiểm tra tính chính xác, đầy "
    "đủ của các thông tin trên biểu mẫu Giấy khai sinh điện tử và xác nhận (tối đa một ngày).\nNếu "
    "người yêu cầu xác nhận thông tin đã thống nhất, đầy đủ hoặc không có phản hồi sau thời hạn một "
    "ngày thì công chức tư pháp - hộ tịch thực hiện ghi nội dung vào Sổ đăng ký khai sinh, cập nhật "
    "thông tin đăng ký khai sinh trên Phần mềm đăng ký, quản lý hộ tịch điện tử dùng chung và chuyển "
    "thông tin đến Cơ sở dữ liệu quốc gia về dân cư về dân cư để lấy Số định danh cá nhân.\n- "
    "Sau khi Cơ sở dữ liệu quốc gia về dân cư trả về Số định danh cá nhân, công chức tư pháp - "
    "hộ tịch in Giấy khai sinh, bản sao Giấy khai sinh, bản điện tử Giấy khai sinh trình Lãnh "
    "đạo Ủy ban nhân dân cấp xã ký, chuyển tới Trung tâm Phục vụ hành chính công để trả kết quả cho "
    "người yêu cầu.\n* Lưu ý:\n- Trường hợp cha, mẹ trẻ đã đăng ký kết hôn, trên cơ sở thông tin về "
    "Giấy chứng nhận kết hôn cung cấp trong hồ sơ đăng ký khai sinh, cơ quan đăng ký hộ tịch có "
    "trách nhiệm tra cứu, xác thực thông tin trên Hệ thống thông tin giải quyết thủ tục hành chính "
    "cấp tỉnh thông qua kết nối với Cơ sở dữ liệu hộ tịch điện tử, Cơ sở dữ liệu quốc gia về "
    "dân cư. Kết quả tra cứu được lưu trữ dưới dạng điện tử hoặc bản giấy, phản ánh đầy đủ, chính "
    "xác thông tin tại thời điểm tra cứu và đính kèm trong hồ sơ của người đăng ký. \nTrường hợp "
    "không tra cứu được tình trạng hôn nhân do chưa có thông tin trong Cơ sở dữ liệu hộ tịch điện "
    "tử, Cơ sở dữ liệu quốc gia về dân cư, thì cơ quan đăng ký hộ tịch đề nghị Ủy ban nhân dân "
    "cấp xã nơi người yêu cầu thường trú/nơi đã đăng ký kết hôn xác minh, cung cấp thông tin. Trong "
    "thời hạn 03 ngày làm việc kể từ ngày nhận được yêu cầu xác minh, Ủy ban nhân dân cấp xã nơi "
    "nhận được đề nghị xác minh có trách nhiệm kiểm tra, xác minh và gửi kết quả về tình trạng hôn "
    "nhân của người đó. \n- Trong thời hạn 60 ngày kể từ ngày sinh con, cha hoặc mẹ có trách nhiệm "
    "đăng ký khai sinh cho con; trường hợp cha, mẹ không thể đăng ký khai sinh cho con thì ông hoặc "
    "bà hoặc người thân thích khác hoặc cá nhân, tổ chức đang nuôi dưỡng trẻ em có trách nhiệm đăng "
    "ký khai sinh cho trẻ em.\n- Trường hợp đăng ký khai sinh cho trẻ bị bỏ rơi thì sau khi nhận "
    "được thông báo, Lãnh đạo Ủy ban nhân dân hoặc Trưởng công an cấp xã có trách nhiệm tổ chức lập "
    "biên bản về việc trẻ bị bỏ rơi.\nSau khi lập biên bản, Ủy ban nhân dân cấp xã tiến hành niêm "
    "yết tại trụ sở Ủy ban nhân dân trong 07 ngày liên tục về việc trẻ bị bỏ rơi. Hết thời hạn niêm "
    "yết, nếu không có thông tin về cha, mẹ đẻ của trẻ, Ủy ban nhân dân cấp xã thông báo cho cá nhân "
    "hoặc tổ chức đang tạm thời nuôi dưỡng trẻ để tiến hành đăng ký khai sinh cho trẻ.\n- Trường hợp "
    "trẻ chưa xác định được cha thì họ, dân tộc, quê quán, quốc tịch của con được xác định theo họ, "
    "dân tộc, quê quán, quốc tịch của mẹ; phần ghi về cha của trẻ để trống. Nếu vào thời điểm đăng "
    "ký khai sinh người cha yêu cầu làm thủ tục nhận con thì kết hợp giải quyết việc nhận con và "
    "đăng ký khai sinh.\n- Trường hợp trẻ chưa xác định được mẹ mà khi đăng ký khai sinh cha yêu cầu "
    "làm thủ tục nhận con thì kết hợp giải quyết việc nhận con và đăng ký khai sinh; phần khai về mẹ "
    "của trẻ để trống.\n- Trường hợp trẻ chưa xác định được cả cha và mẹ nhưng không thuộc diện bị "
    "bỏ rơi, thì thực hiện tương tự như đăng ký khai sinh cho trẻ bị bỏ rơi, trong Sổ hộ tịch ghi rõ "
    "“Trẻ chưa xác định được cha, mẹ”."
)

# 1.001193 Thủ tục đăng ký khai sinh: can_cu_phap_ly
BIRTH_LEGAL_BASIS = (
    "Tên văn bản pháp lýMã văn bảnThông tư Hướng dẫn về phí và lệ phí thuộc thẩm quyền quyết định "
    "của Hội đồng nhân dân tỉnh, thành phố trực thuộc Trung ương85/2019/TT-BTCNghị định sửa đổi, bổ "
    "sung một số điều của các Nghị định liên quan đến việc nộp xuất trình sổ hộ khẩu, sổ tạm trú "
    "giấy khi thực hiện thủ tục hành chính, cung cấp dịch vụ công104/2022/NĐ-CPNghị định số "
    "123/2015/NĐ-CP ngày 15/11/2015 của  Chính phủ quy định chi tiết một số điều và biện pháp thi  "
    "hành Luật Hộ tịch123/2015/NĐ-CPThông tư số 08/2025/TT-BTP ngày 12/6/2025 của Bộ trưởng Bộ Tư "
    "pháp quy định về phân định thẩm quyền của chính quyền địa phương 02 cấp và phân cấp trong lĩnh "
    "vực quản lý nhà nước của Bộ Tư pháp08/2025/TT-BTPNghị định sửa đổi, bổ sung một số nghị định để "
    "cắt giảm, đơn giản hóa thủ tục hành chính, điều kiện kinh doanh  thuộc phạm vi quản lý của Bộ "
    "Tư pháp18/2026/NĐ-CP Nghị định quy định về Cơ sở dữ liệu hộ tịch điện tử, đăng ký hộ tịch trực "
    "tuyến87/2020/NĐ-CPSửa đổi, bổ sung một số điều của Thông tư số 02/2020/TT-BTP ngày 08/4/2020 "
    "của Bộ trưởng Bộ Tư pháp ban hành, hướng dẫn sử dụng, quản lý mẫu sổ quốc tịch và mẫu giấy tờ "
    "về quốc tịch và Thông tư số 04/2020/TT-BTP ngày 28/5/2020 của Bộ trưởng Bộ Tư pháp quy định chi "
    "tiết thi hành một số điều của Luật Hộ tịch và Nghị định  số 123/2015/NĐ-CP ngày 15/11/2015 của "
    "Chính phủ quy định chi tiết  một số điều và biện pháp thi hành Luật Hộ tịch04/2024/TT-BTPThông "
    "tư số 03/2023/TT-BTP ngày 02/8/2023 của Bộ trưởng Bộ Tư phápThông tư số 03/2023/TT-BTPThông tư "
    "sửa đổi, bổ sung một số điều của Thông tư số 85/2019/TT-BTC ngày 29/11/2019 của Bộ Tài chính "
    "hướng dẫn về phí và lệ phí thuộc thẩm quyền quyết định của Hội đồng nhân dân tỉnh, thành phố "
    "trực thuộc Trung ương.106/2021/TT-BTCHướng dẫn Luật hộ tịch và Nghị định 123/2015/NĐ-CP hướng "
    "dẫn Luật hộ tịch do Bộ trưởng Bộ Tư pháp ban hành04/2020/TT-BTPNghị định sửa đổi, bổ sung một "
    "số điều của các Nghị định trong lĩnh vực hộ tịch, quốc tịch, chứng thực.07/2025/NĐ-CPNghị định "
    "số 120/2025/NĐ-CP ngày 11/6/2025 của Chính phủ quy định về phân định thẩm quyền của chính quyền "
    "địa phương 02 cấp trong lĩnh vực quản lý nhà nước của Bộ Tư pháp.120/2025/NĐ-CPNghị quyết số "
    "66.7/2025/NQ-CP của Chính phủ: Quy định cắt giảm, đơn giản hóa thủ tục hành chính dựa trên dữ "
    "liệu66.7/2025/NQ-CPLuật 60/2014/QH1360/2014/QH13Thông tư quy định chi tiết một số điều và biện "
    "pháp thi hành Nghị định số 87/2020/NĐ-CP ngày 28 tháng 7 năm 2020 của Chính phủ quy định về Cơ "
    "sở dữ liệu hộ tịch điện tử, đăng ký hộ tịch trực tuyến01/2022/TT-BTP"
)

# 1.115148: trinh_tu_thuc_hien, steps in one line
LAND_STEPS = (
    "Bước 1:  Hộ gia đình, cá nhân nộp văn bản thể hiện đề nghị tính hoặc tính lại tiền sử dụng đất "
    "theo quy định tại điểm a, b, c, d khoản 2 Điều 12 Nghị định số  50/2026/NĐ-CP này chậm nhất "
    "trước ngày 01 tháng 01 năm 2027 đến bộ phận một cửa liên thông. Bước 2: Bộ phận một cửa liên "
    "thông cấp giấy tiếp nhận hồ sơ và hẹn trả kết quả; chuyển văn bản này đến Ủy ban nhân dân cấp "
    "xã nơi có đất để thực hiện việc xác định hạn mức giao đất ở của thửa đất được lựa chọn để tính "
    "hoặc tính lại tiền sử dụng đất; chuyển thông tin đến cơ quan thuế. Bước 3: Cơ quan thuế thực "
    "hiện việc tính hoặc tính lại tiền sử dụng đất theo quy định tại Nghị định này; ban hành thông "
    "báo nộp tiền sử dụng đất hoặc thông báo điều chỉnh thông báo nộp tiền sử dụng đất gửi cho người "
    "sử dụng đất; đồng thời gửi thông tin đến Ủy ban nhân dân cấp xã theo quy định."
)
