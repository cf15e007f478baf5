"""Every main page passes axe-core with no serious or critical violation, in Chinese and English.

axe-core comes from the ``axe-playwright-python`` package (PyPI), which bundles ``axe.min.js``
(axe-core, © Deque Systems, MPL-2.0, its licence header kept in the file); it is injected into
each page through the browser's devtools protocol, which the site's strict CSP does not cover,
so the site itself serves no script it does not own. Pages: the public ones (home, challenge
list, a challenge, search with results, login, notices, statistics, open data), then, logged
in as a research team member, the projects list, the API token page and the account page.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from marketplace.accounts.models import Role
from tests.factories import Factory

SERIOUS = {"serious", "critical"}
AXE = Axe()


def _world(app) -> dict:
    with app.app_context():
        factory = Factory(app)
        issuer = factory.org_user(Role.ENTERPRISE, org_name="临海晨康药业有限公司")
        challenge = factory.challenge(issuer, stage="open")
        factory.challenge(issuer, stage="open", title="海水淡化膜抗污染改性", field="energy")
        researcher = factory.org_user(Role.RESEARCHER, org_name="东海理工大学")
        return {"challenge_id": challenge.id, "researcher": researcher.email}


def _problems(page: Page) -> list[str]:
    results = AXE.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in SERIOUS:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} {targets}"
            )
    return found


def _check(page: Page, url: str, lang: str, failures: list[str]) -> None:
    resp = page.goto(url)
    assert resp is not None and resp.status == 200, (url, resp.status if resp else None)
    expect(page.locator("html")).to_have_attribute("lang", "en" if lang == "en" else "zh-CN")
    failures.extend(f"{lang} {url}: {problem}" for problem in _problems(page))


def _switch_to(page: Page, lang: str) -> None:
    wanted = "en" if lang == "en" else "zh-CN"
    if page.locator("html").get_attribute("lang") != wanted:
        page.get_by_test_id("language-switch").click()
        expect(page.locator("html")).to_have_attribute("lang", wanted)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_pages_have_no_serious_accessibility_violations(live_server, page: Page, lang):
    base = live_server.url
    world = _world(live_server.app)
    page.goto(base + "/")
    _switch_to(page, lang)
    failures: list[str] = []
    for path in (
        "/",
        "/challenges",
        f"/challenges/{world['challenge_id']}",
        "/search?q=材料",
        "/login",
        "/notices",
        "/stats",
        "/open-data",
    ):
        _check(page, base + path, lang, failures)

    page.goto(base + "/login")
    form = page.get_by_role("main").locator("form").first
    form.locator("input[name=email]").fill(world["researcher"])
    form.locator("input[name=password]").fill(Factory.PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator("form[action$='/logout'] button")).to_be_visible()
    _switch_to(page, lang)
    for path in ("/projects", "/account/tokens", "/account"):
        _check(page, base + path, lang, failures)
    assert not failures, "axe-core found serious or critical problems:\n" + "\n".join(failures)
