"""dossiers.consent_version and consent_at (the consent notice agreed to, Decree 13/2023) and
personal_data_erased_at (set by the retention job when the dossier's personal fields are anonymised)

Revision ID: 0010_consent_and_retention
Revises: 0009_officer_password_change
Create Date: 2026-12-01 07:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_consent_and_retention"
down_revision = "0009_officer_password_change"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Dossiers filed before this revision have no consent record: NULL, shown as "not recorded".
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("consent_version", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("personal_data_erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("personal_data_erased_at")
        batch.drop_column("consent_at")
        batch.drop_column("consent_version")
