"""A sealed bid: a marker written into it appears nowhere an unauthorised person can reach.

Before the deadline only the bidding organisation sees it; after it, also the issuer and staff.
Every route that could leak is read as every role, before and after the deadline (ASVS 8.2.3).
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select
from werkzeug.datastructures import FileStorage

from marketplace import db, uploads
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import services
from marketplace.bids.models import BidAttachment
from marketplace.notifications import Notification
from marketplace.outbox import SearchOutbox

from ..factories import Factory
from .conftest import bid_form

MARKER = "SEALED-MARKER-7Q9Z"
PDF = b"%PDF-1.4\n" + MARKER.encode() + b"\n%%EOF\n"
ROLES = [
    "anonymous",
    "bidder",
    "colleague",
    "issuer",
    "issuer_member",
    "other_enterprise",
    "rival",
    "expert",
    "staff",
    "admin",
]
SEES_BEFORE = {"bidder", "colleague"}
SEES_AFTER = SEES_BEFORE | {"issuer", "issuer_member", "staff", "admin"}


@pytest.fixture
def sealed(app, client, market, factory: Factory, start_bid, login):
    challenge, team = market["challenge"], market["team"]
    bid_id = start_bid(client, team, challenge)
    stored = uploads.store_pdf(FileStorage(io.BytesIO(PDF), filename=f"{MARKER}.pdf"), kind="bids")
    attachment = services.add_attachment(actor=team, bid_id=bid_id, stored=stored)
    data = bid_form(challenge, team, approach=f"技术路线 {MARKER}", prior_results=MARKER)
    db.refresh_read_session()
    from marketplace.bids.models import Bid

    version = db.session().get(Bid, bid_id).version_id
    resp = client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "action": "submit", "idempotency_key": "x", "version": version},
    )
    assert resp.status_code == 302
    client.post("/logout")
    people = {
        "bidder": team,
        "colleague": market["colleague"],
        "issuer": market["issuer"],
        "issuer_member": factory.member(market["issuer"]),
        "other_enterprise": factory.org_user(Role.ENTERPRISE),
        "rival": market["rival"],
        "expert": factory.expert(),
        "staff": market["staff"],
        "admin": factory.admin(),
    }
    return {"bid_id": bid_id, "attachment": attachment, "challenge": challenge, "people": people}


def _urls(w) -> list[str]:
    c, bid_id = w["challenge"], w["bid_id"]
    return [
        "/",
        "/challenges",
        f"/challenges/{c.id}",
        f"/challenges/{c.id}/bids",
        f"/bids/{bid_id}",
        f"/bids/{bid_id}/edit",
        f"/bids/{bid_id}/receipt/1",
        f"/bids/attachments/{w['attachment'].id}",
        "/my/bids",
        "/my/challenges",
        "/notifications",
        "/staff/audit",
        "/staff/audit?object_type=bid",
    ]


def _leaks(app, login, w, role) -> tuple[bool, dict[str, int]]:
    client = app.test_client()
    if role != "anonymous":
        login(client, w["people"][role])
    seen, statuses = False, {}
    for url in _urls(w):
        with client.get(url) as resp:
            statuses[url] = resp.status_code
            if MARKER.encode() in resp.data:
                seen = True
    return seen, statuses


@pytest.mark.parametrize("role", ROLES)
def test_the_marker_reaches_only_those_allowed(app, login, sealed, role, caplog):
    caplog.set_level(logging.DEBUG)
    seen, statuses = _leaks(app, login, sealed, role)
    assert seen is (role in SEES_BEFORE), f"before the deadline, as {role}"
    bid_url = f"/bids/{sealed['bid_id']}"
    if role not in SEES_BEFORE and role != "anonymous":
        # The same answer as for a bid that does not exist.
        client = login(app.test_client(), sealed["people"][role])
        assert statuses[bid_url] == client.get("/bids/999999").status_code == 404
    with time_machine.travel(sealed["challenge"].deadline + timedelta(minutes=1), tick=False):
        seen_after, _ = _leaks(app, login, sealed, role)
    assert seen_after is (role in SEES_AFTER), f"after the deadline, as {role}"
    assert MARKER not in caplog.text


def test_sealed_content_is_never_written_outside_the_bid(sealed):
    s = db.session()
    for event in s.exec(select(AuditEvent)).all():
        assert MARKER not in repr(event.before) + repr(event.after) + event.object_id
    for note in s.exec(select(Notification)).all():
        assert MARKER not in note.title + note.body
    assert all(r.doc_type.value != "bid" for r in s.exec(select(SearchOutbox)).all())
    stored = s.exec(select(BidAttachment)).one()
    assert MARKER not in stored.stored_name
