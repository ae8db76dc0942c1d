"""payments: one row per online payment attempt (VNPay order) of a dossier's fee

Revision ID: 0006_payments
Revises: 0005_search_misses
Create Date: 2026-11-30 23:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_payments"
down_revision = "0005_search_misses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("txn_ref", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_via", sa.String(length=8), nullable=False),
        sa.Column("response_code", sa.String(length=4), nullable=False),
        sa.Column("gateway_transaction_no", sa.String(length=32), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("txn_ref"),
    )
    op.create_index(op.f("ix_payments_dossier_id"), "payments", ["dossier_id"])
    op.create_index(op.f("ix_payments_status"), "payments", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payments_status"), table_name="payments")
    op.drop_index(op.f("ix_payments_dossier_id"), table_name="payments")
    op.drop_table("payments")
