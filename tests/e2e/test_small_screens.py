"""The header and the search page at a desktop width and on a phone (issue #9, item 18).

Logged in with the most links there are (an admin, who also has every staff link), the header
is one row at 1280 px; at 375 px it is one short row with a menu button, the search box shows
its whole placeholder, and the facets are folded so the first result is on the first screen.
Screenshots are saved under test-artifacts/small-screens/ to look at.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from marketplace import db
from marketplace.accounts.models import Organisation, Role, User
from tests.e2e import journey
from tests.factories import Factory

from .conftest import REPO_ROOT

SHOTS = REPO_ROOT / "test-artifacts" / "small-screens"
ADMIN_EMAIL = "zhang.guanli@kjj.example.cn"
ADMIN_NAME = "张管理员"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
# Industries and regions enough for every facet to have several values (the long facet list).
FIELDS = ("materials", "energy", "equipment", "auto", "pharma", "photonics", "digital")
REGIONS = ("临海市", "椒江区", "黄岩区", "路桥区", "温岭市", "玉环市", "天台县")


def _shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def _header_height(page: Page) -> float:
    return page.locator("header.site-header").bounding_box()["height"]


def _visible_header_items(page: Page) -> list[dict]:
    items = page.locator("header.site-header").locator(
        "a:visible, button:visible, input[type=search]:visible, label:visible, summary:visible"
    )
    return [b for b in (items.nth(i).bounding_box() for i in range(items.count())) if b]


def _placeholder_fits(page: Page) -> dict:
    """The header search box's placeholder width (as the browser lays out its font) and the
    room the box has for text."""
    return (
        page.get_by_role("navigation")
        .get_by_role("searchbox")
        .evaluate(
            """el => {
            const s = getComputedStyle(el);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
            const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
            return {text: ctx.measureText(el.placeholder).width, room: room};
        }"""
        )
    )


def _first_result_top(page: Page) -> float:
    return journey.main(page).locator("article.hit").first.bounding_box()["y"]


def test_header_and_search_fit_a_desktop_and_a_phone(live_server, page: Page) -> None:
    base = live_server.url
    with live_server.app.app_context():
        factory = Factory(live_server.app)
        factory.appointed(Role.ADMIN, email=ADMIN_EMAIL, name=ADMIN_NAME)
        for n, (field, region) in enumerate(zip(FIELDS, REGIONS, strict=True)):
            issuer = factory.org_user(Role.ENTERPRISE)
            s = db.session()
            org = s.get(Organisation, s.get(User, issuer.id).organisation_id)
            org.region = region
            s.commit()
            factory.challenge(
                issuer, title=f"合金材料工艺难题{n}", field=field, budget_total=str(100 + 150 * n),
                enterprise_funds=str(100 + 150 * n), subsidy_requested="0",
            )  # fmt: skip

    # Desktop, logged in with every link: the header is one row.
    page.set_viewport_size(DESKTOP)
    journey.log_in(page, base, ADMIN_EMAIL)
    page.goto(base + "/search?q=合金")
    expect(journey.main(page).locator("article.hit").first).to_be_visible()
    _shot(page, "desktop-1280-search")
    boxes = _visible_header_items(page)
    centres = [b["y"] + b["height"] / 2 for b in boxes]
    assert max(centres) - min(centres) < 8, f"header items in several rows: {sorted(centres)}"
    assert _header_height(page) <= 72
    nav = page.get_by_role("navigation")
    for link in ("榜单审核", "审计日志", "用户管理", ADMIN_NAME):
        expect(nav.get_by_role("link", name=link, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    fit = _placeholder_fits(page)
    assert fit["text"] <= fit["room"], fit
    facets = page.get_by_role("complementary", name="筛选")
    expect(facets.get_by_role("link", name="榜单", exact=True)).to_be_visible()

    # A phone: one short row with a menu button; the links are behind it.
    page.set_viewport_size(PHONE)
    page.goto(base + "/search?q=合金")
    _shot(page, "phone-375-search")
    assert _header_height(page) <= 72, _header_height(page)
    expect(page.get_by_role("button", name="退出")).to_be_hidden()
    fit = _placeholder_fits(page)
    assert fit["text"] <= fit["room"], fit

    # The facets are folded: the first result is on the first screen.
    top = _first_result_top(page)
    assert top < PHONE["height"] - 100, f"first result at {top}px"
    region_link = facets.get_by_role("link", name="椒江区")
    expect(region_link).to_be_hidden()
    facets.get_by_text("筛选", exact=True).click()
    expect(region_link).to_be_visible()
    _shot(page, "phone-375-facets-open")
    region_link.click()
    expect(journey.main(page).locator("article.hit")).to_have_count(1)

    # The menu opens and its links work.
    menu = page.get_by_role("navigation").get_by_text("菜单", exact=True)
    menu.click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    _shot(page, "phone-375-menu-open")
    page.get_by_role("navigation").get_by_role("link", name="审计日志", exact=True).click()
    expect(journey.h1(page)).to_have_text("审计日志")
    assert _header_height(page) <= 72
    page.get_by_role("navigation").get_by_text("菜单", exact=True).click()
    page.get_by_role("button", name="退出").click()
    expect(journey.main(page).get_by_role("status")).to_contain_text("您已安全退出")
