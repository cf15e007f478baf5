"""In-site notifications: reading them changes nothing; marking them read is a deliberate POST."""

from __future__ import annotations

import pytest
from flask import g

from marketplace import create_app
from marketplace.accounts.models import Role

from .conftest import base_config, csrf_token_from
from .factories import Factory

BADGE = 'class="badge badge-count">'


def _badge(html: str) -> str | None:
    """The unread count the header shows, or None when it shows none."""
    if BADGE not in html:
        return None
    return html.split(BADGE, 1)[1].split("<", 1)[0]


@pytest.fixture
def csrf_app(database_url, tmp_path):
    app = create_app({**base_config(tmp_path, database_url), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


def _login_with_token(client, user) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    resp = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": Factory.PASSWORD}
    )
    assert resp.status_code == 302
    # The fixture's app context outlives requests, and Flask-WTF caches the token in ``g``:
    # drop the one from before the login (whose session was renewed) as a new request would.
    g.pop("csrf_token", None)


def test_opening_the_notifications_changes_nothing(client, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    login(client, issuer)
    assert _badge(client.get("/").get_data(as_text=True)) == "1"
    for _ in range(2):
        page = client.get("/notifications").get_data(as_text=True)
        assert f"榜单已发布：{challenge.title}" in page
        assert 'class="notification unread"' in page
        # The page itself still counts it: opening is not reading.
        assert _badge(page) == "1"
    assert _badge(client.get("/").get_data(as_text=True)) == "1"


def test_a_link_from_another_site_cannot_mark_anything_read(csrf_app):
    factory = Factory(csrf_app)
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer, stage="open")
    client = csrf_app.test_client()
    _login_with_token(client, issuer)
    assert client.get("/notifications/read").status_code == 405
    forged = client.post("/notifications/read")  # no token: a form on another site
    assert forged.status_code == 400
    assert _badge(client.get("/").get_data(as_text=True)) == "1"
    page = client.get("/notifications").get_data(as_text=True)
    resp = client.post("/notifications/read", data={"csrf_token": csrf_token_from(page)})
    assert resp.status_code == 303, resp.get_data(as_text=True)[-1500:]
    assert resp.headers["Location"].endswith("/notifications")
    after = client.get("/notifications").get_data(as_text=True)
    assert 'class="notification unread"' not in after
    assert _badge(after) is None


def test_people_mark_one_notification_read(client, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    first = factory.challenge(issuer, stage="open")
    second = factory.challenge(issuer, stage="open")
    login(client, issuer)
    page = client.get("/notifications").get_data(as_text=True)
    assert _badge(page) == "2"
    from sqlmodel import select

    from marketplace import db
    from marketplace.notifications import Notification

    rows = db.session().exec(select(Notification).where(Notification.user_id == issuer.id)).all()
    one = next(n for n in rows if first.title in n.title)
    resp = client.post(f"/notifications/{one.id}/read")
    assert resp.status_code == 303
    page = client.get("/notifications").get_data(as_text=True)
    assert _badge(page) == "1"
    unread = page.split('class="notification unread"')
    assert len(unread) == 2 and second.title in unread[1].split("</article>")[0]


def test_nobody_marks_another_persons_notification(client, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer, stage="open")
    from sqlmodel import select

    from marketplace import db
    from marketplace.notifications import Notification

    theirs = db.session().exec(select(Notification).where(Notification.user_id == issuer.id)).one()
    login(client, factory.org_user(Role.ENTERPRISE))
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/99999999999/read").status_code == 404
    client.post("/logout")
    login(client, issuer)
    assert _badge(client.get("/").get_data(as_text=True)) == "1"


def test_the_centre_pages_and_shows_unread_first(client, factory: Factory, login):
    from marketplace import db
    from marketplace.notifications import NotificationKind, notify

    user = factory.org_user(Role.RESEARCHER)

    @db.transactional
    def send(s, n: int, kind=NotificationKind.OTHER):
        return notify(s, user_ids=[user.id], title=f"第{n}号消息", link="/challenges", kind=kind)

    for n in range(1, 36):
        send(n, NotificationKind.AWARD if n == 3 else NotificationKind.OTHER)
    login(client, user)
    # The oldest is read: it goes to the end, after every unread one.
    from sqlmodel import select

    from marketplace.notifications import Notification, mark_read

    first = db.session().exec(select(Notification).where(Notification.title == "第1号消息")).one()
    mark_read(user_id=user.id, notification_id=first.id)
    mark_read(user_id=user.id, notification_id=first.id + 2)  # 第3号 is read too
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count('class="notification') == 30  # NOTIFICATIONS_PAGE_SIZE
    assert page.index("第35号消息") < page.index("第34号消息") < page.index("第6号消息")
    assert "第2号消息" not in page and "第1号消息" not in page
    assert _badge(page) == "33"
    assert 'href="/notifications?page=2"' in page
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert second.index("第4号消息") < second.index("第2号消息") < second.index("第3号消息")
    assert second.index("第3号消息") < second.index("第1号消息")
    assert 'class="notification unread"' in second
    assert "揭榜结果公示与异议" in second  # the kind of each message
    assert client.get("/notifications?page=abc").status_code == 200
