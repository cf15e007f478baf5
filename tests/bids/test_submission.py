"""Submitting, revising and withdrawing bids, with the rules and bad inputs of issue #4."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from marketplace import db
from marketplace.bids import services
from marketplace.bids.models import Bid, BidStatus, BidVersion
from marketplace.challenges.models import Challenge
from marketplace.integrity import services as integrity
from marketplace.integrity.models import Measure

from ..factories import Factory
from .conftest import bid_form


def submit(client, bid_id, data, key="k1"):
    """Post the form as the page would: with the version it was rendered from."""
    db.refresh_read_session()
    version = db.session().get(Bid, bid_id).version_id
    return client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "action": "submit", "idempotency_key": key, "version": version},
    )


def test_a_complete_bid_gets_a_receipt(client, market, start_bid):
    bid_id = start_bid(client, market["team"], market["challenge"])
    resp = submit(client, bid_id, bid_form(market["challenge"], market["team"]))
    assert resp.status_code == 302
    receipt = client.get(resp.headers["Location"]).get_data(as_text=True)
    bid = db.session().get(Bid, bid_id)
    version = db.session().exec(select(BidVersion)).one()
    assert bid.status is BidStatus.SUBMITTED and bid.submitted_version == 1
    assert bid.number in receipt and version.sha256 in receipt and len(version.sha256) == 64
    assert bid.requested_amount_fen == 250 * 1_000_000
    assert services.content_sha256(version.content) == version.sha256


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"milestone_percent": ["40", "59"]}, "各里程碑拨付比例之和应为 100%，目前为 99%"),
        ({"milestone_month": ["6", "30"]}, "超出了榜单的实施周期（24 个月）"),
        (
            {
                "milestone_deliverable": ["全部完成"],
                "milestone_month": ["24"],
                "milestone_percent": ["100"],
            },
            "里程碑计划至少需要 2 个节点",
        ),
        ({"requested_amount": "301"}, "不能超过榜单金额（300 万元）"),
        ({"integrity_confirmed": ""}, "请阅读并签署科研诚信承诺"),
        ({"leader_id": ""}, "请指定一名挂帅人"),
    ],
)
def test_bad_bids_are_refused_precisely_and_the_draft_is_kept(
    client, market, start_bid, overrides, message
):
    bid_id = start_bid(client, market["team"], market["challenge"])
    resp = submit(client, bid_id, bid_form(market["challenge"], market["team"], **overrides))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html
    assert "采用连续流微反应器结合在线监测的技术路线" in html  # what they typed is still there
    assert db.session().exec(select(BidVersion)).all() == []
    assert db.session().get(Bid, bid_id).content["approach"].startswith("采用连续流")


def test_every_indicator_needs_an_answer(client, market, start_bid):
    bid_id = start_bid(client, market["team"], market["challenge"])
    data = bid_form(market["challenge"], market["team"])
    first = next(k for k in data if k.startswith("answer_"))
    data[first] = " "
    resp = submit(client, bid_id, data)
    assert resp.status_code == 422
    assert "第 1 项指标“首次放电比容量”（目标 ≥205）缺少应答" in resp.get_data(as_text=True)


def test_one_second_after_the_deadline_nothing_changes(client, market, start_bid, login):
    challenge = market["challenge"]
    bid_id = start_bid(client, market["team"], challenge)
    data = bid_form(challenge, market["team"])
    with time_machine.travel(challenge.deadline + timedelta(seconds=1), tick=False):
        login(client, market["team"])
        resp = submit(client, bid_id, data)
        assert resp.status_code == 409
        assert "揭榜已截止（以服务器时间为准）" in resp.get_data(as_text=True)
    assert db.session().exec(select(BidVersion)).all() == []


def test_a_revision_is_a_new_version_and_the_last_one_counts(client, market, start_bid):
    challenge = market["challenge"]
    bid_id = start_bid(client, market["team"], challenge)
    submit(client, bid_id, bid_form(challenge, market["team"]), key="a")
    submit(client, bid_id, bid_form(challenge, market["team"], approach="改进后的方案"), key="b")
    versions = db.session().exec(select(BidVersion).order_by(BidVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].content["approach"].startswith("采用连续流")
    assert db.session().get(Bid, bid_id).submitted_version == 2


def test_two_tabs_submitting_the_same_draft_make_one_submission(app, market, start_bid, login):
    challenge = market["challenge"]
    tab1, tab2 = app.test_client(), app.test_client()
    bid_id = start_bid(tab1, market["team"], challenge)
    login(tab2, market["team"])
    data = bid_form(challenge, market["team"])
    first = submit(tab1, bid_id, data, key="tab-1")
    second = submit(tab2, bid_id, data, key="tab-2")
    again = submit(tab1, bid_id, data, key="tab-1")
    assert first.headers["Location"] == second.headers["Location"] == again.headers["Location"]
    assert len(db.session().exec(select(BidVersion)).all()) == 1


def test_one_live_bid_per_organisation(client, market, start_bid, app, login):
    challenge = market["challenge"]
    bid_id = start_bid(client, market["team"], challenge)
    colleague = login(app.test_client(), market["colleague"])
    resp = colleague.post(f"/challenges/{challenge.id}/bid", follow_redirects=True)
    assert "每个单位对一个榜单只能有一份有效的揭榜材料" in resp.get_data(as_text=True)
    assert len(db.session().exec(select(Bid)).all()) == 1
    # The database refuses a second live bid even if a bug tried.
    with pytest.raises(IntegrityError), db.engine().begin() as conn:
        bid = db.session().get(Bid, bid_id)
        conn.execute(
            Bid.__table__.insert().values(
                number="JB-DUPLICATE",
                challenge_id=challenge.id,
                organisation_id=bid.organisation_id,
                created_by_id=bid.created_by_id,
                status="draft",
                content={},
                requested_amount_fen=0,
                submitted_version=0,
                created_at=db.utcnow(),
                updated_at=db.utcnow(),
                version_id=1,
            )
        )


def test_withdrawal_is_recorded_and_allows_a_fresh_bid(client, market, start_bid):
    challenge = market["challenge"]
    bid_id = start_bid(client, market["team"], challenge)
    submit(client, bid_id, bid_form(challenge, market["team"]))
    assert client.post(f"/bids/{bid_id}/withdraw").status_code == 302
    assert db.session().get(Bid, bid_id).status is BidStatus.WITHDRAWN
    assert "已撤回" in client.get("/my/bids").get_data(as_text=True)
    again = client.post(f"/challenges/{challenge.id}/bid")
    assert again.status_code == 302 and f"/bids/{bid_id}/" not in again.headers["Location"]


def test_a_restricted_leader_or_organisation_cannot_submit(
    client, market, start_bid, factory: Factory
):
    challenge, team = market["challenge"], market["team"]
    bid_id = start_bid(client, team, challenge)
    record = integrity.record_measure(
        actor=market["staff"],
        measure=Measure.BAR,
        period_years=1,
        starts_on=integrity.today(),
        finding="项目验收数据造假",
        legal_basis="《科研失信行为调查处理规则》",
        summary="验收数据造假",
        user_id=team.id,
    )
    resp = submit(client, bid_id, bid_form(challenge, team))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert f"第 {record.id} 号" in html and record.ends_on.isoformat() in html
    # Another leader from the same team is fine; the organisation itself is not restricted.
    ok = submit(client, bid_id, bid_form(challenge, team, leader_id=str(market["colleague"].id)))
    assert ok.status_code == 302
    integrity.record_measure(
        actor=market["staff"],
        measure=Measure.PERMANENT,
        starts_on=integrity.today(),
        finding="违约",
        legal_basis="合同约定",
        summary="违约",
        organisation_id=team.organisation_id,
    )
    resp = submit(client, bid_id, bid_form(challenge, team, approach="再次修改"), key="k9")
    assert resp.status_code == 403 and "您的单位" in resp.get_data(as_text=True)


def test_a_leader_leads_at_most_n_live_bids(client, market, start_bid, factory: Factory):
    team = market["team"]
    challenges = [market["challenge"]] + [
        factory.challenge(market["issuer"], stage="open", title=f"榜单{n}") for n in range(2)
    ]
    for n, challenge in enumerate(challenges):
        bid_id = start_bid(client, team, challenge)
        resp = submit(client, bid_id, bid_form(challenge, team), key=f"k{n}")
        if n < 2:
            assert resp.status_code == 302
    assert resp.status_code == 422
    assert "已同时领衔 2 个有效揭榜，达到上限（2 个）" in resp.get_data(as_text=True)


def test_an_ineligible_organisation_kind_cannot_start(client, market, factory, login):
    from marketplace.accounts.models import OrgKind, Role

    hospital = factory.org_user(Role.RESEARCHER, kind=OrgKind.HOSPITAL)
    login(client, hospital)
    resp = client.post(f"/challenges/{market['challenge'].id}/bid", follow_redirects=True)
    assert "本榜单只接受以下类型的单位揭榜" in resp.get_data(as_text=True)
    assert db.session().exec(select(Bid)).all() == []


def test_my_bids_and_the_issuers_count(app, client, market, start_bid, login):
    challenge = market["challenge"]
    bid_id = start_bid(client, market["team"], challenge)
    submit(client, bid_id, bid_form(challenge, market["team"]))
    mine = client.get("/my/bids").get_data(as_text=True)
    assert challenge.title in mine and "第 1 版回执" in mine
    issuer = login(app.test_client(), market["issuer"])
    assert "已收到 1 份揭榜材料" in issuer.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert issuer.get(f"/bids/{bid_id}").status_code == 404
    assert db.session().get(Challenge, challenge.id).is_open()


def test_after_a_refused_submission_the_form_saves_again(client, market, start_bid):
    """The draft was saved before the submission was refused: the page it comes back on
    carries the new version, so fixing the answer and submitting is not a stale form."""
    bid_id = start_bid(client, market["team"], market["challenge"])
    data = bid_form(market["challenge"], market["team"])
    first = next(k for k in data if k.startswith("answer_"))
    answer, data[first] = data[first], " "
    refused = client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "action": "submit", "idempotency_key": "k1", "version": 1},
    )
    assert refused.status_code == 422
    version = re.search(r'name="version" value="(\d+)"', refused.get_data(as_text=True))
    assert version and int(version.group(1)) == db.session().get(Bid, bid_id).version_id > 1
    data[first] = answer
    resp = client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "action": "submit", "idempotency_key": "k2", "version": version.group(1)},
    )
    assert resp.status_code == 302 and "/receipt/" in resp.headers["Location"]
