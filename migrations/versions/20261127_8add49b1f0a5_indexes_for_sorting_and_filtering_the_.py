"""indexes for sorting and filtering the public challenge list

Revision ID: 8add49b1f0a5
Revises: 3a6b7dcd2a28
Create Date: 2026-11-27 15:23:03.654322
"""

from alembic import op

import marketplace.db  # noqa: F401  (column types)

revision = "8add49b1f0a5"
down_revision = "3a6b7dcd2a28"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.create_index("ix_challenge_budget", ["budget_total_fen"], unique=False)
        batch_op.create_index("ix_challenge_deadline", ["deadline"], unique=False)
        batch_op.create_index(
            "ix_challenge_field_published", ["field", "published_at"], unique=False
        )
        batch_op.create_index(
            "ix_challenge_field_status_deadline", ["field", "status", "deadline"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_field_status_deadline")
        batch_op.drop_index("ix_challenge_field_published")
        batch_op.drop_index("ix_challenge_deadline")
        batch_op.drop_index("ix_challenge_budget")
