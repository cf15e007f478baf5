"""team profiles achievements bids versions integrity records

Revision ID: 4683ab416b7d
Revises: 8add49b1f0a5
Create Date: 2026-11-27 15:28:40.791913
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marketplace.db
from marketplace import append_only

revision = "4683ab416b7d"
down_revision = "8add49b1f0a5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrity_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("restricted_until", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("integrity_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integrity_record_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_integrity_record_user_id"), ["user_id"], unique=False)

    op.create_table(
        "team_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("team_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("leader_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("leader_title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("leader_field", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("research_fields", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("keywords", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("equipment", sa.Text(), nullable=False),
        sa.Column("achievements", sa.JSON(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("team_profile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_profile_is_public"), ["is_public"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_team_profile_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "achievement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
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
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("trl", sa.Integer(), nullable=False),
        sa.Column("ip_status", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column(
            "transfer_mode",
            sa.Enum(
                "assignment",
                "licence",
                "equity",
                "joint",
                name="ck_transfermode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("asking_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "asking_price_fen IS NULL OR asking_price_fen >= 0", name="ck_achievement_price"
        ),
        sa.CheckConstraint("trl BETWEEN 1 AND 9", name="ck_achievement_trl"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team_profile.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_achievement_field"), ["field"], unique=False)
        batch_op.create_index(batch_op.f("ix_achievement_is_public"), ["is_public"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_achievement_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_achievement_team_id"), ["team_id"], unique=False)

    op.create_table(
        "bid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "withdrawn",
                name="ck_bidstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("requested_amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("submitted_version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bid_leader_id"), ["leader_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bid_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bid_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_bid_live_per_org",
            ["challenge_id", "organisation_id"],
            unique=True,
            sqlite_where=sa.text("status != 'withdrawn'"),
            postgresql_where=sa.text("status != 'withdrawn'"),
        )

    op.create_table(
        "bid_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bid.id"],
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stored_name"),
    )
    with op.batch_alter_table("bid_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_attachment_bid_id"), ["bid_id"], unique=False)

    op.create_table(
        "bid_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bid.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bid_id", "idempotency_key", name="uq_bid_version_idempotency"),
        sa.UniqueConstraint("bid_id", "version", name="uq_bid_version"),
    )
    with op.batch_alter_table("bid_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_version_bid_id"), ["bid_id"], unique=False)
    # 科研诚信记录 are a public record: added, never edited or removed.
    for statement in append_only.create_statements(op.get_bind().dialect.name, "integrity_record"):
        op.execute(statement)


def downgrade() -> None:
    for statement in append_only.drop_statements(op.get_bind().dialect.name, "integrity_record"):
        op.execute(statement)
    with op.batch_alter_table("bid_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_version_bid_id"))

    op.drop_table("bid_version")
    with op.batch_alter_table("bid_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_attachment_bid_id"))

    op.drop_table("bid_attachment")
    with op.batch_alter_table("bid", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bid_live_per_org",
            sqlite_where=sa.text("status != 'withdrawn'"),
            postgresql_where=sa.text("status != 'withdrawn'"),
        )
        batch_op.drop_index(batch_op.f("ix_bid_status"))
        batch_op.drop_index(batch_op.f("ix_bid_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_bid_leader_id"))
        batch_op.drop_index(batch_op.f("ix_bid_challenge_id"))

    op.drop_table("bid")
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_achievement_team_id"))
        batch_op.drop_index(batch_op.f("ix_achievement_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_achievement_is_public"))
        batch_op.drop_index(batch_op.f("ix_achievement_field"))

    op.drop_table("achievement")
    with op.batch_alter_table("team_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_profile_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_team_profile_is_public"))

    op.drop_table("team_profile")
    with op.batch_alter_table("integrity_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrity_record_user_id"))
        batch_op.drop_index(batch_op.f("ix_integrity_record_organisation_id"))

    op.drop_table("integrity_record")
