"""Staff verify or reject organisations; the applicant sees the outcome."""

from __future__ import annotations

from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Organisation, OrgStatus
from marketplace.audit import AuditEvent

from ..factories import Factory


def test_staff_verify_an_organisation(client, factory: Factory, login):
    applicant = factory.org_user(verified=False)
    staff = factory.staff()
    login(client, staff)
    queue = client.get("/staff/organisations").get_data(as_text=True)
    org = db.session().get(Organisation, applicant.organisation_id)
    assert org.name in queue
    resp = client.post(f"/staff/organisations/{org.id}", data={"decision": "verify", "note": ""})
    assert resp.status_code == 302
    db.session().expire_all()
    assert db.session().get(Organisation, org.id).status is OrgStatus.VERIFIED
    event = (
        db.session()
        .exec(select(AuditEvent).where(AuditEvent.action == "organisation.verify"))
        .one()
    )
    assert event.actor_id == staff.id
    assert event.before["status"] == "pending" and event.after["status"] == "verified"


def test_rejection_needs_a_reason_that_the_applicant_then_reads(client, factory: Factory, login):
    applicant = factory.org_user(verified=False)
    staff = factory.staff()
    org_id = applicant.organisation_id
    login(client, staff)
    resp = client.post(f"/staff/organisations/{org_id}", data={"decision": "reject", "note": ""})
    assert resp.status_code == 422
    assert "请填写不予认证的理由" in resp.get_data(as_text=True)
    db.session().expire_all()
    assert db.session().get(Organisation, org_id).status is OrgStatus.PENDING

    reason = "营业执照与填报名称不一致"
    resp = client.post(
        f"/staff/organisations/{org_id}", data={"decision": "reject", "note": reason}
    )
    assert resp.status_code == 302
    client.post("/logout")
    login(client, applicant)
    assert reason in client.get("/account").get_data(as_text=True)
    assert reason in client.get("/").get_data(as_text=True)


def test_verifying_twice_is_a_conflict(client, factory: Factory, login):
    applicant = factory.org_user(verified=True)
    login(client, factory.staff())
    resp = client.post(
        f"/staff/organisations/{applicant.organisation_id}", data={"decision": "verify"}
    )
    assert resp.status_code == 409


def test_only_staff_reach_the_verification_queue(client, factory: Factory, login):
    applicant = factory.org_user(verified=False)
    assert client.get("/staff/organisations").status_code == 302  # to the login page
    login(client, factory.org_user())
    assert client.get("/staff/organisations").status_code == 403
    resp = client.post(
        f"/staff/organisations/{applicant.organisation_id}", data={"decision": "verify"}
    )
    assert resp.status_code == 403
    db.session().expire_all()
    org = db.session().get(Organisation, applicant.organisation_id)
    assert org.status is OrgStatus.PENDING
