"""API tokens: made and revoked on /account/tokens, stored hashed, and what they open."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import time_machine
from sqlmodel import Session, select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.api.models import ApiToken
from marketplace.audit import AuditEvent
from marketplace.bids import services as bid_services

from ..conftest import csrf_token_from
from ..factories import Factory
from .conftest import bearer, make_token


def _secret_on(html: str) -> str:
    match = re.search(r'id="new-secret"[^>]*value="([^"]+)"', html)
    assert match, "the new token is not shown"
    return match.group(1)


def test_a_member_makes_a_token_on_the_page_and_sees_it_once(app, client, factory, login):
    user = factory.org_user(Role.RESEARCHER)
    login(client, user)
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "还没有令牌" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    resp = client.post("/account/tokens", data={"name": "科研管理系统", "days": "30"})
    assert resp.status_code == 201
    html = resp.get_data(as_text=True)
    secret = _secret_on(html)
    assert secret.startswith("lhkj_") and len(secret) > 40
    assert "只显示这一次" in html and "科研管理系统" in html
    # Stored as its SHA-256 only: the secret is nowhere in the database row.
    row = db.session().exec(select(ApiToken)).one()
    assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(row.model_dump().values())
    assert row.expires_at - row.created_at == timedelta(days=30)
    # The list afterwards names the token but never shows the secret again.
    again = client.get("/account/tokens").get_data(as_text=True)
    assert "科研管理系统" in again and secret not in again and row.hint in again
    events = db.session().exec(select(AuditEvent.action)).all()
    assert "api_token.create" in events


def test_bad_token_forms_keep_the_input_and_say_what_is_wrong(client, factory, login):
    login(client, factory.org_user(Role.ENTERPRISE))
    resp = client.post("/account/tokens", data={"name": "", "days": "9999"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "请填写令牌名称" in html and "有效期须为 1 到 365 天" in html
    assert 'value="9999"' in html
    assert db.session().exec(select(ApiToken)).all() == []


def test_only_approved_organisation_members_hold_tokens(app, client, factory, login):
    staff = factory.staff()
    login(client, staff)
    assert client.get("/account/tokens").status_code == 403
    client.post("/logout")
    issuer = factory.org_user(Role.ENTERPRISE)
    pending = factory.member(issuer, approve=False)
    login(client, pending)
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "只有已获批的单位成员" in page.get_data(as_text=True)
    assert client.post("/account/tokens", data={"name": "x", "days": "1"}).status_code == 403


def test_the_token_reads_the_organisations_submitted_bids_only(
    app, client, factory: Factory, login
):
    from ..review.conftest import submit_bid

    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    other_challenge = factory.challenge(issuer, stage="open", title="另一个榜单")
    team = factory.org_user(Role.RESEARCHER, org_name="东海理工大学")
    rival = factory.org_user(Role.RESEARCHER, org_name="灵湖学院")
    submitted = submit_bid(app.test_client(), login, team, challenge)
    submit_bid(app.test_client(), login, rival, challenge)
    bid_services.start_bid(actor=team, challenge_id=other_challenge.id)  # a draft: never shown
    secret = make_token(factory.member(team))  # another member of the team: same organisation

    resp = client.get("/api/v1/me/bids", headers=bearer(secret))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["total"] == 1
    (item,) = body["items"]
    from marketplace.bids.models import Bid

    bid = db.session().get(Bid, submitted)
    assert item["number"] == bid.number and item["challenge_code"] == challenge.code
    assert item["status"] == "submitted" and item["submitted_version"] == 1


def test_the_token_reads_the_organisations_projects_issued_or_carried_out(
    client, awarded, factory: Factory
):
    with time_machine.travel(awarded["later"], tick=False):
        team_secret = make_token(awarded["teams"][0])
        issuer_secret = make_token(awarded["issuer"])
        loser_secret = make_token(awarded["teams"][1])
        numbers = {}
        for who, secret in (("team", team_secret), ("issuer", issuer_secret)):
            resp = client.get("/api/v1/me/projects", headers=bearer(secret))
            assert resp.status_code == 200
            numbers[who] = [p["number"] for p in resp.get_json()["items"]]
        loser = client.get("/api/v1/me/projects", headers=bearer(loser_secret)).get_json()
        beyond = client.get("/api/v1/me/projects?page=2", headers=bearer(team_secret))
        done = client.get("/api/v1/me/projects?status=completed", headers=bearer(team_secret))
    assert beyond.status_code == 404 and "共 1 页" in beyond.get_json()["error"]["message"]
    assert done.status_code == 200 and done.get_json()["total"] == 0
    assert numbers == {"team": [awarded["project"].number], "issuer": [awarded["project"].number]}
    assert loser["items"] == [] and loser["total"] == 0


def test_missing_wrong_revoked_and_expired_tokens_are_401(app, client, factory, login):
    user = factory.org_user(Role.RESEARCHER)
    secret = make_token(user, days=1)
    assert client.get("/api/v1/me/bids", headers=bearer(secret)).status_code == 200

    def refused(headers) -> dict:
        resp = client.get("/api/v1/me/bids", headers=headers)
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
        return resp.get_json()["error"]

    assert "Authorization: Bearer" in refused({})["message"]
    refused(bearer("lhkj_made-up"))
    refused({"Authorization": f"Basic {secret}"})
    refused({"Authorization": "Bearer " + "x" * 500})
    # A logged-in browser session is not a token.
    login(client, user)
    refused({})
    client.post("/logout")
    # Expired: the next day it opens nothing.
    with time_machine.travel(db.utcnow() + timedelta(days=1, minutes=1), tick=False):
        refused(bearer(secret))
    # Revoked on the page: refused at once.
    login(client, user)
    page = client.get("/account/tokens").get_data(as_text=True)
    token = db.session().exec(select(ApiToken)).one()
    resp = client.post(
        f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token_from(page)}
    )
    assert resp.status_code == 303
    client.post("/logout")
    refused(bearer(secret))
    assert "已吊销" in _tokens_page(client, login, user)


def _tokens_page(client, login, user) -> str:
    login(client, user)
    html = client.get("/account/tokens").get_data(as_text=True)
    client.post("/logout")
    return html


def test_a_user_revokes_only_their_own_tokens(client, factory, login):
    owner = factory.org_user(Role.ENTERPRISE)
    secret = make_token(owner)
    token = db.session().exec(select(ApiToken)).one()
    login(client, factory.member(owner))  # same organisation, another person
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/account/tokens/999999/revoke").status_code == 404
    client.post("/logout")
    assert client.get("/api/v1/me/bids", headers=bearer(secret)).status_code == 200


def test_a_token_stops_working_when_its_holder_leaves_or_is_disabled(app, client, factory):
    from marketplace.accounts.models import Membership, User

    user = factory.org_user(Role.RESEARCHER)
    secret = make_token(user)
    assert client.get("/api/v1/me/bids", headers=bearer(secret)).status_code == 200
    with Session(db.engine()) as s:
        row = s.get(User, user.id)
        row.membership = Membership.REJECTED
        s.add(row)
        s.commit()
    db.refresh_read_session()
    assert client.get("/api/v1/me/bids", headers=bearer(secret)).status_code == 401
