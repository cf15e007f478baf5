"""The append-only audit trail: who did what to which object, before and after, when, from where.

Rows are only ever inserted; database triggers (see the first migration) refuse UPDATE and
DELETE, so not even a bug or a console session can rewrite history.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, Column, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Session, SQLModel, func, select
from werkzeug.local import LocalProxy

from .db import utcnow
from .models_base import utc_field
from .states import LabelledEnum

log = logging.getLogger(__name__)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_field(default_now=True, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str = Field(default="", max_length=200)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=64, index=True)
    object_id: str = Field(default="", max_length=64)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    ip: str = Field(default="", max_length=64)

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field that differs, for people to read."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class AuditAction(LabelledEnum):
    """An action code of the trail. Each domain declares its own (``class BidAction(AuditAction)``
    in ``<domain>/actions.py``) with ``__labels__``; the trail's page and filter read the labels
    from there. The values are what is stored, so they never change once written.
    """


def audit_actions() -> dict[str, AuditAction]:
    """Every declared action by stored value (its domain's ``actions`` module imported)."""
    found: dict[str, AuditAction] = {}
    pending = list(AuditAction.__subclasses__())
    while pending:
        cls = pending.pop()
        found.update({m.value: m for m in cls})
        pending.extend(cls.__subclasses__())
    return found


# The trail named these kinds of object before the type was derived from the table; history
# keeps the old names, so new rows do too.
_TYPE_OF_TABLE = {
    "user_account": "user",
    "challenge_amendment": "amendment",
    "challenge_question": "question",
    "search_subscription": "subscription",
}


def object_ref(obj: Any) -> tuple[str, str]:
    """(type, id) of an audited object: a model instance, or ``(ModelClass, id)`` when only the
    id is at hand (a bulk update, a row deleted by id)."""
    if isinstance(obj, LocalProxy):  # current_user
        obj = obj._get_current_object()
    model, ident = obj if isinstance(obj, tuple) else (type(obj), getattr(obj, "id", None))
    table = getattr(model, "__audit_type__", None) or model.__tablename__
    return _TYPE_OF_TABLE.get(table, table), str(ident if ident is not None else "")


def _client_ip() -> str:
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:64]


def _actor_label(actor: Any) -> str:
    return (getattr(actor, "email", None) or str(actor or "system"))[:200]


def record(
    s: Session,
    *,
    actor: Any,
    action: AuditAction,
    obj: Any,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit event in the caller's transaction, and say so in the log.

    ``action`` is a member of a domain's ``AuditAction`` enum; ``obj`` is the model instance
    acted on (or ``(ModelClass, id)``), whose type and id are derived.
    """
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit.record needs an AuditAction member, not {action!r}")
    if getattr(obj, "id", 0) is None:
        s.flush()  # a new row gets its id now, so the event names it
    object_type, object_id = object_ref(obj)
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=_actor_label(actor),
        action=action.value,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        ip=_client_ip(),
    )
    s.add(event)
    # The operational line: who, what, which object. Never before/after: they may hold sealed
    # bid content or personal data, which belong in the database only.
    log.info(
        "audit %s by %s (user %s) on %s %s",
        event.action,
        event.actor_label,
        event.actor_id if event.actor_id is not None else "-",
        event.object_type,
        event.object_id or "-",
    )
    return event


def query_events(
    s: Session,
    *,
    action: str | None = None,
    object_type: str | None = None,
    actor: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
    actor_ids: Any = None,
    unsearchable: ColumnElement[bool] | None = None,
) -> tuple[list[AuditEvent], int]:
    """Filter the trail for the staff browser; newest first. Returns (rows, total).

    ``actor`` matches the recorded label, or an id in ``actor_ids`` (e.g. people found by
    name). Rows matching ``unsearchable`` (those shown without their actor) are never found
    by an actor search, or the search itself would name who did them.
    """
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if actor:
        by_actor = AuditEvent.actor_label.contains(actor, autoescape=True)
        if actor_ids is not None:
            by_actor = or_(by_actor, AuditEvent.actor_id.in_(actor_ids))
        stmt = stmt.where(by_actor)
        if unsearchable is not None:
            # By id, not NOT(condition): a JSON field that is absent is NULL, and NOT NULL
            # would drop every ordinary row too.
            stmt = stmt.where(AuditEvent.id.not_in(select(AuditEvent.id).where(unsearchable)))
    if date_from:
        stmt = stmt.where(AuditEvent.created_at >= date_from)
    if date_to:
        stmt = stmt.where(AuditEvent.created_at < date_to)
    total = s.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = s.exec(
        stmt.order_by(AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total


def known_actions(s: Session) -> list[str]:
    """Distinct action names, for the filter's drop-down."""
    return list(s.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all())
