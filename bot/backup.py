"""A consistent copy of everything the assistant cannot rebuild, and its restore.

What is copied: the back-office database and Rasa's tracker store (SQLite: the online backup API, so the
servers may keep running; PostgreSQL: `pg_dump --format=custom`), the citizens' uploads and signed results
(DVC_STORAGE_DIR), the commune's own procedures, and the generated OTP secret when DVC_OTP_SECRET is not set
(without it the links already sent to citizens stop working). A manifest lists every file with its sha256;
restore checks them all before it changes anything. The models and the search cache are rebuilt by
`make train`; `.env` holds the other secrets and is backed up by the operator with the machine's files."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import Settings

MANIFEST = "manifest.json"
FILES_ARCHIVE = "files.tar"
SECRET_FILE = "otp_secret"
ABSENT = "absent"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why, for the operator."""


@dataclass(frozen=True)
class Database:
    name: str  # "backoffice" or "tracker"
    url: str

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.startswith("sqlite:///") else "postgresql"

    @property
    def path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    @property
    def dump_name(self) -> str:
        return f"{self.name}.{'sqlite' if self.kind == 'sqlite' else 'pgdump'}"


def databases(settings: Settings) -> list[Database]:
    return [
        Database("backoffice", settings.database_url),
        Database("tracker", settings.privacy.tracker_db_url),
    ]


def _file_roots(settings: Settings) -> dict[str, Path]:
    """The directories copied, by their name in the archive."""
    return {
        "attachments": settings.files_dir / "attachments",
        "results": settings.files_dir / "results",
        "local_procedures": settings.search.local_procedures_dir,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_environment(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore arguments for a SQLAlchemy PostgreSQL URL (the password via PGPASSWORD)."""
    parts = urlsplit(url.replace("postgresql+psycopg2://", "postgresql://", 1))
    arguments = ["--host", parts.hostname or "localhost", "--port", str(parts.port or 5432)]
    if parts.username:
        arguments += ["--username", parts.username]
    arguments += ["--dbname", parts.path.lstrip("/")]
    return arguments, {"PGPASSWORD": parts.password or ""}


def _run(command: list[str], environment: dict[str, str]) -> None:
    """Run a PostgreSQL client tool with only the environment it needs (the password, never in argv)."""
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    try:
        subprocess.run([program, *command[1:]], check=True, capture_output=True, env=environment)
    except subprocess.CalledProcessError as failed:
        raise BackupError(f"{command[0]} failed: {failed.stderr.decode(errors='replace').strip()}") from None


def _dump(database: Database, target: Path) -> None:
    if database.kind == "sqlite":
        source, copy = sqlite3.connect(database.path), sqlite3.connect(target)
        try:
            source.backup(copy)  # a consistent snapshot, also while the servers write
        finally:
            copy.close()
            source.close()
        return
    arguments, environment = _pg_environment(database.url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *arguments], environment)


def backup(settings: Settings, directory: Path, now: datetime | None = None) -> Path:
    """Write a new backup folder under `directory` and return it."""
    moment = now or datetime.now(timezone.utc)
    target = directory / f"dvc-backup-{moment:%Y%m%d-%H%M%S}"
    target.mkdir(parents=True, exist_ok=False)
    kinds = {}
    for database in databases(settings):
        if database.kind == "sqlite" and not database.path.is_file():
            kinds[database.name] = ABSENT  # nothing written yet (no conversation since installation)
            continue
        _dump(database, target / database.dump_name)
        kinds[database.name] = database.kind
    with tarfile.open(target / FILES_ARCHIVE, "w") as archive:
        for name, root in _file_roots(settings).items():
            if root.is_dir():
                archive.add(root, arcname=name)
    secret = settings.var_dir / SECRET_FILE
    if not settings.otp_secret and secret.is_file():
        shutil.copy2(secret, target / SECRET_FILE)
    files = sorted(path.name for path in target.iterdir())
    manifest = {
        "created_at": moment.isoformat(),
        "databases": kinds,
        "files": {name: _sha256(target / name) for name in files},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return target


def verify(backup_dir: Path) -> dict:
    """The backup's manifest, once every file it lists is there with its checksum."""
    manifest_path = backup_dir / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{backup_dir} is not a backup (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, checksum in manifest["files"].items():
        path = backup_dir / name
        if not path.is_file() or _sha256(path) != checksum:
            raise BackupError(f"{name} is missing or damaged in {backup_dir}: nothing was restored")
    return manifest


def _restore_database(database: Database, dump: Path) -> None:
    if database.kind == "sqlite":
        database.path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):  # an older write-ahead log must not be replayed over the copy
            database.path.with_name(database.path.name + suffix).unlink(missing_ok=True)
        source, copy = sqlite3.connect(dump), sqlite3.connect(database.path)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    arguments, environment = _pg_environment(database.url)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", *arguments, str(dump)], environment)


def restore(settings: Settings, backup_dir: Path) -> None:
    """Put the backup back (the servers stopped). Checks the whole backup first."""
    manifest = verify(backup_dir)
    for database in databases(settings):
        if manifest["databases"].get(database.name) not in (database.kind, ABSENT):
            raise BackupError(
                f"the backup holds a {manifest['databases'].get(database.name)} {database.name} database, "
                f"this installation uses {database.kind}"
            )
    for database in databases(settings):
        if manifest["databases"][database.name] != ABSENT:
            _restore_database(database, backup_dir / database.dump_name)
    roots = _file_roots(settings)
    with tarfile.open(backup_dir / FILES_ARCHIVE) as archive:
        for name, root in roots.items():
            members = [m for m in archive.getmembers() if m.name == name or m.name.startswith(f"{name}/")]
            if not members:
                continue
            if root.exists():
                shutil.rmtree(root)
            root.parent.mkdir(parents=True, exist_ok=True)
            root.mkdir(parents=True, exist_ok=True)
            for member in members:
                member.name = member.name.removeprefix(name).lstrip("/")
                if member.name:  # the directory itself is `root`
                    archive.extract(member, root, filter="data")
    if (backup_dir / SECRET_FILE).is_file():
        shutil.copy2(backup_dir / SECRET_FILE, settings.var_dir / SECRET_FILE)
