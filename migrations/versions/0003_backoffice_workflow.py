"""back-office workflow: officer sessions and lockout, dossier clock, notification outbox, lookups

Revision ID: 0003_backoffice_workflow
Revises: 0002_otp_codes
Create Date: 2026-11-22 07:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_backoffice_workflow"
down_revision = "0002_otp_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("time_limit_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("clock_paused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("supplement_request", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("fee_amount", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("fee_paid_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "officer_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_officer_sessions_officer_id"), "officer_sessions", ["officer_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_notifications_dossier_id"), "notifications", ["dossier_id"])
    op.create_index(op.f("ix_notifications_next_attempt_at"), "notifications", ["next_attempt_at"])
    op.create_index(op.f("ix_notifications_delivered_at"), "notifications", ["delivered_at"])
    op.create_table(
        "status_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_hash", sa.String(length=64), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_status_lookups_requester_hash"), "status_lookups", ["requester_hash"])
    op.create_index(op.f("ix_status_lookups_created_at"), "status_lookups", ["created_at"])


def downgrade() -> None:
    op.drop_table("status_lookups")
    op.drop_table("notifications")
    op.drop_table("officer_sessions")
    with op.batch_alter_table("dossiers") as batch:
        for column in ("fee_paid_at", "fee_amount", "completed_at", "supplement_request", "clock_paused_at"):
            batch.drop_column(column)
        batch.drop_column("time_limit_days")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
