"""Bidding asks the integrity list: a bar blocks it, a warning does not, a repair frees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.bids.models import Bid
from marketplace.integrity import services
from marketplace.integrity.models import IntegrityRepair, Measure

from ..bids.conftest import bid_form
from .conftest import apply


def submit(client, bid_id, data, key):
    db.refresh_read_session()
    version = db.session().get(Bid, bid_id).version_id
    return client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "action": "submit", "idempotency_key": key, "version": version},
    )


@pytest.mark.parametrize(
    ("measure", "blocked"),
    [
        (Measure.WARNING, False),
        (Measure.CRITICISM, False),
        (Measure.BAR, True),
        (Measure.PERMANENT, True),
    ],
)
def test_a_bar_on_the_leader_blocks_the_bid_and_a_warning_does_not(
    client, market, start_bid, record, measure, blocked
):
    challenge, team = market["challenge"], market["team"]
    bid_id = start_bid(client, team, challenge)
    made = record(measure=measure, user_id=team.id)
    resp = submit(client, bid_id, bid_form(challenge, team), "k1")
    html = resp.get_data(as_text=True)
    if not blocked:
        assert resp.status_code == 302
        return
    assert resp.status_code == 403 and f"第 {made.id} 号" in html
    assert ("永久不能揭榜" in html) if made.ends_on is None else (made.ends_on.isoformat() in html)


def test_after_an_approved_repair_the_organisation_bids_again(
    client, login, market, start_bid, record
):
    challenge, team = market["challenge"], market["team"]
    bar = record(
        years=1,
        starts_on=services.today() - timedelta(days=300),
        organisation_id=team.organisation_id,
    )
    bid_id = start_bid(client, team, challenge)
    refused = submit(client, bid_id, bid_form(challenge, team), "k1")
    assert refused.status_code == 403 and "您的单位" in refused.get_data(as_text=True)
    assert apply(client, bar.id).status_code == 302
    repair_id = db.session().exec(select(IntegrityRepair.id)).one()
    services.decide_repair(actor=market["staff"], repair_id=repair_id, approve=True, reason="好")
    assert submit(client, bid_id, bid_form(challenge, team), "k2").status_code == 302
