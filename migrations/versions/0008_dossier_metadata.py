"""dossier metadata in its own columns: attachments, due_is_estimate, fee_text (were "_" keys in form_data)

Revision ID: 0008_dossier_metadata
Revises: 0007_audit_log
Create Date: 2026-12-01 09:00:00.000000

Until now the filing's own records were kept inside the answers JSON behind a "_" prefix ("_attachments",
"_due_is_estimate", "_fee_text"), and every reader had to filter them out. They move to columns; form_data
keeps the citizen's answers only. The data moves both ways (downgrade puts the keys back).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_dossier_metadata"
down_revision = "0007_audit_log"
branch_labels = None
depends_on = None

# The table as this migration knows it (not the models, which will keep changing).
dossiers = sa.table(
    "dossiers",
    sa.column("id", sa.Integer),
    sa.column("form_data", sa.JSON),
    sa.column("attachments", sa.JSON),
    sa.column("due_is_estimate", sa.Boolean),
    sa.column("fee_text", sa.Text),
)
KEYS = {"_attachments": "attachments", "_due_is_estimate": "due_is_estimate", "_fee_text": "fee_text"}


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("due_is_estimate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("fee_text", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    rows = connection.execute(sa.select(dossiers.c.id, dossiers.c.form_data)).all()
    for dossier_id, form_data in rows:
        data = dict(form_data or {})
        if not any(key.startswith("_") for key in data):
            continue
        kept = {key: value for key, value in data.items() if not key.startswith("_")}
        connection.execute(
            dossiers.update()
            .where(dossiers.c.id == dossier_id)
            .values(
                form_data=kept,
                attachments=[dict(item) for item in data.get("_attachments") or []],
                due_is_estimate=bool(data.get("_due_is_estimate")),
                fee_text=str(data.get("_fee_text") or ""),
            )
        )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            dossiers.c.id,
            dossiers.c.form_data,
            dossiers.c.attachments,
            dossiers.c.due_is_estimate,
            dossiers.c.fee_text,
        )
    ).all()
    for dossier_id, form_data, attachments, estimate, fee_text in rows:
        data = {
            **(form_data or {}),
            "_attachments": list(attachments or []),
            "_due_is_estimate": bool(estimate),
            "_fee_text": fee_text or "",
        }
        connection.execute(dossiers.update().where(dossiers.c.id == dossier_id).values(form_data=data))
    with op.batch_alter_table("dossiers") as batch:
        for column in KEYS.values():
            batch.drop_column(column)
