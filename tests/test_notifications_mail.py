"""Notification e-mail through a real SMTP server started by the test (aiosmtpd).

The mail rows are queued with the notification (an outbox) and sent after the response or by
``tick``: delivery, the user's choices, retries after the server was down, never twice, and no
sealed bid content in any message.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from marketplace import create_app, db
from marketplace.accounts.models import Role
from marketplace.inbox import delivery
from marketplace.inbox.delivery import send_pending_mail
from marketplace.notifications import (
    MailStatus,
    Notification,
    NotificationKind,
    NotificationMail,
    set_email_choices,
)

from .bids.conftest import bid_form
from .bids.test_submission import submit
from .conftest import IsolatedClient, base_config
from .factories import Factory
from .mailserver import SmtpServer

BASE = "https://jbgs.example.cn"


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _mail_app(database_url, tmp_path, port: int, **extra):
    app = create_app(
        {
            **base_config(tmp_path, database_url),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_TIMEOUT_SECONDS": 2,
            "PUBLIC_BASE_URL": BASE,
            **extra,
        }
    )
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def mail_app(database_url, tmp_path, smtp):
    app = _mail_app(database_url, tmp_path, smtp.port)
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def mfactory(mail_app) -> Factory:
    return Factory(mail_app)


def _mails(**where) -> list[NotificationMail]:
    db.refresh_read_session()
    q = select(NotificationMail).order_by(NotificationMail.id)
    for key, value in where.items():
        q = q.where(getattr(NotificationMail, key) == value)
    return list(db.session().exec(q).all())


def test_a_notification_arrives_by_mail_once(mail_app, mfactory: Factory, smtp):
    issuer = mfactory.org_user(Role.ENTERPRISE)
    challenge = mfactory.challenge(issuer, stage="open")
    [queued] = _mails(user_id=issuer.id)
    assert queued.status is MailStatus.PENDING  # written with the notification, not yet sent
    note = db.session().get(Notification, queued.notification_id)
    assert note.kind is NotificationKind.CHALLENGE

    assert send_pending_mail() >= 1
    [msg] = smtp.inbox.to(issuer.email)
    assert f"榜单已发布：{challenge.title}" in msg.subject
    assert f"{BASE}/challenges/{challenge.id}" in msg.body  # an absolute link to the site
    assert f"{BASE}/notifications/settings" in msg.body  # where to turn it off
    assert "榜单审核、发布、问答与变更" in msg.body  # which kind of message this is
    [sent] = _mails(user_id=issuer.id)
    assert sent.status is MailStatus.SENT and sent.attempts == 1 and sent.sent_at is not None

    # Running the sender again (and tick) sends nothing twice.
    assert send_pending_mail() == 0
    result = mail_app.test_cli_runner().invoke(args=["marketplace", "tick"])
    assert "sent 0 notification e-mail(s)" in result.output, result.output
    assert len(smtp.inbox.to(issuer.email)) == 1


def test_a_user_who_turned_a_kind_off_gets_the_message_but_no_mail(
    mail_app, mfactory: Factory, smtp
):
    issuer = mfactory.org_user(Role.ENTERPRISE)
    on = [k.value for k in NotificationKind if k is not NotificationKind.CHALLENGE]
    set_email_choices(user_id=issuer.id, enabled=on)
    challenge = mfactory.challenge(issuer, stage="open")
    notes = db.session().exec(select(Notification).where(Notification.user_id == issuer.id)).all()
    assert [n.title for n in notes] == [f"榜单已发布：{challenge.title}"]  # still in-app
    assert _mails(user_id=issuer.id) == []
    send_pending_mail()
    assert smtp.inbox.to(issuer.email) == []

    # Turned back on, the next one comes by mail again.
    set_email_choices(user_id=issuer.id, enabled=[*on, NotificationKind.CHALLENGE.value])
    second = mfactory.challenge(issuer, stage="open")
    send_pending_mail()
    assert [second.title in m.subject for m in smtp.inbox.to(issuer.email)] == [True]


def test_mail_is_retried_after_the_server_was_down_and_sent_once(mail_app, mfactory: Factory, smtp):
    issuer = mfactory.org_user(Role.ENTERPRISE)
    smtp.stop()
    with time_machine.travel(db.utcnow(), tick=False) as clock:
        challenge = mfactory.challenge(issuer, stage="open")
        assert send_pending_mail() == 0
        [row] = _mails(user_id=issuer.id)
        assert (row.status, row.attempts) == (MailStatus.PENDING, 1)
        assert row.last_error  # why it failed, for staff reading the table
        smtp.start()
        # Not due yet (MAIL_RETRY_MINUTES): nothing goes out, nothing is counted.
        assert send_pending_mail() == 0
        assert smtp.inbox.to(issuer.email) == []
        clock.shift(timedelta(minutes=6))
        assert send_pending_mail() == 1
        assert send_pending_mail() == 0
    [msg] = smtp.inbox.to(issuer.email)
    assert challenge.title in msg.subject
    [row] = _mails(user_id=issuer.id)
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)


def test_mail_is_given_up_after_the_last_attempt(database_url, tmp_path, smtp):
    smtp.stop()
    app = _mail_app(database_url, tmp_path, smtp.port, MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_MINUTES=0)
    with app.app_context():
        factory = Factory(app)
        issuer = factory.org_user(Role.ENTERPRISE)
        factory.challenge(issuer, stage="open")
        assert send_pending_mail() == 0
        assert send_pending_mail() == 0
        [row] = _mails(user_id=issuer.id)
        assert (row.status, row.attempts) == (MailStatus.FAILED, 2)
        smtp.start()
        assert send_pending_mail() == 0  # given up: never sent late
        assert smtp.inbox.messages == []
    app.extensions["db_engine"].dispose()


def test_a_row_left_sending_by_a_dead_sender_is_sent_after_the_claim_timeout(
    mail_app, mfactory: Factory, smtp
):
    issuer = mfactory.org_user(Role.ENTERPRISE)
    with time_machine.travel(db.utcnow(), tick=False) as clock:
        challenge = mfactory.challenge(issuer, stage="open")
        [row] = _mails(user_id=issuer.id)
        # A sender takes the row and dies before handing it to the server or recording it.
        assert delivery._claim(row.id, db.utcnow()) is not None
        [row] = _mails(user_id=issuer.id)
        assert (row.status, row.attempts) == (MailStatus.SENDING, 1)
        # Within MAIL_CLAIM_TIMEOUT_MINUTES (15) the claim stands: another run leaves it alone.
        clock.shift(timedelta(minutes=14))
        assert send_pending_mail() == 0
        assert smtp.inbox.to(issuer.email) == []
        assert _mails(user_id=issuer.id)[0].status is MailStatus.SENDING
        # After it, the next run takes the row back and sends it, the lost try counted.
        clock.shift(timedelta(minutes=2))
        assert send_pending_mail() == 1
        assert send_pending_mail() == 0
    [msg] = smtp.inbox.to(issuer.email)
    assert challenge.title in msg.subject
    [row] = _mails(user_id=issuer.id)
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)


def test_a_stale_claim_on_the_last_attempt_is_given_up(database_url, tmp_path, smtp):
    app = _mail_app(database_url, tmp_path, smtp.port, MAIL_MAX_ATTEMPTS=1)
    with app.app_context(), time_machine.travel(db.utcnow(), tick=False) as clock:
        factory = Factory(app)
        issuer = factory.org_user(Role.ENTERPRISE)
        factory.challenge(issuer, stage="open")
        [row] = _mails(user_id=issuer.id)
        assert delivery._claim(row.id, db.utcnow()) is not None
        clock.shift(timedelta(minutes=16))
        assert send_pending_mail() == 0
        [row] = _mails(user_id=issuer.id)
        assert (row.status, row.attempts) == (MailStatus.FAILED, 1)
        assert "stopped" in row.last_error
        assert smtp.inbox.messages == []
    app.extensions["db_engine"].dispose()


def _login(client, user) -> None:
    # Not the ``login`` fixture: it would push the default app (no mail server) over this one.
    resp = client.post("/login", data={"email": user.email, "password": Factory.PASSWORD})
    assert resp.status_code == 302


def test_a_request_sends_its_mail_after_the_response_and_no_sealed_content(
    mail_app, mfactory: Factory, smtp
):
    issuer = mfactory.org_user(Role.ENTERPRISE)
    team = mfactory.org_user(Role.RESEARCHER)
    challenge = mfactory.challenge(issuer, stage="open")
    send_pending_mail()
    client = mail_app.test_client()
    _login(client, team)
    resp = client.post(f"/challenges/{challenge.id}/bid")
    bid_id = int(resp.headers["Location"].split("/bids/")[1].split("/")[0])
    secret = "保密工艺路线：钴掺杂梯度包覆七步法"
    form = bid_form(challenge, team, approach=secret, prior_results="保密前期成果：收率九成七")
    resp = submit(client, bid_id, form)
    assert resp.status_code == 302
    assert smtp.inbox.to(team.email) == []  # not before the response is out
    resp.close()  # what the WSGI server does once it has sent the response
    # The receipt went out with the request (after its response), not waiting for tick.
    receipts = [m for m in smtp.inbox.to(team.email) if "揭榜材料已提交" in m.subject]
    assert len(receipts) == 1, [m.subject for m in smtp.inbox.messages]
    assert _mails(status=MailStatus.PENDING) == []

    # Whatever else is sent later (tick, the issuer's and staff's messages), nothing sealed.
    mail_app.test_cli_runner().invoke(args=["marketplace", "tick"])
    assert smtp.inbox.messages
    for msg in smtp.inbox.messages:
        assert "保密工艺" not in msg.body and "保密前期成果" not in msg.body
        assert "保密" not in msg.subject


def test_without_a_mail_server_nothing_is_queued(app, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer, stage="open")
    assert db.session().exec(select(Notification)).all()
    assert _mails() == []
    assert send_pending_mail() == 0
