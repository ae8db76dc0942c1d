"""The retention job on real stores: a tracker store written by Rasa's SQLTrackerStore, the back-office
database built by the migrations, uploads and result files on disk; an injected clock."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.calendar.working_days import WorkingCalendar
from bot.db.models import Dossier, DossierEvent, Notification
from bot.db.session import session_factory, upgrade_schema
from bot.db.times import as_utc
from bot.dossiers.attachments import AttachmentStore
from bot.dossiers.delivery import ResultFiles
from bot.dossiers.submission import DossierService
from bot.otp.service import phone_hash
from bot.privacy.conversations import ConversationStore
from bot.privacy.retention import RetentionJob
from bot.settings import DEMO_AGENCY_CODE, PROJECT_ROOT, PrivacySettings
from tests.unit.dossier_fixtures import FORM
from tests.unit.tracker_fixtures import CCCD, NAME, PHONE, dossier_conversation, retrieve, save

NOW = datetime(2032, 6, 15, 3, 0, tzinfo=timezone.utc)
SECRET = b"s" * 32
PDF = b"%PDF-1.4\n%%EOF\n"


class World:
    def __init__(self, tmp_path) -> None:
        self.tracker = tmp_path / "rasa_tracker.db"
        url = f"sqlite:///{tmp_path / 'dvc.db'}"
        upgrade_schema(url)
        self.sessions = session_factory(url)
        self.attachments = AttachmentStore(tmp_path / "attachments")
        self.results = ResultFiles(tmp_path / "results")
        self.settings = PrivacySettings(90, 5, 24, f"sqlite:///{self.tracker}")

    def job(self, now=NOW) -> RetentionJob:
        conversations = ConversationStore(self.settings.tracker_db_url)
        return RetentionJob(
            self.settings, self.sessions, conversations, self.attachments, self.results, lambda: now
        )

    def upload(self, age: timedelta) -> str:
        upload_id = self.attachments.save("giay-to.pdf", PDF).upload_id
        moment = (NOW - age).timestamp()
        os.utime(self.attachments.directory / upload_id, (moment, moment))
        return upload_id

    def dossier(self, received: datetime, key: str, attachments=(), closed: datetime | None = None) -> str:
        service = DossierService(
            self.sessions, WorkingCalendar(), clock=lambda: received, agency_code=DEMO_AGENCY_CODE
        )
        code = service.submit(
            form=FORM,
            procedure=None,
            answers={"applicant_full_name": NAME, "applicant_phone": PHONE},
            channel="rest",
            sender_id=f"sender-{key}",
            phone_hash=phone_hash(SECRET, PHONE),
            idempotency_key=key,
            attachments=[{"upload_id": upload_id, "filename": "giay-to.pdf"} for upload_id in attachments],
        ).code
        with self.sessions() as session, session.begin():
            dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
            dossier.fee_amount = 8000
            dossier.supplement_request = f"Bổ sung bản sao CCCD {CCCD}"
            session.add(
                Notification(dossier_id=dossier.id, channel="rest", sender_id=dossier.sender_id, text="Dạ…")
            )
            if closed is not None:
                dossier.status = "returned"
                dossier.events.append(
                    DossierEvent(
                        action="return_result",
                        from_status="result_ready",
                        to_status="returned",
                        note=f"Đã trả cho ông {NAME}, điện thoại {PHONE}",
                        created_at=closed,
                    )
                )
        return code

    def row(self, code: str) -> SimpleNamespace:
        """The dossier's columns, its timeline notes and the texts of the messages sent about it."""
        with self.sessions() as session:
            dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
            messages = select(Notification.text).where(Notification.dossier_id == dossier.id)
            return SimpleNamespace(
                **{column.name: getattr(dossier, column.name) for column in Dossier.__table__.columns},
                notes=[event.note for event in dossier.events],
                messages=list(session.execute(messages).scalars()),
            )


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path)
    world.form_upload = world.upload(timedelta(days=2))  # held by the recent conversation's unfinished form
    world.orphan_old = world.upload(timedelta(hours=30))
    world.orphan_fresh = world.upload(timedelta(hours=2))
    world.old_paper = world.upload(timedelta(days=6 * 365))
    world.pending_paper = world.upload(timedelta(days=6 * 365))
    save(world.tracker, "old-chat", dossier_conversation(NOW - timedelta(days=100)))
    save(world.tracker, "recent-chat", dossier_conversation(NOW - timedelta(days=10), world.form_upload))
    six_years = NOW - timedelta(days=6 * 365)
    world.old_closed = world.dossier(six_years, "a", [world.old_paper], closed=six_years + timedelta(days=5))
    world.recent_closed = world.dossier(six_years, "b", closed=NOW - timedelta(days=400))
    world.old_pending = world.dossier(six_years, "c", [world.pending_paper])
    world.results.save(world.old_closed, PDF)
    world.results.save(world.recent_closed, PDF)
    return world


def event_dicts(world, sender_id):
    return [event.as_dict() for event in retrieve(world.tracker, sender_id).events]


def test_one_run_anonymises_what_is_past_its_period_and_nothing_else(world):
    before_old = event_dicts(world, "old-chat")
    before_recent = event_dicts(world, "recent-chat")
    report = world.job().run()
    assert (report.conversations, report.dossiers, report.dossier_files, report.uploads) == (1, 1, 2, 1)

    after_old = event_dicts(world, "old-chat")  # Rasa still reads the conversation
    dumped = json.dumps(after_old, ensure_ascii=False)
    assert CCCD not in dumped and PHONE not in dumped and NAME not in dumped and "Thôn 1" not in dumped
    assert [(e["event"], e["timestamp"]) for e in after_old] == [
        (e["event"], e["timestamp"]) for e in before_old
    ]
    user = next(e for e in after_old if e["event"] == "user")
    assert user["text"] == "" and user["parse_data"]["intent"]["name"] == "submit_dossier"
    assert [entity["value"] for entity in user["parse_data"]["entities"]] == ["1.001193", None]
    slots = {e["name"]: e["value"] for e in after_old if e["event"] == "slot"}
    assert slots == {"procedure_code": "1.001193", "dossier_state": None, "dossier_input": None}
    bot = next(e for e in after_old if e["event"] == "bot")
    assert bot["text"] == "" and bot["metadata"] == {"utter_action": "utter_summary"}
    assert event_dicts(world, "recent-chat") == before_recent

    erased = world.row(world.old_closed)
    assert (erased.applicant_name, erased.phone_hash, erased.sender_id) == ("", "", "")
    assert erased.form_data == {} and erased.attachments == [] and erased.messages == [""]
    assert as_utc(erased.personal_data_erased_at) == NOW
    assert CCCD not in erased.supplement_request and "Bổ sung bản sao CCCD" in erased.supplement_request
    assert all(PHONE not in note and NAME not in note for note in erased.notes) and len(erased.notes) == 2
    assert (erased.status, erased.procedure_code, erased.fee_amount) == ("returned", "1.001193", 8000)
    assert erased.received_at is not None and not world.results.has(world.old_closed)
    for kept in (world.recent_closed, world.old_pending):
        dossier = world.row(kept)
        assert dossier.applicant_name == NAME and dossier.personal_data_erased_at is None
    assert world.results.has(world.recent_closed)

    stored = set(world.attachments.stored())
    assert world.old_paper not in stored and world.orphan_old not in stored
    assert {world.form_upload, world.orphan_fresh, world.pending_paper} <= stored


def test_running_again_changes_and_counts_nothing(world):
    world.job().run()
    again = world.job(NOW + timedelta(hours=1)).run()
    assert (again.conversations, again.dossiers, again.dossier_files, again.uploads) == (0, 0, 0, 0)


def test_dry_run_counts_the_same_and_changes_nothing(world):
    before = event_dicts(world, "old-chat")
    report = world.job().run(dry_run=True)
    assert (report.conversations, report.dossiers, report.dossier_files, report.uploads) == (1, 1, 2, 1)
    assert event_dicts(world, "old-chat") == before
    assert world.row(world.old_closed).applicant_name == NAME
    assert len(world.attachments.stored()) == 5 and world.results.has(world.old_closed)
    assert report.lines()[0].startswith("conversations idle over 90 days would be anonymised: 1")


def test_the_periods_come_from_the_settings(world):
    world.settings = PrivacySettings(5, 1, 1, world.settings.tracker_db_url)
    report = world.job().run(dry_run=True)
    assert (report.conversations, report.dossiers) == (2, 2)  # both chats, both closed dossiers


def test_the_command_reads_its_periods_from_the_environment(tmp_path):
    """`python -m backoffice retention` on a var directory, as cron runs it."""
    save(
        tmp_path / "rasa_tracker.db",
        "idle-chat",
        dossier_conversation(datetime.now(timezone.utc) - timedelta(days=40)),
    )
    environment = {
        **os.environ,
        "DVC_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dvc.db'}",
        "DVC_OTP_SECRET": "s" * 40,
        "DVC_CHAT_RETENTION_DAYS": "30",
        "DVC_PROFILE": "development",
    }
    environment.pop("DVC_TRACKER_DB_URL", None)

    def command(*arguments: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "backoffice", "retention", *arguments],
            cwd=PROJECT_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "conversations idle over 30 days would be anonymised: 1" in command("--dry-run")
    assert CCCD in json.dumps(
        [e.as_dict() for e in retrieve(tmp_path / "rasa_tracker.db", "idle-chat").events]
    )
    output = command()
    assert "conversations idle over 30 days anonymised: 1" in output
    assert "dossiers closed over 5 years ago anonymised: 0" in output
    assert CCCD not in json.dumps(
        [e.as_dict() for e in retrieve(tmp_path / "rasa_tracker.db", "idle-chat").events]
    )


def test_an_entity_value_survives_only_when_a_button_set_it():
    """DIET once read a typed phone as a service_level: what a model extracted is the citizen's words."""
    from bot.privacy.conversations import anonymise_event

    typed = {"entity": "service_level", "value": "0912000001", "extractor": "DIETClassifier", "start": 0}
    pressed = {"entity": "procedure_code", "value": "1.001193", "start": 0}
    event = {"event": "user", "text": "0912000001", "parse_data": {"entities": [typed, pressed]}}
    entities = anonymise_event(event)["parse_data"]["entities"]
    assert [entity["value"] for entity in entities] == [None, "1.001193"]
    assert entities[0]["entity"] == "service_level"  # the name stays, for the statistics
