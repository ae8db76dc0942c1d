"""search misses: questions answered with candidates or not understood, masked, with the citizen's pick

Revision ID: 0005_search_misses
Revises: 0004_chat_channels
Create Date: 2026-11-30 20:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_search_misses"
down_revision = "0004_chat_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("offered", sa.JSON(), nullable=False),
        sa.Column("picked", sa.String(length=64), nullable=True),
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_search_misses_outcome"), "search_misses", ["outcome"])
    op.create_index(op.f("ix_search_misses_sender_hash"), "search_misses", ["sender_hash"])
    op.create_index(op.f("ix_search_misses_created_at"), "search_misses", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_search_misses_created_at"), table_name="search_misses")
    op.drop_index(op.f("ix_search_misses_sender_hash"), table_name="search_misses")
    op.drop_index(op.f("ix_search_misses_outcome"), table_name="search_misses")
    op.drop_table("search_misses")
