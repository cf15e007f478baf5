"""search thesaurus: synonym groups added by staff (the shipped ones are a data file)

Revision ID: ab4e5f6a7b83
Revises: de7b8c9daeb6
Create Date: 2026-12-01 11:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marketplace.db

revision = "ab4e5f6a7b83"
down_revision = "de7b8c9daeb6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_thesaurus_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terms", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("search_thesaurus_entry")
