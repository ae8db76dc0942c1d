"""The citizen's data rights: what is kept about them and what erasing removes (real tracker store written by
Rasa, real back-office database, injected clock)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.calendar.working_days import WorkingCalendar
from bot.catalog.misses import MissLog
from bot.channels.records import VerifiedContacts
from bot.db.models import Dossier, DossierEvent, SearchMiss
from bot.db.session import session_factory, upgrade_schema
from bot.dossiers.submission import DossierService
from bot.otp.service import phone_hash
from bot.privacy import messages
from bot.privacy.conversations import ConversationStore
from bot.privacy.subject_access import SubjectAccess
from bot.settings import DEMO_AGENCY_CODE, PrivacySettings
from tests.unit.dossier_fixtures import FORM
from tests.unit.tracker_fixtures import CCCD, NAME, PHONE, dossier_conversation, retrieve, save

NOW = datetime(2027, 3, 10, 3, 0, tzinfo=timezone.utc)  # 10/03/2027, 10:00 in Vietnam
SECRET = b"s" * 32
MINE = phone_hash(SECRET, PHONE)


class World:
    def __init__(self, tmp_path) -> None:
        self.tracker = tmp_path / "rasa_tracker.db"
        url = f"sqlite:///{tmp_path / 'dvc.db'}"
        upgrade_schema(url)
        self.sessions = session_factory(url)
        self.contacts = VerifiedContacts(self.sessions, timedelta(minutes=30), clock=lambda: NOW)
        self.misses = MissLog(self.sessions, SECRET, clock=lambda: NOW)
        self.access = SubjectAccess(
            self.sessions,
            ConversationStore(f"sqlite:///{self.tracker}"),
            PrivacySettings(90, 5, 24, f"sqlite:///{self.tracker}"),
            self.contacts,
            self.misses,
            clock=lambda: NOW,
        )

    def dossier(self, key: str, sender_id: str, phone: str, received: datetime, channel: str = "rest") -> str:
        service = DossierService(
            self.sessions, WorkingCalendar(), clock=lambda: received, agency_code=DEMO_AGENCY_CODE
        )
        return service.submit(
            form=FORM,
            procedure=None,
            answers={"applicant_full_name": NAME, "applicant_phone": phone},
            channel=channel,
            sender_id=sender_id,
            phone_hash=phone_hash(SECRET, phone),
            idempotency_key=key,
        ).code

    def close(self, code: str, at: datetime, erased: datetime | None = None) -> None:
        with self.sessions() as session, session.begin():
            dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
            dossier.status, dossier.personal_data_erased_at = "returned", erased
            dossier.events.append(DossierEvent(action="return_result", to_status="returned", created_at=at))


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path)
    save(world.tracker, "web-1", dossier_conversation(NOW - timedelta(days=3)))  # writing now
    save(world.tracker, "tg-7", dossier_conversation(NOW - timedelta(days=40)))  # filed the closed dossier
    save(world.tracker, "someone-else", dossier_conversation(NOW - timedelta(days=40)))
    world.pending = world.dossier("p", "web-1", PHONE, NOW - timedelta(days=3))
    world.closed = world.dossier("c", "tg-7", PHONE, NOW - timedelta(days=60), channel="telegram")
    world.close(world.closed, datetime(2027, 2, 1, 3, 0, tzinfo=timezone.utc))
    world.other = world.dossier("o", "someone-else", "0987654321", NOW - timedelta(days=40))
    world.contacts.record("telegram", "tg-7", MINE)
    world.misses.record("rest", "web-1", "làm giấy khai sinh cho con", "candidates")
    world.misses.record("rest", "someone-else", "làm giấy khai sinh", "candidates")
    return world


def test_describe_lists_dossiers_and_conversations_with_their_periods(world):
    data = world.access.describe(MINE, "rest", "web-1")
    assert [dossier.code for dossier in data.dossiers] == [world.pending, world.closed]
    pending, closed = data.dossiers
    assert pending.pending and pending.kept_until is None
    assert closed.kept_until == datetime(2032, 2, 1, 3, 0, tzinfo=timezone.utc)
    assert [(chat.channel, chat.sender_id) for chat in data.conversations] == [
        ("rest", "web-1"),
        ("telegram", "tg-7"),
    ]
    assert (
        data.conversations[0].anonymised_after.date() == (NOW - timedelta(days=3) + timedelta(days=90)).date()
    )
    text = messages.describe(data)
    assert world.pending in text and world.closed in text and world.other not in text
    assert "lưu trong suốt quá trình giải quyết" in text
    assert "đã trả kết quả ngày 01/02/2027" in text and "lưu đến ngày 01/02/2032" in text
    assert "Cuộc trò chuyện trên Telegram" in text and "sau 90 ngày không trao đổi" in text
    assert NAME not in text and PHONE not in text and CCCD not in text


def test_without_a_verified_phone_only_this_conversation_counts(world):
    data = world.access.describe(None, "rest", "web-1")
    assert [dossier.code for dossier in data.dossiers] == [world.pending]
    assert [chat.sender_id for chat in data.conversations] == ["web-1"]
    assert "xác minh số điện thoại" in messages.describe(data)


def test_erase_anonymises_the_conversations_now_and_explains_why_dossiers_stay(world):
    result = world.access.erase(MINE, "rest", "web-1")
    assert result.conversations == 2
    assert [d.code for d in result.pending] == [world.pending] and [d.code for d in result.closed] == [
        world.closed
    ]
    for sender_id in ("web-1", "tg-7"):
        events = [event.as_dict() for event in retrieve(world.tracker, sender_id).events]
        assert NAME not in str(events) and PHONE not in str(events) and CCCD not in str(events)
    assert NAME in str([event.as_dict() for event in retrieve(world.tracker, "someone-else").events])
    assert world.contacts.verified_phone_hash("telegram", "tg-7") is None
    with world.sessions() as session:
        assert session.execute(select(SearchMiss.question)).scalars().all() == ["làm giấy khai sinh"]
        names = session.execute(select(Dossier.applicant_name).order_by(Dossier.id)).scalars().all()
    assert names == [NAME, NAME, NAME]  # the dossiers themselves are kept
    text = messages.erasure(result)
    assert text.startswith("Dạ, em đã xóa nội dung các cuộc trò chuyện")
    assert f"Hồ sơ {world.pending} đang được giải quyết" in text and "không xóa được" in text
    assert f"Hồ sơ {world.closed} đã giải quyết xong và được lưu đến ngày 01/02/2032" in text
    assert "Nghị định 13/2023/NĐ-CP (Điều 16, 17)" in text
    again = world.access.erase(MINE, "rest", "web-1")
    assert again.conversations == 0 and "không còn nội dung nào cần xóa" in messages.erasure(again)
    assert all(chat.anonymised for chat in world.access.describe(MINE, "rest", "web-1").conversations)


def test_a_dossier_the_retention_job_anonymised_is_reported_as_such(world):
    with world.sessions() as session, session.begin():
        session.execute(
            update(Dossier)
            .where(Dossier.code == world.closed)
            .values(personal_data_erased_at=NOW - timedelta(days=1))
        )
    result = world.access.erase(MINE, "rest", "web-1")
    assert [d.code for d in result.erased] == [world.closed] and result.closed == ()
    assert f"Hồ sơ {world.closed}: thông tin cá nhân đã được ẩn danh" in messages.erasure(result)


def test_nothing_kept(world, tmp_path):
    data = world.access.describe(None, "zalo", "nobody")
    assert messages.describe(data) == "Dạ, hệ thống hiện không lưu hồ sơ hay cuộc trò chuyện nào của anh/chị."
