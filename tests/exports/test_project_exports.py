"""Projects, milestones and the ledger for staff, with 万元, Beijing dates and filters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.accounts.models import Role
from marketplace.projects.ledger_models import Account, MovementKind
from marketplace.projects.milestone_models import MilestoneStatus
from marketplace.projects.models import FundingSource, ProjectStatus

from .conftest import (
    WAN,
    add_milestone,
    add_movement,
    commitment,
    csv_rows,
    download,
    make_project,
    xlsx_rows,
)


@pytest.fixture
def world(factory, client, login):
    staff = factory.staff()
    issuer = factory.org_user(Role.ENTERPRISE, org_name="临海城康制药有限公司")
    team = factory.org_user(Role.RESEARCHER, org_name="东海理工大学")
    materials = factory.challenge(issuer)
    energy = factory.challenge(issuer, title="氢燃料电池低铂催化剂", field="energy")
    active = make_project(
        materials,
        staff,
        number="LHXM-2026-0001",
        org_id=team.organisation_id,
        leader_id=team.id,
        status=ProjectStatus.ACTIVE,
        subsidy_fen=100 * WAN,
        enterprise_fen=150 * WAN + 5000,
        start_on=date(2026, 3, 1),
        end_on=date(2028, 2, 29),
    )
    waiting = make_project(
        energy,
        staff,
        number="LHXM-2026-0002",
        org_id=team.organisation_id,
        leader_id=team.id,
        subsidy_fen=40 * WAN,
        enterprise_fen=60 * WAN,
    )
    login(client, staff)
    return {"active": active, "waiting": waiting, "team": team, "client": client}


def test_projects_with_their_funds_in_wan(world):
    rows = xlsx_rows(download(world["client"], "/staff/exports/projects.xlsx"))
    assert rows[0][:3] == ["项目编号", "项目名称", "榜单编号"]
    assert rows[0][10:13] == ["财政资金（万元）", "企业资金（万元）", "合计（万元）"]
    assert [r[0] for r in rows[1:]] == ["LHXM-2026-0001", "LHXM-2026-0002"]
    first = rows[1]
    assert first[4:9] == [
        "临海城康制药有限公司",
        "东海理工大学",
        world["team"].name,
        "单一揭榜方",
        "执行中",
    ]
    assert Decimal(str(first[10])) == Decimal("100.00")
    assert Decimal(str(first[11])) == Decimal("150.01")  # 150 万元 and 50 元, rounded to 0.01
    assert Decimal(str(first[12])) == Decimal("250.01")
    assert first[13].date() == date(2026, 3, 1)
    lines = csv_rows(download(world["client"], "/staff/exports/projects.csv"))
    assert lines[1][10:15] == ["100.00", "150.01", "250.01", "2026-03-01", "2028-02-29"]
    assert lines[2][8] == "任务书签订中" and lines[2][13:15] == ["", ""]


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("status=active", ["LHXM-2026-0001"]),
        ("status=task_book", ["LHXM-2026-0002"]),
        ("field=energy", ["LHXM-2026-0002"]),
        ("q=0002", ["LHXM-2026-0002"]),
        ("q=低铂", ["LHXM-2026-0002"]),
        ("year=2019", []),
        ("status=nonsense", ["LHXM-2026-0001", "LHXM-2026-0002"]),
    ],
)
def test_project_filters(world, query, numbers):
    lines = csv_rows(download(world["client"], f"/staff/exports/projects.csv?{query}"))
    assert [r[0] for r in lines[1:]] == numbers


def test_milestones_with_overdue_derived_today(world):
    project = world["active"]
    today = date.today()
    add_milestone(project, position=1, due_on=today - timedelta(days=3), subsidy_fen=30 * WAN)
    add_milestone(
        project, position=2, due_on=today - timedelta(days=1), status=MilestoneStatus.ACCEPTED
    )
    add_milestone(project, position=3, due_on=today + timedelta(days=30), final=True)
    rows = xlsx_rows(download(world["client"], "/staff/exports/milestones.xlsx"))
    assert rows[0][:7] == [
        "项目编号",
        "项目名称",
        "节点序号",
        "交付内容",
        "计划完成日期",
        "状态",
        "是否逾期",
    ]
    assert [(r[2], r[5], r[6]) for r in rows[1:]] == [
        (1, "未报告", "是"),
        (2, "已通过", "否"),
        (3, "未报告", "否"),
    ]
    assert Decimal(str(rows[1][8])) == Decimal("30.00")
    overdue = csv_rows(download(world["client"], "/staff/exports/milestones.csv?overdue=1"))
    assert [r[2] for r in overdue[1:]] == ["1"]
    accepted = csv_rows(download(world["client"], "/staff/exports/milestones.csv?status=accepted"))
    assert [r[2] for r in accepted[1:]] == ["2"]
    assert accepted[1][10]  # the acceptance time, in Beijing time


def test_the_ledger_lists_every_entry_of_every_movement_per_source(world):
    project = world["active"]
    commitment(project, 100 * WAN, 150 * WAN, on=date(2026, 3, 1))
    receipt = add_movement(
        project,
        MovementKind.RECEIPT,
        [
            (FundingSource.ENTERPRISE, Account.PAYER, -45 * WAN),
            (FundingSource.ENTERPRISE, Account.RECEIVED, 45 * WAN),
        ],
        on=date(2026, 3, 5),
        voucher="企字2026-031",
    )
    add_movement(
        project,
        MovementKind.REVERSAL,
        [
            (FundingSource.ENTERPRISE, Account.PAYER, 45 * WAN),
            (FundingSource.ENTERPRISE, Account.RECEIVED, -45 * WAN),
        ],
        on=date(2025, 12, 31),
        reverses_id=receipt.id,
        reason="凭证号录错",
    )
    rows = xlsx_rows(download(world["client"], "/staff/exports/ledger.xlsx"))
    assert rows[0][:8] == [
        "项目编号",
        "项目名称",
        "流水号",
        "业务日期",
        "业务类型",
        "资金来源",
        "科目",
        "金额（万元）",
    ]
    assert len(rows) == 1 + 4 + 2 + 2
    # Each movement's entries sum to zero, per source.
    by_movement: dict = {}
    for r in rows[1:]:
        key = (r[2], r[5])
        by_movement[key] = by_movement.get(key, Decimal(0)) + Decimal(str(r[7]))
    assert set(by_movement.values()) == {Decimal(0)}
    received = next(r for r in rows[1:] if r[4] == "到账" and r[6] == "已到账未拨付")
    assert (received[5], Decimal(str(received[7])), received[8]) == (
        "企业资金",
        Decimal("45.00"),
        "企字2026-031",
    )
    reversal = [r for r in rows[1:] if r[4] == "冲正"]
    assert {r[9] for r in reversal} == {receipt.id} and reversal[0][10] == "凭证号录错"
    lines = csv_rows(download(world["client"], "/staff/exports/ledger.csv?source=subsidy"))
    assert [(r[5], r[6], r[7]) for r in lines[1:]] == [
        ("财政资金", "出资方", "-100.00"),
        ("财政资金", "已承诺未拨付", "100.00"),
    ]
    reversals = csv_rows(download(world["client"], "/staff/exports/ledger.csv?kind=reversal"))
    assert len(reversals) == 3
    by_year = csv_rows(download(world["client"], "/staff/exports/ledger.csv?year=2025"))
    assert {r[4] for r in by_year[1:]} == {"冲正"}
    other = csv_rows(download(world["client"], "/staff/exports/ledger.csv?q=LHXM-2026-0002"))
    assert other == [lines[0]]


@pytest.mark.parametrize("name", ["projects", "milestones", "ledger", "challenges"])
def test_only_staff_download(world, factory, login, app, name):
    client = app.test_client()
    url = f"/staff/exports/{name}.csv"
    assert download(client, url).status_code == 302
    for role in (Role.ENTERPRISE, Role.RESEARCHER):
        login(client, factory.org_user(role))
        assert download(client, url).status_code == 403
        client.post("/logout")
    login(client, factory.expert())
    assert download(client, url).status_code == 403
    assert download(world["client"], url).status_code == 200
