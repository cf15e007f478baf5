"""Bids, their submitted versions and attachments."""

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
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from ..accounts.models import Role
from ..models_base import StoredFileColumns, enum_field, sql, utc_field
from ..states import STAFF, LabelledEnum, StateMachine, labels


class BidStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    # Review (after the deadline): opened when the panel is formed, then judged.
    OPENED = "opened"
    SHORTLISTED = "shortlisted"
    NOT_QUALIFIED = "not_qualified"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"
    __labels__ = labels(
        {
            DRAFT: _l("草稿"),
            SUBMITTED: _l("已提交"),
            WITHDRAWN: _l("已撤回"),
            OPENED: _l("已开启评审"),
            SHORTLISTED: _l("入围"),
            NOT_QUALIFIED: _l("不合格"),
            AWARDED: _l("揭榜成功"),
            NOT_AWARDED: _l("未中选"),
        }
    )


# States that never had a submitted version (the database checks the others have one).
UNSUBMITTED = (BidStatus.DRAFT, BidStatus.WITHDRAWN)
# A submitted bid and every review state after it: what the issuer, staff and the panel may
# open once the deadline has passed.
SUBMITTED_OR_LATER = tuple(s for s in BidStatus if s not in UNSUBMITTED)

_B = BidStatus
RESEARCHER = {Role.RESEARCHER}
BID_STATES = StateMachine(
    BidStatus,
    [
        (_B.DRAFT, _B.SUBMITTED, "submit_bid", RESEARCHER),
        # A revision before the deadline: a new version, still submitted.
        (_B.SUBMITTED, _B.SUBMITTED, "submit_bid", RESEARCHER),
        (_B.DRAFT, _B.WITHDRAWN, "withdraw_bid", RESEARCHER),
        (_B.SUBMITTED, _B.WITHDRAWN, "withdraw_bid", RESEARCHER),
        # Review and award (review.services, awards.services).
        (_B.SUBMITTED, _B.OPENED, "form_panel", STAFF),
        (_B.OPENED, _B.SHORTLISTED, "shortlist_bids", STAFF),
        (_B.OPENED, _B.NOT_QUALIFIED, "shortlist_bids", STAFF),
        (_B.SHORTLISTED, _B.NOT_QUALIFIED, "shortlist_bids", STAFF),
        # The outcome, when an award is proposed or the challenge fails (流榜).
        (_B.SHORTLISTED, _B.AWARDED, "settle_bids", STAFF),
        (_B.SHORTLISTED, _B.NOT_AWARDED, "settle_bids", STAFF),
        (_B.OPENED, _B.NOT_AWARDED, "settle_bids", STAFF),
        # An upheld objection or a revoked award sends the decision back to review.
        (_B.AWARDED, _B.SHORTLISTED, "reopen_review", STAFF),
        (_B.NOT_AWARDED, _B.SHORTLISTED, "reopen_review", STAFF),
    ],
)


_BID_VERSION = Column("version_id", Integer, nullable=False, default=1)


class Bid(SQLModel, table=True):
    """One organisation's bid on one challenge: a working copy plus its submitted versions."""

    __tablename__ = "bid"
    __table_args__ = (
        # One live (not withdrawn) bid per organisation per challenge; the database enforces it.
        Index(
            "uq_bid_live_per_org",
            "challenge_id",
            "organisation_id",
            unique=True,
            sqlite_where=text(f"status != {sql(BidStatus.WITHDRAWN)}"),
            postgresql_where=text(f"status != {sql(BidStatus.WITHDRAWN)}"),
        ),
        # State ↔ columns (migration 6b0e1a2c3d40 holds the same expressions).
        CheckConstraint(
            f"(status = {sql(BidStatus.WITHDRAWN)} AND withdrawn_at IS NOT NULL)"
            f" OR (status != {sql(BidStatus.WITHDRAWN)} AND withdrawn_at IS NULL)",
            name="ck_bid_withdrawn_iff_withdrawn_at",
        ),
        CheckConstraint(
            f"status IN {sql(*UNSUBMITTED)}"
            " OR (submitted_version > 0 AND submitted_at IS NOT NULL)",
            name="ck_bid_submitted_has_version",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)  # 揭榜编号, shown on the receipt
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    status: BidStatus = enum_field(BidStatus, default=BidStatus.DRAFT, index=True)
    # The 挂帅 leader: one named, accountable member of the bidding organisation.
    leader_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    # Working copy (what the form edits); submitted content is frozen in BidVersion.
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    requested_amount_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    submitted_version: int = Field(default=0)  # the version that counts (0: never submitted)
    submitted_at: datetime | None = utc_field(nullable=True)
    withdrawn_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
    version_id: int = Field(default=1, sa_column=_BID_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _BID_VERSION}

    @property
    def status_label(self) -> str:
        """A draft that was never submitted and then given up is "discarded", not "withdrawn"."""
        if self.status is BidStatus.WITHDRAWN and not self.submitted_version:
            return str(_l("已放弃（未提交）"))
        return self.status.label


class BidVersion(SQLModel, table=True):
    """A submitted version, frozen: content, its SHA-256 and the receipt data."""

    __tablename__ = "bid_version"
    __table_args__ = (
        UniqueConstraint("bid_id", "version", name="uq_bid_version"),
        UniqueConstraint("bid_id", "idempotency_key", name="uq_bid_version_idempotency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bid_id: int = Field(foreign_key="bid.id", index=True)
    version: int
    content: dict = Field(sa_column=Column(JSON, nullable=False))
    sha256: str = Field(max_length=64)
    idempotency_key: str = Field(max_length=64)
    submitted_by_id: int = Field(foreign_key="user_account.id")
    submitted_at: datetime = utc_field(default_now=True)


class BidAttachment(StoredFileColumns, table=True):
    __tablename__ = "bid_attachment"

    id: int | None = Field(default=None, primary_key=True)
    bid_id: int = Field(foreign_key="bid.id", index=True)
