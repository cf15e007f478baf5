"""the ledger: a tranche is released (and cancelled) at most once, by a unique index

Revision ID: d6f7a8b9c0d1
Revises: c5e6f7a8b9c0
Create Date: 2026-12-01 12:40:00
"""

from alembic import op

revision = "d6f7a8b9c0d1"
down_revision = "c5e6f7a8b9c0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX: no table rebuild, so the append-only triggers stay in place.
    op.create_index(
        "uq_ledger_movement_tranche_kind",
        "ledger_movement",
        ["tranche_id", "kind"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_ledger_movement_tranche_kind", table_name="ledger_movement")
