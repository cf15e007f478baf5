"""state ↔ column checks: a bid's status agrees with its timestamps and versions; a public
challenge has its code and publication time

Revision ID: 6b0e1a2c3d40
Revises: 5c1e9d7a2b40
Create Date: 2026-12-01 09:50:00.000000
"""

from alembic import op

revision = "6b0e1a2c3d40"
down_revision = "5c1e9d7a2b40"
branch_labels = None
depends_on = None

# The same expressions as the models' CheckConstraints (bids/models.py, challenges/models.py).
BID_CHECKS = {
    "ck_bid_withdrawn_iff_withdrawn_at": (
        "(status = 'withdrawn' AND withdrawn_at IS NOT NULL)"
        " OR (status != 'withdrawn' AND withdrawn_at IS NULL)"
    ),
    "ck_bid_submitted_has_version": (
        "status != 'submitted' OR (submitted_version > 0 AND submitted_at IS NOT NULL)"
    ),
}
CHALLENGE_CHECKS = {
    "ck_challenge_public_has_code": (
        "status IN ('draft', 'pending_review', 'rejected')"
        " OR (code IS NOT NULL AND published_at IS NOT NULL)"
    ),
}


def upgrade() -> None:
    # Batch mode: SQLite cannot add a CHECK constraint to an existing table in place.
    with op.batch_alter_table("bid", schema=None) as batch_op:
        for name, condition in BID_CHECKS.items():
            batch_op.create_check_constraint(name, condition)
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        for name, condition in CHALLENGE_CHECKS.items():
            batch_op.create_check_constraint(name, condition)


def downgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        for name in CHALLENGE_CHECKS:
            batch_op.drop_constraint(name, type_="check")
    with op.batch_alter_table("bid", schema=None) as batch_op:
        for name in BID_CHECKS:
            batch_op.drop_constraint(name, type_="check")
