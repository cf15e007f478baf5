"""The onboarding journey in a real browser: register an organisation, get it verified, use it.

A newcomer registers an organisation (first with a mistyped credit code), a bureau staff member
verifies it, and the newcomer sees the verified organisation on their account page and switches
the interface to English and back.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

import marketplace
from tests.e2e import journey
from tests.factories import Factory, valid_uscc

EN_CATALOGUE = Path(marketplace.__file__).parent / "translations" / "en" / "LC_MESSAGES"

ORG_NAME = "临海市端到端精密机械有限公司"
USER_NAME = "林小雨"
USER_EMAIL = "lin.xiaoyu@duan-dao-duan.example.cn"
STAFF_EMAIL = "reviewer.e2e@kjj.example.cn"
PASSWORD = Factory.PASSWORD


def _wrong_check_digit(code: str) -> str:
    """The same code with a different (wrong) 18th character."""
    return code[:17] + ("1" if code[17] != "1" else "2")


def test_register_verify_and_switch_language(live_server, page: Page) -> None:
    base = live_server.url
    uscc = valid_uscc(424242)
    with live_server.app.app_context():
        Factory(live_server.app).staff(email=STAFF_EMAIL, name="审核员老周")

    # A newcomer opens the site and chooses to register a new organisation.
    page.goto(base + "/")
    page.get_by_role("navigation").get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="注册", exact=True)).to_be_visible()
    page.get_by_role("button", name="注册新单位").click()
    expect(page.get_by_role("heading", name="注册新单位")).to_be_visible()

    def fill_form(credit_code: str) -> None:
        page.get_by_label("单位名称").fill(ORG_NAME)
        page.get_by_label("单位类型").select_option(label="企业")
        page.get_by_label("所在地区").select_option(label="椒江区")
        page.get_by_label("统一社会信用代码").fill(credit_code)
        page.get_by_label("姓名").fill(USER_NAME)
        page.get_by_label("邮箱").fill(USER_EMAIL)
        page.get_by_label("身份").select_option(label="企业用户（发榜方）")
        # The hint below the field is inside its <label>, so it is part of the name.
        page.get_by_label(re.compile(r"^密码")).fill(PASSWORD)
        page.get_by_label("确认密码").fill(PASSWORD)
        page.get_by_role("button", name="提交注册").click()

    # First attempt: the 18th character is mistyped. The message says the code is invalid,
    # never which character would make it pass.
    fill_form(_wrong_check_digit(uscc))
    expect(page.get_by_role("alert")).to_contain_text("提交的内容有误")
    uscc_input = page.get_by_label("统一社会信用代码")
    expect(uscc_input).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#uscc-error")).to_have_text(
        "统一社会信用代码无效，请核对营业执照或登记证书。"
    )
    expect(page.get_by_label("单位名称")).to_have_value(ORG_NAME)

    # Corrected: registration succeeds and the login page says what happens next.
    fill_form(uscc)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("注册成功")

    # A bureau staff member verifies the new organisation.
    journey.log_in(page, base, STAFF_EMAIL)
    page.get_by_role("navigation").get_by_role("link", name="单位审核").click()
    expect(page.get_by_role("heading", name="单位审核")).to_be_visible()
    page.get_by_role("link", name=ORG_NAME).click()
    expect(page.get_by_role("heading", name=ORG_NAME)).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("待审核")
    page.get_by_role("button", name="认证通过").click()
    expect(page.get_by_role("status")).to_have_text("已认证该单位。")
    expect(page.locator(".facts .badge-verified")).to_have_text("已认证")
    expect(page.get_by_role("button", name="认证通过")).to_have_count(0)
    journey.log_out(page)

    # The newcomer logs in and sees their organisation verified.
    journey.log_in(page, base, USER_EMAIL)
    page.get_by_test_id("account-link").click()
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    org_fact = page.locator(".facts dd", has_text=ORG_NAME)
    expect(org_fact).to_be_visible()
    expect(org_fact.locator(".badge")).to_have_text("已认证")

    # Switch to English and back; the switch returns to the same page.
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")
    page.get_by_test_id("language-switch").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/account\??$"))
    expect(page.get_by_test_id("language-switch")).to_have_text("中文")
    # `make test` compiles the catalogues, so the page really is in English now.
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.get_by_role("navigation")).not_to_contain_text("退出")

    page.get_by_test_id("language-switch").click()
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_url(re.compile(r"/account\??$"))
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    expect(page.get_by_test_id("language-switch")).to_have_text("English")
