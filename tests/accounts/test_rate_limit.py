"""Login attempts are limited per account and per IP; the 11th failure gets 429."""

from __future__ import annotations

from ..factories import Factory


def fail(client, email: str, ip: str = "10.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": "wrong-password-x"},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_eleventh_failed_login_for_one_account_is_refused_from_any_ip(client, factory: Factory):
    user = factory.org_user()
    for i in range(10):
        assert fail(client, user.email, ip=f"10.0.1.{i}").status_code == 401
    blocked = fail(client, user.email, ip="10.0.2.1")
    assert blocked.status_code == 429
    assert "操作过于频繁" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    # Even the right password waits: the account is being guessed at.
    right = client.post(
        "/login",
        data={"email": user.email, "password": Factory.PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.3.1"},
    )
    assert right.status_code == 429


def test_eleventh_failed_login_from_one_ip_is_refused_for_any_account(client, factory: Factory):
    for i in range(10):
        assert fail(client, f"guess{i}@example.cn", ip="10.9.9.9").status_code == 401
    assert fail(client, "guess-more@example.cn", ip="10.9.9.9").status_code == 429
    # Another IP is not affected.
    assert fail(client, "guess-more@example.cn", ip="10.9.9.8").status_code == 401


def test_successful_logins_do_not_count(client, factory: Factory, login):
    user = factory.org_user()
    for _ in range(12):
        login(client, user)
        client.post("/logout")
