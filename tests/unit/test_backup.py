"""python -m backoffice backup / restore on SQLite: all comes back; a damaged backup changes nothing."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from bot.backup import BackupError, backup, restore, verify
from bot.services import Services
from tests.unit.test_payment_routes import file_dossier

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def installation(blank_services, tmp_path):
    settings = dataclasses.replace(
        blank_services.settings,
        privacy=dataclasses.replace(
            blank_services.settings.privacy, tracker_db_url=f"sqlite:///{tmp_path / 'rasa_tracker.db'}"
        ),
        otp_secret="",
    )
    app = Services(settings)
    code = file_dossier(app)
    upload = app.attachments.save("giay-to.png", PNG).upload_id
    app.result_files.save(code, b"%PDF-1.4 result")
    tracker = sqlite3.connect(tmp_path / "rasa_tracker.db")
    tracker.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
    tracker.execute("INSERT INTO events (sender_id, data) VALUES ('web-1', '{}')")
    tracker.commit()
    tracker.close()
    (tmp_path / "otp_secret").write_text("ab" * 32 + "\n")
    return app, code, upload


def lose_everything(app: Services) -> None:
    settings = app.settings
    for path in settings.var_dir.glob("*.db*"):
        path.unlink()
    for name in ("attachments", "results"):
        for path in sorted((settings.files_dir / name).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    (settings.var_dir / "otp_secret").unlink()


def test_a_backup_restores_the_dossiers_conversations_files_and_secret(installation, tmp_path):
    app, code, upload = installation
    folder = backup(app.settings, tmp_path / "backups")
    manifest = verify(folder)
    assert manifest["databases"] == {"backoffice": "sqlite", "tracker": "sqlite"}
    app.sessions.kw["bind"].dispose()
    lose_everything(app)

    restore(app.settings, folder)
    again = Services(app.settings)
    assert again.workflow.get(code).code == code
    assert again.attachments.get(upload).filename == "giay-to.png"
    assert again.result_files.get(code) == b"%PDF-1.4 result"
    tracker = sqlite3.connect(tmp_path / "rasa_tracker.db")
    assert tracker.execute("SELECT sender_id FROM events").fetchall() == [("web-1",)]
    tracker.close()
    assert (tmp_path / "otp_secret").read_text() == "ab" * 32 + "\n"


def test_a_damaged_backup_is_refused_before_anything_changes(installation, tmp_path):
    app, _, _ = installation
    folder = backup(app.settings, tmp_path / "backups")
    with (folder / "files.tar").open("r+b") as archive:
        archive.seek(600)
        archive.write(b"damage")
    before = (tmp_path / "dvc.db").read_bytes()
    with pytest.raises(BackupError, match=r"files\.tar is missing or damaged"):
        restore(app.settings, folder)
    assert (tmp_path / "dvc.db").read_bytes() == before


def test_the_command_line(installation, tmp_path, capsys):
    from backoffice import maintenance_cli

    app, _, _ = installation
    assert maintenance_cli.backup_command(app, [str(tmp_path / "b")]) == 0
    folder = next((tmp_path / "b").iterdir())
    assert str(folder) in capsys.readouterr().out
    assert maintenance_cli.restore_command(app, [str(tmp_path / "not-a-backup")]) == 1
    assert "not a backup" in capsys.readouterr().err
