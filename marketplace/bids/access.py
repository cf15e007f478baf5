"""Who may see a bid. Sealing is one rule, here: it depends on the deadline, never on a status.

Before the bidding deadline a bid is sealed: only approved members of its own organisation
see it. A challenge cancelled (撤榜) before its deadline never reaches it, so its bids stay
sealed for good. After the deadline the issuer and staff may open submitted bids; withdrawn
bids and working copies stay with their own organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..accounts.access import is_member
from ..accounts.models import User
from ..challenges.access import is_issuer, is_staff
from ..challenges.models import Challenge, ChallengeStatus
from ..db import utcnow
from .models import SUBMITTED_OR_LATER, Bid


def is_sealed(challenge: Challenge, now: datetime | None = None) -> bool:
    """True while the bids of ``challenge`` may be seen by their own organisation only."""
    if challenge.status is ChallengeStatus.CANCELLED:
        # Cancelling records when bidding stopped; before the deadline means sealed for good.
        stopped = challenge.closed_at
        return stopped is None or challenge.deadline is None or stopped < challenge.deadline
    return challenge.deadline is None or (now or utcnow()) < challenge.deadline


def is_bidder(user: User | None, bid: Bid) -> bool:
    """An approved member of the bidding organisation."""
    return is_member(user, bid.organisation_id)


def is_opened_to_others(bid: Bid, challenge: Challenge, now: datetime | None = None) -> bool:
    """Whether anyone outside the bidding organisation may read this bid at all."""
    return (
        bid.status in SUBMITTED_OR_LATER
        and bid.submitted_version > 0
        and not is_sealed(challenge, now)
    )


# Other domains name who else may open a bid once it is opened to others (the review domain
# adds the experts assigned to it). Registered at import, so bids never imports them.
Reader = Callable[[User, Bid, Challenge], bool]
READERS: list[Reader] = []


def can_open(user: User | None, bid: Bid, challenge: Challenge) -> bool:
    """The bidder always; after the deadline the issuer, staff and registered readers."""
    if is_bidder(user, bid):
        return True
    if not is_opened_to_others(bid, challenge):
        return False
    if is_issuer(user, challenge) or is_staff(user):
        return True
    return bool(user is not None and getattr(user, "is_authenticated", False)) and any(
        reader(user, bid, challenge) for reader in READERS
    )
