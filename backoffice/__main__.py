"""Start the back-office: `python -m backoffice` (migrates the database first)."""

from __future__ import annotations

import errno
import logging
import sys

from aiohttp import web

from backoffice.app import create_app
from bot.db.session import upgrade_schema
from bot.settings import load_settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
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


if __name__ == "__main__":
    sys.exit(main())
