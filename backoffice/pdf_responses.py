"""A dossier's filled declaration as a PDF response: for the citizen's link and for officers."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.db.models import Dossier
from bot.documents.declaration_pdf import render_declaration
from bot.services import Services


def declaration_pdf(app: Services, code: str) -> bytes | None:
    """The filled declaration of a dossier (for the citizen's link, and for officers)."""
    with app.sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()
        if dossier is None or dossier.procedure_code not in app.forms:
            return None
        answers = {key: str(value) for key, value in (dossier.form_data or {}).items()}
        form = app.forms[dossier.procedure_code]
        return render_declaration(
            form,
            answers,
            procedure_name=dossier.procedure_name,
            dossier_code=dossier.code,
            commune_name=app.settings.commune_name,
            created_at=dossier.received_at,
            recipient=form.recipient.format(commune=app.settings.commune_name) if form.recipient else None,
        )


def pdf_response(filename: str, pdf: bytes) -> web.Response:
    """A PDF shown in the browser (a declaration "to-khai-CODE.pdf", a result "ket-qua-CODE.pdf")."""
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
