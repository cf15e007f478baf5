"""incomplete imported drafts: a draft may lack its money and deadline; unmapped sheet columns

Revision ID: 5c1e9d7a2b40
Revises: 94a3de0313fc
Create Date: 2026-12-01 09:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import marketplace.db

revision = "5c1e9d7a2b40"
down_revision = "94a3de0313fc"
branch_labels = None
depends_on = None

MONEY = ("budget_total_fen", "enterprise_funds_fen", "subsidy_requested_fen")
COMPLETE_UNLESS_DRAFT = (
    "status = 'draft' OR (budget_total_fen IS NOT NULL AND enterprise_funds_fen IS NOT NULL"
    " AND subsidy_requested_fen IS NOT NULL AND deadline IS NOT NULL)"
)


def upgrade() -> None:
    # Batch mode: SQLite cannot change a column's nullability or add a CHECK in place.
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_columns", sa.JSON(), nullable=True))
        for name in MONEY:
            batch_op.alter_column(name, existing_type=sa.BigInteger(), nullable=True)
        batch_op.alter_column(
            "deadline", existing_type=marketplace.db.UTCDateTime(timezone=True), nullable=True
        )
        batch_op.create_check_constraint(
            "ck_challenge_complete_unless_draft", COMPLETE_UNLESS_DRAFT
        )


def downgrade() -> None:
    incomplete = op.get_bind().execute(
        sa.text(
            "SELECT count(*) FROM challenge WHERE deadline IS NULL OR budget_total_fen IS NULL"
            " OR enterprise_funds_fen IS NULL OR subsidy_requested_fen IS NULL"
        )
    )
    if incomplete.scalar():
        raise RuntimeError(
            "Some draft challenges have no budget or deadline (imported incomplete); "
            "complete or delete them before downgrading."
        )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_constraint("ck_challenge_complete_unless_draft", type_="check")
        batch_op.alter_column(
            "deadline", existing_type=marketplace.db.UTCDateTime(timezone=True), nullable=False
        )
        for name in MONEY:
            batch_op.alter_column(name, existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("source_columns")
