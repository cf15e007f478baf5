"""In-site notifications (站内消息) and the e-mail queued with them.

Never carries sealed bid content: only public facts. ``notify`` writes one in-app row per user
and, when ``MAIL_SERVER`` is set and the user wants e-mail of that kind, one ``notification_mail``
row in the same transaction (an outbox): the e-mail goes out after the commit or from ``tick``
(``marketplace.inbox.delivery.send_pending_mail``), so a failing SMTP server never breaks the
request that notified, and a rolled-back request sends nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

from flask import current_app, has_app_context, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import UniqueConstraint, case, update
from sqlmodel import Field, Session, SQLModel, func, select

from . import db
from .errors import NotFound
from .models_base import enum_field, utc_field
from .states import LabelledEnum, labels

# Set in the WSGI environ when a request queued e-mail (the inbox sends it after the response).
MAIL_QUEUED_KEY = "mp.mail_queued"


class NotificationKind(LabelledEnum):
    """What a notification is about; each user chooses per kind whether it also comes by e-mail."""

    CHALLENGE = "challenge"  # 榜单审核结果、发布、问答、变更、撤榜
    BID = "bid"  # 揭榜材料回执、撤榜后的处理、揭榜结果
    PANEL = "panel"  # 评审专家选派、声明与评分提醒、专家回避
    DEFENCE = "defence"  # 答辩安排
    AWARD = "award"  # 揭榜结果、公示、异议及处理、流榜
    PROJECT_TASK_BOOK = "project_task_book"  # 项目任务书
    PROJECT_MILESTONE = "project_milestone"  # 里程碑报告、确认与评审、验收
    PROJECT_PAYMENT = "project_payment"  # 资金拨付与兑现
    PROJECT_REMINDER = "project_reminder"  # 项目节点到期提醒
    INTEGRITY = "integrity"  # 诚信记录
    DIGEST = "digest"  # 订阅摘要，每天至多一封
    ACCOUNT = "account"  # 账号与单位
    OTHER = "other"  # 未标明类别的消息
    __labels__ = labels(
        {
            CHALLENGE: _l("榜单审核、发布、问答与变更"),
            BID: _l("揭榜材料与揭榜结果"),
            PANEL: _l("评审专家选派与评审提醒"),
            DEFENCE: _l("答辩安排"),
            AWARD: _l("揭榜结果公示与异议"),
            PROJECT_TASK_BOOK: _l("项目任务书"),
            PROJECT_MILESTONE: _l("里程碑报告、确认与评审"),
            PROJECT_PAYMENT: _l("项目资金拨付"),
            PROJECT_REMINDER: _l("项目节点提醒"),
            INTEGRITY: _l("诚信记录"),
            DIGEST: _l("订阅摘要（每天一次）"),
            ACCOUNT: _l("账号与单位"),
            OTHER: _l("其他消息"),
        }
    )


# Kinds whose e-mail is off until the user turns it on (none: every kind is on by default, and
# subscription digests are already batched to one a day).
EMAIL_OFF_BY_DEFAULT: frozenset[NotificationKind] = frozenset()


class MailStatus(enum.StrEnum):
    """Where a queued e-mail stands (an outbox row, not a business state)."""

    PENDING = "pending"  # waiting to be sent (again, after ``next_attempt_at``)
    SENDING = "sending"  # claimed by one sender; never claimed by a second
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS, or the user has no address


class Notification(SQLModel, table=True):
    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    kind: NotificationKind = enum_field(NotificationKind, default=NotificationKind.OTHER)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str = Field(default="", max_length=300)
    created_at: datetime = utc_field(default_now=True)
    read_at: datetime | None = utc_field(nullable=True)


class NotificationMail(SQLModel, table=True):
    """One e-mail to send for one notification (the outbox ``tick`` drains)."""

    __tablename__ = "notification_mail"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    status: MailStatus = enum_field(MailStatus, default=MailStatus.PENDING, index=True)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=300)
    created_at: datetime = utc_field(default_now=True)
    next_attempt_at: datetime = utc_field(default_now=True)
    claimed_at: datetime | None = utc_field(nullable=True)  # when a sender took it (sending)
    sent_at: datetime | None = utc_field(nullable=True)


class EmailPreference(SQLModel, table=True):
    """A user's choice for one kind; no row means the default (``email_default``)."""

    __tablename__ = "notification_email_pref"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_email_pref"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    kind: NotificationKind = enum_field(NotificationKind)
    email: bool = Field(default=True)
    updated_at: datetime = utc_field(default_now=True)


def email_default(kind: NotificationKind) -> bool:
    return kind not in EMAIL_OFF_BY_DEFAULT


def _mail_configured() -> bool:
    return has_app_context() and bool(current_app.config.get("MAIL_SERVER"))


def _wanting_email(s: Session, user_ids: list[int], kind: NotificationKind) -> set[int]:
    """Which of ``user_ids`` receive e-mail of ``kind`` (their choice, else the default)."""
    chosen = dict(
        s.exec(
            select(EmailPreference.user_id, EmailPreference.email).where(
                EmailPreference.user_id.in_(user_ids), EmailPreference.kind == kind
            )
        ).all()
    )
    default = email_default(kind)
    return {uid for uid in user_ids if chosen.get(uid, default)}


def notify(
    s: Session,
    *,
    user_ids: Iterable[int],
    title: str,
    body: str = "",
    link: str = "",
    kind: NotificationKind = NotificationKind.OTHER,
) -> int:
    """Queue one notification per user (deduplicated), and its e-mail for those who want it.

    Returns how many notifications were written.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    notes = [
        Notification(user_id=uid, kind=kind, title=title[:200], body=body[:2000], link=link[:300])
        for uid in ids
    ]
    s.add_all(notes)
    if _mail_configured():
        wanting = _wanting_email(s, ids, kind)
        if wanting:
            s.flush()  # the notifications' ids, for the mail rows
            s.add_all(
                NotificationMail(notification_id=n.id, user_id=n.user_id)
                for n in notes
                if n.user_id in wanting
            )
            if has_request_context():
                request.environ[MAIL_QUEUED_KEY] = True
    return len(ids)


# --- preferences ----------------------------------------------------------------------------


def email_choices(s: Session, user_id: int) -> dict[NotificationKind, bool]:
    """Every kind with whether the user receives it by e-mail, in declaration order."""
    chosen = dict(
        s.exec(
            select(EmailPreference.kind, EmailPreference.email).where(
                EmailPreference.user_id == user_id
            )
        ).all()
    )
    return {kind: chosen.get(kind, email_default(kind)) for kind in NotificationKind}


@db.transactional
def set_email_choices(s: Session, *, user_id: int, enabled: Iterable[str]) -> list[str]:
    """Save which kinds the user wants by e-mail (every other kind off); unknown values are
    ignored. Returns the kinds now on, as values."""
    wanted = {k for k in NotificationKind if k.value in set(enabled)}
    rows = {
        p.kind: p
        for p in s.exec(
            select(EmailPreference).where(EmailPreference.user_id == user_id).with_for_update()
        ).all()
    }
    now = db.utcnow()
    for kind in NotificationKind:
        on = kind in wanted
        row = rows.get(kind)
        if row is None:
            if on != email_default(kind):
                s.add(EmailPreference(user_id=user_id, kind=kind, email=on, updated_at=now))
        elif row.email != on:
            row.email = on
            row.updated_at = now
    return [k.value for k in NotificationKind if k in wanted]


# --- the notification centre ----------------------------------------------------------------


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


def page_for(
    s: Session, user_id: int, *, page: int, per_page: int
) -> tuple[list[Notification], int]:
    """One page of the user's notifications, unread first, newest first within each; and the
    total."""
    total = s.exec(select(func.count()).where(Notification.user_id == user_id)).one()
    unread_first = case((Notification.read_at.is_(None), 0), else_=1)
    rows = s.exec(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(unread_first, Notification.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


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
