"""Read-side queries for challenge pages: a fixed, small number of SQL statements per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlalchemy.orm import load_only
from sqlmodel import Session, func, select

from ..accounts.models import Organisation
from ..pagination import Page
from ..units import FEN_PER_WAN
from .models import (
    PUBLIC_STATUSES,
    Amendment,
    AmendmentStatus,
    Challenge,
    ChallengeStatus,
    Industry,
    Phase,
    Question,
)

# Budget bands for the filter, in 万元: (key, low, high); high None = no upper bound.
BUDGET_BANDS = [
    ("lt50", 0, 50),
    ("50-200", 50, 200),
    ("200-500", 200, 500),
    ("500-1000", 500, 1000),
    ("gte1000", 1000, None),
]
SORTS = {
    "published": (Challenge.published_at.desc(), Challenge.id.desc()),
    "deadline": (Challenge.deadline.asc(), Challenge.id.asc()),
    "budget": (Challenge.budget_total_fen.desc(), Challenge.id.desc()),
}
LIST_COLUMNS = (
    Challenge.id,
    Challenge.code,
    Challenge.title,
    Challenge.field,
    Challenge.status,
    Challenge.budget_total_fen,
    Challenge.deadline,
    Challenge.published_at,
    Challenge.organisation_id,
    Challenge.period_months,
)


@dataclass(frozen=True)
class ListFilters:
    field: Industry | None = None
    phase: Phase | None = None
    budget: str | None = None
    sort: str = "published"

    @classmethod
    def from_args(cls, args) -> ListFilters:
        """Read filters from query arguments; unknown values are ignored, never an error."""
        field = args.get("field")
        phase = args.get("status")
        budget = args.get("budget")
        sort = args.get("sort")
        return cls(
            field=Industry(field) if field in Industry._value2member_map_ else None,
            phase=Phase(phase) if phase in {p.value for p in _FILTER_PHASES} else None,
            budget=budget if budget in {b[0] for b in BUDGET_BANDS} else None,
            sort=sort if sort in SORTS else "published",
        )


_FILTER_PHASES = [
    Phase.OPEN,
    Phase.CLOSED,
    Phase.IN_REVIEW,
    Phase.AWARDED,
    Phase.FAILED,
    Phase.CANCELLED,
]


def _phase_condition(phase: Phase | None, now: datetime):
    if phase is None:
        return Challenge.status.in_(PUBLIC_STATUSES)
    if phase is Phase.OPEN:
        return and_(Challenge.status == ChallengeStatus.PUBLISHED, Challenge.deadline > now)
    if phase is Phase.CLOSED:
        return or_(
            and_(Challenge.status == ChallengeStatus.PUBLISHED, Challenge.deadline <= now),
            Challenge.status == ChallengeStatus.CLOSED,
        )
    return Challenge.status == ChallengeStatus(phase.value)


def public_list(
    s: Session, filters: ListFilters, *, page: int, per_page: int, now: datetime
) -> Page:
    """One page of public challenges with their organisation names: two queries."""
    conditions = [_phase_condition(filters.phase, now)]
    if filters.field is not None:
        conditions.append(Challenge.field == filters.field)
    if filters.budget:
        _, low, high = next(b for b in BUDGET_BANDS if b[0] == filters.budget)
        conditions.append(Challenge.budget_total_fen >= low * FEN_PER_WAN)
        if high is not None:
            conditions.append(Challenge.budget_total_fen < high * FEN_PER_WAN)
    # count(*), not count(id): PostgreSQL can then answer from an index alone.
    total = s.exec(select(func.count()).select_from(Challenge).where(*conditions)).one()
    rows = s.exec(
        select(Challenge, Organisation.name)
        .join(Organisation, Organisation.id == Challenge.organisation_id)
        .where(*conditions)
        .options(load_only(*LIST_COLUMNS))
        .order_by(*SORTS[filters.sort])
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page([(c, name) for c, name in rows], page, per_page, total)


def latest_open(s: Session, *, now: datetime, limit: int) -> list[tuple[Challenge, str]]:
    """The newest challenges open for bids with their organisation names: one query.

    The home page's list; unlike ``public_list`` no total (the home figures have it).
    """
    rows = s.exec(
        select(Challenge, Organisation.name)
        .join(Organisation, Organisation.id == Challenge.organisation_id)
        .where(_phase_condition(Phase.OPEN, now))
        .options(load_only(*LIST_COLUMNS))
        .order_by(*SORTS["published"])
        .limit(limit)
    ).all()
    return [(c, name) for c, name in rows]


def organisation_challenges(s: Session, organisation_id: int) -> list[Challenge]:
    """Every challenge of one organisation, newest first (the issuer's own list)."""
    return list(
        s.exec(
            select(Challenge)
            .where(Challenge.organisation_id == organisation_id)
            .options(load_only(*LIST_COLUMNS, Challenge.review_comment))
            .order_by(Challenge.created_at.desc())
        ).all()
    )


def review_queue(
    s: Session, *, page: int = 1, per_page: int = 50
) -> tuple[list[tuple[Challenge, str]], int]:
    """A page of the challenges waiting for the bureau, oldest submission first, and the total."""
    waiting = Challenge.status == ChallengeStatus.PENDING_REVIEW
    total = s.exec(select(func.count()).select_from(Challenge).where(waiting)).one()
    rows = s.exec(
        select(Challenge, Organisation.name)
        .join(Organisation, Organisation.id == Challenge.organisation_id)
        .where(waiting)
        .options(load_only(*LIST_COLUMNS, Challenge.submitted_at))
        .order_by(Challenge.submitted_at, Challenge.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


def pending_amendments(
    s: Session, *, page: int = 1, per_page: int = 20
) -> tuple[list[tuple[Amendment, Challenge]], int]:
    """A page of the amendments waiting for the bureau, oldest first, and the total."""
    waiting = Amendment.status == AmendmentStatus.PENDING
    total = s.exec(select(func.count()).select_from(Amendment).where(waiting)).one()
    rows = s.exec(
        select(Amendment, Challenge)
        .join(Challenge, Challenge.id == Amendment.challenge_id)
        .where(waiting)
        .order_by(Amendment.proposed_at, Amendment.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


def questions_for(
    s: Session, challenge_id: int, *, see_all: bool, asker_id: int | None
) -> list[Question]:
    """Answered questions for everyone; unanswered ones for the issuer/staff and their asker."""
    condition = Question.answered_at.is_not(None)
    if see_all:
        condition = Question.id.is_not(None)
    elif asker_id is not None:
        condition = or_(condition, Question.asker_id == asker_id)
    return list(
        s.exec(
            select(Question)
            .where(Question.challenge_id == challenge_id, condition)
            .order_by(Question.created_at)
        ).all()
    )


def counts_by_phase(s: Session, now: datetime) -> dict[str, int]:
    """Public counts for the home page."""
    open_count = s.exec(
        select(func.count()).select_from(Challenge).where(_phase_condition(Phase.OPEN, now))
    ).one()
    budget = s.exec(
        select(func.coalesce(func.sum(Challenge.budget_total_fen), 0)).where(
            Challenge.status.in_(PUBLIC_STATUSES),
            Challenge.status != ChallengeStatus.CANCELLED,
        )
    ).one()
    total = s.exec(
        select(func.count()).select_from(Challenge).where(Challenge.status.in_(PUBLIC_STATUSES))
    ).one()
    return {"open": open_count, "published": total, "budget_fen": int(budget)}


def count_pending_review(s: Session) -> int:
    """How many challenges wait for the bureau's review."""
    return s.exec(
        select(func.count()).where(Challenge.status == ChallengeStatus.PENDING_REVIEW)
    ).one()
