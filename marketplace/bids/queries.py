"""Read-side queries for the bid pages: versions, a team's bids, a challenge's submitted bids."""

from __future__ import annotations

from sqlmodel import Session, func, select

from ..accounts.models import Organisation
from ..challenges.models import Challenge
from .models import SUBMITTED_OR_LATER, Bid, BidVersion


def versions_of(s: Session, bid_id: int) -> list[BidVersion]:
    """Every submitted version of a bid, oldest first."""
    return list(
        s.exec(select(BidVersion).where(BidVersion.bid_id == bid_id).order_by(BidVersion.version))
    )


def version_of(s: Session, bid_id: int, version: int) -> BidVersion | None:
    """One submitted version of a bid (its receipt), or None."""
    return s.exec(
        select(BidVersion).where(BidVersion.bid_id == bid_id, BidVersion.version == version)
    ).first()


def organisation_bids(
    s: Session, organisation_id: int, *, page: int, per_page: int
) -> tuple[list[tuple[Bid, Challenge]], int]:
    """A page of an organisation's bids with their challenges, newest first, and the total."""
    mine = Bid.organisation_id == organisation_id
    total = s.exec(select(func.count()).select_from(Bid).where(mine)).one()
    rows = s.exec(
        select(Bid, Challenge)
        .join(Challenge, Challenge.id == Bid.challenge_id)
        .where(mine)
        .order_by(Bid.created_at.desc(), Bid.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


def submitted_bids(s: Session, challenge_id: int) -> list[tuple[Bid, str]]:
    """A challenge's submitted (or later) bids with their organisation's name, in order of
    submission. Callers check the seal first."""
    return list(
        s.exec(
            select(Bid, Organisation.name)
            .join(Organisation, Organisation.id == Bid.organisation_id)
            .where(Bid.challenge_id == challenge_id, Bid.status.in_(SUBMITTED_OR_LATER))
            .order_by(Bid.submitted_at)
        ).all()
    )
