"""Challenges, their indicators, attachments, amendments and questions."""

from __future__ import annotations

import enum
from datetime import datetime
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
)
from sqlmodel import Field, SQLModel

from ..db import utcnow
from ..models_base import enum_field, utc_field


class Industry(enum.StrEnum):
    """台州/临海 "3+4+1+N" industrial chains, plus the rest."""

    PHARMA = "pharma"
    AUTO = "auto"
    FASHION = "fashion"
    MATERIALS = "materials"
    ENERGY = "energy"
    EQUIPMENT = "equipment"
    PHOTONICS = "photonics"
    DIGITAL = "digital"
    SERVICES = "services"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(INDUSTRY_LABELS[self])


INDUSTRY_LABELS = {
    Industry.PHARMA: _l("医药健康"),
    Industry.AUTO: _l("汽车机械"),
    Industry.FASHION: _l("时尚休闲"),
    Industry.MATERIALS: _l("新材料"),
    Industry.ENERGY: _l("新能源环保"),
    Industry.EQUIPMENT: _l("高端装备制造"),
    Industry.PHOTONICS: _l("光电"),
    Industry.DIGITAL: _l("数字经济"),
    Industry.SERVICES: _l("现代服务业"),
    Industry.OTHER: _l("其他"),
}


class ChallengeStatus(enum.StrEnum):
    """Stored states. "closed for bidding" is also derived from the deadline (see phase)."""

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    CLOSED = "closed"
    IN_REVIEW = "in_review"
    AWARDED = "awarded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class Phase(enum.StrEnum):
    """What the public sees: the stored state with the deadline applied."""

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"
    OPEN = "open"
    CLOSED = "closed"
    IN_REVIEW = "in_review"
    AWARDED = "awarded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(PHASE_LABELS[self])


PHASE_LABELS = {
    Phase.DRAFT: _l("草稿"),
    Phase.PENDING_REVIEW: _l("待审核"),
    Phase.REJECTED: _l("未通过审核"),
    Phase.OPEN: _l("揭榜中"),
    Phase.CLOSED: _l("已截止"),
    Phase.IN_REVIEW: _l("评审中"),
    Phase.AWARDED: _l("已揭榜"),
    Phase.FAILED: _l("流榜"),
    Phase.CANCELLED: _l("已撤榜"),
}

# Phases anyone may see; the others only the issuing organisation and staff.
PUBLIC_PHASES = [
    Phase.OPEN,
    Phase.CLOSED,
    Phase.IN_REVIEW,
    Phase.AWARDED,
    Phase.FAILED,
    Phase.CANCELLED,
]
PUBLIC_STATUSES = [
    ChallengeStatus.PUBLISHED,
    ChallengeStatus.CLOSED,
    ChallengeStatus.IN_REVIEW,
    ChallengeStatus.AWARDED,
    ChallengeStatus.FAILED,
    ChallengeStatus.CANCELLED,
]


_CHALLENGE_VERSION = Column("version_id", Integer, nullable=False, default=1)


class Challenge(SQLModel, table=True):
    __tablename__ = "challenge"
    __table_args__ = (
        CheckConstraint("budget_total_fen > 0", name="ck_challenge_budget_positive"),
        CheckConstraint(
            "enterprise_funds_fen + subsidy_requested_fen = budget_total_fen",
            name="ck_challenge_budget_split",
        ),
        CheckConstraint("period_months BETWEEN 1 AND 120", name="ck_challenge_period"),
        Index("ix_challenge_status_published", "status", "published_at"),
        Index("ix_challenge_status_deadline", "status", "deadline"),
        Index("ix_challenge_status_budget", "status", "budget_total_fen"),
        Index("ix_challenge_field_status_published", "field", "status", "published_at"),
        # Measured with bench/list_pages.py at 100k rows: the public filter matches most rows,
        # so sorting needs indexes that do not start with status.
        Index("ix_challenge_budget", "budget_total_fen"),
        Index("ix_challenge_deadline", "deadline"),
        Index("ix_challenge_field_published", "field", "published_at"),
        Index("ix_challenge_field_status_deadline", "field", "status", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=20, unique=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    status: ChallengeStatus = enum_field(ChallengeStatus, default=ChallengeStatus.DRAFT)
    title: str = Field(max_length=200)
    field: Industry = enum_field(Industry)
    problem: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    background: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    deliverables: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    budget_total_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    enterprise_funds_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    subsidy_requested_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    period_months: int
    deadline: datetime = utc_field()
    eligible_kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    qualifications: str = Field(default="", max_length=2000)
    consortium_allowed: bool = Field(default=False)
    consortium_max: int = Field(default=1)
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=254)
    review_comment: str = Field(default="", max_length=2000)
    cancel_reason: str = Field(default="", max_length=2000)
    import_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
    submitted_at: datetime | None = utc_field(nullable=True)
    published_at: datetime | None = utc_field(nullable=True, index=True)
    closed_at: datetime | None = utc_field(nullable=True)
    version_id: int = Field(default=1, sa_column=_CHALLENGE_VERSION)
    revision: int = Field(default=0)  # approved amendments so far

    # Optimistic locking: an UPDATE of a row someone else changed meanwhile matches no row.
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _CHALLENGE_VERSION}

    def phase(self, now: datetime | None = None) -> Phase:
        """The state with the deadline applied: a published challenge past it is closed."""
        if self.status is ChallengeStatus.PUBLISHED:
            return Phase.OPEN if (now or utcnow()) < self.deadline else Phase.CLOSED
        return Phase(self.status.value)

    def is_open(self, now: datetime | None = None) -> bool:
        return self.phase(now) is Phase.OPEN

    def snapshot(self) -> dict:
        """The fields an audit event or amendment records."""
        return {
            "code": self.code,
            "status": self.status.value,
            "title": self.title,
            "field": self.field.value,
            "budget_total_fen": self.budget_total_fen,
            "enterprise_funds_fen": self.enterprise_funds_fen,
            "subsidy_requested_fen": self.subsidy_requested_fen,
            "period_months": self.period_months,
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }


class Indicator(SQLModel, table=True):
    """A measurable key indicator (关键指标) checked at acceptance (验收)."""

    __tablename__ = "challenge_indicator"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    position: int
    name: str = Field(max_length=200)
    target: str = Field(max_length=200)
    unit: str = Field(default="", max_length=50)
    verification: str = Field(default="", max_length=500)


class ChallengeAttachment(SQLModel, table=True):
    __tablename__ = "challenge_attachment"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    original_name: str = Field(max_length=200)
    stored_name: str = Field(max_length=80, unique=True)
    size_bytes: int
    sha256: str = Field(max_length=64)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)


class AmendmentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(
            {
                AmendmentStatus.PENDING: _l("待审核"),
                AmendmentStatus.APPROVED: _l("已生效"),
                AmendmentStatus.REJECTED: _l("未通过"),
            }[self]
        )


class Amendment(SQLModel, table=True):
    """A change to a published challenge; applied only when staff approve it (变更公告)."""

    __tablename__ = "challenge_amendment"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    status: AmendmentStatus = enum_field(AmendmentStatus, default=AmendmentStatus.PENDING)
    revision: int | None = None  # assigned on approval: 1, 2, …
    reason: str = Field(max_length=2000)
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    proposed_by_id: int = Field(foreign_key="user_account.id")
    proposed_at: datetime = utc_field(default_now=True)
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = utc_field(nullable=True)
    decision_comment: str = Field(default="", max_length=2000)


class Question(SQLModel, table=True):
    """答疑: a question on an open challenge; public (without the asker) once answered."""

    __tablename__ = "challenge_question"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    asker_id: int = Field(foreign_key="user_account.id")
    body: str = Field(max_length=2000)
    answer: str = Field(default="", max_length=4000)
    answered_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)
    answered_at: datetime | None = utc_field(nullable=True)


class CodeCounter(SQLModel, table=True):
    """The last number given out per year for public codes like LH-2026-0007."""

    __tablename__ = "challenge_code_counter"
    __table_args__ = (UniqueConstraint("year", name="uq_code_counter_year"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    last_number: int = Field(default=0)
