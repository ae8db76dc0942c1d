"""The maintenance commands of `python -m backoffice`: retention, the search's missed questions, backup."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.backup import BackupError, backup, restore
from bot.services import Services


def parsed(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace | int:
    """The arguments, or the exit code when argparse has answered itself (--help, a usage error)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1


def retention(app: Services, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backoffice retention",
        description="Anonymise conversations and closed dossiers past their retention period and delete "
        "orphaned uploads (DVC_CHAT_RETENTION_DAYS, DVC_DOSSIER_RETENTION_YEARS, DVC_UPLOAD_GRACE_HOURS).",
    )
    parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
    args = parsed(parser, argv)
    if isinstance(args, int):
        return args
    report = app.retention.run(dry_run=args.dry_run)
    for line in report.lines():
        print(line)
    return 0


def missed_questions(app: Services, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backoffice misses",
        description="The questions the search could not answer with one procedure, most frequent first.",
    )
    parser.add_argument("command", choices=["report"])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--limit", type=int, default=30)
    args = parsed(parser, argv)
    if isinstance(args, int):
        return args
    misses = app.misses.report(args.days, args.limit)
    if not misses:
        print(f"No missed questions in the last {args.days} days.")
        return 0
    print(f"The {len(misses)} most frequent missed questions of the last {args.days} days:")
    for summary in misses:
        picks = ", ".join(f"{code} ×{count}" for code, count in summary.picked) or "nothing picked"
        print(f"{summary.count:>5}  [{summary.outcome}]  {summary.question}\n       picked: {picks}")
    return 0


def backup_command(app: Services, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backoffice backup",
        description="Copy both databases, the uploads and results, the commune's procedures and the "
        "generated OTP secret into a new dated folder (the servers may keep running).",
    )
    parser.add_argument("directory", nargs="?", default=str(app.settings.var_dir / "backups"))
    args = parsed(parser, argv)
    if isinstance(args, int):
        return args
    try:
        folder = backup(app.settings, Path(args.directory))
    except BackupError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"Backup written to {folder}")
    return 0


def restore_command(app: Services, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backoffice restore",
        description="Put a backup folder back (stop the servers first). Every file is checked before "
        "anything is changed.",
    )
    parser.add_argument("folder")
    args = parsed(parser, argv)
    if isinstance(args, int):
        return args
    try:
        restore(app.settings, Path(args.folder))
    except BackupError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"Restored {args.folder}. Start the servers again.")
    return 0
