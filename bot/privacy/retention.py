"""The retention job: personal data is kept no longer than its purpose needs (Decree 13/2023/NĐ-CP).

`python -m backoffice retention [--dry-run]` (daily, from cron) does three things and prints a count of each:

1. conversations idle for `DVC_CHAT_RETENTION_DAYS` (90) lose their texts and slot values in Rasa's tracker
   store; event types, times, intents and actions stay for analytics (bot/privacy/conversations.py);
2. dossiers closed (result returned) more than `DVC_DOSSIER_RETENTION_YEARS` (5) ago lose their personal
   fields — applicant's name, phone hash, conversation id, answers, uploaded papers, the result file, the
   messages sent about them; the officers' notes are masked — and keep what statistics need: code,
   procedure, status, dates, department, time limit, fee and payments;
3. uploads that no dossier and no unfinished form refers to are deleted once older than
   `DVC_UPLOAD_GRACE_HOURS` (24).

Each part is idempotent: what was anonymised or deleted is not counted again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Dossier, DossierEvent, Notification
from bot.db.times import as_utc
from bot.dossiers.attachments import AttachmentStore
from bot.dossiers.delivery import ResultFiles
from bot.privacy.conversations import ConversationStore
from bot.settings import PrivacySettings
from bot.text.masking import mask_personal
from bot.workflow.states import RULES, STATUSES

# Closed: a state no action leaves (the result has been returned to the citizen).
CLOSED = frozenset(
    status for status in STATUSES if not any(status in rule.sources for rule in RULES.values())
)

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def years_after(moment: datetime, years: int) -> datetime:
    return years_before(moment, -years)


def closed_times(
    session: Session, dossier_ids: Iterable[int] | None = None, kept_only: bool = False
) -> dict[int, datetime]:
    """When each closed dossier (of `dossier_ids`, or all; with `kept_only`, those whose personal fields are
    still there) reached its closed state: its last event into that state."""
    query = (
        select(DossierEvent.dossier_id, func.max(DossierEvent.created_at))
        .join(Dossier, Dossier.id == DossierEvent.dossier_id)
        .where(Dossier.status.in_(CLOSED), DossierEvent.to_status == Dossier.status)
        .group_by(DossierEvent.dossier_id)
    )
    if dossier_ids is not None:
        query = query.where(Dossier.id.in_(list(dossier_ids)))
    if kept_only:
        query = query.where(Dossier.personal_data_erased_at.is_(None))
    return {dossier_id: as_utc(moment) for dossier_id, moment in session.execute(query)}


@dataclass(frozen=True)
class RetentionReport:
    dry_run: bool
    chat_days: int
    dossier_years: int
    grace_hours: int
    conversations: int = 0
    conversation_events: int = 0
    dossiers: int = 0
    dossier_files: int = 0  # uploaded papers and result files of those dossiers
    uploads: int = 0

    def lines(self) -> list[str]:
        verb = "would be anonymised" if self.dry_run else "anonymised"
        deleted = "would be deleted" if self.dry_run else "deleted"
        return [
            f"conversations idle over {self.chat_days} days {verb}: {self.conversations} "
            f"({self.conversation_events} events rewritten)",
            f"dossiers closed over {self.dossier_years} years ago {verb}: {self.dossiers} "
            f"({self.dossier_files} of their files {deleted})",
            f"orphaned uploads older than {self.grace_hours} hours {deleted}: {self.uploads}",
        ]


class RetentionJob:
    def __init__(
        self,
        settings: PrivacySettings,
        sessions: sessionmaker,
        conversations: ConversationStore,
        attachments: AttachmentStore,
        results: ResultFiles,
        clock: Clock = _now,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.conversations = conversations
        self.attachments = attachments
        self.results = results
        self.clock = clock

    def run(self, dry_run: bool = False) -> RetentionReport:
        now = self.clock()
        chats = self.conversations.anonymise(
            self.conversations.idle_since(now - timedelta(days=self.settings.chat_retention_days)), dry_run
        )
        dossiers, files = self.anonymise_dossiers(now, dry_run)
        return RetentionReport(
            dry_run=dry_run,
            chat_days=self.settings.chat_retention_days,
            dossier_years=self.settings.dossier_retention_years,
            grace_hours=self.settings.upload_grace_hours,
            conversations=chats.conversations,
            conversation_events=chats.events,
            dossiers=dossiers,
            dossier_files=files,
            uploads=self.delete_orphaned_uploads(now, dry_run),
        )

    # -- dossiers ------------------------------------------------------------------------------------

    def anonymise_dossiers(self, now: datetime, dry_run: bool = False) -> tuple[int, int]:
        """(dossiers anonymised, their files deleted) among those closed before the retention period."""
        cutoff = years_before(now, self.settings.dossier_retention_years)
        with self.sessions() as session:
            closed = closed_times(session, kept_only=True)
        dossiers = files = 0
        for dossier_id in sorted(dossier_id for dossier_id, at in closed.items() if at < cutoff):
            with self.sessions() as session, session.begin():
                dossier = session.get(Dossier, dossier_id)
                if dossier is None or dossier.personal_data_erased_at is not None:
                    continue  # another run got there first
                files += self._erase_files(dossier, dry_run)
                if not dry_run:
                    self._erase_fields(session, dossier, now)
                dossiers += 1
        return dossiers, files

    def _erase_files(self, dossier: Dossier, dry_run: bool) -> int:
        upload_ids = [str(item.get("upload_id", "")) for item in dossier.attachments or ()]
        if dry_run:
            present = sum(self.attachments.get(upload_id) is not None for upload_id in upload_ids)
            return present + self.results.has(dossier.code)
        return sum(self.attachments.delete(upload_id) for upload_id in upload_ids) + self.results.delete(
            dossier.code
        )

    @staticmethod
    def _erase_fields(session: Session, dossier: Dossier, now: datetime) -> None:
        dossier.applicant_name = ""
        dossier.phone_hash = ""
        dossier.sender_id = ""
        dossier.form_data = {}
        dossier.attachments = []
        dossier.supplement_request = mask_personal(dossier.supplement_request or "")
        dossier.personal_data_erased_at = now
        for event in dossier.events:
            event.note = mask_personal(event.note or "")
        session.execute(
            update(Notification).where(Notification.dossier_id == dossier.id).values(text="", sender_id="")
        )

    # -- uploads -------------------------------------------------------------------------------------

    def delete_orphaned_uploads(self, now: datetime, dry_run: bool = False) -> int:
        cutoff = now - timedelta(hours=self.settings.upload_grace_hours)
        old = [upload_id for upload_id, at in self.attachments.stored().items() if at < cutoff]
        if not old:
            return 0
        referenced = self._dossier_uploads() | self.conversations.referenced_uploads()
        orphans = [upload_id for upload_id in old if upload_id not in referenced]
        if dry_run:
            return len(orphans)
        return sum(self.attachments.delete(upload_id) for upload_id in orphans)

    def _dossier_uploads(self) -> set[str]:
        with self.sessions() as session:
            return {
                str(item.get("upload_id"))
                for (attachments,) in session.execute(select(Dossier.attachments))
                for item in attachments or ()
                if isinstance(item, dict) and item.get("upload_id")
            }
