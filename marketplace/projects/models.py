"""Projects and their 任务书 (task book): parties, dates, indicators, funding.

A confirmed award becomes one project per awarded team (a 赛马 award: one per racing team),
numbered LHXM-<year>-NNNN. Milestones live in ``milestone_models``, money in ``ledger_models``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, Column, Float, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..accounts.models import Role
from ..models_base import enum_field, sql, utc_field
from ..states import STAFF, SYSTEM, LabelledEnum, StateMachine, labels


class ProjectStatus(LabelledEnum):
    TASK_BOOK = "task_book"  # 任务书 drafted, waiting for the three parties to confirm it
    ACTIVE = "active"  # 执行中
    SUSPENDED = "suspended"  # a failed milestone review: payment suspended, rectification
    ACCEPTANCE = "acceptance"  # every milestone accepted, final acceptance (验收) under way
    RECTIFYING = "rectifying"  # 验收 verdict 整改: one rectification within a set period
    COMPLETED = "completed"  # 验收 passed (通过 or 整改后通过)
    NOT_PASSED = "not_passed"  # 验收 不通过
    TERMINATED = "terminated"  # 终止: remaining commitments cancelled
    RACE_CLOSED = "race_closed"  # a 赛马 team not picked at the stage review: closed, no fault
    __labels__ = labels(
        {
            TASK_BOOK: _l("任务书签订中"),
            ACTIVE: _l("执行中"),
            SUSPENDED: _l("暂停拨付（整改中）"),
            ACCEPTANCE: _l("验收中"),
            RECTIFYING: _l("验收整改中"),
            COMPLETED: _l("已通过验收"),
            NOT_PASSED: _l("验收不通过"),
            TERMINATED: _l("已终止"),
            RACE_CLOSED: _l("赛马未胜出（已结束）"),
        }
    )


_P = ProjectStatus
PARTIES = {Role.ENTERPRISE, Role.RESEARCHER, *STAFF}
PROJECT_STATES = StateMachine(
    ProjectStatus,
    [
        # The last of the three parties to confirm the 任务书 starts the project.
        (_P.TASK_BOOK, _P.ACTIVE, "confirm_task_book", PARTIES),
        (_P.ACTIVE, _P.SUSPENDED, "review_milestone", STAFF),
        (_P.SUSPENDED, _P.ACTIVE, "review_milestone", STAFF),
        (_P.SUSPENDED, _P.TERMINATED, "terminate_project", STAFF),
        (_P.ACTIVE, _P.TERMINATED, "terminate_project", STAFF),
        (_P.TASK_BOOK, _P.TERMINATED, "terminate_project", STAFF),
        (_P.ACTIVE, _P.ACCEPTANCE, "start_acceptance", {*STAFF, SYSTEM}),
        (_P.ACCEPTANCE, _P.COMPLETED, "judge_acceptance", STAFF),
        (_P.ACCEPTANCE, _P.RECTIFYING, "judge_acceptance", STAFF),
        (_P.ACCEPTANCE, _P.NOT_PASSED, "judge_acceptance", STAFF),
        (_P.RECTIFYING, _P.COMPLETED, "judge_rectification", STAFF),
        (_P.RECTIFYING, _P.NOT_PASSED, "judge_rectification", STAFF),
        (_P.ACTIVE, _P.RACE_CLOSED, "decide_race", STAFF),
        (_P.TASK_BOOK, _P.RACE_CLOSED, "decide_race", STAFF),
    ],
)
# States in which the project is over: no report, no release, no change.
CLOSED = (_P.COMPLETED, _P.NOT_PASSED, _P.TERMINATED, _P.RACE_CLOSED)


class FundingSource(LabelledEnum):
    SUBSIDY = "subsidy"  # 财政资金 (the bureau's subsidy)
    ENTERPRISE = "enterprise"  # 企业资金 (the issuer's funds)
    __labels__ = labels({SUBSIDY: _l("财政资金"), ENTERPRISE: _l("企业资金")})


class ProjectKind(LabelledEnum):
    SINGLE = "single"  # the one winner, for the whole award
    RACE = "race"  # 赛马: one racing team, start-up funds, the remainder if picked
    __labels__ = labels({SINGLE: _l("单一揭榜方"), RACE: _l("赛马")})


class FundingMode(LabelledEnum):
    LUMP_SUM = "lump_sum"  # 经费包干制: no budget lines, the leader's pledge, a final account
    ITEMISED = "itemised"  # budget lines by category
    __labels__ = labels({LUMP_SUM: _l("包干制"), ITEMISED: _l("预算制（分科目）")})


_PROJECT_VERSION = Column("version_id", Integer, nullable=False, default=1)


class Project(SQLModel, table=True):
    __tablename__ = "project"
    __table_args__ = (
        # One project per awarded team: two staff confirming at once cannot make two.
        UniqueConstraint("award_id", "bid_id", name="uq_project_award_bid"),
        UniqueConstraint("number", name="uq_project_number"),
        CheckConstraint("subsidy_fen >= 0 AND enterprise_fen >= 0", name="ck_project_funds"),
        CheckConstraint(
            f"status = {sql(ProjectStatus.TASK_BOOK)} OR (start_on IS NOT NULL AND "
            "end_on IS NOT NULL AND task_book_confirmed_at IS NOT NULL)",
            name="ck_project_started_has_task_book",
        ),
        CheckConstraint(
            f"status <> {sql(ProjectStatus.TERMINATED)} OR terminated_at IS NOT NULL",
            name="ck_project_terminated_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    kind: ProjectKind = enum_field(ProjectKind, default=ProjectKind.SINGLE)
    # The awarded bid, its organisation and 挂帅 leader.
    bid_id: int | None = Field(default=None, foreign_key="bid.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    leader_id: int | None = Field(default=None, foreign_key="user_account.id")
    status: ProjectStatus = enum_field(ProjectStatus, default=ProjectStatus.TASK_BOOK, index=True)
    title: str = Field(default="", max_length=200)
    start_on: date | None = None
    end_on: date | None = None  # moved by an approved extension
    # Funding by source (integer fen): government subsidy (财政资金) and enterprise funds.
    subsidy_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    enterprise_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    first_tranche_percent: int = Field(default=0)  # of each source, paid on signing
    funding_mode: FundingMode = enum_field(FundingMode, default=FundingMode.LUMP_SUM)
    leader_pledge: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    plan_adjusted: bool = Field(default=False)  # the milestone plan may be adjusted once
    task_book_version: int = Field(default=1)  # bumped by every change before confirmation
    task_book_confirmed_at: datetime | None = utc_field(nullable=True)
    terminated_at: datetime | None = utc_field(nullable=True)
    termination_reason: str = Field(default="", max_length=2000)
    team_at_fault: bool = Field(default=False)
    created_at: datetime = utc_field(default_now=True)
    version_id: int = Field(default=1, sa_column=_PROJECT_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _PROJECT_VERSION}


class ProjectCounter(SQLModel, table=True):
    """The last project number given out per year."""

    __tablename__ = "project_counter"
    __table_args__ = (UniqueConstraint("year", name="uq_project_counter_year"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    last_number: int = Field(default=0)


class Party(LabelledEnum):
    ISSUER = "issuer"  # 发榜方 (the enterprise)
    TEAM = "team"  # 揭榜方 (the winning team, by its 挂帅 leader)
    BUREAU = "bureau"  # 科技局
    __labels__ = labels({ISSUER: _l("发榜方"), TEAM: _l("揭榜方"), BUREAU: _l("科技局")})


class TaskBookConfirmation(SQLModel, table=True):
    """One party's confirmation of one version of the 任务书 (what it confirmed, by hash)."""

    __tablename__ = "project_task_book_confirmation"
    __table_args__ = (
        UniqueConstraint("project_id", "party", "version", name="uq_task_book_party_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    party: Party = enum_field(Party)
    version: int
    sha256: str = Field(max_length=64)
    user_id: int = Field(foreign_key="user_account.id")
    confirmed_at: datetime = utc_field(default_now=True)


class ProjectIndicator(SQLModel, table=True):
    """A key indicator of the challenge with the target the team commits to in the 任务书.

    ``bid_value``/``target_value`` are the numbers read from the bid's answer and the 任务书
    target; a target may not be weaker than the bid's (lower, or higher when lower is better).
    """

    __tablename__ = "project_indicator"
    __table_args__ = (
        UniqueConstraint("project_id", "position", name="uq_project_indicator_position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    indicator_id: int | None = Field(default=None, foreign_key="challenge_indicator.id")
    position: int
    name: str = Field(max_length=200)
    unit: str = Field(default="", max_length=50)
    challenge_target: str = Field(default="", max_length=200)
    bid_commitment: str = Field(default="", max_length=4000)
    target: str = Field(default="", max_length=200)
    bid_value: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    target_value: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    higher_is_better: bool = Field(default=True)
    main: bool = Field(default=True)  # a main indicator (主要指标) decides 验收


class BudgetCategory(LabelledEnum):
    """The usual categories of a project budget (itemised funding only)."""

    EQUIPMENT = "equipment"
    BUSINESS = "business"
    LABOUR = "labour"
    INDIRECT = "indirect"
    __labels__ = labels(
        {
            EQUIPMENT: _l("设备费"),
            BUSINESS: _l("业务费"),
            LABOUR: _l("劳务费"),
            INDIRECT: _l("间接费用"),
        }
    )


class BudgetLine(SQLModel, table=True):
    __tablename__ = "project_budget_line"
    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="ck_budget_line_amount"),
        UniqueConstraint("project_id", "category", "source", name="uq_budget_line"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    category: BudgetCategory = enum_field(BudgetCategory)
    source: FundingSource = enum_field(FundingSource)
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
