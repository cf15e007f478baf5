"""The ledger: double-entry, append-only movements of integer fen, per project and source.

Every movement's entries sum to zero; a correction is a reversing movement with a reason;
database triggers (``append_only``) refuse UPDATE and DELETE on both tables. Tranches are what
is due to be released, one row per payment, locked and released once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from ..models_base import enum_field, sql, utc_field
from ..states import STAFF, SYSTEM, LabelledEnum, StateMachine, labels
from .models import FundingSource


class Account(LabelledEnum):
    """The ledger's accounts, kept per project and funding source."""

    SPONSOR = "sponsor"  # the source's own side: what it promised, as a negative balance
    COMMITTED = "committed"  # 已承诺未拨付
    PAYER = "payer"  # the enterprise's side of funds received (到账)
    RECEIVED = "received"  # 已到账 and not yet released
    RELEASED = "released"  # 已拨付 to the team
    DUE_BACK = "due_back"  # 应追回
    RECOVERED = "recovered"  # 已追回
    __labels__ = labels(
        {
            SPONSOR: _l("出资方"),
            COMMITTED: _l("已承诺未拨付"),
            PAYER: _l("付款方"),
            RECEIVED: _l("已到账未拨付"),
            RELEASED: _l("已拨付"),
            DUE_BACK: _l("应追回"),
            RECOVERED: _l("已追回"),
        }
    )


class MovementKind(LabelledEnum):
    COMMITMENT = "commitment"  # the 任务书 was confirmed
    RECEIPT = "receipt"  # enterprise funds arrived (到账)
    RELEASE = "release"  # a tranche was paid (兑现)
    CANCELLATION = "cancellation"  # remaining commitments cancelled (termination, race lost)
    RECOVERY_DUE = "recovery_due"  # released money recorded as due back (追回)
    REPAYMENT = "repayment"  # money due back was repaid
    REVERSAL = "reversal"  # a correction: the negated entries of another movement
    __labels__ = labels(
        {
            COMMITMENT: _l("承诺"),
            RECEIPT: _l("到账"),
            RELEASE: _l("拨付"),
            CANCELLATION: _l("取消承诺"),
            RECOVERY_DUE: _l("追回（应收）"),
            REPAYMENT: _l("追回到账"),
            REVERSAL: _l("冲正"),
        }
    )


class Movement(SQLModel, table=True):
    """One event on the ledger; its entries carry the amounts. Never updated, never deleted."""

    __tablename__ = "ledger_movement"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_ledger_movement_idempotency"),
        UniqueConstraint("reverses_id", name="uq_ledger_movement_reversed_once"),
        # A tranche is released once and cancelled once, whatever the application does.
        Index("uq_ledger_movement_tranche_kind", "tranche_id", "kind", unique=True),
        CheckConstraint(
            f"kind <> {sql(MovementKind.REVERSAL)} OR (reverses_id IS NOT NULL AND reason <> '')",
            name="ck_ledger_reversal_has_reason",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    kind: MovementKind = enum_field(MovementKind, index=True)
    tranche_id: int | None = Field(default=None, foreign_key="ledger_tranche.id", index=True)
    reverses_id: int | None = Field(default=None, foreign_key="ledger_movement.id")
    occurred_on: date  # the business date (Beijing): voucher date, release date
    voucher: str = Field(default="", max_length=100)  # 凭证号 of a receipt or repayment
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    idempotency_key: str | None = Field(default=None, max_length=100)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)


class Entry(SQLModel, table=True):
    """One leg of a movement: a signed amount on one account of one source."""

    __tablename__ = "ledger_entry"
    __table_args__ = (CheckConstraint("amount_fen <> 0", name="ck_ledger_entry_nonzero"),)

    id: int | None = Field(default=None, primary_key=True)
    movement_id: int = Field(foreign_key="ledger_movement.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)  # copied, for balances
    source: FundingSource = enum_field(FundingSource)
    account: Account = enum_field(Account)
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))


class TrancheKind(LabelledEnum):
    SIGNING = "signing"  # 首笔 on signing the 任务书
    MILESTONE = "milestone"  # after an accepted milestone
    FINAL = "final"  # on passing 验收
    RACE_STARTUP = "race_startup"  # 赛马 start-up funds
    RACE_REMAINDER = "race_remainder"  # the remainder for the 赛马 winner
    __labels__ = labels(
        {
            SIGNING: _l("首笔拨付"),
            MILESTONE: _l("里程碑拨付"),
            FINAL: _l("验收后拨付"),
            RACE_STARTUP: _l("赛马启动经费"),
            RACE_REMAINDER: _l("赛马胜出剩余经费"),
        }
    )


class TrancheStatus(LabelledEnum):
    PENDING = "pending"
    RELEASED = "released"
    CANCELLED = "cancelled"
    __labels__ = labels({PENDING: _l("待拨付"), RELEASED: _l("已拨付"), CANCELLED: _l("已取消")})


TRANCHE_STATES = StateMachine(
    TrancheStatus,
    [
        (TrancheStatus.PENDING, TrancheStatus.RELEASED, "release_tranche", STAFF),
        (TrancheStatus.PENDING, TrancheStatus.CANCELLED, "cancel_tranche", {*STAFF, SYSTEM}),
    ],
)

_TRANCHE_VERSION = Column("version_id", Integer, nullable=False, default=1)


class Tranche(SQLModel, table=True):
    """A payment due to the team: its amounts per source and what must happen first."""

    __tablename__ = "ledger_tranche"
    __table_args__ = (
        UniqueConstraint("project_id", "position", name="uq_tranche_position"),
        CheckConstraint("subsidy_fen >= 0 AND enterprise_fen >= 0", name="ck_tranche_funds"),
        CheckConstraint(
            f"status <> {sql(TrancheStatus.RELEASED)} OR released_at IS NOT NULL",
            name="ck_tranche_released_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    milestone_id: int | None = Field(default=None, foreign_key="project_milestone.id", index=True)
    position: int
    kind: TrancheKind = enum_field(TrancheKind)
    subsidy_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    enterprise_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    status: TrancheStatus = enum_field(TrancheStatus, default=TrancheStatus.PENDING, index=True)
    released_at: datetime | None = utc_field(nullable=True)
    released_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    version_id: int = Field(default=1, sa_column=_TRANCHE_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _TRANCHE_VERSION}
