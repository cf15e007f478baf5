"""Milestones (里程碑式关键节点管理): the plan and its versions, reports with evidence, the
enterprise's sign-off, staff review with on-site inspection, extensions, 验收 and 决算."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from ..accounts.models import Role
from ..models_base import StoredFileColumns, enum_field, sql, utc_field
from ..states import STAFF, LabelledEnum, StateMachine, labels


class MilestoneStatus(LabelledEnum):
    PLANNED = "planned"  # not reported yet (or a report was returned)
    REPORTED = "reported"  # the team reported; waiting for the enterprise's sign-off
    SIGNED_OFF = "signed_off"  # the enterprise signed off; waiting for staff
    ACCEPTED = "accepted"  # staff accepted: its tranche may be released
    FAILED = "failed"  # the review failed: rectification, then one re-review
    CANCELLED = "cancelled"  # the project was terminated or its 赛马 race lost
    __labels__ = labels(
        {
            PLANNED: _l("未报告"),
            REPORTED: _l("待企业确认"),
            SIGNED_OFF: _l("待科技局审核"),
            ACCEPTED: _l("已通过"),
            FAILED: _l("未通过（整改中）"),
            CANCELLED: _l("已取消"),
        }
    )


_M = MilestoneStatus
TEAM = {Role.RESEARCHER}
ISSUER = {Role.ENTERPRISE}
MILESTONE_STATES = StateMachine(
    MilestoneStatus,
    [
        (_M.PLANNED, _M.REPORTED, "report_milestone", TEAM),
        (_M.FAILED, _M.REPORTED, "report_milestone", TEAM),
        (_M.REPORTED, _M.SIGNED_OFF, "sign_off_report", ISSUER),
        (_M.REPORTED, _M.PLANNED, "return_report", {*ISSUER, *STAFF}),
        (_M.SIGNED_OFF, _M.PLANNED, "return_report", STAFF),
        (_M.SIGNED_OFF, _M.ACCEPTED, "review_milestone", STAFF),
        (_M.SIGNED_OFF, _M.FAILED, "review_milestone", STAFF),
        (_M.PLANNED, _M.CANCELLED, "terminate_project", STAFF),
        (_M.REPORTED, _M.CANCELLED, "terminate_project", STAFF),
        (_M.SIGNED_OFF, _M.CANCELLED, "terminate_project", STAFF),
        (_M.FAILED, _M.CANCELLED, "terminate_project", STAFF),
    ],
)
# A milestone whose due date has passed in one of these states is overdue (derived on read).
OPEN = (_M.PLANNED, _M.REPORTED, _M.SIGNED_OFF, _M.FAILED)

_MILESTONE_VERSION = Column("version_id", Integer, nullable=False, default=1)


class Milestone(SQLModel, table=True):
    """One key node of the plan: what is delivered by when, and the money tied to it."""

    __tablename__ = "project_milestone"
    __table_args__ = (
        UniqueConstraint("project_id", "position", name="uq_milestone_position"),
        CheckConstraint("subsidy_fen >= 0 AND enterprise_fen >= 0", name="ck_milestone_funds"),
        CheckConstraint("failures >= 0 AND failures <= 2", name="ck_milestone_failures"),
        CheckConstraint(
            f"status <> {sql(MilestoneStatus.ACCEPTED)} OR accepted_at IS NOT NULL",
            name="ck_milestone_accepted_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    position: int
    deliverable: str = Field(max_length=2000)
    month: int  # months after the start, as in the bid
    due_on: date
    percent: int  # share of the award, as in the bid
    # What its tranche pays from each source when it is accepted (the last one: 验收).
    subsidy_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    enterprise_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    final: bool = Field(default=False)  # the last milestone: its tranche is paid on 验收
    status: MilestoneStatus = enum_field(
        MilestoneStatus, default=MilestoneStatus.PLANNED, index=True
    )
    failures: int = Field(default=0)  # failed reviews; a second one terminates the project
    rectify_until: date | None = None  # after a failed review
    accepted_at: datetime | None = utc_field(nullable=True)
    version_id: int = Field(default=1, sa_column=_MILESTONE_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _MILESTONE_VERSION}


class MilestoneIndicator(SQLModel, table=True):
    """An indicator whose measured value is due in a milestone's report."""

    __tablename__ = "project_milestone_indicator"
    __table_args__ = (
        UniqueConstraint("milestone_id", "indicator_id", name="uq_milestone_indicator"),
    )

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="project_milestone.id", index=True)
    indicator_id: int = Field(foreign_key="project_indicator.id")


class PlanVersion(SQLModel, table=True):
    """Every version of the milestone plan: the 任务书's, the one adjustment, an extension."""

    __tablename__ = "project_plan_version"
    __table_args__ = (UniqueConstraint("project_id", "version", name="uq_plan_version"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    version: int
    reason: str = Field(default="", max_length=2000)
    # [{position, deliverable, due_on, percent, subsidy_fen, enterprise_fen}, …] as approved
    milestones: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    end_on: date
    # Both parties' recorded agreement to an adjustment (user ids), empty for the first.
    agreed_by: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)


class ReportOutcome(LabelledEnum):
    PENDING = "pending"
    RETURNED_BY_ISSUER = "returned_by_issuer"
    RETURNED_BY_STAFF = "returned_by_staff"
    ACCEPTED = "accepted"
    FAILED = "failed"
    __labels__ = labels(
        {
            PENDING: _l("审核中"),
            RETURNED_BY_ISSUER: _l("企业退回"),
            RETURNED_BY_STAFF: _l("科技局退回"),
            ACCEPTED: _l("通过"),
            FAILED: _l("未通过"),
        }
    )


class MilestoneReport(SQLModel, table=True):
    """One report of a milestone. A returned report is kept: the next one is a new row."""

    __tablename__ = "project_milestone_report"
    __table_args__ = (UniqueConstraint("milestone_id", "round", name="uq_report_round"),)

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="project_milestone.id", index=True)
    round: int
    delivered: str = Field(sa_column=Column(Text, nullable=False))
    # project_indicator id (as a string) → the measured value, as typed
    values: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    submitted_by_id: int = Field(foreign_key="user_account.id")
    submitted_at: datetime = utc_field(default_now=True)
    outcome: ReportOutcome = enum_field(ReportOutcome, default=ReportOutcome.PENDING)
    issuer_comment: str = Field(default="", max_length=4000)
    issuer_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    issuer_at: datetime | None = utc_field(nullable=True)
    staff_comment: str = Field(default="", max_length=4000)
    staff_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    staff_at: datetime | None = utc_field(nullable=True)


class ReportAttachment(StoredFileColumns, table=True):
    """Evidence (PDF) of a milestone report."""

    __tablename__ = "project_report_attachment"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="project_milestone_report.id", index=True)


class Inspection(SQLModel, table=True):
    """现场考察 before staff decide on a report."""

    __tablename__ = "project_inspection"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="project_milestone_report.id", index=True)
    inspected_on: date
    inspectors: str = Field(max_length=500)
    findings: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by_id: int = Field(foreign_key="user_account.id")
    recorded_at: datetime = utc_field(default_now=True)


class ExtensionStatus(LabelledEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    __labels__ = labels({REQUESTED: _l("待审批"), APPROVED: _l("已批准"), REFUSED: _l("未批准")})


EXTENSION_STATES = StateMachine(
    ExtensionStatus,
    [
        (ExtensionStatus.REQUESTED, ExtensionStatus.APPROVED, "decide_extension", STAFF),
        (ExtensionStatus.REQUESTED, ExtensionStatus.REFUSED, "decide_extension", STAFF),
    ],
)


class Extension(SQLModel, table=True):
    """A request to extend the project (at most one approved; one open at a time)."""

    __tablename__ = "project_extension"
    __table_args__ = (
        Index(
            "uq_extension_live_per_project",
            "project_id",
            unique=True,
            sqlite_where=text(
                f"status IN {sql(ExtensionStatus.REQUESTED, ExtensionStatus.APPROVED)}"
            ),
            postgresql_where=text(
                f"status IN {sql(ExtensionStatus.REQUESTED, ExtensionStatus.APPROVED)}"
            ),
        ),
        CheckConstraint("months >= 1", name="ck_extension_months"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    months: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: ExtensionStatus = enum_field(ExtensionStatus, default=ExtensionStatus.REQUESTED)
    requested_by_id: int = Field(foreign_key="user_account.id")
    requested_at: datetime = utc_field(default_now=True)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = utc_field(nullable=True)
    decision_reason: str = Field(default="", max_length=2000)


class Verdict(LabelledEnum):
    PASSED = "passed"  # 通过
    RECTIFY = "rectify"  # 整改后通过 pending: one rectification within the set period
    PASSED_AFTER_RECTIFICATION = "passed_after_rectification"  # 整改后通过
    NOT_PASSED = "not_passed"  # 不通过
    __labels__ = labels(
        {
            PASSED: _l("通过"),
            RECTIFY: _l("需整改"),
            PASSED_AFTER_RECTIFICATION: _l("整改后通过"),
            NOT_PASSED: _l("不通过"),
        }
    )


class NotPassedGround(LabelledEnum):
    """Why 验收 is 不通过 (national acceptance rules)."""

    MAIN_INDICATORS = "main_indicators"
    FALSE_DATA = "false_data"
    UNAPPROVED_CHANGE = "unapproved_change"
    __labels__ = labels(
        {
            MAIN_INDICATORS: _l("主要指标未达到"),
            FALSE_DATA: _l("提供虚假材料或数据"),
            UNAPPROVED_CHANGE: _l("未经批准擅自变更任务书内容"),
        }
    )


class Acceptance(SQLModel, table=True):
    """One 验收 decision (the first, and the one after rectification)."""

    __tablename__ = "project_acceptance"
    __table_args__ = (UniqueConstraint("project_id", "round", name="uq_acceptance_round"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    round: int
    verdict: Verdict = enum_field(Verdict)
    # project_indicator id (as a string) → {"met": bool, "value": "…"}
    results: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The grounds of a 不通过 (NotPassedGround values); empty otherwise.
    grounds: list = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    rectify_until: date | None = None
    decided_by_id: int = Field(foreign_key="user_account.id")
    decided_at: datetime = utc_field(default_now=True)


class FinalAccount(SQLModel, table=True):
    """决算 of a lump-sum project: what was actually spent, and whether the surplus stays."""

    __tablename__ = "project_final_account"
    __table_args__ = (
        UniqueConstraint("project_id", name="uq_final_account_project"),
        CheckConstraint("spent_fen >= 0 AND surplus_fen >= 0", name="ck_final_account"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    spent_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    surplus_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    statement: str = Field(sa_column=Column(Text, nullable=False))
    surplus_kept: bool | None = None  # decided with the 验收 verdict: kept only on a pass
    filed_by_id: int = Field(foreign_key="user_account.id")
    filed_at: datetime = utc_field(default_now=True)


class ReminderSent(SQLModel, table=True):
    """A due-date reminder `tick` sent (14 and 3 days before, and on the day): once each."""

    __tablename__ = "project_reminder_sent"
    __table_args__ = (
        UniqueConstraint("milestone_id", "due_on", "days_before", name="uq_reminder_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="project_milestone.id")
    due_on: date  # a reminder for a due date moved by an extension is a new one
    days_before: int
    sent_at: datetime = utc_field(default_now=True)
