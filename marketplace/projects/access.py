"""Who may see a project: staff, the issuing organisation, and the organisation that carries it
(a 赛马 team sees its own racing project, not its rival's)."""

from __future__ import annotations

from sqlmodel import Session

from ..accounts.access import member_org_id
from ..challenges.access import is_staff
from ..challenges.models import Challenge
from .models import Project


def can_view(s: Session, user, project: Project) -> bool:
    if is_staff(user):
        return True
    org_id = member_org_id(user)
    if org_id is None:
        return False
    if project.organisation_id == org_id:
        return True
    return s.get(Challenge, project.challenge_id).organisation_id == org_id
