"""The product's services, built once per process from the settings (the composition root).

Rasa actions and the back-office ask for `services()` instead of building their own catalogue, database
sessions or OTP service, so there is one place where the pieces are put together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from sqlalchemy.orm import sessionmaker

from bot.calendar.working_days import WorkingCalendar, calendar_from_env
from bot.catalog.assistant import ProcedureAssistant
from bot.catalog.search import ProcedureSearch, default_search
from bot.catalog.store import Catalog, default_catalog
from bot.db.session import session_factory, upgrade_schema
from bot.dossiers.submission import DossierService, link_token
from bot.forms.definitions import FormSpec, load_forms
from bot.otp.service import OtpService, otp_secret_from_env
from bot.settings import Settings, load_settings
from bot.sms.providers import sms_provider_from_env


@dataclass
class Services:
    settings: Settings

    @cached_property
    def catalog(self) -> Catalog:
        return default_catalog()

    @cached_property
    def search(self) -> ProcedureSearch:
        return default_search()

    @cached_property
    def assistant(self) -> ProcedureAssistant:
        return ProcedureAssistant(self.catalog, self.search, frozenset(self.forms))

    @cached_property
    def forms(self) -> dict[str, FormSpec]:
        return load_forms()

    @cached_property
    def sessions(self) -> sessionmaker:
        upgrade_schema(self.settings.database_url)  # idempotent: whichever process starts first creates it
        return session_factory(self.settings.database_url)

    @cached_property
    def secret(self) -> bytes:
        return otp_secret_from_env()

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return calendar_from_env()

    @cached_property
    def otp(self) -> OtpService:
        return OtpService(self.sessions, sms_provider_from_env(), self.secret)

    @cached_property
    def dossiers(self) -> DossierService:
        return DossierService(self.sessions, self.calendar)

    def declaration_url(self, dossier_code: str) -> str:
        token = link_token(self.secret, "declaration", dossier_code)
        return f"{self.settings.backoffice_public_url}/dossiers/{dossier_code}/declaration.pdf?t={token}"


@lru_cache(maxsize=1)
def services() -> Services:
    return Services(load_settings())
