"""bid review states: opened, shortlisted, not qualified, awarded, not awarded

Revision ID: bc5f6a7b8c94
Revises: 9d3f4a5b6c72
Create Date: 2026-12-01 10:20:00.000000
"""

from alembic import op

revision = "bc5f6a7b8c94"
down_revision = "9d3f4a5b6c72"
branch_labels = None
depends_on = None

OLD = ("draft", "submitted", "withdrawn")
NEW = (*OLD, "opened", "shortlisted", "not_qualified", "awarded", "not_awarded")


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(batch_op, status_values, unsubmitted) -> None:
    batch_op.drop_constraint("ck_bidstatus", type_="check")
    batch_op.create_check_constraint("ck_bidstatus", f"status IN {_in(status_values)}")
    batch_op.drop_constraint("ck_bid_submitted_has_version", type_="check")
    batch_op.create_check_constraint(
        "ck_bid_submitted_has_version",
        f"status IN {_in(unsubmitted)} OR (submitted_version > 0 AND submitted_at IS NOT NULL)",
    )


def upgrade() -> None:
    # Every state past "submitted" keeps the guarantee that a submitted version exists.
    with op.batch_alter_table("bid", schema=None) as batch_op:
        _replace(batch_op, NEW, ("draft", "withdrawn"))


def downgrade() -> None:
    bind = op.get_bind()
    query = f"SELECT count(*) FROM bid WHERE status NOT IN {_in(OLD)}"  # noqa: S608 (constants)
    later = bind.exec_driver_sql(query).scalar()
    if later:
        raise RuntimeError("Some bids are past submission (under review); cannot downgrade.")
    with op.batch_alter_table("bid", schema=None) as batch_op:
        _replace(batch_op, OLD, ("draft", "withdrawn"))
