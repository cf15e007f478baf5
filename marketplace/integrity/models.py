"""科研诚信记录 and 信用修复 applications.

A record is append-only (database triggers refuse UPDATE and DELETE): what was decided stays as
it was decided. An approved repair does not touch it; it adds a row here with the early end.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Date, Index, Integer, String, Text, text
from sqlmodel import Field, SQLModel

from ..models_base import enum_field, sql, utc_field
from ..states import STAFF, LabelledEnum, StateMachine, labels


class Measure(LabelledEnum):
    """The graded measures of 《科研失信行为调查处理规则》 that this platform enforces."""

    WARNING = "warning"
    CRITICISM = "criticism"
    BAR = "bar"
    PERMANENT = "permanent"
    __labels__ = labels(
        {
            WARNING: _l("警告"),
            CRITICISM: _l("通报批评"),
            BAR: _l("限期禁止揭榜和参与评审"),
            PERMANENT: _l("永久禁止揭榜和参与评审"),
        }
    )

    @property
    def bars(self) -> bool:
        """Whether the measure keeps the subject from bidding, expert work and new projects."""
        return self in BARRING


BARRING = (Measure.BAR, Measure.PERMANENT)


class IntegrityRecord(SQLModel, table=True):
    """One finding against an organisation or a person, and the measure taken."""

    __tablename__ = "integrity_record"
    __table_args__ = (
        # Migration 9d3f4a5b6c72 holds the same expressions.
        CheckConstraint(
            "organisation_id IS NOT NULL OR user_id IS NOT NULL", name="ck_integrity_subject"
        ),
        CheckConstraint(
            "(measure = 'bar' AND ends_on IS NOT NULL) OR (measure != 'bar' AND ends_on IS NULL)",
            name="ck_integrity_bar_has_end",
        ),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_integrity_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    finding: str = Field(sa_column=Column(Text, nullable=False))  # 失信行为事实
    legal_basis: str = Field(default="", sa_column=Column(Text, nullable=False))  # 处理依据
    summary: str = Field(default="", sa_column=Column(String(200), nullable=False))  # 公示摘要
    measure: Measure = enum_field(Measure, default=Measure.BAR)
    period_years: int | None = Field(default=None)  # None: permanent, no bar, or a legacy date
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))  # inclusive
    # Projects do not exist yet: a plain nullable integer, no foreign key (add one with them).
    project_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)


class RepairStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    __labels__ = labels({PENDING: _l("待审核"), APPROVED: _l("已批准"), REFUSED: _l("未批准")})


REPAIR_STATES = StateMachine(
    RepairStatus,
    [
        (RepairStatus.PENDING, RepairStatus.APPROVED, "decide_repair", STAFF),
        (RepairStatus.PENDING, RepairStatus.REFUSED, "decide_repair", STAFF),
    ],
)


class IntegrityRepair(SQLModel, table=True):
    """信用修复: the subject's application, its evidence, and staff's decision (final)."""

    __tablename__ = "integrity_repair"
    __table_args__ = (
        # One open application per record; the service checks first, this is the backstop.
        Index(
            "uq_integrity_repair_open",
            "record_id",
            unique=True,
            sqlite_where=text(f"status = {sql(RepairStatus.PENDING)}"),
            postgresql_where=text(f"status = {sql(RepairStatus.PENDING)}"),
        ),
        CheckConstraint(
            f"(status = {sql(RepairStatus.PENDING)} AND decided_at IS NULL"
            " AND decided_by_id IS NULL)"
            f" OR (status != {sql(RepairStatus.PENDING)} AND decided_at IS NOT NULL"
            " AND decided_by_id IS NOT NULL)",
            name="ck_integrity_repair_decided",
        ),
        CheckConstraint(
            f"(status = {sql(RepairStatus.APPROVED)}) = (lifted_on IS NOT NULL)",
            name="ck_integrity_repair_lifted",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="integrity_record.id", index=True)
    applicant_id: int = Field(foreign_key="user_account.id")
    statement: str = Field(sa_column=Column(Text, nullable=False))
    evidence_name: str = Field(max_length=200)
    evidence_stored_name: str = Field(max_length=80, unique=True)
    evidence_size_bytes: int
    evidence_sha256: str = Field(max_length=64)
    status: RepairStatus = enum_field(RepairStatus, default=RepairStatus.PENDING, index=True)
    applied_at: datetime = utc_field(default_now=True)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = utc_field(nullable=True)
    decision_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The first day the subject is free again (the decision's day in Beijing).
    lifted_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
