"""Administration commands for officer accounts: `python -m backoffice <command>` (see --help).

Passwords are never taken as command-line arguments (they would end up in the shell history and the
process list): use --password-stdin, the DVC_NEW_OFFICER_PASSWORD environment variable, or the prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from bot.db.session import SchemaNotMigratedError, prepare_schema, session_factory
from bot.officers.accounts import ROLES, AccountError, Accounts, OfficerView
from bot.officers.password_policy import PasswordPolicy
from bot.settings import Settings, load_settings

PASSWORD_ENV = "DVC_NEW_OFFICER_PASSWORD"


class CommandError(Exception):
    """A command failed in a way the operator can fix; the message is printed as is."""


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CommandError("no password on standard input")
        return line.rstrip("\r\n")
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if sys.stdin.isatty():
        first = getpass.getpass("New password: ")
        if getpass.getpass("Repeat the password: ") != first:
            raise CommandError("the two passwords differ")
        return first
    raise CommandError(f"no password given: use --password-stdin, set {PASSWORD_ENV}, or run in a terminal")


def describe(officer: OfficerView) -> str:
    department = officer.department_code or "-"
    return f"{officer.username} ({officer.role}, department {department})"


def create_department(accounts: Accounts, args: argparse.Namespace) -> str:
    department = accounts.create_department(args.code, args.name)
    return f"created department {department.code}: {department.name}"


def create_officer(accounts: Accounts, args: argparse.Namespace) -> str:
    officer = accounts.create_officer(
        args.username,
        args.full_name,
        args.role,
        read_password(args),
        department_code=args.department,
        title=args.title,
    )
    return f"created officer {describe(officer)}; they must change the password at first sign-in"


def set_password(accounts: Accounts, args: argparse.Namespace) -> str:
    _require_officer(accounts, args.username)
    officer = accounts.set_password(args.username, read_password(args))
    return (
        f"password changed for {officer.username}; their sessions were closed and they must change the "
        "password at next sign-in"
    )


def deactivate_officer(accounts: Accounts, args: argparse.Namespace) -> str:
    officer = accounts.update_officer(args.username, is_active=False)
    return f"deactivated {officer.username}; their sessions were closed"


def activate_officer(accounts: Accounts, args: argparse.Namespace) -> str:
    officer = accounts.update_officer(args.username, is_active=True)
    return f"activated {officer.username}"


def unlock_officer(accounts: Accounts, args: argparse.Namespace) -> str:
    officer = accounts.unlock_officer(args.username)
    return f"unlocked {officer.username}"


def list_officers(accounts: Accounts, args: argparse.Namespace) -> str:
    officers = accounts.list_officers(args.department)
    if not officers:
        return "no officers"
    rows = [("USERNAME", "ROLE", "DEPARTMENT", "STATUS", "FULL NAME")]
    rows += [(o.username, o.role, o.department_code or "-", _status(o), o.full_name) for o in officers]
    return _table(rows)


def set_role(accounts: Accounts, args: argparse.Namespace) -> str:
    officer = accounts.update_officer(args.username, role=args.role, department_code=args.department)
    where = f" in {officer.department_code}" if officer.department_code else ""
    return f"{officer.username} is now {officer.role}{where}"


def list_departments(accounts: Accounts, args: argparse.Namespace) -> str:
    departments = accounts.list_departments()
    if not departments:
        return "no departments"
    rows = [("CODE", "OFFICERS", "NAME")]
    rows += [(d.code, str(d.officer_count), d.name) for d in departments]
    return _table(rows)


def _require_officer(accounts: Accounts, username: str) -> None:
    """Fail before asking for a password that could not be used."""
    if accounts.get_officer(username) is None:
        raise CommandError(f"no officer with username '{username}'")


def _status(officer: OfficerView) -> str:
    if not officer.is_active:
        return "inactive"
    if officer.locked_until is not None and officer.locked_until > datetime.now(timezone.utc):
        return f"locked until {officer.locked_until:%Y-%m-%d %H:%M} UTC"
    return "active"


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


Command = Callable[[Accounts, argparse.Namespace], str]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backoffice", description="Manage back-office accounts.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    sub = command("create-department", create_department, "create a department")
    sub.add_argument("code", help="upper-case letters, digits and _ (e.g. TU_PHAP)")
    sub.add_argument("name")

    sub = command("create-officer", create_officer, "create an officer account")
    sub.add_argument("--username", required=True)
    sub.add_argument("--full-name", required=True)
    sub.add_argument("--role", required=True, choices=ROLES)
    sub.add_argument("--department", help="department code (required except for admin)")
    sub.add_argument("--title", default="")
    _password_option(sub)

    sub = command("set-password", set_password, "set a new password (closes the officer's sessions)")
    sub.add_argument("username")
    _password_option(sub)

    sub = command("set-role", set_role, "change an officer's role (and department)")
    sub.add_argument("username")
    sub.add_argument("role", choices=ROLES)
    sub.add_argument("--department", help="department code (kept when omitted)")

    for name, handler, help_text in (
        ("deactivate-officer", deactivate_officer, "deactivate an officer (closes their sessions)"),
        ("activate-officer", activate_officer, "reactivate an officer"),
        ("unlock-officer", unlock_officer, "clear a lockout after failed sign-ins"),
    ):
        command(name, handler, help_text).add_argument("username")

    sub = command("list-officers", list_officers, "list officers")
    sub.add_argument("--department", help="only this department's officers")
    command("list-departments", list_departments, "list departments")
    return parser


def _password_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the password from one line of standard input (otherwise {PASSWORD_ENV} or a prompt)",
    )


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, or a usage error already reported by argparse
        return exit_.code if isinstance(exit_.code, int) else 1
    try:
        settings = settings or load_settings()
        prepare_schema(settings.database_url, settings.profile)
        policy = PasswordPolicy(min_length=settings.officers.min_password_length)
        print(args.handler(Accounts(session_factory(settings.database_url), password_policy=policy), args))
    except (AccountError, CommandError, SchemaNotMigratedError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("error: cancelled", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
