"""A commune's own procedures: validated, imported by the CLI, found by the search at once, and answered
with their local source instead of the national catalogue's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import bot.settings
from bot.catalog import answers, library, local_procedures
from bot.catalog.library import ProcedureLibrary
from bot.catalog.local_procedures import LocalProcedureError, parse
from bot.catalog.outside import default_topics
from bot.catalog.ranking import Signals
from bot.catalog.search import Lexicon
from bot.catalog.situations import SituationData, default_situations
from bot.catalog.store import Catalog, default_catalog
from bot.settings import PROJECT_ROOT, SearchSettings
from tests.unit.catalog_fixtures import CATALOG

EXAMPLE = PROJECT_ROOT / "data" / "catalog" / "local_procedures.example.yml"
FUNERAL_QUESTION = "bố em đang hưởng trợ cấp xã hội mới mất, nhà xin tiền mai táng phí"


def test_the_example_file_is_valid():
    local = parse(EXAMPLE)
    assert [p.code for p in local.procedures] == ["XA-TP-001", "XA-TP-002"]
    assert all(p.local and p.levels == ("Cấp xã",) for p in local.procedures)
    assert len(local.situations.procedures[0].wordings) >= 3


@pytest.mark.parametrize(
    "entry, message",
    [
        ("- {code: XA-1, name: n, agency: a, result: r, situations: [a, b, c]}", None),
        ("- {code: '1.001193', name: n, agency: a, result: r, situations: [a, b, c]}", "national code"),
        ("- {code: XA-1, name: n, result: r, situations: [a, b, c]}", "missing agency"),
        ("- {code: XA-1, name: n, agency: a, result: r, situations: [a]}", "at least 3"),
        ("- {code: XA-1, name: n, agency: a, result: r, situations: [a, b, c], channels: [fax]}", "channels"),
        ("- just a text", "expected a mapping"),
    ],
)
def test_each_entry_is_validated_with_a_clear_message(tmp_path: Path, entry: str, message: str | None):
    path = tmp_path / "xa.yml"
    path.write_text(f"procedures:\n{entry}\n", encoding="utf-8")
    if message is None:
        assert parse(path).procedures[0].code == "XA-1"
    else:
        with pytest.raises(LocalProcedureError, match=message):
            parse(path)


def test_a_local_answer_cites_the_commune_not_the_national_catalogue():
    funeral = parse(EXAMPLE).procedures[0]
    text = "\n".join(reply.text for reply in answers.answer(funeral, answers.OVERVIEW, False))
    assert "thủ tục của địa phương (Ví dụ - xã Tân Phú)" in text
    assert "chưa có trong Cơ sở dữ liệu quốc gia" in text and "dichvucong" not in text


def test_an_import_is_searchable_at_once_without_a_restart(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(library, "CHECK_EVERY_SECONDS", 0.0)
    settings = SearchSettings(semantic=False, local_procedures_dir=tmp_path / "local")
    procedures = ProcedureLibrary(
        Catalog(list(CATALOG)), Lexicon.load(), SituationData((), ()), default_topics(), settings, "Cấp xã"
    )
    before = procedures.search(FUNERAL_QUESTION)
    assert before.outside_topic is not None  # not in the catalogue: said so
    assert procedures.get("XA-TP-001") is None

    use_search_settings(monkeypatch, settings)
    assert local_procedures.main(["import", str(EXAMPLE)]) == 0
    assert "2 procedures imported" in capsys.readouterr().out

    after = procedures.search(FUNERAL_QUESTION)
    assert after.outside_topic is None
    assert after.matches[0].procedure.code == "XA-TP-001"
    assert procedures.get("XA-TP-001").name.startswith("Hỗ trợ chi phí mai táng")

    assert local_procedures.main(["remove", "local_procedures.example"]) == 0
    assert procedures.get("XA-TP-001") is None


def use_search_settings(monkeypatch, search: SearchSettings) -> None:
    """The CLI reads the settings itself: point it at the test's directory."""
    original = bot.settings.load_settings
    monkeypatch.setattr(bot.settings, "load_settings", lambda: dataclasses.replace(original(), search=search))


def test_a_broken_import_is_refused_and_nothing_is_replaced(tmp_path: Path, monkeypatch, capsys):
    settings = SearchSettings(semantic=False, local_procedures_dir=tmp_path / "local")
    use_search_settings(monkeypatch, settings)
    broken = tmp_path / "local_procedures.example.yml"
    broken.write_text("procedures:\n- {code: XA-1}\n", encoding="utf-8")
    assert local_procedures.main(["import", str(EXAMPLE)]) == 0
    assert local_procedures.main(["import", str(broken)]) == 1
    assert "missing" in capsys.readouterr().err
    assert (
        parse(settings.local_procedures_dir / "local_procedures.example.yml").procedures[0].code
        == "XA-TP-001"
    )


def test_signals_default_follow_the_settings():
    assert Signals(semantic=SearchSettings(semantic=False).semantic).semantic is False


def test_a_national_procedure_close_to_the_communes_own_does_not_hide_it(tmp_path: Path, monkeypatch):
    """The BHXH funeral allowance (tử tuất) fits the words nearly as well as the commune's own allowance
    for people under social protection: the citizen is offered both instead of a direct answer."""
    settings = SearchSettings(semantic=False, local_procedures_dir=tmp_path / "local")
    use_search_settings(monkeypatch, settings)
    assert local_procedures.main(["import", str(EXAMPLE)]) == 0
    procedures = ProcedureLibrary(
        default_catalog(), Lexicon.load(), default_situations(), default_topics(), settings, "Cấp xã"
    )
    result = procedures.search(FUNERAL_QUESTION)
    assert not result.confident
    assert {"2.000821", "XA-TP-001"} <= {match.procedure.code for match in result.matches[:2]}
    named = procedures.search("giải quyết hưởng chế độ tử tuất")  # named: answered directly still
    assert named.confident and named.best.code == "2.000821"
