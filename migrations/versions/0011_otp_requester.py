"""otp_codes.requester_hash: which conversation asked for a code (a limit per conversation)

Revision ID: 0011_otp_requester
Revises: 0010_consent_and_retention
Create Date: 2026-12-01 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_otp_requester"
down_revision = "0010_consent_and_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("otp_codes") as batch:
        batch.add_column(sa.Column("requester_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_otp_codes_requester_hash", ["requester_hash"])


def downgrade() -> None:
    with op.batch_alter_table("otp_codes") as batch:
        batch.drop_index("ix_otp_codes_requester_hash")
        batch.drop_column("requester_hash")
