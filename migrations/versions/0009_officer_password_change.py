"""officers.must_change_password (forced change of a password someone else chose) and
officer_sessions.last_used_at (idle timeout of sessions and API tokens)

Revision ID: 0009_officer_password_change
Revises: 0008_dossier_metadata
Create Date: 2026-12-01 06:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_officer_password_change"
down_revision = "0008_dossier_metadata"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing officers chose their passwords before this rule existed: they are not forced to change them.
    with op.batch_alter_table("officers") as batch:
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("officer_sessions") as batch:
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE officer_sessions SET last_used_at = created_at")
    with op.batch_alter_table("officer_sessions") as batch:
        batch.alter_column("last_used_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("officer_sessions") as batch:
        batch.drop_column("last_used_at")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("must_change_password")
