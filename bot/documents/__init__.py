"""Documents the bot produces for a dossier: the printable declaration (tờ khai) as PDF."""

from bot.documents.declaration_pdf import render_declaration

__all__ = ["render_declaration"]
