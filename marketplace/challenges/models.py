"""Challenges, their indicators, attachments, amendments and questions."""

from __future__ import annotations

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

from ..accounts.models import Role
from ..db import utcnow
from ..models_base import StoredFileColumns, enum_field, sql, utc_field
from ..states import STAFF, SYSTEM, LabelledEnum, StateMachine, labels


class Industry(LabelledEnum):
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
    __labels__ = labels(
        {
            PHARMA: _l("医药健康"),
            AUTO: _l("汽车机械"),
            FASHION: _l("时尚休闲"),
            MATERIALS: _l("新材料"),
            ENERGY: _l("新能源环保"),
            EQUIPMENT: _l("高端装备制造"),
            PHOTONICS: _l("光电"),
            DIGITAL: _l("数字经济"),
            SERVICES: _l("现代服务业"),
            OTHER: _l("其他"),
        }
    )


class ChallengeStatus(LabelledEnum):
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
    __labels__ = labels(
        {
            DRAFT: _l("草稿"),
            PENDING_REVIEW: _l("待审核"),
            PUBLISHED: _l("已发布"),
            CLOSED: _l("已截止"),
            IN_REVIEW: _l("评审中"),
            AWARDED: _l("已揭榜"),
            FAILED: _l("流榜"),
            CANCELLED: _l("已撤榜"),
            REJECTED: _l("未通过审核"),
        }
    )


_C = ChallengeStatus
# Never published: no public code, seen only by the issuer and staff.
UNPUBLISHED = (_C.DRAFT, _C.PENDING_REVIEW, _C.REJECTED)
CHALLENGE_STATES = StateMachine(
    ChallengeStatus,
    [
        (_C.DRAFT, _C.PENDING_REVIEW, "submit_challenge", {Role.ENTERPRISE}),
        (_C.PENDING_REVIEW, _C.PUBLISHED, "approve_challenge", STAFF),
        (_C.PENDING_REVIEW, _C.DRAFT, "return_challenge", STAFF),
        (_C.PENDING_REVIEW, _C.REJECTED, "reject_challenge", STAFF),
        # The deadline closes bidding on every read; `tick` records it.
        (_C.PUBLISHED, _C.CLOSED, "close_expired", {SYSTEM}),
        (_C.PUBLISHED, _C.CANCELLED, "cancel_challenge", STAFF),
        (_C.CLOSED, _C.CANCELLED, "cancel_challenge", STAFF),
        # Review and award (政府助题): a panel after the deadline (tick may not have run yet).
        (_C.PUBLISHED, _C.IN_REVIEW, "form_panel", STAFF),
        (_C.CLOSED, _C.IN_REVIEW, "form_panel", STAFF),
        (_C.IN_REVIEW, _C.AWARDED, "propose_award", STAFF),
        # An upheld objection or a revoked award sends it back to review.
        (_C.AWARDED, _C.IN_REVIEW, "reopen_review", STAFF),
        # 流榜: no qualified bid (or none at all), with a public reason.
        (_C.IN_REVIEW, _C.FAILED, "fail_challenge", STAFF),
        (_C.CLOSED, _C.FAILED, "fail_challenge", STAFF),
        (_C.PUBLISHED, _C.FAILED, "fail_challenge", STAFF),
    ],
)


class Phase(LabelledEnum):
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
    __labels__ = labels(
        {
            DRAFT: _l("草稿"),
            PENDING_REVIEW: _l("待审核"),
            REJECTED: _l("未通过审核"),
            OPEN: _l("揭榜中"),
            CLOSED: _l("已截止"),
            IN_REVIEW: _l("评审中"),
            AWARDED: _l("已揭榜"),
            FAILED: _l("流榜"),
            CANCELLED: _l("已撤榜"),
        }
    )


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
        # Only a draft may lack its money or deadline (an imported 需求征集 row says 面议 and is
        # completed by its issuer; submission requires them, see schemas.missing_parts). The
        # other checks pass on NULL, so this one carries every state past draft.
        CheckConstraint(
            f"status = {sql(ChallengeStatus.DRAFT)} OR (budget_total_fen IS NOT NULL"
            " AND enterprise_funds_fen IS NOT NULL"
            " AND subsidy_requested_fen IS NOT NULL AND deadline IS NOT NULL)",
            name="ck_challenge_complete_unless_draft",
        ),
        CheckConstraint(
            "enterprise_funds_fen + subsidy_requested_fen = budget_total_fen",
            name="ck_challenge_budget_split",
        ),
        CheckConstraint("period_months BETWEEN 1 AND 120", name="ck_challenge_period"),
        # A public challenge has its code and publication time (migration 6b0e1a2c3d40).
        CheckConstraint(
            f"status IN {sql(*UNPUBLISHED)} OR (code IS NOT NULL AND published_at IS NOT NULL)",
            name="ck_challenge_public_has_code",
        ),
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
        # The staff review queue, oldest submission first (bench/pages.py: 2.3 ms of sorting
        # 1,000 waiting rows per view without it, 0.06 ms with it).
        Index("ix_challenge_status_submitted", "status", "submitted_at", "id"),
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
    budget_total_fen: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    enterprise_funds_fen: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    subsidy_requested_fen: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    period_months: int
    deadline: datetime | None = utc_field(nullable=True)
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
    # The columns of an imported sheet the template has no place for (项目类别, 年度, 来源,
    # 原文…) and the original wording of cells kept empty (榜单金额: 面议), as {header: text}.
    source_columns: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
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


class ChallengeAttachment(StoredFileColumns, table=True):
    __tablename__ = "challenge_attachment"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)


class AmendmentStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    __labels__ = labels({PENDING: _l("待审核"), APPROVED: _l("已生效"), REJECTED: _l("未通过")})


AMENDMENT_STATES = StateMachine(
    AmendmentStatus,
    [
        (AmendmentStatus.PENDING, AmendmentStatus.APPROVED, "decide_amendment", STAFF),
        (AmendmentStatus.PENDING, AmendmentStatus.REJECTED, "decide_amendment", STAFF),
    ],
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
