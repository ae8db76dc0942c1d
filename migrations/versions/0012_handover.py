"""handover_requests and handover_messages; notifications.dossier_id may be NULL (an officer's live message)

Revision ID: 0012_handover
Revises: 0011_otp_requester
Create Date: 2026-12-01 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_handover"
down_revision = "0011_otp_requester"
branch_labels = None
depends_on = None

OPEN = "status IN ('waiting', 'active')"


def upgrade() -> None:
    op.create_table(
        "handover_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("callback_phone", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
    )
    op.create_index("ix_handover_requests_department_code", "handover_requests", ["department_code"])
    op.create_index("ix_handover_requests_status", "handover_requests", ["status"])
    op.create_index(
        "uq_handover_open_conversation",
        "handover_requests",
        ["channel", "sender_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_table(
        "handover_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("handover_requests.id"), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handover_messages_request_id", "handover_messages", ["request_id"])
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("dossier_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("dossier_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_handover_messages_request_id", table_name="handover_messages")
    op.drop_table("handover_messages")
    op.drop_index("uq_handover_open_conversation", table_name="handover_requests")
    op.drop_index("ix_handover_requests_status", table_name="handover_requests")
    op.drop_index("ix_handover_requests_department_code", table_name="handover_requests")
    op.drop_table("handover_requests")
