"""Steps every browser journey takes: the main region, flash messages, logging in and out."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.factories import Factory


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def success(page: Page) -> Locator:
    """The green flash message (other role=status boxes may be on the page too)."""
    return main(page).locator(".flash-success")


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def log_in(page: Page, base: str, email: str, password: str = Factory.PASSWORD) -> None:
    page.goto(base + "/login")
    form = main(page)
    form.get_by_label("邮箱").fill(email)
    form.get_by_label("密码").fill(password)
    form.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(main(page).get_by_role("status")).to_contain_text("您已安全退出")
    expect(page.get_by_role("navigation").get_by_role("link", name="登录")).to_be_visible()


def nav(page: Page, name: str) -> None:
    """Follow a link in the top navigation; its page's heading is the link's name."""
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()
    expect(h1(page)).to_have_text(name)
