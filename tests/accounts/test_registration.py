"""Registering organisations and users: the rules a registrant would run into."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from marketplace import db
from marketplace.accounts.models import Membership, Organisation, OrgStatus, User
from marketplace.audit import AuditEvent

from ..factories import Factory, valid_uscc


def org_form(**overrides) -> dict:
    data = {
        "org_name": "临海市恒康医药科技有限公司",
        "kind": "enterprise",
        "region": "临海市",
        "uscc": valid_uscc(424242),
        "name": "张伟",
        "email": "zhang.wei@hengkang.example.cn",
        "phone": "13800000000",
        "role": "enterprise",
        "password": "Sturdy-Pass-2026",
        "confirm": "Sturdy-Pass-2026",
    }
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session().exec(select(func.count()).select_from(model)).one()


def test_registering_an_organisation_makes_its_first_user_the_admin(client):
    resp = client.post("/register/organisation", data=org_form())
    assert resp.status_code == 302
    org = db.session().exec(select(Organisation)).one()
    user = db.session().exec(select(User)).one()
    assert org.status is OrgStatus.PENDING
    assert user.organisation_id == org.id and user.is_org_admin
    assert user.membership is Membership.APPROVED
    assert user.password_hash.startswith("scrypt:")
    actions = set(db.session().exec(select(AuditEvent.action)).all())
    assert {"organisation.register", "user.register"} <= actions


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("91331082MA2AB123", "应为 18 位，您输入了 16 位"),
        (valid_uscc(1)[:17] + ("0" if valid_uscc(1)[17] != "0" else "1"), "统一社会信用代码无效"),
        ("91331082MA2AB1234!", "格式不正确"),
    ],
)
def test_a_wrong_credit_code_gets_a_precise_message_and_keeps_the_input(client, code, expected):
    resp = client.post("/register/organisation", data=org_form(uscc=code))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert expected in html
    assert "临海市恒康医药科技有限公司" in html  # what they typed is still there
    assert 'value="zhang.wei@hengkang.example.cn"' in html
    assert count(Organisation) == 0 and count(User) == 0


def test_duplicate_credit_code_is_refused(client):
    client.post("/register/organisation", data=org_form())
    resp = client.post("/register/organisation", data=org_form(email="other@hengkang.example.cn"))
    assert resp.status_code == 422
    assert "该统一社会信用代码已登记" in resp.get_data(as_text=True)
    assert count(Organisation) == 1 and count(User) == 1


def test_duplicate_email_creates_nothing_whatever_its_case(client):
    # The answer is the same as for a new address (see test_registration_privacy.py).
    client.post("/register/organisation", data=org_form())
    resp = client.post(
        "/register/organisation",
        data=org_form(uscc=valid_uscc(5), email="Zhang.Wei@HengKang.example.cn"),
    )
    assert resp.status_code == 302
    assert count(Organisation) == 1 and count(User) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab3$xyz", "密码至少需要 8 个字符"),
        ("password1", "过于常见"),
        ("12345678", "过于常见"),
        ("x" * 129, "不能超过 128 个字符"),
    ],
)
def test_weak_passwords_are_refused(client, password, message):
    resp = client.post("/register/organisation", data=org_form(password=password, confirm=password))
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert count(User) == 0


@pytest.mark.parametrize("length", [64, 128])
def test_long_passwords_are_accepted_and_not_truncated(client, length):
    password = ("Tz9-長城" * 40)[:length]
    assert len(password) == length
    resp = client.post("/register/organisation", data=org_form(password=password, confirm=password))
    assert resp.status_code == 302
    ok = client.post(
        "/login", data={"email": "zhang.wei@hengkang.example.cn", "password": password}
    )
    assert ok.status_code == 302
    client.post("/logout")
    shorter = client.post(
        "/login", data={"email": "zhang.wei@hengkang.example.cn", "password": password[:-1]}
    )
    assert shorter.status_code == 401


def test_mismatched_confirmation_is_refused(client):
    resp = client.post("/register/organisation", data=org_form(confirm="Something-Else-99"))
    assert resp.status_code == 422
    assert "两次输入的密码不一致" in resp.get_data(as_text=True)


def test_a_registrant_cannot_pick_an_appointed_role(client):
    resp = client.post("/register/organisation", data=org_form(role="staff"))
    assert resp.status_code == 422
    assert count(User) == 0


def test_joining_needs_the_org_admins_approval(client, factory: Factory, login):
    boss = factory.org_user()
    org = db.session().get(Organisation, boss.organisation_id)
    resp = client.post(
        "/register/join",
        data={
            "uscc": org.uscc,
            "name": "李娜",
            "email": "li.na@example.cn",
            "role": "enterprise",
            "password": "Sturdy-Pass-2026",
            "confirm": "Sturdy-Pass-2026",
        },
    )
    assert resp.status_code == 302
    newcomer = db.session().exec(select(User).where(User.email == "li.na@example.cn")).one()
    assert newcomer.membership is Membership.PENDING

    page = login(client, boss).get("/org/members").get_data(as_text=True)
    assert "李娜" in page and "待审批" in page
    assert client.post(f"/org/members/{newcomer.id}/approve").status_code == 302
    db.session().expire_all()
    assert db.session().get(User, newcomer.id).membership is Membership.APPROVED


def test_another_orgs_admin_cannot_decide_a_membership(client, factory: Factory, login):
    boss = factory.org_user()
    pending = factory.member(boss, approve=False)
    stranger = factory.org_user()
    login(client, stranger)
    resp = client.post(f"/org/members/{pending.id}/approve")
    missing = client.post("/org/members/999999/approve")
    assert resp.status_code == missing.status_code == 404
    db.session().expire_all()
    assert db.session().get(User, pending.id).membership is Membership.PENDING


def test_joining_an_unknown_organisation_is_refused(client):
    resp = client.post(
        "/register/join",
        data={
            "uscc": valid_uscc(99999),
            "name": "李娜",
            "email": "li.na@example.cn",
            "role": "researcher",
            "password": "Sturdy-Pass-2026",
            "confirm": "Sturdy-Pass-2026",
        },
    )
    assert resp.status_code == 422
    assert "没有找到使用该统一社会信用代码的单位" in resp.get_data(as_text=True)
    assert count(User) == 0
