"""The audit trail as staff read it: words instead of codes, links, and sealed bids kept sealed.

The stored trail (``marketplace/audit.py``) keeps everything. What it *shows* follows the
sealing rule of bids (揭榜密封): until a bid's challenge stops being sealed, a row about that
bid tells only that something of that kind happened at that time, never who, which bid or
what, because the bid list itself hides exactly that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.models import Organisation, Role, User
from ..bids.access import can_open as can_open_bid
from ..bids.access import is_sealed
from ..bids.models import SUBMITTED_OR_LATER, Bid
from ..challenges import access as challenge_access
from ..challenges.models import Amendment, Challenge, Question
from ..integrity.models import IntegrityRecord
from ..review.models import ExpertProfile
from ..teams import access as team_access
from ..teams.models import Achievement, TeamProfile
from .audit_labels import OBJECT_LABELS, action_label, field_label, value_text

HIDDEN = _l("（密封期内不显示）")

# --- sealing -------------------------------------------------------------------------------


def _sealed_bid_ids(s: Session, now: datetime):
    """The ids of bids nobody outside their organisation may open, as a subquery.

    The same rule as ``bids.access.is_opened_to_others``: still sealed, or withdrawn, or never
    submitted (those stay with their own organisation for good).
    """
    challenges = s.exec(select(Challenge).where(Challenge.id.in_(select(Bid.challenge_id)))).all()
    sealed = [c.id for c in challenges if is_sealed(c, now)]
    return select(Bid.id).where(
        or_(
            Bid.challenge_id.in_(sealed),
            Bid.status.not_in(SUBMITTED_OR_LATER),
            Bid.submitted_version == 0,
        )
    )


def sealed_rows(s: Session, *, now: datetime | None = None) -> ColumnElement[bool]:
    """Audit rows about a sealed bid: the bid's own rows and rows of other objects naming it.

    The one condition both the display and the searches use, so a row that is shown without
    its actor can never be found by searching for that actor either.
    """
    ids = _sealed_bid_ids(s, now or db.utcnow())
    # A bid attachment, say, names its bid in its payload rather than in object_id.
    return or_(
        and_(
            audit.AuditEvent.object_type == "bid",
            audit.AuditEvent.object_id.in_(select(cast(ids.subquery().c.id, String))),
        ),
        audit.AuditEvent.after["bid_id"].as_integer().in_(ids),
        audit.AuditEvent.before["bid_id"].as_integer().in_(ids),
    )


# --- what a row says -----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: the field had no earlier value (a creation)
    after: str


@dataclass(frozen=True)
class TrailRow:
    created_at: datetime
    action: str
    action_label: str
    actor: str
    actor_detail: str
    object_label: str
    object_url: str | None
    changes: list[Change]
    ip: str
    sealed: bool


def _changes(event: audit.AuditEvent) -> list[Change]:
    out = []
    for field, old, new in event.changes():
        label = field_label(event.object_type, field)
        before = None if event.before is None else value_text(event.object_type, field, old)
        out.append(Change(label, before, value_text(event.object_type, field, new)))
    return out


Describer = Callable[[Session, User, list[int]], dict[int, tuple[str, str | None]]]


def _by_id(s: Session, model, ids: Iterable[int]) -> dict[int, Any]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {row.id: row for row in s.exec(select(model).where(model.id.in_(ids))).all()}


def _challenge_text(c: Challenge) -> str:
    return f"{c.title}（{c.code}）" if c.code else c.title


def _challenges(s, viewer, ids):
    return {
        c.id: (
            _challenge_text(c),
            url_for("challenges.detail", challenge_id=c.id)
            if challenge_access.can_view(viewer, c)
            else None,
        )
        for c in _by_id(s, Challenge, ids).values()
    }


def _of_challenge(model, kind: str) -> Describer:
    """Questions and amendments are read on their challenge's page."""

    def describe(s, viewer, ids):
        rows = _by_id(s, model, ids)
        pages = _challenges(s, viewer, [r.challenge_id for r in rows.values()])
        out = {}
        for r in rows.values():
            text, url = pages.get(r.challenge_id, ("", None))
            out[r.id] = (f"{OBJECT_LABELS[kind]} #{r.id} · {text}", url)
        return out

    return describe


def _organisations(s, viewer, ids):
    out = {}
    for o in _by_id(s, Organisation, ids).values():
        url = url_for("accounts.staff_organisation", org_id=o.id) if viewer.is_staff else None
        out[o.id] = (o.name, url)
    return out


def _users(s, viewer, ids):
    # The accounts page is the admin's alone.
    admin = viewer.role is Role.ADMIN
    out = {}
    for u in _by_id(s, User, ids).values():
        url = url_for("accounts.admin_user", user_id=u.id) if admin else None
        out[u.id] = (f"{u.name}（{u.email}）", url)
    return out


def _bids(s, viewer, ids):
    bids = _by_id(s, Bid, ids)
    challenges = _by_id(s, Challenge, [b.challenge_id for b in bids.values()])
    orgs = _by_id(s, Organisation, [b.organisation_id for b in bids.values()])
    out = {}
    for b in bids.values():
        org = orgs.get(b.organisation_id)
        challenge = challenges.get(b.challenge_id)
        url = (
            url_for("bids.detail", bid_id=b.id)
            if challenge is not None and can_open_bid(viewer, b, challenge)
            else None
        )
        out[b.id] = (f"{b.number}（{org.name if org else ''}）", url)
    return out


def _teams(model, endpoint: str, arg: str, text: Callable[[Any], str]) -> Describer:
    def describe(s, viewer, ids):
        out = {}
        for r in _by_id(s, model, ids).values():
            url = url_for(endpoint, **{arg: r.id}) if team_access.can_view(viewer, r) else None
            out[r.id] = (text(r), url)
        return out

    return describe


def _integrity(s, viewer, ids):
    url = url_for("integrity.staff_records") if viewer.is_staff else None
    label = OBJECT_LABELS["integrity_record"]
    return {r.id: (f"{label} #{r.id}", url) for r in _by_id(s, IntegrityRecord, ids).values()}


def _experts(s, viewer, ids):
    profiles = _by_id(s, ExpertProfile, ids)
    people = _by_id(s, User, [p.user_id for p in profiles.values()])
    out = {}
    for p in profiles.values():
        person = people.get(p.user_id)
        url = url_for("review.edit_profile", user_id=p.user_id) if viewer.is_staff else None
        out[p.id] = (f"{OBJECT_LABELS['expert_profile']} · {person.name if person else ''}", url)
    return out


_DESCRIBERS: dict[str, Describer] = {
    "expert_profile": _experts,
    "challenge": _challenges,
    "question": _of_challenge(Question, "question"),
    "amendment": _of_challenge(Amendment, "amendment"),
    "organisation": _organisations,
    "user": _users,
    "bid": _bids,
    "team_profile": _teams(TeamProfile, "teams.detail", "profile_id", lambda r: r.team_name),
    "achievement": _teams(Achievement, "teams.achievement", "achievement_id", lambda r: r.title),
    "integrity_record": _integrity,
}


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _present(s: Session, viewer: User, events: list[audit.AuditEvent], sealed: set[int]):
    shown = [e for e in events if e.id not in sealed]
    wanted: dict[str, list[int]] = {}
    for e in shown:
        if e.object_type in _DESCRIBERS and _int(e.object_id):
            wanted.setdefault(e.object_type, []).append(_int(e.object_id))
    described = {t: _DESCRIBERS[t](s, viewer, ids) for t, ids in wanted.items()}
    actors = _by_id(s, User, [e.actor_id for e in shown if e.actor_id])
    rows = []
    for e in events:
        kind = str(OBJECT_LABELS.get(e.object_type, e.object_type))
        common = {"created_at": e.created_at, "action": e.action}
        if e.id in sealed:
            # Only the kind of action and its time: no actor, bid, organisation, content or IP.
            rows.append(
                TrailRow(
                    **common,
                    action_label=action_label(e.action),
                    actor=str(HIDDEN),
                    actor_detail="",
                    object_label=f"{kind} {HIDDEN}",
                    object_url=None,
                    changes=[],
                    ip="",
                    sealed=True,
                )
            )
            continue
        actor = actors.get(e.actor_id)
        text, url = described.get(e.object_type, {}).get(_int(e.object_id) or 0, ("", None))
        rows.append(
            TrailRow(
                **common,
                action_label=action_label(e.action),
                actor=actor.name if actor else e.actor_label,
                actor_detail=e.actor_label if actor else "",
                object_label=text or (f"{kind} #{e.object_id}" if e.object_id else kind),
                object_url=url,
                changes=_changes(e),
                ip=e.ip,
                sealed=False,
            )
        )
    return rows


def browse(
    s: Session,
    *,
    viewer: User,
    action: str | None = None,
    object_type: str | None = None,
    actor: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[TrailRow], int]:
    """One page of the trail as ``viewer`` may read it; newest first. Returns (rows, total)."""
    hidden = sealed_rows(s)
    events, total = audit.query_events(
        s,
        action=action,
        object_type=object_type,
        actor=actor,
        date_from=date_from,
        date_to=date_to,
        page=page,
        per_page=per_page,
        actor_ids=select(User.id).where(User.name.contains(actor, autoescape=True))
        if actor
        else None,
        unsearchable=hidden,
    )
    ids = [e.id for e in events]
    sealed = (
        set(s.exec(select(audit.AuditEvent.id).where(audit.AuditEvent.id.in_(ids), hidden)).all())
        if ids
        else set()
    )
    return _present(s, viewer, events, sealed), total


def action_choices(s: Session) -> list[tuple[str, str]]:
    """(code, label) of every action in the trail, for the filter's drop-down."""
    return [(code, action_label(code)) for code in audit.known_actions(s)]


def object_type_choices() -> list[tuple[str, str]]:
    """(code, label) of every kind of object the trail names."""
    return [(code, str(label)) for code, label in OBJECT_LABELS.items()]
