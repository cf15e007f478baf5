"""Who may do what with a challenge (object-level checks, state-aware)."""

from __future__ import annotations

from ..accounts.access import is_member
from ..accounts.models import Role, User
from .models import PUBLIC_STATUSES, Challenge, ChallengeStatus


def is_issuer(user: User | None, challenge: Challenge) -> bool:
    """A member of the issuing organisation."""
    return is_member(user, challenge.organisation_id)


def is_staff(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff)


def can_view(user: User | None, challenge: Challenge) -> bool:
    """Published (and later) challenges are public; drafts only for the issuer and staff."""
    return challenge.status in PUBLIC_STATUSES or is_issuer(user, challenge) or is_staff(user)


def can_edit(user: User | None, challenge: Challenge) -> bool:
    return (
        challenge.status is ChallengeStatus.DRAFT
        and is_issuer(user, challenge)
        and user.role is Role.ENTERPRISE
    )


def can_answer(user: User | None, challenge: Challenge) -> bool:
    return is_staff(user) or (is_issuer(user, challenge) and user.role is Role.ENTERPRISE)
