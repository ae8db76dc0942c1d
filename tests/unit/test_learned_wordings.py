"""Citizen wordings learned from unanswered questions: proposed by one officer, approved by another (or an
admin), and found by the same search object at the next question, without a rebuild by hand."""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.analytics.models import APPROVED, PROPOSED, REJECTED
from bot.analytics.wordings import MAX_WORDING, WordingError, WordingReview
from bot.catalog import library
from bot.catalog.library import ProcedureLibrary, with_learned
from bot.catalog.search import Lexicon
from bot.catalog.situations import ProcedureSituations, SituationData
from bot.catalog.store import Catalog
from bot.db.models import Officer
from bot.db.session import session_factory, upgrade_schema
from bot.settings import SearchSettings
from tests.unit.catalog_fixtures import CATALOG

SINGLE = "1.004873"  # Thủ tục cấp Giấy xác nhận tình trạng hôn nhân
QUESTION = "ngân hàng muốn biết em chưa có vợ mới cho vay mua nhà"
PARAPHRASE = "chưa lấy chồng cần giấy tờ gì để vay ngân hàng"
VECTORS = Path(tempfile.mkdtemp(prefix="dvc-vectors-"))  # shared by this module's libraries


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def sessions(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    return session_factory(url)


@pytest.fixture
def officers(sessions) -> tuple[int, int, int]:
    """A desk officer, a specialist and an admin: their ids."""
    with sessions.begin() as session:
        rows = [
            Officer(username=name, full_name=name, role=role, password_hash="-")
            for name, role in (("an", "desk"), ("binh", "specialist"), ("quantri", "admin"))
        ]
        session.add_all(rows)
        session.flush()
        return tuple(row.id for row in rows)


@pytest.fixture(autouse=True)
def check_at_every_question(monkeypatch) -> None:
    monkeypatch.setattr(library, "CHECK_EVERY_SECONDS", 0.0)


def library_with(tmp_path: Path, learned) -> ProcedureLibrary:
    """The small catalogue without situation data or outside topics, every signal on (a learned wording
    alone is worth 20 points by its words, under MIN_SCORE: its meaning is what makes it count), so that
    the real model embeds only this catalogue's few texts, once."""
    settings = SearchSettings(semantic=True, local_procedures_dir=tmp_path / "local", cache_dir=VECTORS)
    return ProcedureLibrary(
        Catalog(list(CATALOG)), Lexicon.load(), SituationData((), ()), (), settings, "Cấp xã", learned=learned
    )


def review(sessions) -> WordingReview:
    return WordingReview(sessions, known=lambda code: CATALOG.get(code) is not None, clock=Clock())


def top(procedures: ProcedureLibrary, question: str) -> str | None:
    result = procedures.search(question)
    return result.matches[0].procedure.code if result.matches else None


# -- proposing and reviewing ------------------------------------------------------------------------------


def test_a_proposal_is_cleaned_and_waits_for_review(sessions, officers):
    desk, _, _ = officers
    wordings = review(sessions)
    proposed = wordings.propose(desk, "  xin giấy   độc thân\n để cưới ", f" {SINGLE} ")
    assert (proposed.wording, proposed.procedure_code) == ("xin giấy độc thân để cưới", SINGLE)
    assert (proposed.status, proposed.proposed_by, proposed.reviewed_by) == (PROPOSED, desk, None)
    assert wordings.pending() == [proposed] and wordings.approved() == []
    assert wordings.situations() == ()


@pytest.mark.parametrize(
    "wording, code, message",
    [
        ("   ", SINGLE, "trống"),
        ("x" * (MAX_WORDING + 1), SINGLE, "dài quá"),
        ("xin giấy độc thân", "9.999999", "Mã thủ tục 9.999999 không có trong danh mục"),
        ("xin giấy độc thân", "", "không có trong danh mục"),
    ],
)
def test_empty_long_or_unknown_procedure_is_refused(sessions, officers, wording, code, message):
    with pytest.raises(WordingError, match=message):
        review(sessions).propose(officers[0], wording, code)
    assert review(sessions).pending() == []


def test_a_duplicate_is_refused_with_or_without_diacritics_until_rejected(sessions, officers):
    desk, specialist, _ = officers
    wordings = review(sessions)
    first = wordings.propose(desk, "xin giấy độc thân", SINGLE)
    with pytest.raises(WordingError, match="đã được đề xuất"):
        wordings.propose(specialist, "Xin  giay DOC THAN", SINGLE)
    wordings.propose(specialist, "xin giấy độc thân", "1.000894")  # another procedure: its own wording
    wordings.reject(first.id, specialist, reviewer_is_admin=False)
    again = wordings.propose(specialist, "xin giấy độc thân", SINGLE)  # a rejected one may come back
    wordings.approve(again.id, desk, reviewer_is_admin=False)
    with pytest.raises(WordingError, match="đã duyệt"):
        wordings.propose(desk, "xin giay doc than", SINGLE)


def test_the_proposer_cannot_approve_their_own_wording_but_an_admin_may(sessions, officers):
    desk, specialist, admin = officers
    wordings = review(sessions)
    own = wordings.propose(desk, "xin giấy độc thân", SINGLE)
    for decide in (wordings.approve, wordings.reject):
        with pytest.raises(WordingError, match="không tự duyệt"):
            decide(own.id, desk, reviewer_is_admin=False)
    approved = wordings.approve(own.id, specialist, reviewer_is_admin=False)
    assert (approved.status, approved.reviewed_by) == (APPROVED, specialist)
    assert approved.reviewed_at is not None

    admins_own = wordings.propose(admin, "giấy chưa kết hôn", SINGLE)
    assert wordings.approve(admins_own.id, admin, reviewer_is_admin=True).status == APPROVED
    assert [item.id for item in wordings.approved()] == [admins_own.id, own.id]  # newest first


def test_only_a_proposed_wording_can_be_reviewed(sessions, officers):
    desk, specialist, admin = officers
    wordings = review(sessions)
    approved = wordings.approve(wordings.propose(desk, "a b c", SINGLE).id, specialist, False)
    rejected = wordings.reject(wordings.propose(desk, "d e f", SINGLE).id, specialist, False)
    assert rejected.status == REJECTED
    for done in (approved, rejected):
        for decide in (wordings.approve, wordings.reject):
            with pytest.raises(WordingError, match="đã được xử lý"):
                decide(done.id, admin, True)
    with pytest.raises(WordingError, match="Không tìm thấy"):
        wordings.approve(12345, admin, True)
    assert wordings.pending() == []


def test_pending_is_newest_first_and_situations_group_the_approved_by_procedure(sessions, officers):
    desk, specialist, _ = officers
    wordings = review(sessions)
    ids = [wordings.propose(desk, text, code).id for text, code in (("a", SINGLE), ("b", "1.000894"))]
    ids.append(wordings.propose(desk, "c", SINGLE).id)
    assert [item.id for item in wordings.pending()] == ids[::-1]
    before = wordings.signature()
    for wording_id in ids:
        wordings.approve(wording_id, specialist, False)
        assert wordings.signature() != before
        before = wordings.signature()
    assert {(entry.code, entry.wordings) for entry in wordings.situations()} == {
        (SINGLE, ("a", "c")),
        ("1.000894", ("b",)),
    }


# -- the search -----------------------------------------------------------------------------------------


def test_an_approved_wording_is_found_by_the_same_library_without_a_restart(tmp_path, sessions, officers):
    desk, specialist, _ = officers
    wordings = WordingReview(sessions, known=lambda code: procedures.get(code) is not None, clock=Clock())
    procedures = library_with(tmp_path, wordings)
    assert top(procedures, QUESTION) != SINGLE
    assert top(procedures, PARAPHRASE) != SINGLE

    proposed = wordings.propose(desk, QUESTION, SINGLE)
    rejected = wordings.propose(desk, "em chưa có vợ, ngân hàng muốn biết mới cho vay mua nhà", SINGLE)
    wordings.reject(rejected.id, specialist, False)
    assert top(procedures, QUESTION) != SINGLE  # pending or rejected: no effect

    wordings.approve(proposed.id, specialist, False)
    assert top(procedures, QUESTION) == SINGLE
    assert top(procedures, PARAPHRASE) == SINGLE


def test_a_database_error_keeps_the_last_learned_wordings(tmp_path, caplog):
    class Flaky:
        def __init__(self) -> None:
            self.down = False
            self.version = 0

        def signature(self):
            if self.down:
                raise OperationalError("SELECT", {}, Exception("database is locked"))
            return self.version

        def situations(self):
            return (ProcedureSituations(SINGLE, "-", (QUESTION,)),) if self.version else ()

    source = Flaky()
    source.down = True
    with caplog.at_level(logging.WARNING):
        learned = library_with(tmp_path, source)  # the database is down at start-up: the search works
        assert top(learned, QUESTION) != SINGLE
        source.down, source.version = False, 1
        assert top(learned, QUESTION) == SINGLE
        source.down = True
        assert top(learned, QUESTION) == SINGLE
        assert top(learned, QUESTION) == SINGLE
    unreadable = [record for record in caplog.records if "unreadable" in record.getMessage()]
    assert len(unreadable) == 2  # once per outage, not at every question
    source.down, source.version = False, 0
    assert top(learned, QUESTION) != SINGLE


def test_a_learned_wording_keeps_the_field_the_procedure_already_has():
    described = SituationData((ProcedureSituations(SINGLE, "hộ tịch", ("a", "b", "c")),), ())
    learned = (ProcedureSituations(SINGLE, "học", ("d", "a")), ProcedureSituations("9.9", "học", ("x",)))
    merged = with_learned(described, learned, list(CATALOG))
    assert merged.procedures == (ProcedureSituations(SINGLE, "hộ tịch", ("a", "b", "c", "d")),)
    added = with_learned(SituationData((), ()), learned, list(CATALOG))
    assert [(entry.code, entry.field) for entry in added.procedures] == [(SINGLE, "khác")]
