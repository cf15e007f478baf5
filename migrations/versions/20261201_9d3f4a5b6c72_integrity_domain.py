"""integrity domain: graded measures (警告, 通报批评, a bar for a period, permanent) on the
integrity records, and 信用修复 applications with their early ends

Existing records become bars: reason → finding, restricted_until → ends_on, starts_on = the
day they were recorded (Beijing), measure = 'bar'. Records stay append-only; an application
may change only while it is pending (its decision is final) and is never deleted.

Revision ID: 9d3f4a5b6c72
Revises: 8c2e3f4a5b61
Create Date: 2026-12-01 10:30:00.000000
"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marketplace.db
from marketplace import append_only

revision = "9d3f4a5b6c72"
down_revision = "8c2e3f4a5b61"
branch_labels = None
depends_on = None

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEASURES = ("warning", "criticism", "bar", "permanent")
# The same expressions as the models' CheckConstraints (integrity/models.py).
RECORD_CHECKS = {
    "ck_measure": "measure IN ('warning', 'criticism', 'bar', 'permanent')",
    "ck_integrity_subject": "organisation_id IS NOT NULL OR user_id IS NOT NULL",
    "ck_integrity_bar_has_end": (
        "(measure = 'bar' AND ends_on IS NOT NULL) OR (measure != 'bar' AND ends_on IS NULL)"
    ),
    "ck_integrity_period": "ends_on IS NULL OR ends_on >= starts_on",
}
PENDING = sa.text("status = 'pending'")


def _repair_guard(dialect: str) -> list[str]:
    """A repair's decision is final: no UPDATE once decided, no DELETE ever."""
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER integrity_repair_decided_is_final BEFORE UPDATE ON integrity_repair "
            "WHEN OLD.status != 'pending' "
            "BEGIN SELECT RAISE(ABORT, 'integrity_repair is append-only once decided'); END",
            "CREATE TRIGGER integrity_repair_no_delete BEFORE DELETE ON integrity_repair "
            "BEGIN SELECT RAISE(ABORT, 'integrity_repair is append-only'); END",
        ]
    return [
        "CREATE OR REPLACE FUNCTION refuse_decided_repair_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'DELETE' OR OLD.status <> 'pending' THEN "
        "RAISE EXCEPTION 'integrity_repair is append-only once decided' "
        "USING ERRCODE = 'insufficient_privilege'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER integrity_repair_append_only BEFORE UPDATE OR DELETE ON integrity_repair "
        "FOR EACH ROW EXECUTE FUNCTION refuse_decided_repair_change()",
    ]


def _drop_repair_guard(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            "DROP TRIGGER IF EXISTS integrity_repair_decided_is_final",
            "DROP TRIGGER IF EXISTS integrity_repair_no_delete",
        ]
    return [
        "DROP TRIGGER IF EXISTS integrity_repair_append_only ON integrity_repair",
        "DROP FUNCTION IF EXISTS refuse_decided_repair_change()",
    ]


def _records():
    return sa.table(
        "integrity_record",
        sa.column("id", sa.Integer()),
        sa.column("created_at", marketplace.db.UTCDateTime(timezone=True)),
        sa.column("starts_on", sa.Date()),
        sa.column("ends_on", sa.Date()),
        sa.column("measure", sa.String()),
    )


def _fill_starts_on() -> None:
    bind, records = op.get_bind(), _records()
    rows = bind.execute(sa.select(records.c.id, records.c.created_at, records.c.ends_on)).all()
    for record_id, created_at, ends_on in rows:
        aware = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        day = min(aware.astimezone(SHANGHAI).date(), ends_on)
        bind.execute(records.update().where(records.c.id == record_id).values(starts_on=day))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # The guard comes off while the rows are reshaped, and goes back on at the end.
    for statement in append_only.drop_statements(dialect, "integrity_record"):
        op.execute(statement)
    with op.batch_alter_table("integrity_record", schema=None) as batch_op:
        batch_op.alter_column("reason", new_column_name="finding", existing_type=sa.Text())
        batch_op.alter_column(
            "restricted_until", new_column_name="ends_on", existing_type=sa.Date(), nullable=True
        )
        batch_op.add_column(sa.Column("legal_basis", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("summary", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("measure", sa.String(length=32), nullable=False, server_default="bar")
        )
        batch_op.add_column(sa.Column("period_years", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
    _fill_starts_on()
    with op.batch_alter_table("integrity_record", schema=None) as batch_op:
        batch_op.alter_column("starts_on", existing_type=sa.Date(), nullable=False)
        for column in ("legal_basis", "summary", "measure"):
            batch_op.alter_column(column, existing_type=sa.String(), server_default=None)
        for name, condition in RECORD_CHECKS.items():
            batch_op.create_check_constraint(name, condition)
    for statement in append_only.create_statements(dialect, "integrity_record"):
        op.execute(statement)

    op.create_table(
        "integrity_repair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("evidence_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "evidence_stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False
        ),
        sa.Column("evidence_size_bytes", sa.Integer(), nullable=False),
        sa.Column("evidence_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                name="ck_repairstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("applied_at", marketplace.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", marketplace.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "(status = 'pending' AND decided_at IS NULL AND decided_by_id IS NULL)"
            " OR (status != 'pending' AND decided_at IS NOT NULL AND decided_by_id IS NOT NULL)",
            name="ck_integrity_repair_decided",
        ),
        sa.CheckConstraint(
            "(status = 'approved') = (lifted_on IS NOT NULL)", name="ck_integrity_repair_lifted"
        ),
        sa.ForeignKeyConstraint(["applicant_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["record_id"], ["integrity_record.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evidence_stored_name"),
    )
    with op.batch_alter_table("integrity_repair", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integrity_repair_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_integrity_repair_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_integrity_repair_open",
            ["record_id"],
            unique=True,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )
    for statement in _repair_guard(dialect):
        op.execute(statement)


def _refuse_lossy_downgrade() -> None:
    bind, records = op.get_bind(), _records()
    kept = bind.execute(
        sa.select(sa.func.count()).select_from(records).where(records.c.measure != "bar")
    ).scalar_one()
    repairs = bind.execute(sa.text("SELECT COUNT(*) FROM integrity_repair")).scalar_one()
    if kept or repairs:
        raise RuntimeError(
            f"cannot downgrade 9d3f4a5b6c72: {kept} integrity record(s) with a measure other "
            f"than a bar with an end, and {repairs} 信用修复 application(s), have no place in "
            "the older schema (it knows only 'barred until a date')"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _refuse_lossy_downgrade()
    for statement in _drop_repair_guard(dialect):
        op.execute(statement)
    with op.batch_alter_table("integrity_repair", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_integrity_repair_open", sqlite_where=PENDING, postgresql_where=PENDING
        )
        batch_op.drop_index(batch_op.f("ix_integrity_repair_status"))
        batch_op.drop_index(batch_op.f("ix_integrity_repair_record_id"))
    op.drop_table("integrity_repair")

    for statement in append_only.drop_statements(dialect, "integrity_record"):
        op.execute(statement)
    with op.batch_alter_table("integrity_record", schema=None) as batch_op:
        for name in RECORD_CHECKS:
            batch_op.drop_constraint(name, type_="check")
        for column in ("project_id", "starts_on", "period_years", "measure", "summary"):
            batch_op.drop_column(column)
        batch_op.drop_column("legal_basis")
        batch_op.alter_column("finding", new_column_name="reason", existing_type=sa.Text())
        batch_op.alter_column(
            "ends_on", new_column_name="restricted_until", existing_type=sa.Date(), nullable=False
        )
    for statement in append_only.create_statements(dialect, "integrity_record"):
        op.execute(statement)
