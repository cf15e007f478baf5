"""Guessing is slowed per source and per account, but a stranger cannot lock the owner out.

OWASP's authentication guidance: limit failures per account *and source*, throttle an account
slowly for unknown clients, and let a browser the owner has logged in from before (a device
cookie) keep logging in while the account is under attack.
"""

from __future__ import annotations

import re

from ..factories import Factory

WRONG = "wrong-password-x"


def attempt(client, email: str, ip: str, password: str = WRONG):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def test_a_strangers_failures_from_many_addresses_do_not_lock_the_owners_browser(
    app, factory: Factory
):
    owner = factory.org_user()
    browser = app.test_client()
    assert attempt(browser, owner.email, "10.1.1.1", Factory.PASSWORD).status_code == 302
    browser.post("/logout", environ_base={"REMOTE_ADDR": "10.1.1.1"})

    stranger = app.test_client()
    answers = [attempt(stranger, owner.email, f"10.66.{i // 200}.{i % 200}") for i in range(40)]
    assert {r.status_code for r in answers[:10]} == {401}
    assert answers[-1].status_code == 429  # the account is being guessed at

    # The owner's own browser still gets in, with the right password.
    assert attempt(browser, owner.email, "10.1.1.1", Factory.PASSWORD).status_code == 302


def test_one_address_guessing_one_account_is_stopped_and_told_when_to_retry(
    client, factory: Factory
):
    user = factory.org_user()
    for _ in range(10):
        assert attempt(client, user.email, "10.0.0.9").status_code == 401
    blocked = attempt(client, user.email, "10.0.0.9", Factory.PASSWORD)
    assert blocked.status_code == 429
    seconds = int(blocked.headers["Retry-After"])
    assert 60 < seconds <= 15 * 60
    html = blocked.get_data(as_text=True)
    assert re.search(r"请在 \d{1,2}:\d{2} 之后再试（约 \d+ 分钟）", html), html
    # The same account from another address is not blocked by this.
    assert attempt(client, user.email, "10.0.0.10", Factory.PASSWORD).status_code == 302


def test_an_account_guessed_from_many_addresses_is_throttled_for_unknown_browsers(
    app, factory: Factory
):
    user = factory.org_user()
    stranger = app.test_client()
    for i in range(30):
        assert attempt(stranger, user.email, f"10.77.0.{i}").status_code == 401
    # A browser that has never logged in to this account waits, even with the right password.
    newcomer = app.test_client()
    assert attempt(newcomer, user.email, "10.88.0.1", Factory.PASSWORD).status_code == 429


def test_another_accounts_device_cookie_does_not_exempt_a_browser(app, factory: Factory):
    mine, target = factory.org_user(), factory.org_user()
    browser = app.test_client()
    assert attempt(browser, mine.email, "10.5.0.1", Factory.PASSWORD).status_code == 302
    browser.post("/logout", environ_base={"REMOTE_ADDR": "10.5.0.1"})
    for i in range(30):
        assert attempt(browser, target.email, f"10.5.1.{i}").status_code == 401
    assert attempt(browser, target.email, "10.5.2.1", Factory.PASSWORD).status_code == 429
