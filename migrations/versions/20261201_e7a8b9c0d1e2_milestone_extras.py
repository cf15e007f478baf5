"""milestone reports, reviews, extensions and 验收: the grounds of a 不通过

Revision ID: e7a8b9c0d1e2
Revises: d6f7a8b9c0d1
Create Date: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e7a8b9c0d1e2"
down_revision = "d6f7a8b9c0d1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project_acceptance") as batch:
        batch.add_column(sa.Column("grounds", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("project_acceptance") as batch:
        batch.drop_column("grounds")
