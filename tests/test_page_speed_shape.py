"""What issue 15's speed work changes that a user can notice: the home page's figures lag by
at most the cache time, the long staff and team lists come a page at a time, and the rows
whose labels, links and money are now worked out once per page still say what they said."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from marketplace import db
from marketplace.accounts.models import Role

from .factories import Factory
from .teams.conftest import TeamsFactory
from .test_query_counts import World


def _open_figure(html: str) -> int:
    """The home page's "N 个榜单揭榜中" figure."""
    return int(re.search(r"<strong>(\d+)</strong><a [^>]*>个榜单揭榜中", html)[1])


def test_home_figures_refresh_after_the_cache_time(app, client, factory: Factory):
    app.config["HOME_STATS_CACHE_SECONDS"] = 30
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer)
    start = db.utcnow()
    with time_machine.travel(start, tick=False) as traveller:
        assert _open_figure(client.get("/").get_data(as_text=True)) == 1
        factory.challenge(issuer)
        traveller.shift(timedelta(seconds=20))
        assert _open_figure(client.get("/").get_data(as_text=True)) == 1  # still cached
        traveller.shift(timedelta(seconds=11))
        assert _open_figure(client.get("/").get_data(as_text=True)) == 2


def test_home_figures_are_exact_with_the_cache_off(app, client, factory: Factory):
    app.config["HOME_STATS_CACHE_SECONDS"] = 0
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer)
    assert _open_figure(client.get("/").get_data(as_text=True)) == 1
    factory.challenge(issuer)
    assert _open_figure(client.get("/").get_data(as_text=True)) == 2


def test_the_review_queue_comes_a_page_at_a_time(app, client, factory: Factory, login):
    app.config["REVIEW_QUEUE_PAGE_SIZE"] = 2
    issuer = factory.org_user(Role.ENTERPRISE)
    for k in range(5):
        factory.challenge(issuer, stage="pending_review", title=f"待审榜单第{k}号")
    login(client, factory.staff())
    first = client.get("/staff/challenges").get_data(as_text=True)
    assert first.count("待审榜单第") == 2
    assert "第 1 / 3 页，共 5 条" in first
    assert 'rel="next"' in first
    last = client.get("/staff/challenges?page=3").get_data(as_text=True)
    assert last.count("待审榜单第") == 1
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_my_bids_come_a_page_at_a_time(app, client, factory: Factory, login):
    app.config["MY_BIDS_PAGE_SIZE"] = 2
    world = World(app, factory)
    world.grow(3)  # three submitted bids of one team
    login(client, world.researcher)
    first = client.get("/my/bids").get_data(as_text=True)
    assert first.count('<span class="badge">') == 2
    assert "第 1 / 2 页，共 3 条" in first
    second = client.get("/my/bids?page=2").get_data(as_text=True)
    assert second.count('<span class="badge">') == 1
    assert 'rel="prev"' in second


# Issue 15, item 3: the list, home, team and search pages resolve their labels, link prefixes
# and money once per page instead of once per row. Every row must still say what it said.


def _cards(html: str) -> list[str]:
    return re.findall(r'<article class="challenge-card">(.*?)</article>', html, re.S)


def test_list_rows_speak_the_language_of_each_request(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    made = [factory.challenge(issuer, title=f"镁合金压铸第{k}号") for k in range(3)]
    client.post("/lang/en")
    english = client.get("/challenges").get_data(as_text=True)
    cards = _cards(english)
    assert len(cards) == 3
    for card in cards:
        assert "Issuing organisation" in card and "New materials" in card
        assert "Open for bids" in card and "(10k CNY)" in card and " left" in card
        assert "发榜单位" not in card and "万元" not in card and "揭榜中" not in card
    # The next request in the other language gets its own labels, nothing cached across.
    client.post("/lang/zh")
    chinese = client.get("/challenges").get_data(as_text=True)
    for card in _cards(chinese):
        assert "发榜单位" in card and "新材料" in card and "揭榜中" in card and "万元" in card
        assert "Issuing organisation" not in card
    # Each title links to its own detail page.
    for challenge in made:
        assert f'<a href="/challenges/{challenge.id}">{challenge.title}</a>' in chinese
        assert challenge.title in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)


def test_home_rows_link_to_their_challenges_in_either_language(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, title="蜜橘采后保鲜涂膜")
    assert f'<a href="/challenges/{challenge.id}">蜜橘采后保鲜涂膜</a>' in client.get("/").get_data(
        as_text=True
    )
    client.post("/lang/en")
    home = client.get("/").get_data(as_text=True)
    assert "New materials" in home and "新材料" not in home


def test_each_challenge_shows_its_own_markdown(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    first = factory.challenge(issuer, problem="第一项难题：**压铸气孔**。")
    second = factory.challenge(issuer, problem="第二项难题：**热裂纹**。")
    for _ in range(2):  # the second time from the per-process cache of rendered texts
        one = client.get(f"/challenges/{first.id}").get_data(as_text=True)
        two = client.get(f"/challenges/{second.id}").get_data(as_text=True)
        assert "<strong>压铸气孔</strong>" in one and "热裂纹" not in one
        assert "<strong>热裂纹</strong>" in two and "压铸气孔" not in two


def test_search_hits_link_to_the_page_of_their_own_kind(app, client, factory: Factory):
    world = World(app, factory)
    world.grow(1)  # a challenge, a team profile and an achievement, all about 合金
    html = client.get("/search?q=合金").get_data(as_text=True)
    hits = re.findall(
        r'<article class="hit">.*?<a href="([^"]+)"><strong>(.*?)</strong>', html, re.S
    )
    kinds = {href.split("/")[1] for href, _ in hits}
    assert kinds == {"challenges", "teams", "achievements"}, hits
    for href, title in hits:
        resp = client.get(href)
        assert resp.status_code == 200, href
        assert re.sub(r"</?mark>", "", title) in resp.get_data(as_text=True)  # highlighted


def test_team_achievements_show_their_field_and_price(client, factory: Factory):
    teams = TeamsFactory(factory)
    researcher = teams.researcher()
    profile = teams.profile(researcher)
    teams.achievement(researcher, title="镁合金半固态成形", team_id=str(profile.id))
    html = client.get(f"/teams/{profile.id}").get_data(as_text=True)
    row = re.search(r'<p><a href="(/achievements/\d+)">镁合金半固态成形</a>(.*?)</p>', html, re.S)
    assert row, html
    assert "镁合金半固态成形" in client.get(row[1]).get_data(as_text=True)
    assert "新材料" in row[2] and "TRL 6" in row[2] and "150.00 万元" in row[2]
