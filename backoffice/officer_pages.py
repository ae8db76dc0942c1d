"""Officer pages (placeholder: being written)."""

from aiohttp import web


def add_officer_pages(app: web.Application) -> None:
    return None
