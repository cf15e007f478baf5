"""the staff review queue reads challenges waiting for review in submission order: an index
for it, so a view does not sort every waiting challenge

Revision ID: e0f1a2b3c4d5
Revises: c8d9e0f1a2b3
Create Date: 2026-12-01 16:45:00
"""

from alembic import op

revision = "e0f1a2b3c4d5"
down_revision = "c8d9e0f1a2b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_challenge_status_submitted", "challenge", ["status", "submitted_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_challenge_status_submitted", table_name="challenge")
