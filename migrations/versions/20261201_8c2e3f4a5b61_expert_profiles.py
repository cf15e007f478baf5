"""expert profiles: the expert pool (评审专家库), one profile per expert account with its
fields of expertise

Revision ID: 8c2e3f4a5b61
Revises: 7b1d2e3f4a50
Create Date: 2026-12-01 10:10:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marketplace.db

revision = "8c2e3f4a5b61"
down_revision = "7b1d2e3f4a50"
branch_labels = None
depends_on = None

INDUSTRIES = (
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
)


def upgrade() -> None:
    op.create_table(
        "expert_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("keywords", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column(
            "organisation_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False
        ),
        sa.Column("organisation_uscc", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("is_finance_expert", sa.Boolean(), nullable=False),
        sa.Column(
            "availability",
            sa.Enum(
                "available",
                "unavailable",
                name="ck_availability",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("unavailable_until", sa.Date(), nullable=True),
        sa.Column(
            "availability_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False
        ),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "availability = 'unavailable' OR unavailable_until IS NULL",
            name="ck_expert_profile_until_only_when_unavailable",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", name="uq_expert_profile_user_id"),
    )
    with op.batch_alter_table("expert_profile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expert_profile_is_finance_expert"), ["is_finance_expert"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expert_profile_organisation_uscc"), ["organisation_uscc"], unique=False
        )

    op.create_table(
        "expert_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column(
            "industry",
            sa.Enum(
                *INDUSTRIES,
                name="ck_industry",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["expert_profile.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("expert_id", "industry", name="uq_expert_field_expert_industry"),
    )
    with op.batch_alter_table("expert_field", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_field_industry"), ["industry"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("expert_field", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_field_industry"))
    op.drop_table("expert_field")
    with op.batch_alter_table("expert_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_profile_organisation_uscc"))
        batch_op.drop_index(batch_op.f("ix_expert_profile_is_finance_expert"))
    op.drop_table("expert_profile")
