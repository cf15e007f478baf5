"""The challenge review journey in a real browser: draft, submit, return, fix, approve, publish.

An enterprise drafts a challenge (first with amounts that do not add up), submits it; bureau
staff return it with a comment; the enterprise fixes what was asked and submits again; staff
approve it; and an anonymous visitor finds it on the public list with its code.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Locator, Page, expect

from marketplace.accounts.models import Role
from marketplace.challenges.schemas import SHANGHAI
from tests.e2e import journey
from tests.factories import Factory

ORG_NAME = "临海市端到端新材料科技有限公司"
ENTERPRISE_EMAIL = "chen.gong@xin-cai-liao.example.cn"
STAFF_EMAIL = "bangdan.reviewer@kjj.example.cn"

TITLE = "高镍三元正极材料低成本连续化制备工艺"
PROBLEM = "现有间歇式共沉淀工艺批次一致性差，需开发连续化制备工艺，降低单位能耗。"
DELIVERABLES = "中试工艺包一套，发明专利 2 项。"
RETURN_COMMENT = "“批次一致性”指标过宽，请将目标值收紧为 ≤1.5%。"


def _phase_badge(page: Page) -> Locator:
    return journey.main(page).locator(".challenge-head .badge")


def _open_from_review_queue(page: Page) -> None:
    journey.nav(page, "榜单审核")
    journey.main(page).get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(_phase_badge(page)).to_have_text("待审核")


def test_draft_return_fix_approve_and_publish(live_server, page: Page) -> None:
    base = live_server.url
    with live_server.app.app_context():
        factory = Factory(live_server.app)
        factory.org_user(Role.ENTERPRISE, org_name=ORG_NAME, email=ENTERPRISE_EMAIL)
        factory.staff(email=STAFF_EMAIL, name="审核员小何")
    # The form's datetime-local input takes Beijing time as YYYY-MM-DDTHH:MM.
    deadline = (datetime.now(UTC) + timedelta(days=45)).astimezone(SHANGHAI)
    deadline_text = deadline.strftime("%Y-%m-%dT%H:%M")

    # The enterprise drafts a challenge; the two parts of the budget do not add up yet.
    journey.log_in(page, base, ENTERPRISE_EMAIL)
    journey.nav(page, "我的榜单")
    expect(journey.main(page)).to_contain_text("还没有榜单。")
    journey.main(page).get_by_role("button", name="发布新榜单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("发布新榜单")

    main = journey.main(page)
    main.get_by_label("榜单名称").fill(TITLE)
    main.get_by_label("产业领域").select_option(label="新材料")
    main.get_by_label("技术难题").fill(PROBLEM)
    main.get_by_label("预期成果").fill(DELIVERABLES)
    main.get_by_label("指标名称 1", exact=True).fill("首次放电比容量")
    main.get_by_label("目标值 1", exact=True).fill("≥205")
    main.get_by_label("单位 1", exact=True).fill("mAh/g")
    main.get_by_label("验收检验方式 1", exact=True).fill("第三方检测")
    main.get_by_label("指标名称 2", exact=True).fill("批次一致性")
    main.get_by_label("目标值 2", exact=True).fill("≤2")
    main.get_by_label("单位 2", exact=True).fill("%")
    main.get_by_label("验收检验方式 2", exact=True).fill("连续 10 批抽检")
    main.get_by_label("榜单金额（万元）").fill("300")
    main.get_by_label("企业出资（万元）").fill("200")
    main.get_by_label("申请政府资助（万元）").fill("50")
    main.get_by_label("实施周期（月）").fill("24")
    main.get_by_label("揭榜截止时间").fill(deadline_text)
    main.get_by_role("button", name="保存草稿").click()

    expect(main.get_by_role("alert")).to_contain_text("提交的内容有误")
    budget = main.get_by_label("榜单金额（万元）")
    expect(budget).to_have_attribute("aria-invalid", "true")
    expect(budget).to_have_accessible_description(
        "企业出资（200 万元）加申请政府资助（50 万元）"
        "应等于榜单金额（300 万元），目前相差 50 万元。"
    )
    # Nothing typed is lost.
    expect(main.get_by_label("榜单名称")).to_have_value(TITLE)
    expect(main.get_by_label("技术难题")).to_have_value(PROBLEM)
    expect(main.get_by_label("目标值 2", exact=True)).to_have_value("≤2")
    expect(main.get_by_label("揭榜截止时间")).to_have_value(deadline_text)

    main.get_by_label("申请政府资助（万元）").fill("100")
    main.get_by_role("button", name="保存草稿").click()
    expect(journey.success(page)).to_contain_text("草稿已保存")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(_phase_badge(page)).to_have_text("草稿")

    # ... and submits it for review.
    main.get_by_role("button", name="提交审核").click()
    expect(journey.success(page)).to_contain_text("已提交科技局审核")
    expect(_phase_badge(page)).to_have_text("待审核")
    expect(main.get_by_role("button", name="提交审核")).to_have_count(0)
    journey.log_out(page)

    # Staff return it with a comment.
    journey.log_in(page, base, STAFF_EMAIL)
    _open_from_review_queue(page)
    main.get_by_label("退回修改意见").fill(RETURN_COMMENT)
    main.get_by_role("button", name="退回修改").click()
    expect(journey.success(page)).to_have_text("已退回企业修改。")
    expect(_phase_badge(page)).to_have_text("草稿")
    journey.log_out(page)

    # The enterprise sees the comment, fixes the indicator and submits again.
    journey.log_in(page, base, ENTERPRISE_EMAIL)
    journey.nav(page, "我的榜单")
    row = main.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text(f"被退回：{RETURN_COMMENT}")
    expect(row).to_contain_text("草稿")
    row.get_by_role("link", name=TITLE).click()
    expect(main.get_by_role("status").filter(has_text="科技局意见")).to_have_text(
        f"科技局意见：{RETURN_COMMENT}"
    )
    main.get_by_role("button", name="修改草稿").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改榜单")
    expect(main.get_by_role("status")).to_contain_text(RETURN_COMMENT)
    expect(main.get_by_label("目标值 2", exact=True)).to_have_value("≤2")
    main.get_by_label("目标值 2", exact=True).fill("≤1.5")
    main.get_by_role("button", name="保存草稿").click()
    expect(journey.success(page)).to_have_text("已保存。")
    main.get_by_role("button", name="提交审核").click()
    expect(journey.success(page)).to_contain_text("已提交科技局审核")
    expect(_phase_badge(page)).to_have_text("待审核")
    journey.log_out(page)

    # Staff approve it; it gets its public code.
    journey.log_in(page, base, STAFF_EMAIL)
    _open_from_review_queue(page)
    expect(main.get_by_role("row").filter(has_text="批次一致性")).to_contain_text("≤1.5")
    main.get_by_role("button", name="审核通过并发布").click()
    main.get_by_role("button", name="确认发布").click()
    year = datetime.now(SHANGHAI).year
    published = journey.success(page)
    expect(published).to_have_text(re.compile(rf"^已发布，榜单编号 LH-{year}-\d{{4}}。$"))
    code = re.search(r"LH-\d{4}-\d{4}", published.inner_text()).group()
    expect(_phase_badge(page)).to_have_text("揭榜中")
    expect(main.locator(".challenge-head .code")).to_have_text(code)
    journey.log_out(page)

    # Anyone finds it on the public list, with its code, open for bidding.
    journey.nav(page, "榜单")
    card = main.get_by_role("article").filter(has=page.get_by_role("link", name=TITLE))
    expect(card).to_have_count(1)
    expect(card.locator(".code")).to_have_text(code)
    expect(card.locator(".badge")).to_have_text("揭榜中")
    expect(card).to_contain_text(ORG_NAME)
    expect(card).to_contain_text("300.00 万元")

    card.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(main.get_by_role("status").filter(has_text="科技局意见")).to_have_count(0)
    expect(main.get_by_role("button", name="修改草稿")).to_have_count(0)
    rows = main.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)
    expect(rows.nth(1).get_by_role("cell")).to_have_text(
        ["1", "首次放电比容量", "≥205", "mAh/g", "第三方检测"]
    )
    expect(rows.nth(2).get_by_role("cell")).to_have_text(
        ["2", "批次一致性", "≤1.5", "%", "连续 10 批抽检"]
    )
