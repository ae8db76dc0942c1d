"""The product's services, built once per process from the settings (the composition root).

Rasa actions and the back-office ask for `services()` instead of building their own catalogue, database
sessions or OTP service, so there is one place where the pieces are put together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property, lru_cache

from sqlalchemy.orm import sessionmaker

from bot import faults
from bot.analytics.report import Analytics
from bot.analytics.wordings import WordingReview
from bot.calendar.working_days import WorkingCalendar
from bot.catalog.assistant import ProcedureAssistant
from bot.catalog.library import ProcedureLibrary, build_library
from bot.catalog.misses import MissLog
from bot.catalog.semantic import Embedder
from bot.channels.queue import ChannelQueue
from bot.channels.records import ButtonPayloads, UpdateLog, VerifiedContacts
from bot.db.session import prepare_schema, session_factory
from bot.dossiers.attachments import AttachmentStore
from bot.dossiers.delivery import DeskInfo, ResultDelivery, ResultFiles
from bot.dossiers.status_lookup import DossierStatusDesk
from bot.dossiers.submission import DossierService, link_token
from bot.feedback.ratings import FeedbackBook
from bot.forms.definitions import FormSpec, load_forms
from bot.handover.desk import HandoverDesk
from bot.handover.messages import STILL_NOT_UNDERSTOOD
from bot.handover.office_hours import OfficeHours, parse_sessions
from bot.notifications.outbox import Outbox
from bot.officers.accounts import Accounts
from bot.officers.audit import AuditLog
from bot.officers.authentication import Authenticator
from bot.officers.password_policy import PasswordPolicy
from bot.offset_clock import clock_for
from bot.otp.service import OtpService, otp_secret
from bot.payments.desk import FeeDesk
from bot.payments.fees import FeeSchedule
from bot.payments.service import PaymentService
from bot.privacy.conversations import ConversationStore
from bot.privacy.retention import RetentionJob
from bot.privacy.subject_access import SubjectAccess
from bot.settings import Settings, load_settings
from bot.sms.providers import SmsProvider, sms_provider
from bot.workflow.service import WorkflowService


@dataclass
class Services:
    settings: Settings

    def __post_init__(self) -> None:
        faults.configure(self.settings)  # the crash tests' fault points (a no-op unless the tests arm them)

    @cached_property
    def library(self) -> ProcedureLibrary:
        """The catalogue, the commune's own procedures, the approved citizen wordings and the search."""
        return build_library(self.settings, learned=self.wordings)

    @cached_property
    def wordings(self) -> WordingReview:
        """Citizen wordings proposed from the analytics page and reviewed by a second officer."""
        return WordingReview(
            self.sessions,
            known=lambda code: self.library.get(code) is not None,
            clock=clock_for(self.settings),
        )

    @cached_property
    def catalog(self) -> ProcedureLibrary:
        return self.library

    @cached_property
    def search(self) -> ProcedureLibrary:
        return self.library

    @cached_property
    def assistant(self) -> ProcedureAssistant:
        return ProcedureAssistant(self.library, self.library, frozenset(self.forms), self.settings.search)

    @cached_property
    def misses(self) -> MissLog:
        return MissLog(self.sessions, self.secret)

    @cached_property
    def feedback(self) -> FeedbackBook:
        return FeedbackBook(self.sessions, clock_for(self.settings))

    @cached_property
    def forms(self) -> dict[str, FormSpec]:
        return load_forms()

    @cached_property
    def sessions(self) -> sessionmaker:
        prepare_schema(self.settings.database_url, self.settings.profile)
        return session_factory(self.settings.database_url)

    @cached_property
    def secret(self) -> bytes:
        return otp_secret(self.settings)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.settings.extra_days_off, self.settings.extra_working_days)

    @cached_property
    def office_hours(self) -> OfficeHours:
        handover = self.settings.handover
        try:
            weekdays = parse_sessions(handover.weekday_sessions)
            saturdays = parse_sessions(handover.saturday_sessions)
        except ValueError as error:
            raise ValueError(f"DVC_OFFICE_HOURS / DVC_OFFICE_SATURDAY: {error}") from None
        return OfficeHours(weekdays, saturdays, self.calendar, frozenset(handover.extra_open_days))

    @cached_property
    def handover_desk(self) -> HandoverDesk:
        return HandoverDesk(
            self.sessions,
            self.office_hours,
            clock=clock_for(self.settings),
            default_handling_minutes=self.settings.handover.default_handling_minutes,
        )

    @cached_property
    def otp(self) -> OtpService:
        return OtpService(
            self.sessions, self.sms, self.secret, self.settings.otp, clock=clock_for(self.settings)
        )

    @cached_property
    def dossiers(self) -> DossierService:
        return DossierService(
            self.sessions, self.calendar, fees=self.fees, agency_code=self.settings.agency_code
        )

    @cached_property
    def fees(self) -> FeeSchedule:
        return FeeSchedule.load()

    @cached_property
    def payments(self) -> PaymentService:
        return PaymentService(self.sessions, self.settings.payments)

    @cached_property
    def fee_desk(self) -> FeeDesk:
        return FeeDesk(self.status_desk, self.payments, self.vietqr_url)

    def vietqr_url(self, dossier_code: str) -> str:
        token = link_token(self.secret, "vietqr", dossier_code)
        return f"{self.settings.backoffice_public_url}/payments/{dossier_code}/vietqr.png?t={token}"

    @cached_property
    def workflow(self) -> WorkflowService:
        return WorkflowService(self.sessions, self.calendar, delivery=self.result_delivery)

    @cached_property
    def result_files(self) -> ResultFiles:
        return ResultFiles(self.settings.files_dir / "results")

    @cached_property
    def result_delivery(self) -> ResultDelivery:
        desk = self.settings.search
        where = DeskInfo(desk.desk_name, desk.desk_details, desk.desk_hours)
        return ResultDelivery(self.result_files, where, self.result_url)

    def result_url(self, dossier_code: str) -> str:
        token = link_token(self.secret, "result", dossier_code)
        return f"{self.settings.backoffice_public_url}/dossiers/{dossier_code}/result.pdf?t={token}"

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.sessions, password_policy=self.password_policy)

    @cached_property
    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy(min_length=self.settings.officers.min_password_length)

    @cached_property
    def audit_log(self) -> AuditLog:
        return AuditLog(self.sessions)

    @cached_property
    def authenticator(self) -> Authenticator:
        return Authenticator.from_settings(self.sessions, self.settings.officers)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.sessions)

    @cached_property
    def status_desk(self) -> DossierStatusDesk:
        return DossierStatusDesk(
            self.workflow, self.sessions, self.otp, self.secret, data_rights=self.subject_access
        )

    @cached_property
    def attachments(self) -> AttachmentStore:
        return AttachmentStore(self.settings.files_dir / "attachments")

    @cached_property
    def verified_contacts(self) -> VerifiedContacts:
        return VerifiedContacts(self.sessions, timedelta(minutes=self.settings.verified_phone_minutes))

    @cached_property
    def channel_updates(self) -> UpdateLog:
        return UpdateLog(self.sessions)

    @cached_property
    def button_payloads(self) -> ButtonPayloads:
        return ButtonPayloads(self.sessions)

    @cached_property
    def channel_queue(self) -> ChannelQueue:
        return ChannelQueue(self.sessions)

    @cached_property
    def sms(self) -> SmsProvider:
        return sms_provider(self.settings)

    @cached_property
    def conversations(self) -> ConversationStore:
        """Rasa's tracker store, for retention and the citizen's data rights (not for the dialogue)."""
        return ConversationStore(self.settings.privacy.tracker_db_url)

    @cached_property
    def analytics(self) -> Analytics:
        """The analytics page's figures; questions are grouped by meaning when the semantic search is on."""
        embed = Embedder().embed if self.settings.search.semantic else None
        return Analytics(
            self.sessions,
            self.conversations,
            self.misses,
            lambda code: procedure.name if (procedure := self.library.get(code)) else None,
            self.forms,
            embed=embed,
            not_understood_texts=(STILL_NOT_UNDERSTOOD,),
            clock=clock_for(self.settings),
        )

    @cached_property
    def subject_access(self) -> SubjectAccess:
        return SubjectAccess(
            self.sessions, self.conversations, self.settings.privacy, self.verified_contacts, self.misses
        )

    @cached_property
    def retention(self) -> RetentionJob:
        return RetentionJob(
            self.settings.privacy, self.sessions, self.conversations, self.attachments, self.result_files
        )

    def declaration_url(self, dossier_code: str) -> str:
        token = link_token(self.secret, "declaration", dossier_code)
        return f"{self.settings.backoffice_public_url}/dossiers/{dossier_code}/declaration.pdf?t={token}"


@lru_cache(maxsize=1)
def services() -> Services:
    return Services(load_settings())
