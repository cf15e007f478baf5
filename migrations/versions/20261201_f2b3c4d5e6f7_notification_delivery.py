"""notification e-mail, preferences and digests; holiday entries seeded from the library

The kind of each notification, the e-mail outbox (notification_mail), each user's e-mail choice
per kind, the record of daily subscription digests, and holiday_entry.source (entries seeded
from chinese-calendar have no author).

Revision ID: f2b3c4d5e6f7
Revises: e7a8b9c0d1e2
Create Date: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

import marketplace.db

revision = "f2b3c4d5e6f7"
down_revision = "e7a8b9c0d1e2"
branch_labels = None
depends_on = None

KINDS = (
    "challenge",
    "bid",
    "panel",
    "defence",
    "award",
    "project_task_book",
    "project_milestone",
    "project_payment",
    "project_reminder",
    "integrity",
    "digest",
    "account",
    "other",
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32, create_constraint=True)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=32), nullable=False, server_default="other")
        )
        batch.create_check_constraint("ck_notificationkind", f"kind IN {_in(KINDS)}")
    with op.batch_alter_table("notification") as batch:
        batch.alter_column("kind", server_default=None)

    op.create_table(
        "notification_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "status", _enum("ck_mailstatus", "pending", "sending", "sent", "failed"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notification_id"),
    )
    with op.batch_alter_table("notification_mail") as batch:
        batch.create_index(batch.f("ix_notification_mail_status"), ["status"], unique=False)
        batch.create_index(batch.f("ix_notification_mail_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_email_pref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("ck_notificationkind", *KINDS), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("updated_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", name="uq_notification_email_pref"),
    )
    with op.batch_alter_table("notification_email_pref") as batch:
        batch.create_index(batch.f("ix_notification_email_pref_user_id"), ["user_id"], unique=False)

    op.create_table(
        "subscription_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("challenges", sa.Integer(), nullable=False),
        sa.Column("sent_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "day", name="uq_subscription_digest_user_day"),
    )
    with op.batch_alter_table("subscription_digest") as batch:
        batch.create_index(batch.f("ix_subscription_digest_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("holiday_entry") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=32), nullable=False, server_default="manual")
        )
        batch.create_check_constraint("ck_holidaysource", "source IN ('manual', 'library')")
        batch.alter_column("created_by_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("holiday_entry") as batch:
        batch.alter_column("source", server_default=None)


def downgrade() -> None:
    # Seeded entries have no author; the older schema needs one, and the library has them.
    op.execute("DELETE FROM holiday_entry WHERE created_by_id IS NULL")
    with op.batch_alter_table("holiday_entry") as batch:
        batch.alter_column("created_by_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("ck_holidaysource", type_="check")
        batch.drop_column("source")

    with op.batch_alter_table("subscription_digest") as batch:
        batch.drop_index(batch.f("ix_subscription_digest_user_id"))
    op.drop_table("subscription_digest")

    with op.batch_alter_table("notification_email_pref") as batch:
        batch.drop_index(batch.f("ix_notification_email_pref_user_id"))
    op.drop_table("notification_email_pref")

    with op.batch_alter_table("notification_mail") as batch:
        batch.drop_index(batch.f("ix_notification_mail_user_id"))
        batch.drop_index(batch.f("ix_notification_mail_status"))
    op.drop_table("notification_mail")

    with op.batch_alter_table("notification") as batch:
        batch.drop_constraint("ck_notificationkind", type_="check")
        batch.drop_column("kind")
