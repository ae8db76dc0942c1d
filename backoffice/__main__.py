"""`python -m backoffice`: start the back-office (migrating the database first).

`python -m backoffice seed-demo` creates the demo departments, officers and dossiers (password from
DVC_DEMO_PASSWORD); any other arguments are account commands (backoffice/cli.py, see --help)."""

from __future__ import annotations

import errno
import logging
import os
import sys
from collections.abc import Sequence

from aiohttp import web

from backoffice.app import create_app
from bot.db.session import upgrade_schema
from bot.officers.accounts import MIN_PASSWORD_LENGTH
from bot.settings import load_settings, refusals

DEMO_PASSWORD_ENV = "DVC_DEMO_PASSWORD"


def serve() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    problems = refusals(settings)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    upgrade_schema(settings.database_url)
    try:
        web.run_app(
            create_app(settings),
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


def seed_demo_command() -> int:
    from backoffice.seed import seed_demo
    from bot.services import services

    password = os.environ.get(DEMO_PASSWORD_ENV, "")
    if len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"error: set {DEMO_PASSWORD_ENV} to the demo officers' password "
            f"(at least {MIN_PASSWORD_LENGTH} characters)",
            file=sys.stderr,
        )
        return 1
    report = seed_demo(services(), password)
    print(report.summary())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments:
        return serve()
    if arguments == ["seed-demo"]:
        return seed_demo_command()
    from backoffice.cli import main as account_command

    return account_command(arguments)


if __name__ == "__main__":
    sys.exit(main())
