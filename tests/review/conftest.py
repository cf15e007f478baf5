"""Review fixtures: a challenge past its deadline with two submitted bids, and an expert pool."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.bids.models import Bid
from marketplace.review import services
from marketplace.review.schemas import parse_expert_profile

from ..bids.conftest import bid_form
from ..factories import Factory


def expert_with_profile(factory: Factory, staff, *, name: str, finance=False, **fields):
    """An expert of the materials field, saved by staff (who alone set the finance flag)."""
    expert = factory.expert(name=name)
    raw = {
        "industries": ["materials"],
        "keywords": "电池材料",
        "organisation_name": fields.pop("organisation_name", f"{name}所在研究院"),
        "organisation_uscc": fields.pop("organisation_uscc", ""),
        "title": "研究员",
        "availability": "available",
        "is_finance_expert": "on" if finance else "",
        **fields,
    }
    services.save_expert_profile(
        actor=staff,
        expert_id=expert.id,
        data=parse_expert_profile(raw, today=services.local_today()),
        expected_version=0,
    )
    return expert


def submit_bid(client, login, team, challenge, **overrides) -> int:
    login(client, team)
    resp = client.post(f"/challenges/{challenge.id}/bid")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    bid_id = int(resp.headers["Location"].split("/bids/")[1].split("/")[0])
    db.refresh_read_session()
    version = db.session().get(Bid, bid_id).version_id
    data = bid_form(challenge, team, **overrides)
    resp = client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "action": "submit", "idempotency_key": "k1", "version": version},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    client.post("/logout")
    return bid_id


@pytest.fixture
def review(app, factory: Factory, login):
    """A materials challenge with two submitted bids, five experts (one a finance expert), and
    ``after()``: the clock one minute past the deadline (log in inside it)."""
    staff = factory.staff()
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    team_a = factory.org_user(Role.RESEARCHER, org_name="东海理工大学")
    team_b = factory.org_user(Role.RESEARCHER, org_name="灵湖学院")
    client = app.test_client()
    bid_a = submit_bid(client, login, team_a, challenge)
    bid_b = submit_bid(client, login, team_b, challenge)
    experts = [
        expert_with_profile(factory, staff, name=f"专家{n}", finance=(n == 1)) for n in range(1, 6)
    ]
    return {
        "staff": staff,
        "issuer": issuer,
        "challenge": challenge,
        "teams": [team_a, team_b],
        "bids": [bid_a, bid_b],
        "experts": experts,
        "after": lambda: time_machine.travel(challenge.deadline + timedelta(minutes=1), tick=False),
    }


def full_marks(points: int = 8, **extra) -> dict:
    raw = {f"points_c{n}": str(points) for n in range(1, 6)}
    raw.update(comment="方案可行，指标应答完整。")
    raw.update(extra)
    return raw
