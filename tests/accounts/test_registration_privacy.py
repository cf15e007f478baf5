"""Registration does not tell who has an account, is rate limited, and does not coach guessing."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import func, select

from marketplace import db
from marketplace.accounts.models import Organisation, User

from ..factories import Factory, valid_uscc
from .test_registration import org_form


def count(model) -> int:
    db.refresh_read_session()
    return db.session().exec(select(func.count()).select_from(model)).one()


def mails(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("MAIL ")]


def answer(resp) -> tuple:
    """What a registrant can observe: status, where it sends them, and what it then says."""
    return resp.status_code, resp.headers.get("Location")


def join_form(uscc: str, **overrides) -> dict:
    data = {
        "uscc": uscc,
        "name": "李娜",
        "email": "li.na@example.cn",
        "role": "enterprise",
        "password": "Sturdy-Pass-2026",
        "confirm": "Sturdy-Pass-2026",
    }
    data.update(overrides)
    return data


def test_registering_with_a_known_email_answers_as_for_a_new_one_and_mails_the_owner(
    app, factory: Factory, caplog
):
    owner = factory.org_user(email="known@example.cn")
    new_client, known_client = app.test_client(), app.test_client()
    caplog.set_level(logging.WARNING)

    fresh = new_client.post(
        "/register/organisation", data=org_form(uscc=valid_uscc(31), email="new@example.cn")
    )
    known = known_client.post(
        "/register/organisation", data=org_form(uscc=valid_uscc(32), email="Known@Example.cn")
    )
    assert answer(fresh) == answer(known) == (302, "/login")
    said_new = new_client.get("/login").get_data(as_text=True)
    said_known = known_client.get("/login").get_data(as_text=True)
    assert "注册成功" in said_new and "注册成功" in said_known
    assert "该邮箱已注册" not in said_known

    # No second account, no organisation under the known address; its owner is told.
    assert count(User) == 3  # the factory's reviewer, the owner, the new registrant
    assert count(Organisation) == 2
    to_owner = [m for m in mails(caplog) if f"to={owner.email}" in m]
    assert len(to_owner) == 1 and "找回密码" in to_owner[0]


def test_joining_with_a_known_email_answers_as_for_a_new_one(app, factory: Factory, caplog):
    boss = factory.org_user()
    uscc = db.session().get(Organisation, boss.organisation_id).uscc
    caplog.set_level(logging.WARNING)
    fresh = app.test_client().post("/register/join", data=join_form(uscc))
    known = app.test_client().post("/register/join", data=join_form(uscc, email=boss.email))
    assert answer(fresh) == answer(known) == (302, "/login")
    assert len([m for m in mails(caplog) if f"to={boss.email}" in m]) == 1
    db.refresh_read_session()
    assert db.session().exec(select(User).where(User.email == boss.email)).one().id == boss.id


def test_other_mistakes_get_the_same_messages_for_known_and_unknown_emails(app, factory: Factory):
    factory.org_user(email="known@example.cn")
    weak = {"password": "password1", "confirm": "password1", "uscc": valid_uscc(33)}
    for_new = app.test_client().post(
        "/register/organisation", data=org_form(email="new@example.cn", **weak)
    )
    for_known = app.test_client().post(
        "/register/organisation", data=org_form(email="known@example.cn", **weak)
    )
    assert for_new.status_code == for_known.status_code == 422
    known_html = for_known.get_data(as_text=True)
    assert "过于常见" in known_html and "该邮箱已注册" not in known_html


def test_registration_is_rate_limited_per_ip(client):
    def attempt(ip: str):
        return client.post(
            "/register/join",
            data=join_form(valid_uscc(99999), email=f"probe@{ip}.example.cn"),
            environ_base={"REMOTE_ADDR": ip},
        )

    for _ in range(20):
        assert attempt("10.7.7.7").status_code == 422
    blocked = attempt("10.7.7.7")
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers
    assert attempt("10.7.7.8").status_code == 422  # another address is not affected


@pytest.mark.parametrize("position", [3, 10, 16])
def test_a_mistyped_credit_code_is_called_invalid_without_naming_the_check_digit(client, position):
    good = valid_uscc(4242)
    swap = "1" if good[position] != "1" else "2"
    typo = good[:position] + swap + good[position + 1 :]
    html = client.post("/register/organisation", data=org_form(uscc=typo)).get_data(as_text=True)
    assert "统一社会信用代码无效" in html
    assert "应为" not in html and good[17] + "”" not in html
