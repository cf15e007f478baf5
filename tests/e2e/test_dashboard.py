"""The staff dashboard in a real browser, on the demo data: every chart draws, CSP holds.

The screenshot is kept as an artifact (``test-artifacts/screenshots/dashboard.png``) whether
the test passes or fails.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from marketplace.demo import DEMO_PASSWORD
from tests.e2e import journey
from tests.e2e.conftest import SCREENSHOT_DIR

STAFF = "staff1@kjj.linhai.example.cn"
CHARTS = 5


def test_staff_open_the_dashboard_and_every_chart_draws(live_server, page: Page):
    with live_server.app.app_context():
        result = live_server.app.test_cli_runner().invoke(args=["marketplace", "demo"])
        assert result.exit_code == 0, result.output
    problems: list[str] = []

    def console(message):
        # The browser's own favicon request 404s; failed responses of the page are below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def response(r):
        if r.status >= 400:
            problems.append(f"{r.status} {r.url}")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", response)
    base = live_server.url
    journey.log_in(page, base, STAFF, DEMO_PASSWORD)

    page.get_by_role("navigation").get_by_text("更多").click()
    page.get_by_role("link", name="数据看板").click()
    expect(page.get_by_role("heading", name="数据看板", level=1)).to_be_visible()
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(CHARTS)
    for n in range(CHARTS):
        expect(charts.nth(n).locator("canvas")).to_have_count(1)
        expect(charts.nth(n)).to_have_attribute("data-drawn", "true")
    # The demo's published challenges are on the pipeline, in the table as in the chart.
    published = page.locator('[data-testid="pipeline"] tr[data-stage="published"] td').first
    assert int(published.inner_text()) > 0

    # A filter narrows the page and keeps the charts.
    page.get_by_role("combobox", name="产业链").select_option(label="医药健康")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(f"{base}/staff/dashboard?year=&industry=pharma&region=")
    expect(page.locator("[data-chart] canvas")).to_have_count(CHARTS)
    page.get_by_role("link", name="清除筛选").click()
    expect(page.locator("[data-chart] canvas")).to_have_count(CHARTS)

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "dashboard.png"), full_page=True)
    assert problems == [], problems  # no CSP violation, no script error

    # The public figures draw too, for anyone.
    journey.log_out(page)
    page.get_by_role("contentinfo").get_by_role("link", name="统计数据").click()
    expect(page.locator("[data-chart] canvas")).to_have_count(2)
    assert problems == [], problems
