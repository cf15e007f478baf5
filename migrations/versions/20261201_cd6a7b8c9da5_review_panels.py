"""review panels: members and declarations, draws, append-only scores, issuer opinions, defence

Revision ID: cd6a7b8c9da5
Revises: bc5f6a7b8c94
Create Date: 2026-12-01 11:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import marketplace.db
from marketplace import append_only

revision = "cd6a7b8c9da5"
down_revision = "bc5f6a7b8c94"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, marketplace.db.UTCDateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False)


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "review_panel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column(
            "status", _enum("ck_panelstatus", "forming", "reviewing", "shortlisted"), nullable=False
        ),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("formed_at", nullable=True),
        _utc("shortlisted_at", nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id", name="uq_review_panel_challenge"),
    )
    op.create_table(
        "review_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        _text("seed", 64),
        sa.Column("pool", sa.JSON(), nullable=False),
        sa.Column("finance_pool", sa.JSON(), nullable=False),
        sa.Column("need_finance", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("drawn", sa.JSON(), nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), nullable=False),
        _utc("created_at"),
        sa.ForeignKeyConstraint(["panel_id"], ["review_panel.id"]),
        sa.ForeignKeyConstraint(["drawn_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("review_draw", "panel_id")
    op.create_table(
        "review_panel_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            _enum("ck_memberstatus", "assigned", "declared", "submitted", "conflicted", "removed"),
            nullable=False,
        ),
        sa.Column("source", _enum("ck_membersource", "picked", "drawn"), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=True),
        sa.Column("is_finance", sa.Boolean(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        _utc("assigned_at"),
        _utc("declared_at", nullable=True),
        _text("left_reason", 2000),
        _utc("submitted_at", nullable=True),
        _utc("declaration_reminded_at", nullable=True),
        _utc("scoring_reminded_at", nullable=True),
        sa.CheckConstraint(
            "status NOT IN ('conflicted', 'removed') OR left_reason != ''",
            name="ck_review_member_left_has_reason",
        ),
        sa.ForeignKeyConstraint(["panel_id"], ["review_panel.id"]),
        sa.ForeignKeyConstraint(["expert_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["draw_id"], ["review_draw.id"]),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("review_panel_member", "panel_id", "expert_id")
    op.create_table(
        "review_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("ck_scorekind", "expert", "correction"), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("not_qualified", sa.Boolean(), nullable=False),
        _text("not_qualified_reason", 2000),
        _text("reason", 2000),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        _utc("created_at"),
        sa.CheckConstraint(
            "kind = 'expert' OR reason != ''", name="ck_review_score_correction_has_reason"
        ),
        sa.ForeignKeyConstraint(["panel_id"], ["review_panel.id"]),
        sa.ForeignKeyConstraint(["bid_id"], ["bid.id"]),
        sa.ForeignKeyConstraint(["expert_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("review_score", "panel_id", "bid_id", "expert_id")
    op.create_table(
        "review_opinion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        _utc("updated_at"),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["bid_id"], ["bid.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bid_id", name="uq_review_opinion_bid"),
    )
    op.create_table(
        "review_defence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _utc("starts_at"),
        _text("place", 300),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("scheduled_by_id", sa.Integer(), nullable=False),
        _utc("updated_at"),
        sa.ForeignKeyConstraint(["panel_id"], ["review_panel.id"]),
        sa.ForeignKeyConstraint(["bid_id"], ["bid.id"]),
        sa.ForeignKeyConstraint(["scheduled_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bid_id", name="uq_review_defence_bid"),
    )
    _index("review_defence", "panel_id")
    # Submitted scores are final: a correction is a new row, never an UPDATE.
    for statement in append_only.create_statements(op.get_bind().dialect.name, "review_score"):
        op.execute(statement)


def downgrade() -> None:
    for statement in append_only.drop_statements(op.get_bind().dialect.name, "review_score"):
        op.execute(statement)
    for table in (
        "review_defence",
        "review_opinion",
        "review_score",
        "review_panel_member",
        "review_draw",
        "review_panel",
    ):
        op.drop_table(table)
