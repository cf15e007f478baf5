"""Bids, their submitted versions and attachments, and the integrity list (科研诚信)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Column, Date, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..models_base import enum_field, utc_field


class BidStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(
            {
                BidStatus.DRAFT: _l("草稿"),
                BidStatus.SUBMITTED: _l("已提交"),
                BidStatus.WITHDRAWN: _l("已撤回"),
            }[self]
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
            sqlite_where=text("status != 'withdrawn'"),
            postgresql_where=text("status != 'withdrawn'"),
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


class BidAttachment(SQLModel, table=True):
    __tablename__ = "bid_attachment"

    id: int | None = Field(default=None, primary_key=True)
    bid_id: int = Field(foreign_key="bid.id", index=True)
    original_name: str = Field(max_length=200)
    stored_name: str = Field(max_length=80, unique=True)
    size_bytes: int
    sha256: str = Field(max_length=64)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)


class IntegrityRecord(SQLModel, table=True):
    """科研诚信记录: a breach of integrity, restricting an organisation or a person until a date."""

    __tablename__ = "integrity_record"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    restricted_until: date = Field(sa_column=Column(Date, nullable=False))
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)
