"""「订阅」: a team saves a query (or follows its profile) and tick sends a digest of new
matching challenges as an in-site notification."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask_babel import gettext as _
from sqlmodel import Field, Session, SQLModel, select

from .. import audit, db
from ..accounts.access import is_member
from ..accounts.models import User
from ..challenges.models import Phase
from ..errors import NotFound, ValidationFailed
from ..models_base import utc_field
from ..notifications import notify
from .actions import SubscriptionAction


class Subscription(SQLModel, table=True):
    __tablename__ = "search_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    query: str = Field(default="", max_length=200)
    profile_id: int | None = Field(default=None, foreign_key="team_profile.id")
    created_at: datetime = utc_field(default_now=True)
    last_sent_at: datetime = utc_field(default_now=True)


@db.transactional
def subscribe(
    s: Session, *, actor: User, query: str = "", profile_id: int | None = None
) -> Subscription:
    """Save a query, or follow one of the organisation's own profiles."""
    from ..teams.models import TeamProfile

    query = (query or "").strip()[:200]
    if profile_id is not None:
        profile = s.get(TeamProfile, profile_id)
        # Only an approved member follows the organisation's profiles (private ones included).
        if profile is None or not is_member(actor, profile.organisation_id):
            raise NotFound()
    elif not query:
        msg = _("请输入要订阅的关键词。")
        raise ValidationFailed(msg, field_errors={"query": [msg]})
    sub = Subscription(user_id=actor.id, query=query, profile_id=profile_id)
    s.add(sub)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=SubscriptionAction.CREATE,
        obj=sub,
        after={"query": query, "profile_id": profile_id},
    )
    return sub


@db.transactional
def unsubscribe(s: Session, *, actor: User, subscription_id: int) -> None:
    sub = s.get(Subscription, subscription_id)
    if sub is None or sub.user_id != actor.id:
        raise NotFound()
    s.delete(sub)
    audit.record(
        s,
        actor=actor,
        action=SubscriptionAction.DELETE,
        obj=(Subscription, subscription_id),
    )


def of_user(s: Session, user_id: int) -> list[Subscription]:
    return list(
        s.exec(
            select(Subscription).where(Subscription.user_id == user_id).order_by(Subscription.id)
        )
    )


def send_digests(*, now: datetime | None = None) -> int:
    """For every subscription, notify the challenges published since its last digest."""
    from ..teams.models import TeamProfile
    from . import service

    now = now or db.utcnow()
    sent = 0
    for sub in db.session().exec(select(Subscription)).all():
        if sub.profile_id is not None:
            profile = db.session().get(TeamProfile, sub.profile_id)
            # A member who has since left (or was rejected) hears no more about the profile.
            follower = db.session().get(User, sub.user_id)
            if profile is not None and not is_member(follower, profile.organisation_id):
                profile = None
            matches = service.matches_for_profile(profile, limit=50) if profile else []
            ids = [m.doc_id for m in matches]
            label = profile.team_name if profile else ""
        else:
            page = service.run(sub.query, filters={"kind": "challenge"}, open_only=True,
                               per_page=50)  # fmt: skip
            ids = [h["id"] for h in page.hits]
            label = sub.query
        sent += _digest(sub.id, ids, label, now)
    return sent


@db.transactional
def _digest(s: Session, subscription_id: int, challenge_ids: list[int], label: str, now) -> int:
    from ..challenges.models import Challenge

    sub = s.get(Subscription, subscription_id, with_for_update=True)
    if sub is None:
        return 0
    fresh = []
    if challenge_ids:
        fresh = s.exec(
            select(Challenge).where(
                Challenge.id.in_(challenge_ids),
                Challenge.published_at > sub.last_sent_at,
                Challenge.published_at <= now,
            )
        ).all()
    sub.last_sent_at = now
    if not fresh:
        return 0
    lines = "\n".join(f"{c.code} {c.title}" for c in fresh[:20])
    notify(
        s,
        user_ids=[sub.user_id],
        title=_("订阅“%(label)s”有 %(n)d 个新榜单", label=label[:40], n=len(fresh)),
        body=lines,
        link=(
            "/search?" + urlencode({"q": sub.query, "kind": "challenge", "status": Phase.OPEN})
            if sub.query
            else "/challenges"
        ),
    )
    return 1
