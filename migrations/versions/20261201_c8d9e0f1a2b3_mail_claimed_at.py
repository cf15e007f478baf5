"""notification_mail.claimed_at: when a sender took the row, so a row left "sending" by a
sender that died is taken back after MAIL_CLAIM_TIMEOUT_MINUTES

Rows already "sending" when this runs get the upgrade's time: they are taken back one timeout
after the upgrade.

Revision ID: c8d9e0f1a2b3
Revises: d9e0f1a2b3c4
Create Date: 2026-12-01 16:10:00
"""

import sqlalchemy as sa
from alembic import op

import marketplace.db

revision = "c8d9e0f1a2b3"
down_revision = "d9e0f1a2b3c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification_mail") as batch:
        batch.add_column(
            sa.Column("claimed_at", marketplace.db.UTCDateTime(timezone=True), nullable=True)
        )
    mail = sa.table(
        "notification_mail",
        sa.column("status", sa.String()),
        sa.column("claimed_at", marketplace.db.UTCDateTime(timezone=True)),
    )
    op.execute(
        mail.update().where(mail.c.status == "sending").values(claimed_at=marketplace.db.utcnow())
    )


def downgrade() -> None:
    with op.batch_alter_table("notification_mail") as batch:
        batch.drop_column("claimed_at")
