"""Kept pages (marketplace/page_cache.py): fast for a repeated view, never behind the data.

Each test first shows that the page was served from the cache (the store counts a hit), so a
passing test is about a cached page, not a page that happened to be rendered afresh.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from marketplace import create_app, db, page_cache
from marketplace.accounts.models import Role
from marketplace.challenges.schemas import deadline_local_text

from .conftest import IsolatedClient, base_config, csrf_token_from
from .factories import Factory


def store(app) -> page_cache.PageStore:
    return app.extensions["page_cache"]


def cached_twice(app, client, path: str) -> str:
    """GET ``path`` twice; the second answer must come from the cache. The clock stands still
    meanwhile: a kept page is renewed every minute."""
    with time_machine.travel(db.utcnow(), tick=False):
        first = client.get(path)
        assert first.status_code == 200
        hits = store(app).hits
        second = client.get(path)
    assert second.status_code == 200
    assert store(app).hits == hits + 1, "the second view was rendered again"
    return second.get_data(as_text=True)


def generation() -> int:
    return page_cache.generation(db.session())


@pytest.fixture
def other_worker(database_url, tmp_path):
    """A second app on the same database: another gunicorn worker, with its own cache."""
    config = base_config(tmp_path, database_url)
    other = create_app(config)
    other.test_client_class = IsolatedClient
    yield other
    other.extensions["db_engine"].dispose()


def test_a_challenge_published_on_one_worker_is_listed_at_once_on_another(
    app, client, other_worker
):
    page = cached_twice(app, client, "/challenges")
    assert "镁合金压铸件在线检测" not in page
    with other_worker.app_context():
        Factory(other_worker).challenge(title="镁合金压铸件在线检测")
    after = client.get("/challenges").get_data(as_text=True)
    assert "镁合金压铸件在线检测" in after


def test_a_cancelled_challenge_shows_cancelled_on_its_kept_page(app, client, factory):
    challenge = factory.challenge(title="高导热氮化铝基板")
    path = f"/challenges/{challenge.id}"
    assert "已撤榜" not in cached_twice(app, client, path)
    from marketplace.challenges import services as ch

    ch.cancel_challenge(actor=factory._reviewer(), challenge_id=challenge.id, reason="企业撤回")
    assert "已撤榜" in client.get(path).get_data(as_text=True)


def test_each_user_gets_their_own_page_and_anonymous_visitors_theirs(app, factory, login):
    zhang = factory.appointed(Role.STAFF, name="张科长")
    li = factory.appointed(Role.STAFF, name="李科员")
    as_zhang, as_li, anonymous = app.test_client(), app.test_client(), app.test_client()
    login(as_zhang, zhang)
    login(as_li, li)
    for path in ("/challenges", "/staff/challenges"):
        page_zhang = cached_twice(app, as_zhang, path)
        page_li = cached_twice(app, as_li, path)
        assert "张科长" in page_zhang and "李科员" not in page_zhang
        assert "李科员" in page_li and "张科长" not in page_li
    page = cached_twice(app, anonymous, "/challenges")
    assert "张科长" not in page and "李科员" not in page and "登录" in page
    # A page for staff is not handed to a visitor who is not logged in.
    assert anonymous.get("/staff/challenges").status_code == 302


def test_a_kept_page_carries_the_visitors_own_csrf_token(app, database_url, tmp_path):
    strict = create_app({**base_config(tmp_path, database_url), "WTF_CSRF_ENABLED": True})
    strict.test_client_class = IsolatedClient
    try:
        with strict.app_context():
            first, second = strict.test_client(), strict.test_client()
            token_first = csrf_token_from(cached_twice(strict, first, "/challenges"))
            token_second = csrf_token_from(cached_twice(strict, second, "/challenges"))
            assert token_first != token_second
            assert page_cache._SENTINEL not in token_second
            # The kept page's form works for the visitor it was served to.
            resp = second.post("/lang/en", data={"csrf_token": token_second, "next": "/challenges"})
            assert resp.status_code == 302
            assert "Challenges" in second.get("/challenges").get_data(as_text=True)
            # …and another visitor's token from it does not.
            other = strict.test_client()
            other.get("/challenges")
            resp = other.post("/lang/en", data={"csrf_token": token_second})
            assert resp.status_code == 400
    finally:
        strict.extensions["db_engine"].dispose()


def test_a_flashed_message_is_shown_once_and_never_kept(app, client, factory, login):
    login(client, factory.appointed(Role.STAFF))
    cached_twice(app, client, "/")
    resp = client.post("/logout", follow_redirects=True)
    assert "您已安全退出。" in resp.get_data(as_text=True)
    again = client.get("/").get_data(as_text=True)
    assert "您已安全退出。" not in again


def test_page_views_of_a_logged_in_user_do_not_empty_the_cache(app, client, factory, login):
    login(client, factory.appointed(Role.STAFF))
    before = generation()
    with time_machine.travel(db.utcnow() + timedelta(minutes=5), tick=False):
        # The login session's last-seen time is written (at most once a minute): no page
        # shows it, so kept pages stay.
        assert client.get("/challenges").status_code == 200
        assert generation() == before
        factory.challenge(title="农用无人机植保喷洒系统")
        assert generation() > before


def test_a_deadline_that_passed_shows_within_a_minute(app, client, factory):
    now = db.utcnow()
    deadline = deadline_local_text(now + timedelta(days=31))
    factory.challenge(title="锂电池隔膜涂覆工艺", deadline=deadline)
    path = "/challenges?status=open"
    with time_machine.travel(now, tick=False):
        assert "锂电池隔膜涂覆工艺" in cached_twice(app, client, path)
    with time_machine.travel(now + timedelta(days=32), tick=False):
        assert "锂电池隔膜涂覆工艺" not in client.get(path).get_data(as_text=True)


def test_the_store_is_bounded_by_pages_and_bytes():
    pages = page_cache.PageStore(max_entries=3, max_bytes=100)
    for n in range(5):
        pages.put(("page", n), "x" * 10)
    assert len(pages) == 3
    assert pages.get(("page", 0)) is None and pages.get(("page", 4)) == "x" * 10
    pages.put(("big", 1), "y" * 12)
    pages.put(("big", 2), "y" * 12)
    assert sum(len(pages.get(k) or "") for k in list(pages._pages)) <= 100
    pages.put(("stale",), "s", until=0.0)  # its figures expired at the epoch
    assert pages.get(("stale",)) is None
    assert pages.get(("huge",)) is None
    pages.put(("huge",), "z" * 60)  # over an eighth of the bound: never kept
    assert pages.get(("huge",)) is None


def test_a_kept_page_costs_one_query_and_a_logged_in_one_two(app, client, factory, login):
    from .conftest import counting_queries

    factory.challenge()
    cached_twice(app, client, "/challenges")
    with counting_queries() as statements:
        assert client.get("/challenges").status_code == 200
    assert [s for s in statements if s.strip().upper() != "BEGIN"] == [page_cache._READ_GENERATION]
    staff = app.test_client()
    login(staff, factory.appointed(Role.STAFF))
    cached_twice(app, staff, "/staff/challenges")
    with counting_queries() as statements:
        assert staff.get("/staff/challenges").status_code == 200
    assert len([s for s in statements if s.strip().upper() != "BEGIN"]) == 2  # who, generation
