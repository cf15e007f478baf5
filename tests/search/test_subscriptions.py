"""「订阅」: a saved query or a team profile; tick sends a digest of new matching challenges."""

from __future__ import annotations

from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.notifications import Notification

from ..factories import Factory
from ..teams.conftest import TeamsFactory


def digests(user_id: int) -> list[Notification]:
    db.refresh_read_session()
    return list(
        db.session().exec(
            select(Notification).where(
                Notification.user_id == user_id, Notification.title.contains("订阅")
            )
        )
    )


def test_a_saved_query_gets_a_digest_of_new_matching_challenges(app, client, factory, login):
    team = factory.org_user(Role.RESEARCHER)
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer, title="早已发布的镁合金榜单")  # before subscribing: not news
    login(client, team)
    assert client.post("/my/subscriptions", data={"query": "镁合金"}).status_code == 302
    assert "镁合金" in client.get("/my/subscriptions").get_data(as_text=True)
    factory.challenge(issuer, title="新发布的镁合金轮毂榜单")
    factory.challenge(issuer, title="无关的光伏回收榜单")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["marketplace", "tick"])
    assert "sent 1 subscription digest" in result.output, result.output
    [note] = digests(team.id)
    assert "新发布的镁合金轮毂榜单" in note.body
    assert "早已发布" not in note.body and "光伏" not in note.body
    again = runner.invoke(args=["marketplace", "tick"])  # nothing new: no second digest
    assert "sent 0 subscription digest" in again.output
    assert len(digests(team.id)) == 1


def test_a_profile_subscription_uses_the_teams_own_terms(app, client, factory: Factory, login):
    teams = TeamsFactory(factory)
    owner = teams.researcher()
    profile = teams.profile(owner)  # 轻合金成形与表面工程团队: 镁合金 压铸 涂层
    login(client, owner)
    client.post("/my/subscriptions", data={"profile_id": str(profile.id)})
    factory.challenge(factory.org_user(Role.ENTERPRISE), title="镁合金压铸件涂层开裂问题")
    app.test_cli_runner().invoke(args=["marketplace", "tick"])
    [note] = digests(owner.id)
    assert "镁合金压铸件涂层开裂问题" in note.body


def test_subscriptions_are_personal(app, client, factory: Factory, login):
    owner = factory.org_user(Role.RESEARCHER)
    login(client, owner)
    client.post("/my/subscriptions", data={"query": "电池"})
    other = login(app.test_client(), factory.org_user(Role.RESEARCHER))
    assert "电池" not in other.get("/my/subscriptions").get_data(as_text=True)
    from marketplace.search.subscriptions import Subscription

    sub_id = db.session().exec(select(Subscription.id)).one()
    assert other.post(f"/my/subscriptions/{sub_id}/delete").status_code == 404
    empty = client.post("/my/subscriptions", data={"query": " "})
    assert empty.status_code == 422 and "请输入要订阅的关键词" in empty.get_data(as_text=True)


def test_the_digest_link_carries_the_whole_saved_query(app, client, factory: Factory, login):
    team = factory.org_user(Role.RESEARCHER)
    login(client, team)
    client.post("/my/subscriptions", data={"query": "镁合金 & 压铸 #2"})
    factory.challenge(factory.org_user(Role.ENTERPRISE), title="镁合金压铸件二期榜单")
    app.test_cli_runner().invoke(args=["marketplace", "tick"])
    [note] = digests(team.id)
    page = client.get(note.link).get_data(as_text=True)
    assert 'value="镁合金 &amp; 压铸 #2"' in page
    assert "镁合金压铸件二期榜单" in page.replace("<mark>", "").replace("</mark>", "")
