"""Who may see a project: staff, the issuing organisation, and the awarded organisations."""

from __future__ import annotations

from sqlmodel import Session, select

from ..accounts.access import member_org_id
from ..awards.models import AwardShare
from ..challenges.access import is_staff
from ..challenges.models import Challenge
from .models import Project


def can_view(s: Session, user, project: Project) -> bool:
    if is_staff(user):
        return True
    org_id = member_org_id(user)
    if org_id is None:
        return False
    if s.get(Challenge, project.challenge_id).organisation_id == org_id:
        return True
    awarded = s.exec(
        select(AwardShare.organisation_id).where(AwardShare.award_id == project.award_id)
    )
    return org_id in set(awarded)
