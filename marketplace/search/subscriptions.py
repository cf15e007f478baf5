"""「订阅」: a team saves a query (or follows its profile) and tick sends a digest of new
matching challenges as an in-site notification."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask_babel import gettext as _
from sqlalchemy import Column, Date, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from .. import audit, db
from ..accounts.access import is_member
from ..accounts.models import User
from ..challenges.models import Phase
from ..errors import NotFound, ValidationFailed
from ..models_base import utc_field
from ..notifications import NotificationKind, notify
from ..units import SHANGHAI
from .actions import SubscriptionAction


class Subscription(SQLModel, table=True):
    __tablename__ = "search_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    query: str = Field(default="", max_length=200)
    profile_id: int | None = Field(default=None, foreign_key="team_profile.id")
    created_at: datetime = utc_field(default_now=True)
    last_sent_at: datetime = utc_field(default_now=True)


class DigestRun(SQLModel, table=True):
    """The digest a user got on one Beijing day: at most one a day (the unique key says so)."""

    __tablename__ = "subscription_digest"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_subscription_digest_user_day"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    day: date = Field(sa_column=Column(Date, nullable=False))
    challenges: int = Field(default=0)  # distinct new challenges it listed
    sent_at: datetime = utc_field(default_now=True)


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
    """Once a Beijing day per user at most: one digest of the challenges published since each
    of their subscriptions' last digest. Returns how many digests were sent; a second run on
    the same day sends none (the day's digest is recorded per user)."""
    from ..teams.models import TeamProfile
    from . import service

    now = now or db.utcnow()
    today = now.astimezone(SHANGHAI).date()
    s = db.session()
    done = set(s.exec(select(DigestRun.user_id).where(DigestRun.day == today)).all())
    by_user: dict[int, list[tuple[int, list[int], str]]] = {}
    for sub in s.exec(select(Subscription).order_by(Subscription.user_id, Subscription.id)).all():
        if sub.user_id in done:
            continue
        if sub.profile_id is not None:
            profile = s.get(TeamProfile, sub.profile_id)
            # A member who has since left (or was rejected) hears no more about the profile.
            follower = s.get(User, sub.user_id)
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
        by_user.setdefault(sub.user_id, []).append((sub.id, ids, label))
    sent = 0
    for user_id, items in by_user.items():
        try:
            sent += _digest(user_id, items, today, now)
        except IntegrityError:  # another tick recorded this user's digest for today first
            continue
    return sent


def _search_link(sub: Subscription) -> str:
    if sub.query:
        return "/search?" + urlencode({"q": sub.query, "kind": "challenge", "status": Phase.OPEN})
    return "/challenges"


@db.transactional
def _digest(
    s: Session, user_id: int, items: list[tuple[int, list[int], str]], today: date, now: datetime
) -> int:
    from ..challenges.models import Challenge

    subs = {
        sub.id: sub
        for sub in s.exec(
            select(Subscription).where(Subscription.user_id == user_id).with_for_update()
        ).all()
    }
    already = s.exec(
        select(DigestRun.id).where(DigestRun.user_id == user_id, DigestRun.day == today)
    ).first()
    if already is not None:
        return 0
    found: list[tuple[Subscription, str, list]] = []
    for subscription_id, challenge_ids, label in items:
        sub = subs.get(subscription_id)
        if sub is None:  # deleted since the search ran
            continue
        fresh = []
        if challenge_ids:
            fresh = s.exec(
                select(Challenge)
                .where(
                    Challenge.id.in_(challenge_ids),
                    Challenge.published_at > sub.last_sent_at,
                    Challenge.published_at <= now,
                )
                .order_by(Challenge.published_at, Challenge.id)
            ).all()
        sub.last_sent_at = now
        if fresh:
            found.append((sub, label, list(fresh)))
    if not found:
        return 0
    distinct = {c.id for _sub, _label, fresh in found for c in fresh}
    if len(found) == 1:
        sub, label, fresh = found[0]
        title = _("订阅“%(label)s”有 %(n)d 个新榜单", label=label[:40], n=len(fresh))
        body = "\n".join(f"{c.code} {c.title}" for c in fresh[:20])
        link = _search_link(sub)
    else:
        title = _("您的 %(s)d 项订阅今日有 %(n)d 个新榜单", s=len(found), n=len(distinct))
        blocks = []
        for _sub, label, fresh in found:
            lines = "\n".join(f"{c.code} {c.title}" for c in fresh[:10])
            blocks.append(f"【{label[:40]}】\n{lines}")
        body = "\n\n".join(blocks)
        link = "/my/subscriptions"
    s.add(DigestRun(user_id=user_id, day=today, challenges=len(distinct), sent_at=now))
    notify(s, user_ids=[user_id], title=title, body=body, link=link, kind=NotificationKind.DIGEST)
    return 1
