"""challenges indicators attachments amendments questions outbox notifications

Revision ID: 3a6b7dcd2a28
Revises: a28a3e18b134
Create Date: 2026-11-27 14:56:44.620139
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marketplace.db

revision = "3a6b7dcd2a28"
down_revision = "a28a3e18b134"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "challenge_code_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", name="uq_code_counter_year"),
    )
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "doc_type",
            sa.Enum(
                "challenge",
                "profile",
                "achievement",
                name="ck_doctype",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column(
            "op",
            sa.Enum(
                "upsert",
                "delete",
                name="ck_outboxop",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "pending_review",
                "published",
                "closed",
                "in_review",
                "awarded",
                "failed",
                "cancelled",
                "rejected",
                name="ck_challengestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "field",
            sa.Enum(
                "pharma",
                "auto",
                "fashion",
                "materials",
                "energy",
                "equipment",
                "photonics",
                "digital",
                "services",
                "other",
                name="ck_industry",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("background", sa.Text(), nullable=False),
        sa.Column("deliverables", sa.Text(), nullable=False),
        sa.Column("budget_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("enterprise_funds_fen", sa.BigInteger(), nullable=False),
        sa.Column("subsidy_requested_fen", sa.BigInteger(), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=False),
        sa.Column("deadline", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("eligible_kinds", sa.JSON(), nullable=False),
        sa.Column("qualifications", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("consortium_allowed", sa.Boolean(), nullable=False),
        sa.Column("consortium_max", sa.Integer(), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("contact_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("contact_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("review_comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("import_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint("budget_total_fen > 0", name="ck_challenge_budget_positive"),
        sa.CheckConstraint(
            "enterprise_funds_fen + subsidy_requested_fen = budget_total_fen",
            name="ck_challenge_budget_split",
        ),
        sa.CheckConstraint("period_months BETWEEN 1 AND 120", name="ck_challenge_period"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("import_key"),
    )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.create_index(
            "ix_challenge_field_status_published", ["field", "status", "published_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_published_at"), ["published_at"], unique=False
        )
        batch_op.create_index(
            "ix_challenge_status_budget", ["status", "budget_total_fen"], unique=False
        )
        batch_op.create_index("ix_challenge_status_deadline", ["status", "deadline"], unique=False)
        batch_op.create_index(
            "ix_challenge_status_published", ["status", "published_at"], unique=False
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)

    op.create_table(
        "challenge_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="ck_amendmentstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "decision_comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge_amendment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_amendment_challenge_id"), ["challenge_id"], unique=False
        )

    op.create_table(
        "challenge_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stored_name"),
    )
    with op.batch_alter_table("challenge_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_attachment_challenge_id"), ["challenge_id"], unique=False
        )

    op.create_table(
        "challenge_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("verification", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge_indicator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_indicator_challenge_id"), ["challenge_id"], unique=False
        )

    op.create_table(
        "challenge_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_question_challenge_id"), ["challenge_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("challenge_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_question_challenge_id"))

    op.drop_table("challenge_question")
    with op.batch_alter_table("challenge_indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_indicator_challenge_id"))

    op.drop_table("challenge_indicator")
    with op.batch_alter_table("challenge_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_attachment_challenge_id"))

    op.drop_table("challenge_attachment")
    with op.batch_alter_table("challenge_amendment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_amendment_challenge_id"))

    op.drop_table("challenge_amendment")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))

    op.drop_table("notification")
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_status_published")
        batch_op.drop_index("ix_challenge_status_deadline")
        batch_op.drop_index("ix_challenge_status_budget")
        batch_op.drop_index(batch_op.f("ix_challenge_published_at"))
        batch_op.drop_index(batch_op.f("ix_challenge_organisation_id"))
        batch_op.drop_index("ix_challenge_field_status_published")

    op.drop_table("challenge")
    op.drop_table("search_outbox")
    op.drop_table("challenge_code_counter")
