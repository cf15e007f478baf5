"""Sessions end for real: at logout, on a password change, when disabled, when idle."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import LoginSession, User
from marketplace.accounts.services import make_reset_token

from ..factories import Factory

COOKIE = "mp_session"


def cookie(client) -> str | None:
    c = client.get_cookie(COOKIE)
    return c.value if c else None


def clone(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie(client))
    return other


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_session_identifier_changes_at_login(client, factory: Factory, login):
    user = factory.org_user()
    client.get("/login")
    client.post("/login", data={"email": user.email, "password": "wrong-password-1"})
    before = cookie(client)
    login(client, user)
    assert cookie(client) != before
    assert logged_in(client)


def test_a_cookie_copied_before_logout_is_refused_after(app, client, factory: Factory, login):
    login(client, factory.org_user())
    thief = clone(app, client)
    assert logged_in(thief)
    client.post("/logout")
    assert not logged_in(client)
    assert not logged_in(thief)


def test_password_change_ends_other_sessions_but_not_this_one(app, factory: Factory, login):
    user = factory.org_user()
    laptop = login(app.test_client(), user)
    phone = login(app.test_client(), user)
    resp = laptop.post(
        "/account",
        data={
            "current_password": Factory.PASSWORD,
            "new_password": "Another-Strong-Pass-7",
            "confirm": "Another-Strong-Pass-7",
        },
    )
    assert resp.status_code == 302
    assert logged_in(laptop)
    assert not logged_in(phone)
    fresh = app.test_client()
    login(fresh, user, password="Another-Strong-Pass-7")


def test_wrong_current_password_changes_nothing(client, factory: Factory, login):
    user = factory.org_user()
    login(client, user)
    resp = client.post(
        "/account",
        data={
            "current_password": "not-my-password",
            "new_password": "Another-Strong-Pass-7",
            "confirm": "Another-Strong-Pass-7",
        },
    )
    assert resp.status_code == 422
    assert "当前密码不正确" in resp.get_data(as_text=True)
    client.post("/logout")
    login(client, user)


def test_disabling_an_account_ends_its_sessions(app, client, factory: Factory, login):
    user = factory.org_user()
    victim = login(app.test_client(), user)
    login(client, factory.admin())
    resp = client.post(f"/admin/users/{user.id}", data={"role": "enterprise"})  # active unticked
    assert resp.status_code == 302
    assert not logged_in(victim)
    again = app.test_client().post(
        "/login", data={"email": user.email, "password": Factory.PASSWORD}
    )
    assert again.status_code == 401
    assert "该账号已停用" in again.get_data(as_text=True)


def test_idle_sessions_expire_on_the_server(app, client, factory: Factory, login):
    user = factory.org_user()
    login(client, user)
    idle = timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"] + 60)
    with db.engine().begin() as conn:
        conn.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user.id)
            .values(last_seen_at=db.utcnow() - idle)
        )
    assert not logged_in(client)


def test_absolute_lifetime_is_enforced_even_for_an_active_session(app, client, factory, login):
    user = factory.org_user()
    login(client, user)
    old = timedelta(seconds=app.config["SESSION_ABSOLUTE_TIMEOUT"] + 60)
    with db.engine().begin() as conn:
        conn.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user.id)
            .values(created_at=db.utcnow() - old)
        )
    assert not logged_in(client)


def test_only_a_hash_of_the_session_token_is_stored(client, factory: Factory, login):
    login(client, factory.org_user())
    stored = db.session().exec(select(LoginSession.token_hash)).all()
    assert len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] not in (cookie(client) or "")


def test_password_reset_link_works_once_and_ends_every_session(app, client, factory, login):
    user = factory.org_user()
    other = login(app.test_client(), user)
    token = make_reset_token(db.session().get(User, user.id))
    assert client.get(f"/password/reset/{token}").status_code == 200
    new = "Reset-Strong-Pass-8"
    resp = client.post(f"/password/reset/{token}", data={"password": new, "confirm": new})
    assert resp.status_code == 302
    assert not logged_in(other)
    login(app.test_client(), user, password=new)
    reused = client.get(f"/password/reset/{token}")
    assert reused.status_code == 400
    assert "已使用过或已失效" in reused.get_data(as_text=True)


def test_expired_and_forged_reset_links_get_clear_messages(app, client, factory: Factory):
    user = factory.org_user()
    token = make_reset_token(db.session().get(User, user.id))
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    expired = client.get(f"/password/reset/{token}")
    assert expired.status_code == 400
    assert "重置链接已过期" in expired.get_data(as_text=True)
    forged = client.get(f"/password/reset/{token[:-3]}abc")
    assert forged.status_code == 400
    assert "重置链接无效" in forged.get_data(as_text=True)


def test_forgot_password_answers_the_same_for_unknown_emails(client, factory, caplog):
    user = factory.org_user()
    known = client.post("/password/forgot", data={"email": user.email})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.cn"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    # Without MAIL_SERVER the message goes to the server log (development).
    assert "/password/reset/" in caplog.text and user.email in caplog.text
