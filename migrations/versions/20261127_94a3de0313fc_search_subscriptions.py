"""search subscriptions

Revision ID: 94a3de0313fc
Revises: 4683ab416b7d
Create Date: 2026-11-27 15:51:28.289403
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marketplace.db

revision = "94a3de0313fc"
down_revision = "4683ab416b7d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["team_profile.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_subscription_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("search_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_subscription_user_id"))

    op.drop_table("search_subscription")
