"""holiday calendar: the bureau's table of holidays and make-up working days (公示期工作日)

Revision ID: 7b1d2e3f4a50
Revises: 6b0e1a2c3d40
Create Date: 2026-12-01 10:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marketplace.db

revision = "7b1d2e3f4a50"
down_revision = "6b0e1a2c3d40"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holiday_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "holiday",
                "workday",
                name="ck_daykind",
                native_enum=False,
                length=32,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        # The same expression as HolidayEntry's CheckConstraint (workdays/models.py).
        sa.CheckConstraint("last_day >= first_day", name="ck_holiday_entry_ordered"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("holiday_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_entry_first_day"), ["first_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_holiday_entry_last_day"), ["last_day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("holiday_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_entry_last_day"))
        batch_op.drop_index(batch_op.f("ix_holiday_entry_first_day"))

    op.drop_table("holiday_entry")
