"""Sealing is one rule (bids.access.is_sealed): the deadline, never another status.

Regression tests for the holes found by probing the running site (issue: sealed means sealed):
cancelling unsealed bids, pending members acting as members, withdrawn bids and never-submitted
attachments shown after the deadline, an amendment moving the deadline minutes away, a
malformed leader id breaking the bid page.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select
from werkzeug.datastructures import FileStorage

from marketplace import db, uploads
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.bids import services
from marketplace.bids.models import Bid
from marketplace.challenges import amendments
from marketplace.challenges import services as challenges
from marketplace.challenges.models import Challenge
from marketplace.challenges.schemas import deadline_local_text
from marketplace.errors import ValidationFailed
from marketplace.notifications import Notification
from marketplace.teams import services as teams
from marketplace.teams.schemas import parse_profile

from ..factories import Factory, challenge_raw, form_data
from ..teams.conftest import profile_raw
from .conftest import bid_form

MARKER = "RULE-MARKER-5K2W"


def _pdf(tag: str) -> FileStorage:
    return FileStorage(io.BytesIO(b"%PDF-1.4\n" + tag.encode() + b"\n%%EOF\n"), f"{tag}.pdf")


def _submit(client, challenge, team, bid_id, **overrides):
    db.refresh_read_session()
    version = db.session().get(Bid, bid_id).version_id
    data = bid_form(challenge, team, approach=f"技术路线 {MARKER}", **overrides)
    resp = client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "action": "submit", "idempotency_key": f"k{version}", "version": version},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


@pytest.fixture
def submitted(app, client, market, start_bid):
    """The team's bid, submitted with one attachment; the team stays logged in on ``client``."""
    challenge, team = market["challenge"], market["team"]
    bid_id = start_bid(client, team, challenge)
    first = services.add_attachment(
        actor=team, bid_id=bid_id, stored=uploads.store_pdf(_pdf("frozen"), kind="bids")
    )
    _submit(client, challenge, team, bid_id)
    return {**market, "bid_id": bid_id, "first": first}


def _after_deadline(challenge):
    return time_machine.travel(challenge.deadline + timedelta(minutes=1), tick=False)


def _reads(app, login, user, *urls) -> dict[str, tuple[int, str]]:
    client = login(app.test_client(), user)
    out = {}
    for url in urls:
        with client.get(url) as resp:
            out[url] = (resp.status_code, resp.get_data(as_text=True))
    return out


# --- 1. cancelling a challenge before its deadline keeps its bids sealed for good -----------


def test_cancelling_before_the_deadline_keeps_bids_sealed_for_good(app, login, submitted):
    c, bid_id = submitted["challenge"], submitted["bid_id"]
    challenges.cancel_challenge(actor=submitted["staff"], challenge_id=c.id, reason="企业撤回需求")
    urls = (f"/bids/{bid_id}", f"/challenges/{c.id}/bids")
    for moment in (None, c.deadline + timedelta(days=30)):
        with time_machine.travel(moment or db.utcnow(), tick=False):
            for who in ("issuer", "staff"):
                seen = _reads(app, login, submitted[who], *urls)
                assert seen[urls[0]][0] == 404, (who, moment)
                assert MARKER not in seen[urls[1]][1]
                assert "永久密封" in seen[urls[1]][1]
            # Its own team still reads it.
            own = _reads(app, login, submitted["team"], urls[0])
            assert own[urls[0]][0] == 200 and MARKER in own[urls[0]][1]


def test_after_cancellation_the_team_is_told_and_can_still_withdraw(app, login, submitted):
    c, bid_id, team = submitted["challenge"], submitted["bid_id"], submitted["team"]
    challenges.cancel_challenge(actor=submitted["staff"], challenge_id=c.id, reason="企业撤回需求")
    db.refresh_read_session()
    told = db.session().exec(select(Notification).where(Notification.user_id == team.id)).all()
    assert any("保持密封" in n.body for n in told)
    client = login(app.test_client(), submitted["colleague"])
    page = client.get(f"/bids/{bid_id}").get_data(as_text=True)
    assert f"/bids/{bid_id}/withdraw" in page
    with _after_deadline(c):
        resp = login(app.test_client(), submitted["colleague"]).post(f"/bids/{bid_id}/withdraw")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/my/bids")
    db.refresh_read_session()
    assert db.session().get(Bid, bid_id).withdrawn_at is not None


def test_cancelling_after_the_deadline_leaves_the_bids_open_to_the_issuer(app, login, submitted):
    c, bid_id = submitted["challenge"], submitted["bid_id"]
    with _after_deadline(c):
        challenges.cancel_challenge(actor=submitted["staff"], challenge_id=c.id, reason="无人中选")
        seen = _reads(app, login, submitted["issuer"], f"/bids/{bid_id}")
    assert seen[f"/bids/{bid_id}"][0] == 200


# --- 3. pending, rejected and removed members act for nobody ---------------------------------


@pytest.mark.parametrize("decision", ["pending", "rejected"])
def test_members_not_approved_see_nothing_of_the_organisation(
    app, login, submitted, factory: Factory, decision
):
    team, c = submitted["team"], submitted["challenge"]
    newcomer = factory.member(team, approve=False)
    if decision == "rejected":
        accounts.decide_membership(actor=team, user_id=newcomer.id, approve=False)
    number = db.session().get(Bid, submitted["bid_id"]).number
    raw = profile_raw(team_name="保密团队X")
    del raw["is_public"]
    profile = teams.create_profile(actor=team, data=parse_profile(raw))
    with _after_deadline(c):
        seen = _reads(
            app,
            login,
            newcomer,
            "/my/bids",
            f"/bids/{submitted['bid_id']}",
            "/my/teams",
            f"/teams/{profile.id}",
        )
    assert number not in seen["/my/bids"][1]
    assert seen[f"/bids/{submitted['bid_id']}"][0] == 404
    assert "保密团队X" not in seen["/my/teams"][1]
    assert seen[f"/teams/{profile.id}"][0] == 404


def test_a_pending_enterprise_member_does_not_see_drafts_or_return_comments(
    app, login, factory: Factory
):
    issuer = factory.org_user(Role.ENTERPRISE)
    draft = factory.challenge(issuer, stage="pending_review", title="内部草稿榜单Q")
    challenges.return_challenge(
        actor=factory.staff(), challenge_id=draft.id, comment="预算依据不足，请补充"
    )
    newcomer = factory.member(issuer, approve=False)
    seen = _reads(app, login, newcomer, "/my/challenges", f"/challenges/{draft.id}")
    assert "内部草稿榜单Q" not in seen["/my/challenges"][1]
    assert "预算依据不足" not in seen["/my/challenges"][1]
    assert seen[f"/challenges/{draft.id}"][0] == 404


# --- 4. and 5. withdrawn bids and never-submitted files stay with their organisation -------


def test_a_withdrawn_bid_is_never_opened_to_the_issuer_or_staff(app, login, submitted):
    c, bid_id = submitted["challenge"], submitted["bid_id"]
    login(app.test_client(), submitted["team"]).post(f"/bids/{bid_id}/withdraw")
    with _after_deadline(c):
        for who in ("issuer", "staff"):
            seen = _reads(app, login, submitted[who], f"/bids/{bid_id}", f"/challenges/{c.id}/bids")
            assert seen[f"/bids/{bid_id}"][0] == 404
            number = db.session().get(Bid, bid_id).number
            assert number not in seen[f"/challenges/{c.id}/bids"][1]


def test_files_added_after_the_last_submission_are_never_shown_to_others(app, login, submitted):
    c, bid_id, team = submitted["challenge"], submitted["bid_id"], submitted["team"]
    late = services.add_attachment(
        actor=team, bid_id=bid_id, stored=uploads.store_pdf(_pdf("unsent"), kind="bids")
    )
    with _after_deadline(c):
        seen = _reads(
            app,
            login,
            submitted["issuer"],
            f"/bids/{bid_id}",
            f"/bids/attachments/{submitted['first'].id}",
            f"/bids/attachments/{late.id}",
        )
        own = _reads(app, login, team, f"/bids/{bid_id}", f"/bids/attachments/{late.id}")
    assert "frozen.pdf" in seen[f"/bids/{bid_id}"][1]
    assert "unsent.pdf" not in seen[f"/bids/{bid_id}"][1]
    assert seen[f"/bids/attachments/{submitted['first'].id}"][0] == 200
    assert seen[f"/bids/attachments/{late.id}"][0] == 404
    assert "unsent.pdf" in own[f"/bids/{bid_id}"][1]
    assert own[f"/bids/attachments/{late.id}"][0] == 200
    # The receipt's hash covers exactly the files frozen into the version.
    db.refresh_read_session()
    bid = db.session().get(Bid, bid_id)
    frozen = services._latest_version(db.session(), bid).content["attachments"]
    assert [f["sha256"] for f in frozen] == [submitted["first"].sha256]
    assert [a.id for a in services.submitted_attachments(db.session(), bid)] == [
        submitted["first"].id
    ]


# --- 6. a deadline change leaves the minimum notice from the moment of approval -----------


def test_an_amendment_cannot_move_the_deadline_minutes_away(app, login, market):
    c, issuer, staff = market["challenge"], market["issuer"], market["staff"]
    soon = db.utcnow() + timedelta(minutes=4)
    client = login(app.test_client(), issuer)
    resp = client.post(
        f"/challenges/{c.id}/amend",
        data={**form_data(challenge_raw(deadline=deadline_local_text(soon))), "reason": "提前截止"},
    )
    assert resp.status_code == 422
    assert "至少 15 天" in resp.get_data(as_text=True)

    # Proposed with enough notice, approved too late: the notice counts from approval.
    later = db.utcnow() + timedelta(days=20)
    data = challenges_input(deadline=later)
    amendment = amendments.propose_amendment(
        actor=issuer, challenge_id=c.id, data=data, reason="调整截止时间"
    )
    ten_days_on = time_machine.travel(db.utcnow() + timedelta(days=10), tick=False)
    with ten_days_on, pytest.raises(ValidationFailed, match="至少 15 天"):
        amendments.decide_amendment(actor=staff, amendment_id=amendment.id, approve=True)
    db.refresh_read_session()
    assert db.session().get(Challenge, c.id).deadline == c.deadline


def test_bidders_are_told_of_every_deadline_change(app, login, submitted):
    c, issuer, staff, team = (submitted[k] for k in ("challenge", "issuer", "staff", "team"))
    later = c.deadline + timedelta(days=10)
    amendment = amendments.propose_amendment(
        actor=issuer, challenge_id=c.id, data=challenges_input(deadline=later), reason="延期"
    )
    amendments.decide_amendment(actor=staff, amendment_id=amendment.id, approve=True)
    db.refresh_read_session()
    told = db.session().exec(select(Notification).where(Notification.user_id == team.id)).all()
    assert any("截止时间改为" in n.title for n in told)


def challenges_input(*, deadline):
    from marketplace.challenges.schemas import parse_challenge

    return parse_challenge(challenge_raw(deadline=deadline_local_text(deadline)), now=db.utcnow())


# --- 10. a malformed leader id is refused, never a 500 ---------------------------------------


@pytest.mark.parametrize("leader", ["²", "٣", "99999999999999999999", "-1", "1e3"])
def test_a_malformed_leader_id_never_breaks_the_bid_page(app, client, market, start_bid, leader):
    challenge, team = market["challenge"], market["team"]
    bid_id = start_bid(client, team, challenge)
    db.refresh_read_session()
    version = db.session().get(Bid, bid_id).version_id
    data = bid_form(challenge, team, leader_id=leader)
    assert client.post(f"/bids/{bid_id}/edit", data={**data, "version": version}).status_code == 302
    assert client.get(f"/bids/{bid_id}").status_code == 200
    assert client.get(f"/bids/{bid_id}/edit").status_code == 200
    db.refresh_read_session()
    version = db.session().get(Bid, bid_id).version_id
    resp = client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "version": version, "action": "submit", "idempotency_key": "z"},
    )
    assert resp.status_code == 422
    assert "挂帅人须是本单位已通过审批的科研人员" in resp.get_data(as_text=True)


# --- 22. a discarded draft is not "withdrawn"; the receipt prints and downloads -----------


def test_a_discarded_draft_is_listed_as_discarded_not_withdrawn(app, client, market, start_bid):
    bid_id = start_bid(client, market["team"], market["challenge"])
    assert client.post(f"/bids/{bid_id}/withdraw").status_code == 302
    page = client.get("/my/bids").get_data(as_text=True)
    assert "已放弃（未提交）" in page and "已撤回" not in page


def test_the_receipt_can_be_printed_and_downloaded(client, submitted):
    bid = db.session().get(Bid, submitted["bid_id"])
    page = client.get(f"/bids/{bid.id}/receipt/1").get_data(as_text=True)
    assert re.search(r'media="print" href="/static/css/print\.[0-9a-f]{12}\.css"', page)
    resp = client.get(f"/bids/{bid.id}/receipt/1/download")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    text = resp.get_data().decode("utf-8-sig")
    version = services._latest_version(db.session(), bid)
    assert bid.number in text and version.sha256 in text and "frozen.pdf" in text
