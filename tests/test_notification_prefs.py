"""Each signed-in user chooses which kinds of notification also come by e-mail."""

from __future__ import annotations

import pytest
from flask import g

from marketplace import create_app, db
from marketplace.accounts.models import Role
from marketplace.notifications import NotificationKind, email_choices

from .conftest import IsolatedClient, base_config, csrf_token_from
from .factories import Factory

URL = "/notifications/settings"


def _checked(html: str) -> set[str]:
    """The kinds whose checkbox the page shows ticked."""
    found = set()
    for kind in NotificationKind:
        box = f'name="email" value="{kind.value}"'
        assert box in html, kind
        if html.split(box, 1)[1].lstrip().startswith("checked"):
            found.add(kind.value)
    return found


@pytest.fixture
def csrf_app(database_url, tmp_path):
    app = create_app({**base_config(tmp_path, database_url), "WTF_CSRF_ENABLED": True})
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


def test_every_kind_is_on_by_default_and_the_page_is_linked(client, factory: Factory, login):
    user = factory.org_user(Role.RESEARCHER)
    login(client, user)
    assert URL in client.get("/notifications").get_data(as_text=True)
    page = client.get(URL).get_data(as_text=True)
    assert _checked(page) == {k.value for k in NotificationKind}
    assert NotificationKind.DIGEST.label in page and user.email in page


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.RESEARCHER, Role.EXPERT, Role.STAFF])
def test_choices_are_saved_per_user(client, factory: Factory, login, role):
    user = factory.expert() if role is Role.EXPERT else None
    if role is Role.STAFF:
        user = factory.staff()
    user = user or factory.org_user(role)
    other = factory.org_user(Role.RESEARCHER)
    login(client, user)
    keep = [NotificationKind.PANEL.value, NotificationKind.AWARD.value, "made-up"]
    resp = client.post(URL, data={"email": keep})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(URL)
    page = client.get(URL).get_data(as_text=True)
    assert "邮件提醒设置已保存" in page
    assert _checked(page) == {NotificationKind.PANEL.value, NotificationKind.AWARD.value}
    choices = email_choices(db.session(), user.id)
    assert [k for k, on in choices.items() if on] == [
        NotificationKind.PANEL,
        NotificationKind.AWARD,
    ]
    # Someone else's choices are their own.
    assert all(email_choices(db.session(), other.id).values())


def test_the_settings_need_a_login_and_a_csrf_token(csrf_app):
    anonymous = csrf_app.test_client()
    resp = anonymous.get(URL)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    factory = Factory(csrf_app)
    user = factory.org_user(Role.RESEARCHER)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token, "email": user.email,
                                "password": Factory.PASSWORD})  # fmt: skip
    g.pop("csrf_token", None)
    forged = client.post(URL, data={"email": []})  # a form on another site: no token
    assert forged.status_code == 400
    assert all(email_choices(db.session(), user.id).values())
    page = client.get(URL).get_data(as_text=True)
    resp = client.post(URL, data={"csrf_token": csrf_token_from(page)})  # every box unticked
    assert resp.status_code == 303
    assert not any(email_choices(db.session(), user.id).values())
