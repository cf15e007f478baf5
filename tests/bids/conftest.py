"""Bid fixtures: a published challenge, a verified research team, and a complete bid form."""

from __future__ import annotations

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.challenges.models import Indicator

from ..factories import Factory


def bid_form(challenge, leader, **overrides) -> dict:
    """A complete bid as the HTML form posts it (answers every indicator, 2 milestones)."""
    indicators = (
        db.session()
        .exec(
            select(Indicator)
            .where(Indicator.challenge_id == challenge.id)
            .order_by(Indicator.position)
        )
        .all()
    )
    data = {
        "leader_id": str(leader.id),
        "approach": "采用连续流微反应器结合在线监测的技术路线。",
        "prior_results": "已完成小试，收率 90%。",
        "requested_amount": "250",
        "member_name": ["王强", "李娜"],
        "member_title": ["教授", "副研究员"],
        "member_role": ["工艺开发", "分析检测"],
        "member_organisation": ["", ""],
        "milestone_deliverable": ["完成小试工艺验证", "完成中试并通过第三方检测"],
        "milestone_month": ["6", "24"],
        "milestone_percent": ["40", "60"],
        "eligibility_confirmed": "on",
        "integrity_confirmed": "on",
    }
    for indicator in indicators:
        data[f"answer_{indicator.id}"] = f"通过工艺优化达到 {indicator.target}"
    data.update(overrides)
    return data


@pytest.fixture
def market(factory: Factory):
    """An open challenge, its issuer, a research team (admin + member), staff."""
    issuer = factory.org_user(Role.ENTERPRISE)
    team = factory.org_user(Role.RESEARCHER)
    return {
        "issuer": issuer,
        "challenge": factory.challenge(issuer, stage="open"),
        "team": team,
        "colleague": factory.member(team),
        "rival": factory.org_user(Role.RESEARCHER),
        "staff": factory.staff(),
    }


@pytest.fixture
def start_bid(login):
    """Log ``user`` in on ``client`` and open their organisation's bid; returns the bid id."""

    def _start(client, user, challenge) -> int:
        login(client, user)
        resp = client.post(f"/challenges/{challenge.id}/bid")
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        return int(resp.headers["Location"].split("/bids/")[1].split("/")[0])

    return _start
