"""Only approved members follow their organisation's team profiles (订阅).

Anyone can ask to join an organisation with its public credit code; until approved (and after
being rejected) they act for nobody.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.accounts import services as accounts
from marketplace.search.subscriptions import Subscription

from ..factories import Factory
from ..teams.conftest import TeamsFactory


def subscriptions_of(user_id: int) -> list[Subscription]:
    db.refresh_read_session()
    return list(db.session().exec(select(Subscription).where(Subscription.user_id == user_id)))


@pytest.mark.parametrize("decision", ["pending", "rejected"])
def test_a_member_who_is_not_approved_cannot_follow_a_private_profile(
    client, factory: Factory, login, decision
):
    teams = TeamsFactory(factory)
    owner = teams.researcher()
    private = teams.profile(owner, team_name="保密团队甲", is_public="")
    asker = factory.member(owner, approve=False)
    if decision == "rejected":
        accounts.decide_membership(actor=owner, user_id=asker.id, approve=False)
    login(client, asker)

    page = client.get("/my/subscriptions").get_data(as_text=True)
    assert "保密团队甲" not in page
    resp = client.post("/my/subscriptions", data={"profile_id": str(private.id)})
    assert resp.status_code == 404
    assert subscriptions_of(asker.id) == []


def test_an_approved_member_follows_the_profile(client, factory, login):
    teams = TeamsFactory(factory)
    owner = teams.researcher()
    private = teams.profile(owner, team_name="保密团队乙", is_public="")
    member = factory.member(owner)
    login(client, member)
    assert "保密团队乙" in client.get("/my/subscriptions").get_data(as_text=True)
    assert client.post("/my/subscriptions", data={"profile_id": str(private.id)}).status_code == 302
    assert [s.profile_id for s in subscriptions_of(member.id)] == [private.id]
