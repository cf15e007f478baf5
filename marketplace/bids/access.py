"""Who may see a bid. Before the deadline a bid is sealed: only its own organisation sees it."""

from __future__ import annotations

from ..accounts.models import Membership, User
from ..challenges.access import is_issuer, is_staff
from ..challenges.models import Challenge
from .models import Bid, BidStatus


def is_bidder(user: User | None, bid: Bid) -> bool:
    """An approved member of the bidding organisation."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.organisation_id == bid.organisation_id
        and user.membership is Membership.APPROVED
    )


def can_open(user: User | None, bid: Bid, challenge: Challenge) -> bool:
    """The bidder always; after the deadline the issuer and staff, for submitted bids only."""
    if is_bidder(user, bid):
        return True
    if bid.submitted_version == 0 or bid.status is BidStatus.DRAFT:
        return False
    if challenge.is_open():
        return False
    return is_issuer(user, challenge) or is_staff(user)
