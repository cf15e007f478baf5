"""Review panels (评审专家组): members and their declarations, draws, scores, opinions, defence.

Each state enum declares its table beside it (see ``marketplace.states``). Scores are
append-only (database triggers, migration cd6a7b8c9da5): a correction is a new row by staff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Column, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..accounts.models import Role
from ..models_base import enum_field, sql, utc_field
from ..states import STAFF, LabelledEnum, StateMachine, labels


class PanelStatus(LabelledEnum):
    FORMING = "forming"  # staff pick and draw; nothing is open yet
    REVIEWING = "reviewing"  # formed: bids opened, experts declare and score
    SHORTLISTED = "shortlisted"  # staff shortlisted from the ranking
    __labels__ = labels(
        {FORMING: _l("组建中"), REVIEWING: _l("评审中"), SHORTLISTED: _l("已确定入围")}
    )


PANEL_STATES = StateMachine(
    PanelStatus,
    [
        (PanelStatus.FORMING, PanelStatus.REVIEWING, "form_panel", STAFF),
        (PanelStatus.REVIEWING, PanelStatus.SHORTLISTED, "shortlist_bids", STAFF),
        # An upheld objection sends the award back to review (awards.services.reopen_review).
        (PanelStatus.SHORTLISTED, PanelStatus.REVIEWING, "reopen_review", STAFF),
    ],
)


class MemberStatus(LabelledEnum):
    ASSIGNED = "assigned"  # on the panel, not yet declared
    DECLARED = "declared"  # declared no other conflict: may open and score the bids
    SUBMITTED = "submitted"  # scored every bid: final
    CONFLICTED = "conflicted"  # declared a conflict: off the panel
    REMOVED = "removed"  # taken off by staff (with a reason)
    __labels__ = labels(
        {
            ASSIGNED: _l("待声明"),
            DECLARED: _l("评分中"),
            SUBMITTED: _l("已提交评分"),
            CONFLICTED: _l("申报回避"),
            REMOVED: _l("已移出"),
        }
    )


EXPERT = {Role.EXPERT}
_M = MemberStatus
MEMBER_STATES = StateMachine(
    MemberStatus,
    [
        (_M.ASSIGNED, _M.DECLARED, "declare", EXPERT),
        (_M.ASSIGNED, _M.CONFLICTED, "declare", EXPERT),
        (_M.DECLARED, _M.SUBMITTED, "submit_score", EXPERT),
        (_M.ASSIGNED, _M.REMOVED, "remove_member", STAFF),
        (_M.DECLARED, _M.REMOVED, "remove_member", STAFF),
    ],
)
# Members who count towards the panel (the others have left it).
SEATED = (_M.ASSIGNED, _M.DECLARED, _M.SUBMITTED)
# Members who may open the bids.
DECLARED_OR_LATER = (_M.DECLARED, _M.SUBMITTED)


class MemberSource(LabelledEnum):
    PICKED = "picked"
    DRAWN = "drawn"
    __labels__ = labels({PICKED: _l("指定"), DRAWN: _l("随机抽取")})


class ScoreKind(LabelledEnum):
    """Not a workflow: every score row is final; a correction is a later row by staff."""

    EXPERT = "expert"
    CORRECTION = "correction"
    __labels__ = labels({EXPERT: _l("专家评分"), CORRECTION: _l("工作人员更正")})


class ConflictRule(LabelledEnum):
    """Why the automatic screen keeps an expert off a panel."""

    ISSUER = "issuer"
    BIDDER = "bidder"
    CONSORTIUM = "consortium"
    TEAM = "team"
    INTEGRITY = "integrity"
    __labels__ = labels(
        {
            ISSUER: _l("属于发榜企业"),
            BIDDER: _l("属于揭榜单位"),
            CONSORTIUM: _l("属于联合体成员单位"),
            TEAM: _l("列于揭榜团队名单"),
            INTEGRITY: _l("有在效的科研诚信限制"),
        }
    )


_PANEL_VERSION = Column("version_id", Integer, nullable=False, default=1)
_OPINION_VERSION = Column("version_id", Integer, nullable=False, default=1)


class Panel(SQLModel, table=True):
    __tablename__ = "review_panel"
    __table_args__ = (UniqueConstraint("challenge_id", name="uq_review_panel_challenge"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id")
    status: PanelStatus = enum_field(PanelStatus, default=PanelStatus.FORMING)
    # [{"key", "name", "weight"}], weights summing to 100; fixed once scoring starts.
    rubric: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)
    formed_at: datetime | None = utc_field(nullable=True)
    shortlisted_at: datetime | None = utc_field(nullable=True)
    version_id: int = Field(default=1, sa_column=_PANEL_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _PANEL_VERSION}


class PanelMember(SQLModel, table=True):
    __tablename__ = "review_panel_member"
    __table_args__ = (
        CheckConstraint(
            f"status NOT IN {sql(MemberStatus.CONFLICTED, MemberStatus.REMOVED)}"
            " OR left_reason != ''",
            name="ck_review_member_left_has_reason",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    panel_id: int = Field(foreign_key="review_panel.id", index=True)
    expert_id: int = Field(foreign_key="user_account.id", index=True)
    status: MemberStatus = enum_field(MemberStatus, default=MemberStatus.ASSIGNED)
    source: MemberSource = enum_field(MemberSource)
    draw_id: int | None = Field(default=None, foreign_key="review_draw.id")
    is_finance: bool = Field(default=False)  # as the profile said when assigned
    assigned_by_id: int = Field(foreign_key="user_account.id")
    assigned_at: datetime = utc_field(default_now=True)
    declared_at: datetime | None = utc_field(nullable=True)
    # The declared conflict (free text), or why staff removed the member.
    left_reason: str = Field(default="", max_length=2000)
    submitted_at: datetime | None = utc_field(nullable=True)
    declaration_reminded_at: datetime | None = utc_field(nullable=True)
    scoring_reminded_at: datetime | None = utc_field(nullable=True)


class Draw(SQLModel, table=True):
    """A random draw: reproducible by ``draw_experts(pool, seed, count, finance…)``."""

    __tablename__ = "review_draw"

    id: int | None = Field(default=None, primary_key=True)
    panel_id: int = Field(foreign_key="review_panel.id", index=True)
    seed: str = Field(max_length=64)
    pool: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # user ids
    finance_pool: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    need_finance: bool = Field(default=False)
    count: int
    drawn: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    drawn_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)


class Score(SQLModel, table=True):
    """One expert's score of one bid (append-only); the latest row per (bid, expert) counts."""

    __tablename__ = "review_score"
    __table_args__ = (
        CheckConstraint(
            f"kind = {sql(ScoreKind.EXPERT)} OR reason != ''",
            name="ck_review_score_correction_has_reason",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    panel_id: int = Field(foreign_key="review_panel.id", index=True)
    bid_id: int = Field(foreign_key="bid.id", index=True)
    expert_id: int = Field(foreign_key="user_account.id", index=True)
    kind: ScoreKind = enum_field(ScoreKind, default=ScoreKind.EXPERT)
    points: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # key→0..10
    comment: str = Field(sa_column=Column(Text, nullable=False))
    not_qualified: bool = Field(default=False)
    not_qualified_reason: str = Field(default="", max_length=2000)
    reason: str = Field(default="", max_length=2000)  # a correction's reason
    recorded_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)


class Opinion(SQLModel, table=True):
    """企业评价: the issuer's written opinion on an opened bid, shown to the panel, no score."""

    __tablename__ = "review_opinion"
    __table_args__ = (UniqueConstraint("bid_id", name="uq_review_opinion_bid"),)

    id: int | None = Field(default=None, primary_key=True)
    bid_id: int = Field(foreign_key="bid.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int = Field(foreign_key="user_account.id")
    updated_at: datetime = utc_field(default_now=True)
    version_id: int = Field(default=1, sa_column=_OPINION_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _OPINION_VERSION}


class Defence(SQLModel, table=True):
    """答辩: one shortlisted bid's slot, and the panel's notes on it."""

    __tablename__ = "review_defence"
    __table_args__ = (UniqueConstraint("bid_id", name="uq_review_defence_bid"),)

    id: int | None = Field(default=None, primary_key=True)
    panel_id: int = Field(foreign_key="review_panel.id", index=True)
    bid_id: int = Field(foreign_key="bid.id")
    position: int  # order of presentation, from 1
    starts_at: datetime = utc_field()
    place: str = Field(default="", max_length=300)  # a room, or an online meeting link
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    scheduled_by_id: int = Field(foreign_key="user_account.id")
    updated_at: datetime = utc_field(default_now=True)
