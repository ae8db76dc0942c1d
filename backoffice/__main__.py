"""`python -m backoffice`: start the back-office (migrating the database first).

`python -m backoffice seed-demo` creates the demo departments, officers and dossiers (password from
DVC_DEMO_PASSWORD); `python -m backoffice retention [--dry-run]` anonymises what is kept past its retention
period (bot/privacy/retention.py); any other arguments are account commands (backoffice/cli.py, --help)."""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence

from aiohttp import web

from backoffice import maintenance_cli
from backoffice.app import create_app
from bot.db.session import SchemaNotMigratedError, prepare_schema, upgrade_schema
from bot.log_format import configure_logging
from bot.officers.accounts import AccountError
from bot.officers.password_policy import PasswordPolicy
from bot.privacy.log_masking import install as mask_personal_data_in_logs
from bot.services import Services
from bot.settings import Settings, load_settings, refusals

DEMO_PASSWORD_ENV = "DVC_DEMO_PASSWORD"


def _refused(settings: Settings) -> bool:
    problems = refusals(settings)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return bool(problems)


def serve(app_services: Services) -> int:
    settings = app_services.settings
    configure_logging(settings.log_level, settings.log_format)
    mask_personal_data_in_logs()  # also on the handler just configured
    if _refused(settings):
        return 2
    try:
        prepare_schema(settings.database_url, settings.profile)
    except SchemaNotMigratedError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        web.run_app(
            create_app(settings, app_services),
            host=settings.backoffice_host,
            port=settings.backoffice_port,
            print=lambda _: print(f"Back-office: http://localhost:{settings.backoffice_port}/", flush=True),
        )
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            print(
                f"Port {settings.backoffice_port} is already in use: stop the other program or set "
                "DVC_BACKOFFICE_PORT.",
                file=sys.stderr,
            )
            return 1
        raise
    return 0


def migrate(settings: Settings) -> int:
    """`python -m backoffice migrate`: bring the database to this version's schema, once, under a lock
    (several replicas or a repeated run wait, then find nothing to do)."""
    if _refused(settings):
        return 2
    upgrade_schema(settings.database_url)
    print("The database schema is at the newest revision.")
    return 0


def seed_demo_command(app_services: Services) -> int:
    from backoffice.seed import seed_demo

    settings = app_services.settings
    if _refused(settings):
        return 2
    password = settings.demo_password
    problems = PasswordPolicy(min_length=settings.officers.min_password_length).problems(password)
    if problems:  # checked before the database is touched
        print(
            f"error: set {DEMO_PASSWORD_ENV} to the demo officers' password: {' '.join(problems)}",
            file=sys.stderr,
        )
        return 1
    password_change = not settings.officers.demo_skip_password_change
    try:
        report = seed_demo(app_services, password, password_change=password_change)
    except AccountError as refused:
        print(f"error: {DEMO_PASSWORD_ENV}: {refused}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    mask_personal_data_in_logs()
    arguments = list(sys.argv[1:] if argv is None else argv)
    settings = load_settings()  # the one read of the environment for this command
    if arguments == ["migrate"]:
        return migrate(settings)
    if arguments[:1] not in ([], ["retention"], ["misses"], ["seed-demo"], ["backup"], ["restore"]):
        from backoffice.cli import main as account_command

        return account_command(arguments, settings)
    app_services = Services(settings)
    if not arguments:
        return serve(app_services)
    if arguments[:1] == ["retention"]:
        return maintenance_cli.retention(app_services, arguments[1:])
    if arguments[:1] == ["misses"]:
        return maintenance_cli.missed_questions(app_services, arguments[1:])
    if arguments[:1] == ["backup"]:
        return maintenance_cli.backup_command(app_services, arguments[1:])
    if arguments[:1] == ["restore"]:
        return maintenance_cli.restore_command(app_services, arguments[1:])
    return seed_demo_command(app_services)


if __name__ == "__main__":
    sys.exit(main())
