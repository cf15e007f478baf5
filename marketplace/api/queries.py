"""Reads behind the API and the OCDS package: public rows only, a bounded page at a time.

Every list is one count and one page query, plus one query per kind of child row for the whole
page (indicators, shares, milestones), never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from ..accounts.models import Organisation
from ..awards.models import Award, AwardShare, AwardStatus
from ..bids.models import SUBMITTED_OR_LATER, Bid
from ..challenges.models import PUBLIC_STATUSES, Challenge, ChallengeStatus, Indicator, Phase
from ..pagination import Page
from ..projects.ledger_models import Tranche, TrancheStatus
from ..projects.milestone_models import Milestone
from ..projects.models import Project
from ..units import SHANGHAI
from .models import ApiToken


def year_range(year: int) -> tuple[datetime, datetime]:
    """The instants a calendar year covers in Beijing time."""
    return datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)


def _in_year(column, year: int | None) -> list:
    if year is None:
        return []
    start, end = year_range(year)
    return [column >= start, column < end]


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


def _page(s: Session, query, count_query, page: int, per_page: int) -> Page:
    total = s.exec(count_query).one()
    rows = s.exec(query.offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), page, per_page, total)


def organisations(s: Session, ids) -> dict[int, Organisation]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {o.id: o for o in s.exec(select(Organisation).where(Organisation.id.in_(ids)))}


def challenges(
    s: Session,
    *,
    year: int | None,
    industry,
    phase: Phase | None,
    now: datetime,
    page: int,
    per_page: int,
) -> Page:
    """Public challenges, newest first: rows of (Challenge, Organisation)."""
    conditions = [_phase_condition(phase, now), *_in_year(Challenge.published_at, year)]
    if industry is not None:
        conditions.append(Challenge.field == industry)
    query = (
        select(Challenge, Organisation)
        .join(Organisation, Organisation.id == Challenge.organisation_id)
        .where(*conditions)
        .order_by(Challenge.published_at.desc(), Challenge.id.desc())
    )
    count = select(func.count()).select_from(Challenge).where(*conditions)
    return _page(s, query, count, page, per_page)


def indicators_of(s: Session, challenge_ids) -> dict[int, list[Indicator]]:
    found: dict[int, list[Indicator]] = defaultdict(list)
    if challenge_ids:
        rows = s.exec(
            select(Indicator)
            .where(Indicator.challenge_id.in_(list(challenge_ids)))
            .order_by(Indicator.challenge_id, Indicator.position)
        )
        for row in rows:
            found[row.challenge_id].append(row)
    return found


def confirmed_awards(s: Session, *, year: int | None, industry, page: int, per_page: int) -> Page:
    """Confirmed awards, newest first: rows of (Award, Challenge)."""
    conditions = [Award.status == AwardStatus.CONFIRMED, *_in_year(Award.decided_at, year)]
    if industry is not None:
        conditions.append(Challenge.field == industry)
    query = (
        select(Award, Challenge)
        .join(Challenge, Challenge.id == Award.challenge_id)
        .where(*conditions)
        .order_by(Award.decided_at.desc(), Award.id.desc())
    )
    count = (
        select(func.count())
        .select_from(Award)
        .join(Challenge, Challenge.id == Award.challenge_id)
        .where(*conditions)
    )
    return _page(s, query, count, page, per_page)


def shares_of(s: Session, award_ids) -> dict[int, list[AwardShare]]:
    found: dict[int, list[AwardShare]] = defaultdict(list)
    if award_ids:
        rows = s.exec(
            select(AwardShare)
            .where(AwardShare.award_id.in_(list(award_ids)))
            .order_by(AwardShare.award_id, AwardShare.position)
        )
        for row in rows:
            found[row.award_id].append(row)
    return found


def projects(
    s: Session,
    *,
    year: int | None,
    industry,
    status,
    page: int,
    per_page: int,
    organisation_id: int | None = None,
) -> Page:
    """Projects, newest first: rows of (Project, Challenge). With ``organisation_id``: those
    the organisation carries out or issued."""
    conditions = list(_in_year(Project.created_at, year))
    if industry is not None:
        conditions.append(Challenge.field == industry)
    if status is not None:
        conditions.append(Project.status == status)
    if organisation_id is not None:
        conditions.append(
            or_(
                Project.organisation_id == organisation_id,
                Challenge.organisation_id == organisation_id,
            )
        )
    query = (
        select(Project, Challenge)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .where(*conditions)
        .order_by(Project.created_at.desc(), Project.id.desc())
    )
    count = (
        select(func.count())
        .select_from(Project)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .where(*conditions)
    )
    return _page(s, query, count, page, per_page)


def milestones_of(s: Session, project_ids) -> dict[int, list[Milestone]]:
    found: dict[int, list[Milestone]] = defaultdict(list)
    if project_ids:
        rows = s.exec(
            select(Milestone)
            .where(Milestone.project_id.in_(list(project_ids)))
            .order_by(Milestone.project_id, Milestone.position)
        )
        for row in rows:
            found[row.project_id].append(row)
    return found


def released_tranches(s: Session, *, year: int | None, industry, page: int, per_page: int) -> Page:
    """Released tranches (兑现), newest first: rows of (Tranche, Project, Challenge)."""
    conditions = [Tranche.status == TrancheStatus.RELEASED, *_in_year(Tranche.released_at, year)]
    if industry is not None:
        conditions.append(Challenge.field == industry)
    query = (
        select(Tranche, Project, Challenge)
        .join(Project, Project.id == Tranche.project_id)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .where(*conditions)
        .order_by(Tranche.released_at.desc(), Tranche.id.desc())
    )
    count = (
        select(func.count())
        .select_from(Tranche)
        .join(Project, Project.id == Tranche.project_id)
        .join(Challenge, Challenge.id == Project.challenge_id)
        .where(*conditions)
    )
    return _page(s, query, count, page, per_page)


def tranches_of(s: Session, project_ids) -> dict[int, list[Tranche]]:
    found: dict[int, list[Tranche]] = defaultdict(list)
    if project_ids:
        rows = s.exec(
            select(Tranche)
            .where(Tranche.project_id.in_(list(project_ids)))
            .where(Tranche.status == TrancheStatus.RELEASED)
            .order_by(Tranche.project_id, Tranche.position)
        )
        for row in rows:
            found[row.project_id].append(row)
    return found


def submitted_bids(s: Session, organisation_id: int, *, page: int, per_page: int) -> Page:
    """The organisation's bids that were ever submitted, newest first: (Bid, Challenge)."""
    conditions = [Bid.organisation_id == organisation_id, Bid.submitted_version > 0]
    query = (
        select(Bid, Challenge)
        .join(Challenge, Challenge.id == Bid.challenge_id)
        .where(*conditions)
        .order_by(Bid.submitted_at.desc(), Bid.id.desc())
    )
    count = select(func.count()).select_from(Bid).where(*conditions)
    return _page(s, query, count, page, per_page)


def ocds_challenges(s: Session, *, page: int, per_page: int) -> Page:
    """Public challenges for the OCDS package, oldest first (a stable order for paging)."""
    conditions = [Challenge.status.in_(PUBLIC_STATUSES)]
    query = select(Challenge).where(*conditions).order_by(Challenge.published_at, Challenge.id)
    count = select(func.count()).select_from(Challenge).where(*conditions)
    return _page(s, query, count, page, per_page)


def live_awards_of(s: Session, challenge_ids) -> dict[int, Award]:
    """The award in publicity or confirmed of each challenge (at most one each)."""
    if not challenge_ids:
        return {}
    rows = s.exec(
        select(Award).where(
            Award.challenge_id.in_(list(challenge_ids)),
            Award.status.in_([AwardStatus.PUBLICITY, AwardStatus.CONFIRMED]),
        )
    )
    return {a.challenge_id: a for a in rows}


def projects_of_challenges(s: Session, challenge_ids) -> dict[int, list[Project]]:
    found: dict[int, list[Project]] = defaultdict(list)
    if challenge_ids:
        rows = s.exec(
            select(Project)
            .where(Project.challenge_id.in_(list(challenge_ids)))
            .order_by(Project.challenge_id, Project.id)
        )
        for row in rows:
            found[row.challenge_id].append(row)
    return found


def submitted_bid_counts(s: Session, challenge_ids) -> dict[int, int]:
    """How many bids were submitted to each challenge (shown only once bids are unsealed)."""
    if not challenge_ids:
        return {}
    rows = s.exec(
        select(Bid.challenge_id, func.count())
        .where(Bid.challenge_id.in_(list(challenge_ids)), Bid.status.in_(SUBMITTED_OR_LATER))
        .group_by(Bid.challenge_id)
    )
    return dict(rows.all())


def tokens_of(s: Session, user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first (revoked and expired ones too, marked as such)."""
    return list(
        s.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def token_by_hash(s: Session, digest: str) -> ApiToken | None:
    return s.exec(select(ApiToken).where(ApiToken.token_sha256 == digest)).first()
