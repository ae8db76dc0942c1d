"""Deployment settings, all from environment variables (listed with defaults in .env.example)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    commune_name: str
    rasa_public_url: str  # the Rasa server as the citizen's browser reaches it (widget data-server)
    rasa_internal_url: str  # the Rasa server as the back-office reaches it (health, notifications)
    backoffice_host: str
    backoffice_public_url: str  # the back-office as citizens reach it (links to their PDF declaration)
    backoffice_port: int
    var_dir: Path
    home_level: str  # the catalogue level this deployment serves first when a question fits several
    verified_phone_minutes: int  # how long a phone verified by OTP stays verified in a conversation
    rasa_auth_token: str = ""  # for Rasa's HTTP API (the back-office pushes dossier updates through it)
    notification_poll_seconds: float = 2.0  # how often undelivered notifications are retried at most


def load_settings() -> Settings:
    var_dir = Path(os.environ.get("DVC_VAR_DIR", PROJECT_ROOT / "var"))
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'dvc.db'}",
        commune_name=os.environ.get("DVC_COMMUNE_NAME", "Xã Tân Phú"),
        rasa_public_url=os.environ.get("DVC_RASA_PUBLIC_URL", "http://localhost:5005").rstrip("/"),
        rasa_internal_url=os.environ.get("DVC_RASA_URL", "http://localhost:5005").rstrip("/"),
        backoffice_host=os.environ.get("DVC_BACKOFFICE_HOST", "0.0.0.0"),
        backoffice_public_url=os.environ.get(
            "DVC_BACKOFFICE_PUBLIC_URL", f"http://localhost:{os.environ.get('DVC_BACKOFFICE_PORT', '8080')}"
        ).rstrip("/"),
        backoffice_port=int(os.environ.get("DVC_BACKOFFICE_PORT", "8080")),
        var_dir=var_dir,
        home_level=os.environ.get("DVC_HOME_LEVEL", "Cấp xã"),
        verified_phone_minutes=int(os.environ.get("DVC_VERIFIED_PHONE_MINUTES", "30")),
        rasa_auth_token=os.environ.get("RASA_AUTH_TOKEN", ""),
        notification_poll_seconds=float(os.environ.get("DVC_NOTIFICATION_POLL_SECONDS", "2")),
    )
