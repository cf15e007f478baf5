"""Sending the e-mail ``notify`` queued: after a request's response, and from ``tick``.

Each row is claimed by one sender with a compare-and-set on its status (pending → sending) in
its own transaction before anything is handed to the SMTP server, so two senders running at
once (a request and ``tick``, two ticks) never send one message twice. A refused or unreachable
server puts the row back as pending with a later ``next_attempt_at``; after
``MAIL_MAX_ATTEMPTS`` it is given up (failed).

A sender that dies after claiming a row (the process killed, the machine restarted) leaves it
"sending". Each run first takes back the rows claimed more than ``MAIL_CLAIM_TIMEOUT_MINUTES``
ago (far longer than one SMTP exchange may take): the lost try counts as an attempt, and the
row is pending again, due at once (or failed, when that was its last attempt). A sender that
died after the server accepted the message but before recording it therefore sends it again:
a rare second copy rather than a message never sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, select

from .. import db
from ..accounts.models import User
from ..mail import MailNotSent, deliver
from ..notifications import MailStatus, Notification, NotificationMail


@dataclass(frozen=True)
class Outgoing:
    mail_id: int
    to: str
    subject: str
    body: str


def absolute(link: str) -> str:
    """A notification's site path as an address on ``PUBLIC_BASE_URL`` (as ``urls.external_url``
    builds them: never from a request's Host header); other links are kept as they are."""
    if link.startswith("/") and not link.startswith("//"):
        return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + link
    return link


def render(note: Notification, user: User) -> tuple[str, str]:
    """Subject and body of the e-mail for ``note``, in the user's language when known."""
    locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")
    with force_locale(locale):
        subject = _("【揭榜挂帅】%(title)s", title=note.title)
        lines = [_("%(name)s，您好：", name=user.name), "", note.title]
        if note.body:
            lines += ["", note.body]
        if note.link:
            lines += ["", _("查看详情：%(url)s", url=absolute(note.link))]
        lines += [
            "",
            "--",
            _(
                "这封邮件由系统自动发送，请勿直接回复。您收到它，是因为您开启了“%(kind)s”类消息的"
                "邮件提醒；修改设置：%(url)s",
                kind=note.kind.label,
                url=absolute("/notifications/settings"),
            ),
        ]
    return subject, "\n".join(lines)


def _due_ids(s: Session, now: datetime, limit: int) -> list[int]:
    return list(
        s.exec(
            select(NotificationMail.id)
            .where(
                NotificationMail.status == MailStatus.PENDING,
                NotificationMail.next_attempt_at <= now,
            )
            .order_by(NotificationMail.id)
            .limit(limit)
        ).all()
    )


@db.transactional
def _claim(s: Session, mail_id: int, now: datetime) -> Outgoing | None:
    """Take one due row for this sender (None when another sender has it, or it is not due)."""
    taken = s.exec(
        update(NotificationMail)
        .where(
            NotificationMail.id == mail_id,
            NotificationMail.status == MailStatus.PENDING,
            NotificationMail.next_attempt_at <= now,
        )
        .values(status=MailStatus.SENDING, attempts=NotificationMail.attempts + 1, claimed_at=now)
    )
    if taken.rowcount != 1:
        return None
    mail = s.get(NotificationMail, mail_id)
    s.refresh(mail)
    note = s.get(Notification, mail.notification_id)
    user = s.get(User, mail.user_id)
    if user is None or not user.is_active_account or not user.email:
        mail.status = MailStatus.FAILED
        mail.last_error = "no active account with an address"
        return None
    subject, body = render(note, user)
    return Outgoing(mail_id=mail_id, to=user.email, subject=subject, body=body)


@db.transactional
def _record(s: Session, mail_id: int, *, error: str | None, now: datetime) -> None:
    mail = s.get(NotificationMail, mail_id, with_for_update=True)
    if error is None:
        mail.status = MailStatus.SENT
        mail.sent_at = db.utcnow()
        mail.last_error = ""
        return
    mail.last_error = error[:300]
    if mail.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
        mail.status = MailStatus.FAILED
        return
    wait = int(current_app.config["MAIL_RETRY_MINUTES"]) * 2 ** (mail.attempts - 1)
    mail.status = MailStatus.PENDING
    mail.next_attempt_at = now + timedelta(minutes=wait)


@db.transactional
def reclaim_stale(s: Session, now: datetime) -> int:
    """Rows a sender claimed more than ``MAIL_CLAIM_TIMEOUT_MINUTES`` before ``now`` and never
    recorded: pending again and due at once, or failed after their last attempt (the claim
    already counted the lost try). Returns how many were taken back."""
    cutoff = now - timedelta(minutes=int(current_app.config["MAIL_CLAIM_TIMEOUT_MINUTES"]))
    stale = (
        NotificationMail.status == MailStatus.SENDING,
        NotificationMail.claimed_at.is_not(None),
        NotificationMail.claimed_at <= cutoff,
    )
    last = NotificationMail.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"])
    error = "the sender stopped before recording the result"
    given_up = s.exec(
        update(NotificationMail)
        .where(*stale, last)
        .values(status=MailStatus.FAILED, last_error=error, claimed_at=None)
    ).rowcount
    again = s.exec(
        update(NotificationMail)
        .where(*stale, ~last)
        .values(status=MailStatus.PENDING, next_attempt_at=now, last_error=error, claimed_at=None)
    ).rowcount
    if given_up or again:
        current_app.logger.warning(
            "mail: %d stale claims taken back, %d of them given up", given_up + again, given_up
        )
    return given_up + again


def send_pending_mail(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send the queued e-mail that is due (at most ``limit``); returns how many went out.

    Safe to run any number of times, and from several processes at once.
    """
    if not current_app.config.get("MAIL_SERVER"):
        return 0
    now = now or db.utcnow()
    reclaim_stale(now)
    sent = 0
    for mail_id in _due_ids(db.session(), now, limit):
        outgoing = _claim(mail_id, now)
        if outgoing is None:
            continue
        try:
            deliver(to=outgoing.to, subject=outgoing.subject, body=outgoing.body)
        except MailNotSent as exc:
            current_app.logger.warning("mail %s not sent: %s", mail_id, exc)
            _record(mail_id, error=str(exc), now=now)
            continue
        _record(mail_id, error=None, now=now)
        sent += 1
    return sent


def send_after_response(app: Flask, *, limit: int = 50) -> None:
    """What a request that queued e-mail runs once its response is out (never raises)."""
    with app.app_context():
        try:
            send_pending_mail(limit=limit)
        except Exception:  # the request already succeeded; tick sends what is left
            app.logger.exception("sending queued mail after a request failed")
