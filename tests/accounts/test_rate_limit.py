"""Login attempts are limited per IP; the 11th failure gets 429.

The per-account limits (per account and source, and the slower one for unknown browsers, which
a stranger cannot use to lock the owner out) are tested in test_lockout.py.
"""

from __future__ import annotations

from ..factories import Factory


def fail(client, email: str, ip: str = "10.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": "wrong-password-x"},
        environ_base={"REMOTE_ADDR": ip},
    )


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
