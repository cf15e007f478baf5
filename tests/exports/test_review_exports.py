"""Bids and review scores of a challenge: sealed until the deadline, blind until the whole panel
has scored; never a withdrawn bid or a draft; staff only."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from werkzeug.datastructures import MultiDict

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.bids import services as bid_services
from marketplace.bids.forms import raw_from_form
from marketplace.bids.models import Bid
from marketplace.challenges import services as ch
from marketplace.units import SHANGHAI

from ..awards.conftest import reviewed  # noqa: F401 (the fixture is used here)
from ..bids.conftest import bid_form
from ..review.conftest import review  # noqa: F401
from .conftest import csv_rows, download, xlsx_rows

BID_HEADERS = ["揭榜编号", "揭榜单位", "挂帅人", "申请金额（万元）", "状态", "提交时间"]


def _withdrawn_and_draft(factory, challenge):
    """Another team's bid submitted then withdrawn, and a third team's draft."""
    quitter = factory.org_user(Role.RESEARCHER, org_name="撤回大学")
    bid = bid_services.start_bid(actor=quitter, challenge_id=challenge.id)
    bid_services.save_draft(
        actor=quitter,
        bid_id=bid.id,
        raw=raw_from_form(MultiDict(bid_form(challenge, quitter))),
        expected_version=bid.version_id,
    )
    bid_services.submit_bid(actor=quitter, bid_id=bid.id, idempotency_key="q1")
    bid_services.withdraw_bid(actor=quitter, bid_id=bid.id)
    drafter = factory.org_user(Role.RESEARCHER, org_name="草稿研究院")
    bid_services.start_bid(actor=drafter, challenge_id=challenge.id)


def test_bids_are_sealed_before_the_deadline(review, client, login):  # noqa: F811
    login(client, review["staff"])
    for fmt in ("xlsx", "csv"):
        resp = download(client, f"/staff/exports/challenges/{review['challenge'].id}/bids.{fmt}")
        assert resp.status_code == 409
        page = resp.get_data(as_text=True)
        assert "截止后才能导出揭榜名单" in page
        assert "东海理工大学" not in page and "灵湖学院" not in page


def test_after_the_deadline_staff_export_the_submitted_bids_only(
    review,  # noqa: F811
    factory,
    client,
    login,
):
    challenge = review["challenge"]
    _withdrawn_and_draft(factory, challenge)
    with review["after"]():
        login(client, review["staff"])
        rows = xlsx_rows(download(client, f"/staff/exports/challenges/{challenge.id}/bids.xlsx"))
        lines = csv_rows(download(client, f"/staff/exports/challenges/{challenge.id}/bids.csv"))
    assert rows[0] == BID_HEADERS and lines[0] == BID_HEADERS
    assert [r[1] for r in rows[1:]] == ["东海理工大学", "灵湖学院"]
    bid = db.session().get(Bid, review["bids"][0])
    first = rows[1]
    assert first[0] == bid.number
    assert first[2] == review["teams"][0].name
    assert Decimal(str(first[3])) == Decimal("250.00")
    assert first[4] == "已提交"
    local = bid.submitted_at.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)
    assert first[5] == local
    assert lines[1][:5] == [bid.number, "东海理工大学", review["teams"][0].name, "250.00", "已提交"]
    everything = repr(rows) + repr(lines)
    assert "撤回大学" not in everything and "草稿研究院" not in everything


def test_a_challenge_cancelled_before_its_deadline_keeps_its_bids_sealed(
    review,  # noqa: F811
    client,
    login,
):
    challenge = review["challenge"]
    ch.cancel_challenge(actor=review["staff"], challenge_id=challenge.id, reason="企业撤回需求")
    with review["after"]():
        login(client, review["staff"])
        resp = download(client, f"/staff/exports/challenges/{challenge.id}/bids.csv")
    assert resp.status_code == 409
    assert "永久密封" in resp.get_data(as_text=True)


def test_scores_wait_for_the_whole_panel(review, client, login):  # noqa: F811
    with review["after"]():
        login(client, review["staff"])
        resp = download(client, f"/staff/exports/challenges/{review['challenge'].id}/scores.csv")
    assert resp.status_code == 409
    assert "评分表在全部评分后才能导出" in resp.get_data(as_text=True)


def test_scores_per_expert_per_criterion_once_all_have_scored(reviewed, client, login):  # noqa: F811
    challenge = reviewed["challenge"]
    with time_machine.travel(reviewed["at"], tick=False):
        login(client, reviewed["staff"])
        rows = xlsx_rows(download(client, f"/staff/exports/challenges/{challenge.id}/scores.xlsx"))
        lines = csv_rows(download(client, f"/staff/exports/challenges/{challenge.id}/scores.csv"))
    assert rows[0][:6] == [
        "揭榜编号",
        "揭榜单位",
        "评审专家",
        "评分项",
        "权重（%）",
        "得分（0–10）",
    ]
    # Two bids × five experts × five criteria.
    assert len(rows) == 1 + 2 * 5 * 5 and len(lines) == len(rows)
    first_bid = db.session().get(Bid, reviewed["bids"][0]).number
    mine = [r for r in rows[1:] if r[0] == first_bid and r[2] == "专家1"]
    assert len(mine) == 5
    assert {r[5] for r in mine} == {8}  # full_marks(8) on the first bid
    assert sum(r[4] for r in mine) == 100
    assert mine[0][6] == 80  # Σ points/10 × weight
    assert mine[0][9] == "方案可行，指标应答完整。"
    second = [r for r in rows[1:] if r[1] == "灵湖学院"]
    assert {r[5] for r in second} == {7}


@pytest.mark.parametrize("kind", ["bids", "scores"])
def test_the_issuer_and_everyone_else_are_refused(
    reviewed,  # noqa: F811
    factory,
    client,
    login,
    kind,
):
    url = f"/staff/exports/challenges/{reviewed['challenge'].id}/{kind}.xlsx"
    with time_machine.travel(reviewed["at"], tick=False):
        assert download(client, url).status_code == 302  # anonymous: to the login page
        for user in (
            reviewed["issuer"],
            reviewed["teams"][0],
            reviewed["experts"][0],
            factory.org_user(Role.ENTERPRISE),
        ):
            login(client, user)
            assert download(client, url).status_code == 403, user.email
            client.post("/logout")
        login(client, factory.admin())
        assert download(client, url).status_code == 200


def test_an_unknown_challenge_is_404(review, client, login):  # noqa: F811
    login(client, review["staff"])
    assert download(client, "/staff/exports/challenges/999999/bids.csv").status_code == 404
    assert download(client, "/staff/exports/challenges/99999999999/scores.csv").status_code == 404


def test_staff_find_the_download_links_where_the_lists_are(reviewed, client, login):  # noqa: F811
    challenge = reviewed["challenge"]
    bids_url = f"/staff/exports/challenges/{challenge.id}/bids.xlsx"
    scores_url = f"/staff/exports/challenges/{challenge.id}/scores.csv"
    with time_machine.travel(reviewed["at"], tick=False):
        login(client, reviewed["issuer"])
        assert bids_url not in client.get(f"/challenges/{challenge.id}/bids").get_data(True)
        client.post("/logout")
        login(client, reviewed["staff"])
        assert bids_url in client.get(f"/challenges/{challenge.id}/bids").get_data(True)
        panel = client.get(f"/staff/challenges/{challenge.id}/panel").get_data(True)
        assert scores_url in panel
        queue = client.get("/staff/challenges").get_data(True)
        assert "/staff/exports/challenges.xlsx?status=pending_review" in queue
        page = client.get("/staff/exports")
    assert page.status_code == 200
    html = page.get_data(True)
    assert 'action="/staff/exports/ledger.xlsx"' in html
    assert 'formaction="/staff/exports/ledger.csv"' in html


def test_before_the_deadline_the_bids_page_offers_no_download(review, client, login):  # noqa: F811
    login(client, review["staff"])
    page = client.get(f"/challenges/{review['challenge'].id}/bids").get_data(True)
    assert "/staff/exports/" not in page
