"""the 任务书 and 赛马 projects: every project state allowed (it was task_book only)

Revision ID: c5e6f7a8b9c0
Revises: e1a2b3c4d5e6
Create Date: 2026-12-01 12:40:00
"""

from alembic import op

revision = "c5e6f7a8b9c0"
down_revision = "e1a2b3c4d5e6"
branch_labels = None
depends_on = None

OLD = ("task_book",)
NEW = (
    "task_book",
    "active",
    "suspended",
    "acceptance",
    "rectifying",
    "completed",
    "not_passed",
    "terminated",
    "race_closed",
)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(values) -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_constraint("ck_projectstatus", type_="check")
        batch_op.create_check_constraint("ck_projectstatus", f"status IN {_in(values)}")


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    bind = op.get_bind()
    query = f"SELECT count(*) FROM project WHERE status NOT IN {_in(OLD)}"  # noqa: S608
    if bind.exec_driver_sql(query).scalar():
        raise RuntimeError("Some projects have started; cannot downgrade.")
    _replace(OLD)
