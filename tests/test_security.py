"""Headers, CSRF and caching rules that every page must follow."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from marketplace import create_app

from .conftest import base_config, csrf_token_from
from .factories import Factory


def test_security_headers_on_every_page(client):
    for url in ["/", "/login", "/register", "/no-such-page"]:
        h = client.get(url).headers
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert "default-src 'self'" in h["Content-Security-Policy"]
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert h["X-Frame-Options"] == "DENY"
        assert "Server" not in h


def test_hsts_only_when_served_over_https(database_url, tmp_path):
    cfg = base_config(tmp_path, database_url)
    app = create_app({**cfg, "SESSION_COOKIE_SECURE": True})
    try:
        resp = app.test_client().get("/")
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        app.extensions["db_engine"].dispose()


def test_session_cookie_flags(client, factory: Factory, login):
    login(client, factory.org_user())
    resp = client.get("/account")
    assert resp.status_code == 200
    c = client.get_cookie("mp_session")
    assert c.http_only
    assert c.same_site == "Lax"


def test_private_pages_are_not_stored(client, factory: Factory, login):
    assert "no-store" in client.get("/login").headers["Cache-Control"]
    login(client, factory.org_user())
    assert "no-store" in client.get("/account").headers["Cache-Control"]
    assert "no-store" in client.get("/").headers["Cache-Control"]


def test_public_pages_may_be_cached_for_anonymous_visitors(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


@pytest.fixture
def csrf_app(database_url, tmp_path):
    app = create_app({**base_config(tmp_path, database_url), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


def _sample_url(rule) -> str:
    values = {}
    for arg, conv in rule._converters.items():
        if isinstance(conv, IntegerConverter):
            values[arg] = "1"
        elif isinstance(conv, AnyConverter):
            values[arg] = sorted(conv.items)[0] if hasattr(conv, "items") else "x"
        else:
            values[arg] = "x"
    url = rule.rule
    for arg, value in values.items():
        url = re.sub(r"<[^>]*\b" + arg + ">", value, url)
    return url


def test_every_state_changing_route_refuses_a_missing_or_forged_token(csrf_app):
    client = csrf_app.test_client()
    unsafe = [
        rule
        for rule in csrf_app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and rule.endpoint != "static"
    ]
    assert len(unsafe) >= 10
    for rule in unsafe:
        url = _sample_url(rule)
        missing = client.post(url, data={"email": "a@b.cn"})
        assert missing.status_code == 400, url
        assert "表单已过期或来源无法验证" in missing.get_data(as_text=True)
        forged = client.post(url, data={"csrf_token": "forged.token.value"})
        assert forged.status_code == 400, url


def test_a_form_with_its_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    resp = client.post(
        "/login", data={"csrf_token": token, "email": "a@b.cn", "password": "whatever-123"}
    )
    assert resp.status_code == 401  # reached the credential check


def test_open_redirects_are_refused(client, factory: Factory):
    user = factory.org_user()
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        resp = client.post(
            f"/login?next={target}", data={"email": user.email, "password": Factory.PASSWORD}
        )
        assert resp.status_code == 302
        assert "evil" not in resp.headers["Location"]
        client.post("/logout")
