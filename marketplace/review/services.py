"""Verbs on the expert pool: saving a profile (one transaction, audited) and the eligible pool.

An expert keeps their own profile; staff and admins keep anyone's. Whether someone is a
finance expert (财务专家) counts towards a panel's composition, so the bureau decides it: an
expert's own save keeps the flag as staff last set it.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, or_
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.models import Role, User
from ..challenges.models import Industry
from ..errors import Conflict, NotFound
from .actions import ExpertProfileAction
from .models import Availability, ExpertField, ExpertProfile
from .schemas import ExpertProfileInput, local_today

PROFILE_FIELDS = (
    "keywords",
    "organisation_name",
    "organisation_uscc",
    "title",
    "is_finance_expert",
    "availability",
    "unavailable_until",
    "availability_note",
    "phone",
)


def can_edit(actor: User | None, expert: User | None) -> bool:
    """Staff and admins edit any expert's profile; an expert only their own."""
    if actor is None or not getattr(actor, "is_authenticated", False) or expert is None:
        return False
    if expert.role is not Role.EXPERT:
        return False
    return actor.is_staff or actor.id == expert.id


def profile_of(s: Session, user_id: int) -> ExpertProfile | None:
    return s.exec(select(ExpertProfile).where(ExpertProfile.user_id == user_id)).first()


def industries_of(s: Session, profile: ExpertProfile | None) -> list[Industry]:
    """The expert's fields in the enum's order."""
    if profile is None or profile.id is None:
        return []
    chosen = set(s.exec(select(ExpertField.industry).where(ExpertField.expert_id == profile.id)))
    return [i for i in Industry if i in chosen]


def snapshot(profile: ExpertProfile, industries: list[Industry]) -> dict:
    """The fields an audit event records."""
    snap = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    snap["availability"] = profile.availability.value
    snap["unavailable_until"] = (
        profile.unavailable_until.isoformat() if profile.unavailable_until else None
    )
    snap["industries"] = [i.value for i in industries]
    return snap


def available_on_clause(day: date):
    """SQL for :meth:`ExpertProfile.available_on`."""
    return or_(
        ExpertProfile.availability == Availability.AVAILABLE,
        and_(
            ExpertProfile.unavailable_until.is_not(None),
            ExpertProfile.unavailable_until < day,
        ),
    )


@db.transactional
def save_expert_profile(
    s: Session, *, actor: User, expert_id: int, data: ExpertProfileInput, expected_version: int
) -> ExpertProfile:
    """Create or update an expert's profile; a stale form (saved in between) is a Conflict.

    ``expected_version`` is the version the form was opened at, 0 when there was no profile.
    """
    # Locking the account serialises two first saves of the same profile (PostgreSQL).
    expert = s.get(User, expert_id, with_for_update=True)
    if not can_edit(actor, expert):
        raise NotFound()
    profile = profile_of(s, expert_id)
    if (profile.version_id if profile else 0) != expected_version:
        raise Conflict(_("该专家信息已被他人修改并保存。您填写的内容仍在下方，请核对后重新保存。"))
    before = snapshot(profile, industries_of(s, profile)) if profile else None
    if profile is None:
        profile = ExpertProfile(user_id=expert_id, organisation_name=data.organisation_name)
    finance = data.is_finance_expert if actor.is_staff else profile.is_finance_expert
    for name in PROFILE_FIELDS:
        setattr(profile, name, getattr(data, name))
    profile.is_finance_expert = finance
    profile.updated_at = db.utcnow()
    s.add(profile)
    s.flush()
    _replace_industries(s, profile, data.industries)
    audit.record(
        s,
        actor=actor,
        action=ExpertProfileAction.UPDATE if before else ExpertProfileAction.CREATE,
        obj=profile,
        before=before,
        after=snapshot(profile, data.industries),
    )
    return profile


def _replace_industries(s: Session, profile: ExpertProfile, industries: list[Industry]) -> None:
    rows = s.exec(select(ExpertField).where(ExpertField.expert_id == profile.id))
    current = {row.industry: row for row in rows}
    for industry, row in current.items():
        if industry not in industries:
            s.delete(row)
    for industry in industries:
        if industry not in current:
            s.add(ExpertField(expert_id=profile.id, industry=industry))


def eligible_experts(
    s: Session, *, industry: Industry, on: date | None = None
) -> list[ExpertProfile]:
    """Experts a panel for ``industry`` may draw on ``on`` (default: today in Asia/Shanghai):
    active expert accounts of that field, available that day. Ordered by account id, so a
    seeded draw over the list is reproducible."""
    on = on or local_today()
    return list(
        s.exec(
            select(ExpertProfile)
            .join(User, User.id == ExpertProfile.user_id)
            .join(ExpertField, ExpertField.expert_id == ExpertProfile.id)
            .where(
                User.role == Role.EXPERT,
                User.is_active_account.is_(True),
                ExpertField.industry == industry,
                available_on_clause(on),
            )
            .order_by(ExpertProfile.user_id)
        ).all()
    )


# Panels, scoring and ranking live in review.panels; these names are the awards' contract.
from .panel_models import PanelStatus  # noqa: E402
from .panels import (  # noqa: E402
    PanelSummary,
    declare,
    form_panel,
    panel_summary,
    ranking,
    remove_member,
    scoring_closed,
    shortlist_bids,
    shortlisted_bid_ids,
    submit_score,
)
from .ranking import RankedBid  # noqa: E402

__all__ = [
    "PanelStatus",
    "PanelSummary",
    "RankedBid",
    "declare",
    "form_panel",
    "panel_summary",
    "ranking",
    "remove_member",
    "scoring_closed",
    "shortlist_bids",
    "shortlisted_bid_ids",
    "submit_score",
]
