"""Reads of the ledger for pages: a project's funds and movements, staff's finance view."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from ..accounts.models import User
from ..challenges.models import Challenge, Industry
from ..units import SHANGHAI
from .ledger import SOURCES, Balance, balances, totals
from .ledger_models import Account, Entry, Movement, Tranche
from .milestone_models import Milestone
from .models import FundingSource, Project, ProjectStatus


@dataclass
class TrancheRow:
    tranche: Tranche
    milestone: Milestone | None


@dataclass
class Funds:
    """What the funds partial shows: figures per source and the tranches."""

    balances: dict[FundingSource, Balance]
    tranches: list[TrancheRow]


def funds(s: Session, project_id: int) -> Funds:
    rows = s.exec(
        select(Tranche, Milestone)
        .join(Milestone, Milestone.id == Tranche.milestone_id, isouter=True)
        .where(Tranche.project_id == project_id)
        .order_by(Tranche.position)
    ).all()
    return Funds(balances(s, project_id), [TrancheRow(t, m) for t, m in rows])


@dataclass
class MovementRow:
    movement: Movement
    entries: list[Entry]
    by: User | None
    reversed_by: int | None = None  # the id of the reversal, if any


def movements(s: Session, project_id: int) -> list[MovementRow]:
    """Every movement of the project with its entries, oldest first."""
    found = s.exec(
        select(Movement, User)
        .join(User, User.id == Movement.created_by_id, isouter=True)
        .where(Movement.project_id == project_id)
        .order_by(Movement.id)
    ).all()
    entries: dict[int, list[Entry]] = defaultdict(list)
    for e in s.exec(select(Entry).where(Entry.project_id == project_id).order_by(Entry.id)):
        entries[e.movement_id].append(e)
    rows = {m.id: MovementRow(m, entries[m.id], u) for m, u in found}
    for row in rows.values():
        if row.movement.reverses_id in rows:
            rows[row.movement.reverses_id].reversed_by = row.movement.id
    return list(rows.values())


@dataclass
class FinanceRow:
    project: Project
    challenge: Challenge
    balances: dict[FundingSource, Balance]


@dataclass
class Finance:
    rows: list[FinanceRow]
    totals: dict[FundingSource, Balance]
    years: list[int] = field(default_factory=list)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (
        datetime(year, 1, 1, tzinfo=SHANGHAI),
        datetime(year + 1, 1, 1, tzinfo=SHANGHAI),
    )


def finance(s: Session, *, year: int | None = None, industry: Industry | None = None) -> Finance:
    """Every started project's figures per source, filtered by year (started) and industry."""
    query = (
        select(Project, Challenge)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .where(Project.status != ProjectStatus.TASK_BOOK)
        .order_by(Project.number)
    )
    if year is not None:
        start, end = _year_bounds(year)
        query = query.where(
            Project.task_book_confirmed_at >= start, Project.task_book_confirmed_at < end
        )
    if industry is not None:
        query = query.where(Challenge.field == industry)
    found = s.exec(query).all()
    ids = [p.id for p, _c in found]
    acc: dict[int, dict] = defaultdict(lambda: {src: defaultdict(int) for src in SOURCES})
    if ids:
        sums = s.exec(
            select(Entry.project_id, Entry.source, Entry.account, func.sum(Entry.amount_fen))
            .where(Entry.project_id.in_(ids))
            .group_by(Entry.project_id, Entry.source, Entry.account)
        )
        for project_id, source, account, amount in sums:
            acc[project_id][FundingSource(source)][Account(account)] = int(amount or 0)
    rows = [
        FinanceRow(p, c, {src: Balance.of(acc[p.id][src], src) for src in SOURCES})
        for p, c in found
    ]
    confirmed = s.exec(
        select(Project.task_book_confirmed_at).where(Project.task_book_confirmed_at.is_not(None))
    ).all()
    years = sorted({at.astimezone(SHANGHAI).year for at in confirmed}, reverse=True)
    return Finance(rows, totals(s, ids), years)
