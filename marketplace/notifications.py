"""In-site notifications (站内消息). Never carries sealed bid content: only public facts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, func, select

from . import db
from .errors import NotFound
from .models_base import utc_field


class Notification(SQLModel, table=True):
    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str = Field(default="", max_length=300)
    created_at: datetime = utc_field(default_now=True)
    read_at: datetime | None = utc_field(nullable=True)


def notify(
    s: Session, *, user_ids: Iterable[int], title: str, body: str = "", link: str = ""
) -> int:
    """Queue one notification per user (deduplicated); returns how many were written."""
    ids = sorted(set(user_ids))
    for uid in ids:
        s.add(Notification(user_id=uid, title=title[:200], body=body[:2000], link=link[:300]))
    return len(ids)


def unread_count(s: Session, user_id: int) -> int:
    return s.exec(
        select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).one()


def recent_for(s: Session, user_id: int, *, limit: int = 50) -> list[Notification]:
    """The user's newest notifications."""
    return list(
        s.exec(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        ).all()
    )


@db.transactional
def mark_all_read(s: Session, *, user_id: int) -> int:
    """Mark every unread notification of the user as read; returns how many."""
    result = s.exec(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=db.utcnow())
    )
    return result.rowcount


@db.transactional
def mark_read(s: Session, *, user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; someone else's is not found."""
    note = s.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        raise NotFound()
    if note.read_at is None:
        note.read_at = db.utcnow()
    return note
