"""The audit trail is append-only, written by services, browsable by staff."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from marketplace import db
from marketplace.audit import AuditEvent

from .factories import Factory


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'forged'",
        "DELETE FROM audit_event",
    ],
)
def test_the_database_refuses_to_rewrite_history(factory: Factory, statement):
    factory.org_user()
    before = db.session().exec(select(AuditEvent.id, AuditEvent.action)).all()
    assert before
    with pytest.raises(DBAPIError, match="append-only"), db.engine().begin() as conn:
        conn.execute(text(statement))
    db.refresh_read_session()
    assert db.session().exec(select(AuditEvent.id, AuditEvent.action)).all() == before


def test_every_event_records_actor_object_time_and_ip(client, factory: Factory, login):
    user = factory.org_user(verified=False)
    staff = factory.staff()
    login(client, staff)
    client.post(
        f"/staff/organisations/{user.organisation_id}",
        data={"decision": "verify"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    event = (
        db.session()
        .exec(select(AuditEvent).where(AuditEvent.action == "organisation.verify"))
        .one()
    )
    assert event.actor_id == staff.id and event.actor_label == staff.email
    assert event.object_type == "organisation"
    assert event.object_id == str(user.organisation_id)
    assert event.ip == "203.0.113.7"
    assert event.created_at.tzinfo is not None
    assert (db.utcnow() - event.created_at).total_seconds() < 60


def test_staff_filter_the_trail(client, factory: Factory, login):
    factory.org_user()
    factory.org_user(verified=False)
    login(client, factory.staff())
    page = client.get("/staff/audit?action=organisation.verify").get_data(as_text=True)
    events = page.split('<ol class="audit-events">')[1].split("</ol>")[0]
    assert "认证单位" in events
    assert "注册账号" not in events
    everything = client.get("/staff/audit").get_data(as_text=True)
    assert "注册账号" in everything.split('<ol class="audit-events">')[1]


def test_failed_logins_are_audited_without_the_password(client, factory: Factory):
    user = factory.org_user()
    client.post("/login", data={"email": user.email, "password": "s3cret-guess-123"})
    event = (
        db.session().exec(select(AuditEvent).where(AuditEvent.action == "user.login_failed")).one()
    )
    assert event.object_id == str(user.id)
    assert "s3cret-guess-123" not in repr(event.before) + repr(event.after)


def test_only_staff_read_the_trail(client, factory: Factory, login):
    login(client, factory.org_user())
    assert client.get("/staff/audit").status_code == 403


def test_people_read_only_their_own_notifications(client, factory: Factory, login):
    from marketplace.accounts.models import Role

    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    login(client, issuer)
    home = client.get("/").get_data(as_text=True)
    assert 'class="badge badge-count">1<' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert f"榜单已发布：{challenge.title}" in page
    # Marking read is a POST of its own (opening the page changes nothing).
    assert client.post("/notifications/read").status_code == 303
    assert "badge-count" not in client.get("/").get_data(as_text=True)
    other = factory.org_user(Role.ENTERPRISE)
    client.post("/logout")
    login(client, other)
    assert challenge.title not in client.get("/notifications").get_data(as_text=True)
