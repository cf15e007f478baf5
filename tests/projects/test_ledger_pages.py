"""The finance pages as staff and the parties use them: receipts, releases, reversals, the
overview across projects, and who may see or do what."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.projects import ledger
from marketplace.projects.ledger_models import Movement, MovementKind, TrancheKind, TrancheStatus

from .ledger_world import WAN, LedgerWorld


@pytest.fixture
def world(app, factory) -> LedgerWorld:
    return LedgerWorld(factory)


def _key(html: str, tranche_id: int) -> str:
    form = re.search(rf'tranches/{tranche_id}/release".*?</form>', html, re.S)
    assert form, "no release button for the tranche"
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form.group(0)).group(1)


def _releases(project_id: int) -> list[Movement]:
    db.refresh_read_session()
    return (
        db.session()
        .exec(
            select(Movement).where(
                Movement.project_id == project_id, Movement.kind == MovementKind.RELEASE
            )
        )
        .all()
    )


def test_staff_record_a_receipt_and_release_from_the_ledger_page(world, client, login):
    project = world.project(subsidy=70 * WAN, enterprise=30 * WAN)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)
    login(client, world.staff)
    page = client.get(f"/projects/{project.id}/ledger").get_data(as_text=True)
    assert "企业资金" in page and "70.00 万元" in page
    key = _key(page, signing.id)
    resp = client.post(
        f"/projects/{project.id}/tranches/{signing.id}/release", data={"idempotency_key": key}
    )
    assert resp.status_code == 422
    assert "企业资金尚未到账：还需到账 9.00 万元" in resp.get_data(as_text=True)
    assert _releases(project.id) == []
    resp = client.post(
        f"/projects/{project.id}/funds/receipts",
        data={"amount": "9", "received_on": "2026-01-05", "voucher": "YH-0001"},
    )
    assert resp.status_code == 302
    for _ in range(2):  # a double click: the same key from the same page
        resp = client.post(
            f"/projects/{project.id}/tranches/{signing.id}/release",
            data={"idempotency_key": key, "next": f"/projects/{project.id}/ledger"},
        )
        assert resp.status_code == 302
    assert len(_releases(project.id)) == 1
    page = client.get(f"/projects/{project.id}/ledger").get_data(as_text=True)
    assert "YH-0001" in page and "经费已拨付" in page
    # Another tab, rendered before the payment, with its own key: told, not paid again.
    resp = client.post(
        f"/projects/{project.id}/tranches/{signing.id}/release",
        data={"idempotency_key": "other-tab"},
        follow_redirects=True,
    )
    assert resp.status_code == 200 and "这笔经费已经拨付，不会重复拨付" in resp.get_data(
        as_text=True
    )
    assert len(_releases(project.id)) == 1
    page = client.get(f"/projects/{project.id}/ledger").get_data(as_text=True)
    assert f"tranches/{signing.id}/release" not in page  # no button on a paid tranche
    assert world.tranches(project.id)[0].status is TrancheStatus.RELEASED


def test_bad_receipts_come_back_with_the_input(world, client, login):
    project = world.project(subsidy=70 * WAN, enterprise=30 * WAN)
    login(client, world.staff)
    resp = client.post(
        f"/projects/{project.id}/funds/receipts",
        data={"amount": "十万", "received_on": "昨天", "voucher": "YH-9"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "请填写大于零的金额" in html and 'value="十万"' in html and 'value="YH-9"' in html
    resp = client.post(
        f"/projects/{project.id}/funds/receipts",
        data={"amount": "31", "received_on": "2026-01-05", "voucher": "YH-9"},
    )
    assert resp.status_code == 422 and "尚可到账 30.00 万元" in resp.get_data(as_text=True)
    assert len(world.movements(project.id)) == 1


def test_a_reversal_needs_a_reason_on_the_page(world, client, login):
    project = world.project(subsidy=70 * WAN, enterprise=30 * WAN)
    receipt = ledger.record_receipt(
        actor=world.staff,
        project_id=project.id,
        amount_fen=WAN,
        received_on=db.utcnow().date(),
        voucher="YH-1",
    )
    login(client, world.staff)
    url = f"/projects/{project.id}/movements/{receipt.id}/reverse"
    resp = client.post(url, data={"reason": " "})
    assert resp.status_code == 422 and "请填写冲正原因" in resp.get_data(as_text=True)
    assert client.post(url, data={"reason": "金额录错"}).status_code == 302
    page = client.get(f"/projects/{project.id}/ledger").get_data(as_text=True)
    assert "金额录错" in page and f"已被第 {receipt.id + 1} 号冲正" in page
    resp = client.post(url, data={"reason": "再冲一次"})
    assert resp.status_code == 409 and "已经冲正过" in resp.get_data(as_text=True)


def test_release_refused_on_the_page_says_why(world, client, login):
    project = world.project(enterprise=0)
    tranche = world.tranche_of(project.id, TrancheKind.MILESTONE)
    login(client, world.staff)
    resp = client.post(
        f"/projects/{project.id}/tranches/{tranche.id}/release", data={"idempotency_key": "k1"}
    )
    assert resp.status_code == 409 and "尚未通过审核" in resp.get_data(as_text=True)
    other = world.project(enterprise=0)
    resp = client.post(
        f"/projects/{other.id}/tranches/{tranche.id}/release", data={"idempotency_key": "k2"}
    )
    assert resp.status_code == 404
    assert _releases(project.id) == []


def test_the_finance_overview_sums_and_filters(world, client, login):
    a = world.project(subsidy=70 * WAN, enterprise=30 * WAN)
    b = world.project(subsidy=10 * WAN, enterprise=0)
    ledger.release_tranche(
        actor=world.staff,
        tranche_id=world.tranche_of(b.id, TrancheKind.SIGNING).id,
        idempotency_key="k",
    )
    login(client, world.staff)
    html = client.get("/staff/finance").get_data(as_text=True)
    assert a.number in html and b.number in html
    assert "80.00 万元" in html  # subsidy committed, in total
    assert "3.00 万元" in html  # released
    field = world.challenge.field
    other = next(i for i in type(field) if i is not field)
    html = client.get(f"/staff/finance?industry={other.value}").get_data(as_text=True)
    assert a.number not in html and "没有符合条件的项目" in html
    html = client.get(f"/staff/finance?industry={field.value}&year=1999").get_data(as_text=True)
    assert a.number in html  # an unreadable year is no filter


@pytest.mark.parametrize("role", ["issuer", "leader", "expert", "other_enterprise"])
def test_only_staff_see_the_ledger_and_act(world, factory, client, login, role):
    project = world.project(enterprise=0)
    signing = world.tranche_of(project.id, TrancheKind.SIGNING)
    user = {
        "issuer": world.issuer,
        "leader": world.leader,
        "expert": factory.expert(),
        "other_enterprise": factory.org_user(Role.ENTERPRISE),
    }[role]
    login(client, user)
    assert client.get("/staff/finance").status_code == 403
    assert client.get(f"/projects/{project.id}/ledger").status_code == 403
    for url in (
        f"/projects/{project.id}/tranches/{signing.id}/release",
        f"/projects/{project.id}/funds/receipts",
        f"/projects/{project.id}/funds/repayments",
    ):
        assert client.post(url, data={"idempotency_key": "x", "amount": "1"}).status_code == 403
    assert _releases(project.id) == []


def test_the_funds_partial_shows_the_parties_figures_and_staff_the_button(world, app, login):
    """Rendered as the project page includes it: parties read, only staff get a button."""
    from flask import render_template_string
    from flask_login import login_user, logout_user

    project = world.project(subsidy=70 * WAN, enterprise=30 * WAN)
    with app.test_request_context(f"/projects/{project.id}"):
        login_user(world.leader)
        html = render_template_string('{% include "projects/_funds.html" %}', project=project)
        assert "70.00 万元" in html and "首笔拨付" in html and "/release" not in html
        logout_user()
        login_user(world.staff)
        html = render_template_string('{% include "projects/_funds.html" %}', project=project)
        assert html.count("/release") == 3
