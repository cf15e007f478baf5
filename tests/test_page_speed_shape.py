"""What issue 15's speed work changes that a user can notice: the home page's figures lag by
at most the cache time, and the long staff and team lists come a page at a time."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from marketplace import db
from marketplace.accounts.models import Role

from .factories import Factory
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
