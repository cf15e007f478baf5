"""Exports of projects, their milestones and the ledger (movements with their entries per
source), read in batches like every sheet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..accounts.models import Organisation, User
from ..challenges.models import Challenge, Industry
from ..projects.ledger_models import Entry, Movement, MovementKind
from ..projects.milestone_models import OPEN, Milestone, MilestoneStatus
from ..projects.models import FundingSource, Project, ProjectStatus
from .sheets import (
    Sheet,
    choice,
    contains,
    label,
    stream,
    text_arg,
    today,
    year_arg,
    year_bounds,
    yes,
)
from .writers import Column, Kind


def _in_year(column, year: int):
    return column.between(date(year, 1, 1), date(year, 12, 31))


PROJECTS = Sheet(
    "projects",
    _l("项目"),
    (
        Column(_l("项目编号"), width=16),
        Column(_l("项目名称"), width=40),
        Column(_l("榜单编号"), width=16),
        Column(_l("产业领域"), width=14),
        Column(_l("发榜单位"), width=28),
        Column(_l("承担单位"), width=28),
        Column(_l("挂帅人"), width=12),
        Column(_l("项目类型"), width=10),
        Column(_l("状态"), width=14),
        Column(_l("经费管理方式"), width=14),
        Column(_l("财政资金（万元）"), Kind.WAN),
        Column(_l("企业资金（万元）"), Kind.WAN),
        Column(_l("合计（万元）"), Kind.WAN),
        Column(_l("开始日期"), Kind.DATE, width=12),
        Column(_l("结束日期"), Kind.DATE, width=12),
        Column(_l("创建时间"), Kind.DATETIME, width=18),
    ),
)


@dataclass(frozen=True)
class ProjectFilters:
    status: ProjectStatus | None = None
    field: Industry | None = None
    year: int | None = None  # the project's year (of creation, as in its number)
    q: str = ""

    @classmethod
    def from_args(cls, args) -> ProjectFilters:
        return cls(
            status=choice(ProjectStatus, args.get("status")),
            field=choice(Industry, args.get("field")),
            year=year_arg(args),
            q=text_arg(args),
        )

    def conditions(self) -> list:
        found = []
        if self.status is not None:
            found.append(Project.status == self.status)
        if self.field is not None:
            found.append(Challenge.field == self.field)
        if self.year is not None:
            start, end = year_bounds(self.year)
            found.append(and_(Project.created_at >= start, Project.created_at < end))
        if self.q:
            found.append(contains(self.q, Project.number, Project.title))
        return found


def project_rows(s: Session, filters: ProjectFilters) -> Iterator[tuple]:
    """Every project matching the filters, by number."""
    issuer, team = aliased(Organisation), aliased(Organisation)
    stmt = (
        select(
            Project.number,
            Project.title,
            Challenge.code,
            Challenge.field,
            issuer.name,
            team.name,
            User.name,
            Project.kind,
            Project.status,
            Project.funding_mode,
            Project.subsidy_fen,
            Project.enterprise_fen,
            Project.start_on,
            Project.end_on,
            Project.created_at,
        )
        .join(Challenge, Challenge.id == Project.challenge_id)
        .join(issuer, issuer.id == Challenge.organisation_id)
        .outerjoin(team, team.id == Project.organisation_id)
        .outerjoin(User, User.id == Project.leader_id)
        .where(*filters.conditions())
        .order_by(Project.number)
    )

    def convert(r) -> tuple:
        number, title, code, field, iss, tm, leader, kind, status, mode, sub, ent, *rest = r
        return (number, title, code, label(field), iss, tm or "", leader or "", label(kind),
                label(status), label(mode), sub, ent, sub + ent, *rest)  # fmt: skip

    return stream(s, stmt, convert)


MILESTONES = Sheet(
    "milestones",
    _l("里程碑"),
    (
        Column(_l("项目编号"), width=16),
        Column(_l("项目名称"), width=32),
        Column(_l("节点序号"), Kind.INT, width=8),
        Column(_l("交付内容"), width=40),
        Column(_l("计划完成日期"), Kind.DATE, width=12),
        Column(_l("状态"), width=14),
        Column(_l("是否逾期"), width=8),
        Column(_l("拨付比例（%）"), Kind.INT),
        Column(_l("财政资金（万元）"), Kind.WAN),
        Column(_l("企业资金（万元）"), Kind.WAN),
        Column(_l("通过时间"), Kind.DATETIME, width=18),
    ),
)


@dataclass(frozen=True)
class MilestoneFilters:
    status: MilestoneStatus | None = None
    field: Industry | None = None
    year: int | None = None  # of the due date
    overdue: bool = False
    q: str = ""  # project number or title

    @classmethod
    def from_args(cls, args) -> MilestoneFilters:
        return cls(
            status=choice(MilestoneStatus, args.get("status")),
            field=choice(Industry, args.get("field")),
            year=year_arg(args),
            overdue=args.get("overdue") == "1",
            q=text_arg(args),
        )


def milestone_rows(s: Session, filters: MilestoneFilters) -> Iterator[tuple]:
    """Every milestone matching the filters, by project and position; overdue derived today."""
    day = today()
    conditions = []
    if filters.status is not None:
        conditions.append(Milestone.status == filters.status)
    if filters.field is not None:
        conditions.append(Challenge.field == filters.field)
    if filters.year is not None:
        conditions.append(_in_year(Milestone.due_on, filters.year))
    if filters.overdue:
        conditions.append(and_(Milestone.due_on < day, Milestone.status.in_(OPEN)))
    if filters.q:
        conditions.append(contains(filters.q, Project.number, Project.title))
    stmt = (
        select(
            Project.number,
            Project.title,
            Milestone.position,
            Milestone.deliverable,
            Milestone.due_on,
            Milestone.status,
            Milestone.percent,
            Milestone.subsidy_fen,
            Milestone.enterprise_fen,
            Milestone.accepted_at,
        )
        .join(Project, Project.id == Milestone.project_id)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .where(*conditions)
        .order_by(Project.number, Milestone.position)
    )

    def convert(r) -> tuple:
        number, title, position, deliverable, due_on, status, *rest = r
        overdue = due_on < day and status in OPEN
        return (number, title, position, deliverable, due_on, label(status), yes(overdue),
                *rest)  # fmt: skip

    return stream(s, stmt, convert)


LEDGER = Sheet(
    "ledger",
    _l("资金台账"),
    (
        Column(_l("项目编号"), width=16),
        Column(_l("项目名称"), width=32),
        Column(_l("流水号"), Kind.INT, width=8),
        Column(_l("业务日期"), Kind.DATE, width=12),
        Column(_l("业务类型"), width=12),
        Column(_l("资金来源"), width=10),
        Column(_l("科目"), width=14),
        Column(_l("金额（万元）"), Kind.WAN),
        Column(_l("凭证号"), width=16),
        Column(_l("冲正流水号"), Kind.INT, width=10),
        Column(_l("说明"), width=32),
        Column(_l("记录时间"), Kind.DATETIME, width=18),
    ),
)


@dataclass(frozen=True)
class LedgerFilters:
    source: FundingSource | None = None
    kind: MovementKind | None = None
    field: Industry | None = None
    year: int | None = None  # of the business date
    q: str = ""  # project number or title

    @classmethod
    def from_args(cls, args) -> LedgerFilters:
        return cls(
            source=choice(FundingSource, args.get("source")),
            kind=choice(MovementKind, args.get("kind")),
            field=choice(Industry, args.get("field")),
            year=year_arg(args),
            q=text_arg(args),
        )


def ledger_rows(s: Session, filters: LedgerFilters) -> Iterator[tuple]:
    """Every entry of every matching movement (signed, per source and account), by project,
    movement and source: the movements' entries of each source sum to zero."""
    conditions = []
    if filters.source is not None:
        conditions.append(Entry.source == filters.source)
    if filters.kind is not None:
        conditions.append(Movement.kind == filters.kind)
    if filters.field is not None:
        conditions.append(Challenge.field == filters.field)
    if filters.year is not None:
        conditions.append(_in_year(Movement.occurred_on, filters.year))
    if filters.q:
        conditions.append(contains(filters.q, Project.number, Project.title))
    stmt = (
        select(
            Project.number,
            Project.title,
            Movement.id,
            Movement.occurred_on,
            Movement.kind,
            Entry.source,
            Entry.account,
            Entry.amount_fen,
            Movement.voucher,
            Movement.reverses_id,
            Movement.reason,
            Movement.created_at,
        )
        .join(Movement, Movement.id == Entry.movement_id)
        .join(Project, Project.id == Entry.project_id)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .where(*conditions)
        .order_by(Project.number, Movement.id, Entry.source, Entry.id)
    )

    def convert(r) -> tuple:
        number, title, mid, day, kind, source, account, *rest = r
        return (number, title, mid, day, label(kind), label(source), label(account), *rest)

    return stream(s, stmt, convert)
