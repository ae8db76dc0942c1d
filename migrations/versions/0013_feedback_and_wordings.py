"""feedback (citizens' ratings and comments), notifications.rate (what may be rated under a message) and
citizen_wordings (wordings learned from the analytics page)

Revision ID: 0013_feedback_and_wordings
Revises: 0012_handover
Create Date: 2026-12-01 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_feedback_and_wordings"
down_revision = "0012_handover"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_rating", "feedback", ["rating"])
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
    op.create_index(
        "uq_feedback_subject", "feedback", ["channel", "sender_id", "subject", "reference"], unique=True
    )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("rate", sa.String(length=80), nullable=False, server_default=""))
    op.create_table(
        "citizen_wordings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.Integer(), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_citizen_wordings_status", "citizen_wordings", ["status"])


def downgrade() -> None:
    op.drop_index("ix_citizen_wordings_status", table_name="citizen_wordings")
    op.drop_table("citizen_wordings")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("rate")
    op.drop_index("uq_feedback_subject", table_name="feedback")
    op.drop_index("ix_feedback_created_at", table_name="feedback")
    op.drop_index("ix_feedback_rating", table_name="feedback")
    op.drop_table("feedback")
