"""A project in a real browser: report → the enterprise signs off → staff accept → staff release
→ the project page shows the payment and what remains; the ledger export (openpyxl) has the
release; the 任务书 PDF names the project.

The award, its confirmation and the 任务书's three confirmations are made through the services
(the flows before this one have their own browser tests); the clock is moved past the 公示
window and everyone logs in inside it.
"""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import openpyxl
import time_machine
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from marketplace import db
from marketplace.accounts.models import Role, User
from marketplace.awards import services as award_services
from marketplace.awards.models import AwardKind
from marketplace.awards.schemas import AwardInput, ShareInput
from marketplace.bids import services as bids
from marketplace.bids.forms import raw_from_form
from marketplace.projects import ledger, taskbook
from marketplace.projects.milestone_models import Milestone
from marketplace.projects.services import projects_of_award
from marketplace.review import panels
from marketplace.units import fen_to_wan
from tests.bids.conftest import bid_form
from tests.e2e import journey
from tests.factories import Factory
from tests.review.conftest import expert_with_profile, full_marks

WAN = 1_000_000
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _world(app) -> dict:
    """An ACTIVE project: one bid awarded 250 万元, confirmed, its 任务书 confirmed by all."""
    with app.app_context():
        factory = Factory(app)
        staff = factory.staff(email="xiangmu.staff@kjj.example.cn", name="项目管理员")
        issuer = factory.org_user(Role.ENTERPRISE)
        challenge = factory.challenge(issuer, stage="open")
        team = factory.org_user(Role.RESEARCHER, org_name="东海理工大学")
        bid = bids.start_bid(actor=team, challenge_id=challenge.id)
        raw = raw_from_form(MultiDict(bid_form(challenge, team)))
        bids.save_draft(actor=team, bid_id=bid.id, raw=raw, expected_version=bid.version_id)
        bids.submit_bid(actor=team, bid_id=bid.id, idempotency_key=uuid.uuid4().hex)
        experts = [
            expert_with_profile(factory, staff, name=f"专家{n}", finance=(n == 1))
            for n in range(1, 6)
        ]
        at = challenge.deadline + timedelta(minutes=1)
        with time_machine.travel(at, tick=False):
            for expert in experts:
                panels.assign_expert(actor=staff, challenge_id=challenge.id, expert_id=expert.id)
            panels.form_panel(actor=staff, challenge_id=challenge.id)
            panel = panels.panel_of(db.session(), challenge.id)
            for expert in experts:
                panels.declare(actor=expert, panel_id=panel.id, no_conflict=True)
                panels.submit_score(actor=expert, bid_id=bid.id, raw=full_marks(8))
            panels.shortlist_bids(actor=staff, challenge_id=challenge.id, bid_ids=[bid.id])
            award = award_services.propose_award(
                actor=staff,
                challenge_id=challenge.id,
                data=AwardInput(AwardKind.SINGLE, [ShareInput(bid.id, 250 * WAN)], ""),
            )
        after = award.ends_at + timedelta(minutes=1)
        with time_machine.travel(after, tick=False):
            award_services.confirm_award(actor=staff, award_id=award.id)
            (project,) = projects_of_award(db.session(), award.id)
            for actor in (issuer, team, staff):
                taskbook.confirm_task_book(actor=actor, project_id=project.id, version=1)
            first = (
                db.session()
                .exec(
                    select(Milestone).where(
                        Milestone.project_id == project.id, Milestone.position == 1
                    )
                )
                .one()
            )
            # The enterprise's share of the first milestone has arrived (到账).
            ledger.record_receipt(
                actor=staff,
                project_id=project.id,
                amount_fen=first.enterprise_fen,
                received_on=after.date(),
                voucher="DH-0001",
            )
        return {
            "at": after,
            "project_id": project.id,
            "number": project.number,
            "milestone_id": first.id,
            "paid_subsidy": first.subsidy_fen,
            "left_subsidy": project.subsidy_fen - first.subsidy_fen,
            "emails": {
                "staff": staff.email,
                "issuer": issuer.email,
                "leader": db.session().get(User, team.id).email,
            },
        }


def test_report_sign_off_accept_release_and_the_project_page_shows_it(
    live_server, page: Page, tmp_path
):
    w = _world(live_server.app)
    base, emails = live_server.url, w["emails"]
    milestone_url = f"{base}/projects/milestones/{w['milestone_id']}"
    evidence = tmp_path / "小试报告.pdf"
    evidence.write_bytes(PDF)
    with time_machine.travel(w["at"] + timedelta(days=30), tick=True):
        journey.log_in(page, base, emails["leader"])
        page.goto(milestone_url)
        form = page.locator("form", has=page.get_by_role("button", name="提交报告"))
        form.get_by_label("完成情况").fill("完成小试工艺验证，收率 92%。")
        for field in form.locator("input[name^='value_']").all():
            field.fill("206")
        form.locator("input[type=file]").set_input_files(str(evidence))
        form.get_by_role("button", name="提交报告").click()
        expect(journey.success(page)).to_be_visible()
        journey.log_out(page)

        journey.log_in(page, base, emails["issuer"])
        page.goto(milestone_url)
        page.get_by_role("button", name="确认报告").click()
        expect(journey.success(page)).to_be_visible()
        journey.log_out(page)

        journey.log_in(page, base, emails["staff"])
        page.goto(milestone_url)
        page.get_by_role("button", name="审核通过").click()
        expect(journey.success(page)).to_be_visible()
        page.goto(f"{base}/projects/{w['project_id']}")
        funds = page.locator("section.funds")
        funds.locator("tr", has_text="里程碑 1").get_by_role("button", name="拨付").click()
        expect(journey.success(page)).to_be_visible()

        page.goto(f"{base}/projects/{w['project_id']}")
        row = page.locator("section.funds tr", has_text="里程碑 1")
        expect(row).to_contain_text("已拨付")
        expect(page.get_by_test_id("timeline")).to_contain_text("拨付经费")
        # 财政资金: committed, (no receipts), released, remaining.
        subsidy = page.locator("section.funds tbody tr").first
        expect(subsidy).to_contain_text(f"{fen_to_wan(w['paid_subsidy'])} 万元")
        expect(subsidy).to_contain_text(f"{fen_to_wan(w['left_subsidy'])} 万元")

        # The ledger export opens in openpyxl and has the release, with Chinese headers.
        sheet = page.request.get(f"{base}/staff/exports/ledger.xlsx")
        assert sheet.status == 200
        rows = list(openpyxl.load_workbook(io.BytesIO(sheet.body())).active.values)
        header = next(i for i, r in enumerate(rows) if r and "项目编号" in r)
        kind = rows[header].index("业务类型")
        assert any(r[0] == w["number"] and r[kind] == "拨付" for r in rows[header + 1 :])

        pdf = page.request.get(f"{base}/projects/{w['project_id']}/task-book.pdf")
        assert pdf.status == 200
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
        assert w["number"] in text
