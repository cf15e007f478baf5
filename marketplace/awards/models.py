"""Awards with their shares, objections with their evidence, and 流榜 records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..models_base import StoredFileColumns, enum_field, sql, utc_field
from ..states import STAFF, LabelledEnum, StateMachine, labels


class AwardKind(LabelledEnum):
    SINGLE = "single"  # one winner for the amount
    PARALLEL = "parallel"  # 赛马: 2–3 teams race to a stage review for the remainder
    __labels__ = labels({SINGLE: _l("单一揭榜方"), PARALLEL: _l("赛马制")})


class AwardStatus(LabelledEnum):
    """A proposed award is in publicity (公示) from the moment it is proposed."""

    PUBLICITY = "publicity"
    CONFIRMED = "confirmed"
    REVOKED = "revoked"
    RETURNED = "returned"  # an upheld objection sent it back to review
    __labels__ = labels(
        {
            PUBLICITY: _l("公示中"),
            CONFIRMED: _l("已确认"),
            REVOKED: _l("已撤销"),
            RETURNED: _l("异议成立，退回评审"),
        }
    )


_A = AwardStatus
AWARD_STATES = StateMachine(
    AwardStatus,
    [
        (_A.PUBLICITY, _A.CONFIRMED, "confirm_award", STAFF),
        (_A.PUBLICITY, _A.REVOKED, "revoke_award", STAFF),
        (_A.PUBLICITY, _A.RETURNED, "resolve_objection", STAFF),
    ],
)
# An award that still stands: at most one per challenge (the database enforces it).
LIVE_AWARD = (AwardStatus.PUBLICITY, AwardStatus.CONFIRMED)

_AWARD_VERSION = Column("version_id", Integer, nullable=False, default=1)


class Award(SQLModel, table=True):
    """A proposed award and its 公示 window. The window is fixed when it opens (the notice says
    its end date); later edits to the holiday table do not move a published date."""

    __tablename__ = "award"
    __table_args__ = (
        Index(
            "uq_award_live_per_challenge",
            "challenge_id",
            unique=True,
            sqlite_where=text(f"status IN {sql(*LIVE_AWARD)}"),
            postgresql_where=text(f"status IN {sql(*LIVE_AWARD)}"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    kind: AwardKind = enum_field(AwardKind)
    status: AwardStatus = enum_field(AwardStatus, default=AwardStatus.PUBLICITY, index=True)
    # Total of the shares; for 赛马 the remainder is for the final winner of the stage review.
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    remainder_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    statement: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    opened_at: datetime = utc_field()  # the notice went up
    last_day: date  # the last working day of the window (Beijing)
    ends_at: datetime = utc_field()  # 00:00 Beijing time after last_day
    working_days: int
    # bid id → the state settle_bids moved it from, so reopening restores exactly those.
    settled: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    proposed_by_id: int = Field(foreign_key="user_account.id")
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = utc_field(nullable=True)
    decision_reason: str = Field(default="", max_length=2000)
    version_id: int = Field(default=1, sa_column=_AWARD_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _AWARD_VERSION}


class AwardShare(SQLModel, table=True):
    """One awarded bid: the winner's amount, or a 赛马 team's start-up funds."""

    __tablename__ = "award_share"
    __table_args__ = (UniqueConstraint("award_id", "bid_id", name="uq_award_share_bid"),)

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    bid_id: int = Field(foreign_key="bid.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    position: int
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))


class ObjectionStatus(LabelledEnum):
    FILED = "filed"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    __labels__ = labels({FILED: _l("待处理"), UPHELD: _l("成立"), DISMISSED: _l("不成立")})


OBJECTION_STATES = StateMachine(
    ObjectionStatus,
    [
        (ObjectionStatus.FILED, ObjectionStatus.UPHELD, "resolve_objection", STAFF),
        (ObjectionStatus.FILED, ObjectionStatus.DISMISSED, "resolve_objection", STAFF),
    ],
)


class Objection(SQLModel, table=True):
    """异议: in writing, under a real name that only staff see."""

    __tablename__ = "award_objection"

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    objector_id: int = Field(foreign_key="user_account.id", index=True)
    # The organisation the objector acted for (the real-name basis), as it was when filed.
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    reasons: str = Field(sa_column=Column(Text, nullable=False))
    status: ObjectionStatus = enum_field(ObjectionStatus, default=ObjectionStatus.FILED)
    filed_at: datetime = utc_field(default_now=True)
    resolved_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    resolved_at: datetime | None = utc_field(nullable=True)
    resolution: str = Field(default="", max_length=4000)


class ObjectionAttachment(StoredFileColumns, table=True):
    """Evidence (PDF) of an objection; only staff download it."""

    __tablename__ = "award_objection_attachment"

    id: int | None = Field(default=None, primary_key=True)
    objection_id: int = Field(foreign_key="award_objection.id", index=True)


class ChallengeFailure(SQLModel, table=True):
    """流榜: the public reason a challenge failed, and the draft it was re-posted as."""

    __tablename__ = "challenge_failure"
    __table_args__ = (UniqueConstraint("challenge_id", name="uq_challenge_failure_challenge"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id")
    reason: str = Field(max_length=2000)
    failed_by_id: int = Field(foreign_key="user_account.id")
    failed_at: datetime = utc_field(default_now=True)
    reposted_challenge_id: int | None = Field(default=None, foreign_key="challenge.id")
