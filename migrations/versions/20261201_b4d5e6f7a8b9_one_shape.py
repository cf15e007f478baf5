"""one optimistic-locking mechanism: achievements get a version_id like every other edited row

Revision ID: b4d5e6f7a8b9
Revises: a3c4d5e6f7a8
Create Date: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b4d5e6f7a8b9"
down_revision = "a3c4d5e6f7a8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows start at version 1, as a new row does (the form then carries 1).
    op.add_column(
        "achievement",
        sa.Column("version_id", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_column("achievement", "version_id")
