"""Who may see and change a capability profile or a technology achievement."""

from __future__ import annotations

from ..accounts.access import is_member
from ..accounts.models import Role, User
from .models import Achievement, TeamProfile


def is_insider(user: User | None, organisation_id: int) -> bool:
    """An approved member of the owning organisation."""
    return is_member(user, organisation_id)


def is_staff(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff)


def can_view(user: User | None, item: TeamProfile | Achievement) -> bool:
    """Public ones for everybody; private ones for their organisation and the bureau only."""
    return item.is_public or is_insider(user, item.organisation_id) or is_staff(user)


def can_edit(user: User | None, item: TeamProfile | Achievement) -> bool:
    """A researcher of the owning organisation (whether it is verified is checked on saving)."""
    return is_insider(user, item.organisation_id) and user.role is Role.RESEARCHER
