"""Review and award in a real browser: panel, declarations, scores, award, 公示, confirmation.

Data before the deadline (a challenge, two bids, three experts) is made through the services.
Then the clock moves: the live server runs in this process (a thread), so ``time_machine``
moves its clock too. Past the deadline staff form a panel of three (the panel size is a
setting), three experts declare and score both bids, staff shortlist and propose the award,
``/notices`` shows it with its end date, and after the window staff confirm it: the project
exists. Everyone logs in inside each travel (sessions end after 12 hours).
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import time_machine
from playwright.sync_api import Page, expect
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.awards.models import Award
from marketplace.bids import services as bids
from marketplace.bids.forms import raw_from_form
from marketplace.projects.models import Project
from tests.bids.conftest import bid_form
from tests.e2e import journey
from tests.factories import Factory
from tests.review.conftest import expert_with_profile

STAFF_EMAIL = "pingshen.staff@kjj.example.cn"
TEAMS = ("东海理工大学", "灵湖学院")


def _submit_bid(team, challenge) -> None:
    bid = bids.start_bid(actor=team, challenge_id=challenge.id)
    raw = raw_from_form(MultiDict(bid_form(challenge, team)))
    bids.save_draft(actor=team, bid_id=bid.id, raw=raw, expected_version=bid.version_id)
    bids.submit_bid(actor=team, bid_id=bid.id, idempotency_key=uuid.uuid4().hex)


def _setup(app):
    with app.app_context():
        factory = Factory(app)
        staff = factory.staff(email=STAFF_EMAIL, name="评审秘书")
        challenge = factory.challenge(factory.org_user(Role.ENTERPRISE), stage="open")
        for name in TEAMS:
            _submit_bid(factory.org_user(Role.RESEARCHER, org_name=name), challenge)
        experts = [
            expert_with_profile(factory, staff, name=f"评审专家{n}", finance=(n == 1))
            for n in range(1, 4)
        ]
        return challenge.id, challenge.deadline, [e.email for e in experts]


def _score_everything(page: Page, base: str, email: str) -> None:
    journey.log_in(page, base, email)
    page.goto(base + "/expert/reviews")
    journey.main(page).get_by_role("link", name="声明有无利益冲突").click()
    page.get_by_label("本人与本榜单的揭榜单位及团队无其他利益冲突").check()
    page.get_by_role("button", name="提交声明").click()
    for points in ("8", "6"):  # the first bid scores higher
        page.goto(base + "/expert/reviews")
        journey.main(page).locator("li", has_text="待评分").get_by_role("link").first.click()
        for box in page.locator("input[name^='points_']").all():
            box.fill(points)
        page.get_by_label("评审意见").fill("技术路线清楚，指标应答完整。")
        page.get_by_role("button", name="提交评分").click()
        expect(journey.main(page)).to_contain_text("已提交，不能修改。")
    journey.log_out(page)


def test_panel_scores_award_notice_and_confirmation(live_server, page: Page) -> None:
    app, base = live_server.app, live_server.url
    app.config.update(PANEL_SIZE=3)
    challenge_id, deadline, experts = _setup(app)
    panel_url = f"{base}/staff/challenges/{challenge_id}/panel"

    with time_machine.travel(deadline + timedelta(hours=1), tick=True):
        journey.log_in(page, base, STAFF_EMAIL)
        page.goto(panel_url)
        page.get_by_role("button", name="随机抽取").click()
        page.get_by_role("button", name="确认组建专家组并开启评审").click()
        journey.log_out(page)

        for email in experts:
            _score_everything(page, base, email)

        journey.log_in(page, base, STAFF_EMAIL)
        page.goto(panel_url)
        for box in journey.main(page).locator("input[name='bid_id']").all():
            box.check()
        page.get_by_role("button", name="确定入围").click()
        page.goto(f"{base}/staff/challenges/{challenge_id}/award")
        main = journey.main(page)
        main.get_by_label("单一揭榜方").check()
        main.get_by_label("入围揭榜 1").select_option(index=1)
        main.get_by_label("金额（万元） 1").fill("250")
        main.get_by_role("button", name="提出揭榜结果并公示").click()
        expect(journey.success(page)).to_contain_text("公示至")
        with app.app_context():
            award = db.session().exec(select(Award)).one()
            last_day, ends_at = award.last_day.isoformat(), award.ends_at

        page.goto(base + "/notices")
        row = journey.main(page).get_by_role("row").filter(has_text="公示中")
        expect(row).to_contain_text(last_day)
        row.get_by_role("link").click()
        expect(journey.main(page)).to_contain_text(f"至 {last_day}")
        journey.log_out(page)

    with time_machine.travel(ends_at + timedelta(hours=1), tick=True):
        journey.log_in(page, base, STAFF_EMAIL)
        page.goto(f"{base}/staff/awards/{award.id}")
        page.get_by_role("button", name="确认揭榜结果并创建项目").click()
        expect(journey.success(page)).to_contain_text("项目 LHXM-")
        heading = journey.h1(page)
        expect(heading).to_have_text(re.compile(r"项目 LHXM-\d{4}-0001"))
        expect(journey.main(page)).to_contain_text(TEAMS[0])
    with app.app_context():
        assert len(db.session().exec(select(Project)).all()) == 1
