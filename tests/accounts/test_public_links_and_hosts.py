"""Links in e-mails come from the configured public address, never from the request's Host."""

from __future__ import annotations

import logging
import re

import pytest

from marketplace import create_app

from ..conftest import IsolatedClient, base_config
from ..factories import Factory


def mails(caplog) -> list[str]:
    """The bodies of the mails the app wrote to the log (no MAIL_SERVER in tests)."""
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("MAIL ")]


@pytest.fixture
def public_app(database_url, tmp_path):
    """The app as deployed at https://jbgs.kjj.example.cn behind the bureau's gateway."""
    app = create_app(
        {
            **base_config(tmp_path, database_url),
            "PUBLIC_BASE_URL": "https://jbgs.kjj.example.cn",
            "ALLOWED_HOSTS": ["jbgs.internal"],
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


def test_a_reset_link_points_at_the_public_address_whatever_the_host_header(public_app, caplog):
    user = Factory(public_app).org_user()
    client = public_app.test_client()
    caplog.set_level(logging.WARNING)
    resp = client.post(
        "/password/forgot",
        data={"email": user.email},
        base_url="http://jbgs.internal",  # a trusted alias, as the gateway forwards it
    )
    assert resp.status_code == 302
    [body] = mails(caplog)
    assert re.search(r"https://jbgs\.kjj\.example\.cn/password/reset/[\w.-]+", body)
    assert "jbgs.internal" not in body


def test_a_request_for_an_unknown_host_gets_a_400_page_and_no_mail(public_app, caplog):
    user = Factory(public_app).org_user()
    client = public_app.test_client()
    caplog.set_level(logging.WARNING)
    resp = client.post(
        "/password/forgot", data={"email": user.email}, base_url="http://evil.example"
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "请求有误" in html and "域名" in html
    assert mails(caplog) == []
    # The public host and loopback (the gateway's health checks) are served.
    assert client.get("/login", base_url="https://jbgs.kjj.example.cn").status_code == 200
    assert client.get("/login", base_url="http://127.0.0.1:8000").status_code == 200


def test_without_a_configured_address_links_use_the_development_address(app, client, caplog):
    user = Factory(app).org_user()
    caplog.set_level(logging.WARNING)
    client.post("/password/forgot", data={"email": user.email}, base_url="http://localhost")
    [body] = mails(caplog)
    assert "http://127.0.0.1:5000/password/reset/" in body
    assert client.get("/login", base_url="http://evil.example").status_code == 400


def test_extra_hosts_can_be_trusted(database_url, tmp_path):
    app = create_app(
        {
            **base_config(tmp_path, database_url),
            "PUBLIC_BASE_URL": "https://jbgs.kjj.example.cn",
            "ALLOWED_HOSTS": ["jbgs.internal", ".kjj.example.cn"],
        }
    )
    try:
        client = app.test_client()
        assert client.get("/login", base_url="http://jbgs.internal").status_code == 200
        assert client.get("/login", base_url="https://www.kjj.example.cn").status_code == 200
        assert client.get("/login", base_url="http://evil.example").status_code == 400
    finally:
        app.extensions["db_engine"].dispose()
