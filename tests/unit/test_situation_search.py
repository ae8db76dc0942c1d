"""Situation knowledge, the field classifier, the combined ranking, sibling questions and matters outside
the catalogue, on a small hand-made catalogue (the real data files are checked separately)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.catalog import answers, misses
from bot.catalog.assistant import ProcedureAssistant
from bot.catalog.fields import FieldClassifier, field_of_each, fit_of_each
from bot.catalog.outside import OutsideTopic, load_topics
from bot.catalog.ranking import ProcedureRanker, Signals
from bot.catalog.search import Lexicon, ProcedureSearch
from bot.catalog.semantic import Embedder, VectorCache
from bot.catalog.situations import (
    ProcedureSituations,
    SiblingChoice,
    SiblingQuestion,
    SituationData,
    SituationError,
    load,
    parse_file,
    unknown_codes,
)
from bot.catalog.store import default_catalog
from bot.settings import SearchSettings
from tests.unit.catalog_fixtures import procedure

CATALOG = [
    procedure("1.001193", "Thủ tục đăng ký khai sinh", fields=("Hộ tịch",)),
    procedure("1.004884", "Thủ tục đăng ký lại khai sinh", fields=("Hộ tịch",)),
    procedure("1.000656", "Thủ tục đăng ký khai tử", fields=("Hộ tịch",)),
    procedure("2.001255", "Đăng ký sang tên xe", fields=("Đăng ký phương tiện",)),
    procedure("2.001256", "Đăng ký xe lần đầu", fields=("Đăng ký phương tiện",)),
    procedure("1.000005", "Thủ tục hải quan đối với xe ô tô nhập khẩu", fields=("Hải quan",)),
    procedure("1.000006", "Thủ tục hải quan đối với hàng hóa xuất khẩu", fields=("Hải quan",)),
]
SITUATIONS = SituationData(
    procedures=(
        ProcedureSituations(
            "1.001193",
            "hộ tịch",
            ("vợ em mới sinh cháu", "con mới đẻ chưa có giấy tờ gì", "bé nhà em được một tháng tuổi"),
        ),
        ProcedureSituations(
            "1.004884",
            "hộ tịch",
            (
                "giấy khai sinh bị cháy mất bản chính",
                "sổ gốc ở xã cũng không còn",
                "khai sinh hồi xưa bị thất lạc",
            ),
        ),
        ProcedureSituations(
            "1.000656", "hộ tịch", ("ông nội vừa qua đời", "bố em mất tuần trước", "báo tử cho bà")
        ),
        ProcedureSituations(
            "2.001255",
            "giao thông",
            (
                "mua lại chiếc xe máy cũ của bạn",
                "mua xe cũ người quen bán lại",
                "xe mua lại chưa đứng tên mình",
            ),
        ),
        ProcedureSituations(
            "2.001256",
            "giao thông",
            ("vừa mua xe mới ở đại lý", "mới tậu ô tô mới cứng cần biển số", "xe máy mới mua chưa có biển"),
        ),
    ),
    siblings=(
        SiblingQuestion(
            "Dạ, xe anh/chị mua mới ở cửa hàng hay mua lại của người khác ạ?",
            (SiblingChoice("Mua mới", "2.001256"), SiblingChoice("Mua lại xe cũ", "2.001255")),
        ),
    ),
)
TOPICS = (
    OutsideTopic(
        "trợ cấp xã hội hằng tháng",
        "công chức Văn hóa - Xã hội của xã",
        (
            "bà nội già không có lương hưu xin trợ cấp",
            "trợ cấp người cao tuổi hằng tháng",
            "trợ cấp người khuyết tật",
        ),
    ),
)


EVERY_SIGNAL = Signals()
VECTORS = Path(tempfile.mkdtemp(prefix="dvc-vectors-"))  # the real model, on this module's few texts
EMBEDDER = Embedder()


def ranker(signals: Signals = EVERY_SIGNAL) -> ProcedureRanker:
    return ProcedureRanker(
        ProcedureSearch(CATALOG, Lexicon.load()), SITUATIONS, TOPICS, EMBEDDER, VECTORS, signals
    )


RANKER = ranker()


def codes(result) -> list[str]:
    return [match.procedure.code for match in result.matches]


# -- the data -------------------------------------------------------------------------------------------


def test_every_situation_file_names_only_catalogue_codes_and_each_procedure_once():
    data = load()
    assert data.procedures, "data/catalog/situations/ holds the situation knowledge"
    assert unknown_codes(data, (p.code for p in default_catalog())) == []
    listed = [entry.code for entry in data.procedures]
    assert len(listed) == len(set(listed))
    for sibling in data.siblings:
        assert len(sibling.choices) >= 2 and sibling.question.strip().endswith("?")


def test_the_outside_topics_are_loaded_with_their_wordings():
    topics = load_topics()
    assert len(topics) >= 5 and all(len(topic.wordings) >= 3 and topic.handled_by for topic in topics)


@pytest.mark.parametrize(
    "text, message",
    [
        ("field: x\nprocedures:\n  - code: '1.001193'\n    situations: [a, b]\n", "at least 3"),
        ("procedures: []\n", "field"),
        ("field: x\nsiblings:\n  - question: q?\n    choices: [{answer: a, code: '1'}]\n", "two choices"),
        ("field: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_situation_file_is_refused_with_the_reason(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SituationError, match=message):
        parse_file(path)


def test_the_sibling_question_is_the_one_covering_most_of_the_close_candidates():
    assert SITUATIONS.question_for(["2.001255", "2.001256", "1.001193"]) is SITUATIONS.siblings[0]
    assert SITUATIONS.question_for(["2.001255", "1.001193"]) is None  # one sibling alone is no choice


# -- fields -----------------------------------------------------------------------------------------------


def test_every_procedure_gets_a_field_from_its_situations_or_its_catalogue_field():
    fields = field_of_each(CATALOG, SITUATIONS)
    assert fields[:5] == ["hộ tịch", "hộ tịch", "hộ tịch", "giao thông", "giao thông"]
    assert fields[5:] == ["Hải quan", "Hải quan"]  # no situations: the catalogue's own field


def test_the_classifier_puts_a_vehicle_question_in_transport_not_customs():
    fields = field_of_each(CATALOG, SITUATIONS)
    classifier = FieldClassifier.train(CATALOG, fields, SITUATIONS)
    assert classifier.best("mua lại xe máy cũ của người quen")[0] == "giao thông"
    assert classifier.best("vợ mới sinh cháu")[0] == "hộ tịch"
    fit = fit_of_each(classifier.probabilities("mua lại xe máy cũ"), fields)
    assert fit[3] == pytest.approx(1.0) and fit[5] < 0.5


# -- ranking ----------------------------------------------------------------------------------------------


def test_a_situation_without_the_procedures_words_finds_it_through_the_data():
    result = RANKER.search("ông nội em vừa qua đời hôm qua")
    assert codes(result)[0] == "1.000656"
    # Without the situation data the lexical search alone has nothing to go on.
    without = ranker(Signals(situations=False, semantic=False)).search("ông nội em vừa qua đời hôm qua")
    assert not without.matches or codes(without)[0] != "1.000656"


def test_the_field_keeps_a_car_question_out_of_customs():
    ranking = RANKER.rank("mua lại chiếc xe ô tô cũ của bạn")
    assert ranking.field == "giao thông"
    assert CATALOG[ranking.candidates[0].row].code == "2.001255"
    no_field = ranker(Signals(fields=False)).rank("mua lại chiếc xe ô tô cũ của bạn")
    customs = [item for item in no_field.candidates if CATALOG[item.row].code == "1.000005"]
    with_field = [item for item in ranking.candidates if CATALOG[item.row].code == "1.000005"]
    assert not with_field or (customs and with_field[0].score < customs[0].score)


def test_close_siblings_get_the_question_that_tells_them_apart():
    result = RANKER.search("xe máy")
    assert not result.confident
    assert result.sibling_question is SITUATIONS.siblings[0]


def test_a_clear_situation_is_answered_directly():
    result = RANKER.search("vợ em mới sinh cháu được một tuần thì làm giấy tờ gì")
    assert result.confident and codes(result)[0] == "1.001193"


def test_a_matter_outside_the_catalogue_is_recognised_and_a_procedure_question_is_not():
    assert (
        RANKER.search("bà nội em già rồi không có lương hưu, xin trợ cấp hằng tháng").outside_topic
        == TOPICS[0]
    )
    assert RANKER.search("vợ em mới sinh cháu").outside_topic is None


def test_a_situation_the_data_knows_counts_as_naming_a_procedure():
    assert RANKER.names_a_procedure("bố em mất tuần trước")
    assert not RANKER.names_a_procedure("còn lệ phí thì sao?")
    assert not RANKER.names_a_procedure("mất bao lâu")  # a follow-up, though "mất" is in a death situation


# -- the assistant's turn -----------------------------------------------------------------------------------


DESK = SearchSettings(desk_address="UBND xã Tân Phú, thôn 2", desk_phone="0212 3456 789")
ASSISTANT = ProcedureAssistant({p.code: p for p in CATALOG}, RANKER, desk_settings=DESK)


def test_siblings_are_asked_about_with_one_button_per_case():
    turn = ASSISTANT.ask(answers.FEE, "xe máy")
    reply = turn.replies[0]
    assert reply.text == SITUATIONS.siblings[0].question
    assert [button.title for button in reply.buttons] == ["Mua mới", "Mua lại xe cũ"]
    assert [button.payload for button in reply.buttons] == [
        answers.choose_payload("2.001256"),
        answers.choose_payload("2.001255"),
    ]
    assert turn.pending_aspect == answers.FEE and turn.outcome == misses.SIBLINGS


def test_outside_the_catalogue_the_bot_says_so_and_gives_the_desk():
    turn = ASSISTANT.ask(answers.OVERVIEW, "bà nội già không có lương hưu, xin trợ cấp người cao tuổi")
    text = turn.replies[0].text
    assert "chưa có trong danh mục" in text and "trợ cấp xã hội hằng tháng" in text
    assert "0212 3456 789" in text and "UBND xã Tân Phú, thôn 2" in text
    assert turn.procedure_code is None and turn.outcome == misses.OUTSIDE


def test_candidates_come_with_the_desk_as_the_way_out():
    turn = ASSISTANT.ask(answers.OVERVIEW, "thủ tục hải quan")
    assert turn.replies[0].buttons and "0212 3456 789" in turn.replies[0].text
    assert turn.outcome == misses.CANDIDATES and turn.offered


# -- meaning vectors ----------------------------------------------------------------------------------------


class CountingEmbedder(Embedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed(self, texts):
        self.embedded.extend(texts)
        return super().embed(texts)


def test_the_vector_cache_embeds_each_new_text_once(tmp_path: Path):
    embedder = CountingEmbedder()
    cache = VectorCache(tmp_path, embedder)
    first = cache.vectors(["vợ em mới sinh cháu", "mua lại xe máy cũ"])
    again = VectorCache(tmp_path, embedder).vectors(["mua lại xe máy cũ", "bố em mất tuần trước"])
    assert embedder.embedded == ["vợ em mới sinh cháu", "mua lại xe máy cũ", "bố em mất tuần trước"]
    assert np.allclose(first[1], again[0], atol=1e-3)
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-2)


def test_meaning_finds_a_paraphrase_the_words_miss(tmp_path: Path):
    semantic = ProcedureRanker(
        ProcedureSearch(CATALOG, Lexicon.load()),
        SITUATIONS,
        TOPICS,
        Embedder(),
        tmp_path,
        Signals(lexical=False, situations=False, fields=False),
    )
    ranking = semantic.rank("nhà tôi vừa có thêm em bé")
    assert CATALOG[ranking.candidates[0].row].code == "1.001193"
    assert ranking.candidates[0].semantic > 0


def test_signals_switched_off_contribute_nothing():
    ranking = ranker(Signals(semantic=False, situations=False)).rank("đăng ký khai sinh")
    assert all(item.situation == 0 and item.semantic == 0 for item in ranking.candidates)
    assert replace(Signals(), lexical=False).lexical is False


def test_the_online_class_of_a_named_procedure_is_told_from_the_catalogue():
    reply = ASSISTANT.online_class(
        "vợ em mới sinh cháu được một tuần thì làm giấy tờ gì, có toàn trình không"
    )
    assert reply is not None and "mã 1.001193" in reply.text and "Nguồn:" in reply.text
    assert ASSISTANT.online_class("toàn trình là gì") is None
