import unicodedata

import pytest

from tests.unit.catalog_fixtures import SEARCH


def best(query: str) -> str | None:
    result = SEARCH.search(query)
    return result.best.code if result.best else None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("đăng ký khai sinh", "1.001193"),
        ("dang ky khai sinh", "1.001193"),
        ("DANG KY KHAI SINH", "1.001193"),
        ("cho em hỏi làm giấy khai sinh cho con cần giấy tờ gì ạ", "1.001193"),
        ("lam gks", "1.001193"),
        ("dnag ky khai snih", "1.001193"),  # typos
        ("đăng ký khai sinh lưu động", "1.003583"),  # the variant when asked for
        ("khai sinh co yeu to nuoc ngoai", "2.000528"),
        ("đăng ký lại khai sinh", "1.004884"),
        ("nhập hộ khẩu cho con", "1.004222"),  # old name for thường trú
        ("xin giấy xác nhận độc thân", "1.004873"),
        ("cap lai bang lai xe", "3.000348"),
        ("công chứng bản sao giấy tờ", "2.000815"),
        ("lltp", "3.000333"),
    ],
)
def test_finds_the_procedure_citizens_mean(query, code):
    assert best(query) == code


def test_nfd_and_old_tone_placement_are_the_same_question():
    assert best(unicodedata.normalize("NFD", "đăng ký kết hôn")) == "1.000894"
    assert best("xác nhận tình trạng hôn nhân hoà") == "1.004873"


def test_base_procedure_ranks_above_its_variants_and_is_confident():
    result = SEARCH.search("đăng ký khai sinh")
    assert result.confident
    codes = [match.procedure.code for match in result.matches]
    assert codes[0] == "1.001193"
    assert set(codes[1:3]) <= {"1.003583", "2.000528", "1.004884"}


def test_home_level_breaks_a_tie():
    from bot.catalog.search import Lexicon, ProcedureSearch
    from tests.unit.catalog_fixtures import CATALOG

    provincial = ProcedureSearch(list(CATALOG), Lexicon.load(), home_level="Cấp tỉnh")
    ministerial = ProcedureSearch(list(CATALOG), Lexicon.load(), home_level="Cấp bộ")
    assert provincial.search("giấy phép khai thác khoáng sản").best.code == "1.000001"
    assert ministerial.search("giấy phép khai thác khoáng sản").best.code == "1.000002"


def test_issuing_ranks_above_reporting_a_loss_and_levels_are_offered():
    result = SEARCH.search("hộ chiếu")
    assert result.best.code == "1.001456"  # provincial before central: shorter name, nearer the commune
    assert not result.confident  # two levels fit: the citizen chooses
    assert 2 <= len(result.matches) <= 5


def test_never_more_than_five_candidates():
    assert len(SEARCH.search("cấp").matches) <= 5


@pytest.mark.parametrize("query", ["xyz abc qwerty", "", "   ", "???", "thủ tục"])
def test_nothing_found_for_unknown_words(query):
    assert SEARCH.search(query).matches == ()


@pytest.mark.parametrize(
    ("message", "names_one"),
    [
        ("còn lệ phí thì sao?", False),
        ("mất mấy ngày", False),
        ("nộp ở đâu ạ", False),
        ("trình tự thực hiện như thế nào", False),
        ("co nop online dc ko", False),
        ("cần giấy tờ gì để đăng ký kết hôn", True),
        ("lltp", True),
        ("lệ phí cấp lại bằng lái", True),
    ],
)
def test_tells_a_follow_up_from_a_new_procedure(message, names_one):
    assert SEARCH.names_a_procedure(message) is names_one


def test_every_synonym_leads_to_words_the_real_catalogue_uses():
    """A synonym whose catalogue wording appears in no procedure name or result would silently do nothing."""
    from bot.catalog.phrases import Words
    from bot.catalog.search import Lexicon
    from bot.catalog.store import default_catalog

    texts = [
        " ".join(Words.of(f"{p.name} {p.result} {' '.join(p.fields)}").folded) for p in default_catalog()
    ]
    canonicals = {canonical for _, canonical in Lexicon.load().synonyms}
    unused = [c for c in canonicals if not any(" ".join(Words.of(c).folded) in text for text in texts)]
    assert unused == []


# -- the real catalogue ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    from bot.catalog.search import Lexicon, ProcedureSearch
    from bot.catalog.store import default_catalog

    return ProcedureSearch(list(default_catalog()), Lexicon.load(), home_level="Cấp xã")


def real_reading(search, query: str) -> list[str | None]:
    return search.readings(query)[-1][0]  # the question as typed (filler removed)


def test_a_filler_word_typed_with_diacritics_is_only_that_word(real):
    assert "nha" in real_reading(real, "cho em hỏi nhà ở xã hội")  # "nhà" is not the particle "nha"
    assert "thi" in real_reading(real, "muốn thi chứng chỉ đại lý bảo hiểm")  # an exam, not "thì"
    assert "nha" not in real_reading(real, "dang ky ket hon nha")  # the particle is still filler


def test_a_filler_word_without_diacritics_stays_where_it_forms_a_catalogue_pair(real):
    assert real_reading(real, "cap lai can cuoc") == ["cap", "lai", "can", "cuoc"]  # "căn cước", not "cần"
    assert "can" not in real_reading(real, "can lam giay khai sinh")


def test_strict_phrase_table_and_overlapping_rewrites():
    from bot.catalog.phrases import PhraseTable, Words, tokens_of

    filler = PhraseTable([("nha", ""), ("thì", "")], strict=True)
    kept, _ = filler.apply(tokens_of(Words.of("nhà ở thì sao nha")))
    assert [folded for _, folded, _ in kept] == ["nha", "o", "sao"]
    synonyms = PhraseTable([("phép xây dựng", "giấy phép xây dựng")])
    rewritten, _ = synonyms.apply(tokens_of(Words.of("xin giấy phép xây dựng")))
    assert [folded for _, folded, _ in rewritten] == ["xin", "giay", "phep", "xay", "dung"]
    already = PhraseTable([("hộ chiếu", "hộ chiếu phổ thông")])
    rewritten, _ = already.apply(tokens_of(Words.of("hộ chiếu phổ thông")))
    assert [folded for _, folded, _ in rewritten] == ["ho", "chieu", "pho", "thong"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("làm căn cước cho con 16 tuổi", "1.014061"),  # từ đủ 14 tuổi trở lên
        ("lam can cuoc cho be 10 tuoi", "1.014062"),  # dưới 14 tuổi
    ],
)
def test_an_age_picks_the_procedure_for_that_age_group(real, query, code):
    assert real.search(query).best.code == code


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # The name lists several procedures ("Khai quyết toán thuế/ Hoàn thuế ..."): covering one is enough.
        ("đăng ký sử dụng hóa đơn điện tử", "1.010337"),
        ("hoàn thuế thu nhập cá nhân từ tiền lương", "2.002233"),
        # The name's acronyms stand for their words ("sổ BHXH").
        ("điều chỉnh thông tin trên sổ bảo hiểm xã hội", "1.002759"),
        # Variant markers: re-marking an exam is a variant of taking it.
        ("thi chứng chỉ đại lý bảo hiểm", "1.010387"),
        # The cases a long name lists after its head need not be in the question.
        ("gia hạn giấy phép xây dựng nhà ở riêng lẻ", "1.013227"),
        # Citizens' words for catalogue wordings.
        ("đăng ký thế chấp xe máy", "1.011435"),
        ("đổi tiền bị cháy", "2.001077"),
        ("mua bhyt hộ gia đình", "1.001939"),
        ("đăng ký thành lập cty tnhh 2 thành viên", "2.001199"),
    ],
)
def test_finds_real_procedures(real, query, code):
    assert real.search(query).best.code == code


def test_bonuses_above_100_still_order_the_matches(real):
    """The commune-level procedure beats the central one even when both would score over 100."""
    result = real.search("cap lai can cuoc")
    assert result.best.code == "1.014064"  # Cấp lại thẻ căn cước (cấp xã), not 1.000757 (trung ương)
    assert result.matches[0].score <= 100.0


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # A situation the citizen describes asks for the variant without naming it.
        ("vợ em là người Hàn, khai sinh cho con ở đâu", "2.000528"),  # có yếu tố nước ngoài
        ("bố nằm viện, muốn đăng ký kết hôn", "1.000593"),  # lưu động
        ("thẻ căn cước bị hỏng", "1.014063"),  # cấp đổi
        # A country the goods go to is not a foreign element of the procedure.
        ("hợp tác xã muốn xuất thanh long sang Trung Quốc cần mã số vùng trồng", "1.014776"),
    ],
)
def test_a_situation_asks_for_its_variant(real, query, code):
    assert real.search(query).best.code == code


def test_one_situation_may_ask_for_several_variants(real):
    markers = real.lexicon.variant_markers
    asked = {markers[index] for index in real.asked_variants("sổ ở xã bị cháy rồi")}
    assert {"cap lai", "dang ky lai"} <= asked
    assert real.asked_variants("đăng ký khai sinh") == frozenset()


def test_customs_procedures_need_a_customs_word(real):
    assert real.search("xin nộp dần tiền thuế nợ").best.code == "1.008588"  # the tax office's
    assert real.search("nộp dần tiền thuế nợ hải quan").best.code == "1.011636"  # the customs one


def test_a_diacritic_slip_still_matches_a_synonym(real):
    # "chiêu" is no catalogue word: the citizen meant "chiếu", so "hộ chiêu" is still "hộ chiếu".
    assert real.search("làm hộ chiêu mất bao lâu").best.code == "1.001456"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("xin visa cho người nước ngoài", "1.001194"),
        ("tạm ngưng hộ kinh doanh", "1.001570"),
        ("vợ chồng muốn tách khẩu ra ở riêng", "1.010038"),
        ("khoan giếng lấy nước sinh hoạt có phải đăng ký không", "1.001662"),
    ],
)
def test_citizens_words_for_newer_catalogue_wordings(real, query, code):
    assert real.search(query).best.code == code


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # Everyday names for the procedures households need most, with and without diacritics.
        ("làm sổ đỏ", "1.013978"),  # lần đầu, hộ gia đình, cá nhân (not the organisations' one)
        ("xin giấy phép xây nhà", "1.013225"),  # the commune's permit, not the railway's
        ("gia hạn giấy phép xây dựng", "1.013227"),
        ("đăng ký hộ kinh doanh", "1.001612"),
        ("giải thể hộ kinh doanh", "1.001266"),
        ("xin giay ct07", "1.010041"),
        ("đăng ký xe máy mới mua", "1.013067"),
        ("mất sổ đỏ", "1.012786"),
        ("giải chấp sổ đỏ", "1.011443"),
        ("mat ca vet xe", "1.013080"),
        ("rút sổ bảo hiểm", "1.001613"),
        ("thuế nhà đất", "1.007695"),
        ("thuế cho thuê nhà", "1.007689"),
        ("kiểm dịch heo", "1.002338"),
        ("xin giấy không tiền án tiền sự", "3.000333"),
        ("nghỉ thai sản", "2.000693"),
        ("đổi nơi khám bệnh ban đầu", "1.002759"),
        ("mở tiệm cầm đồ", "2.001478"),  # the police's security certificate
        ("dang ky vneid", "3.000228"),  # a citizen's account, not an organisation's
        ("tài khoản định danh cho công ty", "3.000498"),
        # The police's residence confirmation is not the tax residence certificate.
        ("giấy xác nhận cư trú", "1.010041"),
        ("giấy xác nhận cư trú thuế", "1.008544"),
    ],
)
def test_everyday_names_for_common_procedures(real, query, code):
    assert real.search(query).best.code == code


def test_confidence_needs_the_question_covered_and_a_clear_lead(real):
    assert real.search("đăng ký khai sinh").confident
    assert not real.search("tôi muốn hỏi về chuyện nhà cửa đất đai").confident


def test_a_name_starting_with_a_change_is_a_variant_unless_the_change_is_asked(real):
    assert real.search("xin giấy chứng nhận đăng ký đầu tư").best.code == "1.009664"  # cấp, not đổi
    assert real.search("đổi giấy chứng nhận đăng ký đầu tư").best.code == "1.009671"
    assert real.search("thay đổi thông tin đăng ký hành nghề quản tài viên").best.code == "1.001600"


def test_a_name_listing_the_base_with_its_variants_is_no_variant(real):
    from bot.catalog.search import _listed_with_base

    assert (
        _listed_with_base("cap, gia han, cap lai, cap doi chung chi hanh nghe")
        == "cap gia han cap lai cap doi"
    )
    assert _listed_with_base("cap lai the can cuoc") == ""
    # "Cấp, cấp lại mã số rừng ...": asking for the code itself is not penalised as a "cấp lại".
    assert real.search("cấp mã số cho rừng trồng").best.code == "1.014605"
