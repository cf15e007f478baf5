"""Award, 公示 and objections, 流榜 and re-posting, confirmation into a project."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import func, select

from marketplace import db
from marketplace.accounts.models import Role, User
from marketplace.awards import services
from marketplace.awards.models import Award, AwardKind, AwardStatus, Objection
from marketplace.awards.schemas import AwardInput, ShareInput
from marketplace.bids.models import Bid, BidStatus
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.errors import InvalidTransition, PermissionDenied, ValidationFailed
from marketplace.notifications import Notification
from marketplace.projects.models import Project
from marketplace.workdays.services import publicity_window

from ..factories import Factory

WAN = 1_000_000


def _single(bid_id: int, wan: int = 250) -> AwardInput:
    return AwardInput(AwardKind.SINGLE, [ShareInput(bid_id, wan * WAN)], "")


def _propose(reviewed, data=None) -> Award:
    with time_machine.travel(reviewed["at"], tick=False):
        return services.propose_award(
            actor=reviewed["staff"],
            challenge_id=reviewed["challenge"].id,
            data=data or _single(reviewed["bids"][0]),
        )


def _after_window(award: Award):
    return time_machine.travel(award.ends_at + timedelta(minutes=1), tick=False)


def _titles(user_id: int) -> list[str]:
    return list(
        db.session().exec(select(Notification.title).where(Notification.user_id == user_id))
    )


def test_proposal_opens_publicity_with_the_working_day_end_on_the_notice(reviewed, client, login):
    award = _propose(reviewed)
    window = publicity_window(reviewed["at"])
    assert award.last_day == window.last_day and award.status is AwardStatus.PUBLICITY
    s = db.session()
    won, lost = (s.get(Bid, b) for b in reviewed["bids"])
    assert (won.status, lost.status) == (BidStatus.AWARDED, BidStatus.NOT_AWARDED)
    assert s.get(Challenge, reviewed["challenge"].id).status is ChallengeStatus.AWARDED
    listing = client.get("/notices").get_data(as_text=True)
    assert reviewed["challenge"].title in listing and window.last_day.isoformat() in listing
    page = client.get(f"/notices/{award.id}").get_data(as_text=True)
    assert window.last_day.isoformat() in page and "东海理工大学" in page and "250" in page
    winner, loser = reviewed["teams"]
    assert any("拟入选" in t for t in _titles(winner.id))
    assert any("未中选" in t for t in _titles(loser.id))
    assert any("公示中" in t for t in _titles(reviewed["issuer"].id))


def test_a_bid_that_is_not_shortlisted_or_an_amount_over_budget_is_refused(reviewed):
    with pytest.raises(ValidationFailed, match="超过榜单总预算"):
        _propose(reviewed, _single(reviewed["bids"][0], wan=301))
    with pytest.raises(ValidationFailed, match="入围"):
        _propose(reviewed, _single(max(reviewed["bids"]) + 100))
    assert db.session().exec(select(func.count()).select_from(Award)).one() == 0


def test_parallel_award_shares_fit_the_budget_and_leave_the_remainder(reviewed, client):
    a, b = reviewed["bids"]
    over = AwardInput(AwardKind.PARALLEL, [ShareInput(a, 200 * WAN), ShareInput(b, 150 * WAN)], "")
    with pytest.raises(ValidationFailed, match=r"启动资金合计 350 万元，超过榜单总预算 300 万元"):
        _propose(reviewed, over)
    race = AwardInput(AwardKind.PARALLEL, [ShareInput(a, 50 * WAN), ShareInput(b, 50 * WAN)], "")
    award = _propose(reviewed, race)
    assert (award.amount_fen, award.remainder_fen) == (300 * WAN, 200 * WAN)
    assert {db.session().get(Bid, x).status for x in (a, b)} == {BidStatus.AWARDED}
    page = client.get(f"/notices/{award.id}").get_data(as_text=True)
    assert "余下的 200.00 万元" in page


def test_anonymous_objections_are_refused_and_the_objector_is_hidden(
    reviewed, client, factory: Factory, login
):
    award = _propose(reviewed)
    with time_machine.travel(reviewed["at"] + timedelta(hours=1), tick=False):
        resp = client.post(f"/notices/{award.id}/objections", data={"reasons": "有问题"})
        assert resp.status_code == 403 and "不受理匿名异议" in resp.get_data(as_text=True)
        login(client, factory.expert())  # an account of no organisation: not a real name yet
        resp = client.post(f"/notices/{award.id}/objections", data={"reasons": "有问题"})
        assert resp.status_code == 403 and "实名" in resp.get_data(as_text=True)
        client.post("/logout")
        objector = factory.org_user(Role.RESEARCHER, org_name="异议单位")
        login(client, objector)
        resp = client.post(f"/notices/{award.id}/objections", data={"reasons": ""})
        assert resp.status_code == 422
        resp = client.post(f"/notices/{award.id}/objections", data={"reasons": "业绩材料不实"})
        assert resp.status_code == 302
        client.post("/logout")
        for viewer in (None, reviewed["teams"][0], reviewed["issuer"]):
            if viewer is not None:
                login(client, viewer)
            page = client.get(f"/notices/{award.id}").get_data(as_text=True)
            assert objector.name not in page and objector.email not in page
            client.post("/logout")
        login(client, reviewed["staff"])
        staff_page = client.get(f"/staff/awards/{award.id}").get_data(as_text=True)
        assert objector.email in staff_page and "业绩材料不实" in staff_page
    assert any("异议" in t for t in _titles(reviewed["staff"].id))


def _object(reviewed, award, factory) -> Objection:
    objector = factory.org_user(Role.RESEARCHER)
    with time_machine.travel(reviewed["at"] + timedelta(hours=1), tick=False):
        return services.file_objection(actor=objector, award_id=award.id, reasons="评分有误")


def test_confirmation_waits_for_the_window_and_every_objection(reviewed, factory: Factory):
    award = _propose(reviewed)
    objection = _object(reviewed, award, factory)
    staff = reviewed["staff"]
    with (
        time_machine.travel(reviewed["at"] + timedelta(days=1), tick=False),
        pytest.raises(InvalidTransition, match="届满后才能确认"),
    ):
        services.confirm_award(actor=staff, award_id=award.id)
    with _after_window(award):
        with pytest.raises(InvalidTransition, match="1 件异议未处理"):
            services.confirm_award(actor=staff, award_id=award.id)
        with pytest.raises(InvalidTransition, match="不再受理异议"):
            _object_now(award, factory)
        services.resolve_objection(
            actor=staff, objection_id=objection.id, upheld=False, resolution="经核查评分无误"
        )
        project = services.confirm_award(actor=staff, award_id=award.id)
    year = reviewed["at"].year
    assert project.number.startswith(f"LHXM-{year}") and project.number.endswith("-0001")
    bid = db.session().get(Bid, reviewed["bids"][0])
    assert (project.bid_id, project.organisation_id, project.leader_id) == (
        bid.id,
        bid.organisation_id,
        bid.leader_id,
    )
    objector_titles = _titles(db.session().get(Objection, objection.id).objector_id)
    assert any("不成立" in t for t in objector_titles)


def _object_now(award, factory):
    return services.file_objection(
        actor=factory.org_user(Role.RESEARCHER), award_id=award.id, reasons="迟到的异议"
    )


def test_an_upheld_objection_sends_the_award_back_to_review(reviewed, factory: Factory):
    award = _propose(reviewed)
    objection = _object(reviewed, award, factory)
    with time_machine.travel(reviewed["at"] + timedelta(days=2), tick=False):
        services.resolve_objection(
            actor=reviewed["staff"], objection_id=objection.id, upheld=True, resolution="属实"
        )
    s = db.session()
    assert s.get(Award, award.id).status is AwardStatus.RETURNED
    assert s.get(Challenge, reviewed["challenge"].id).status is ChallengeStatus.IN_REVIEW
    assert {s.get(Bid, b).status for b in reviewed["bids"]} == {BidStatus.SHORTLISTED}
    again = _propose(reviewed, _single(reviewed["bids"][1], wan=200))
    assert again.status is AwardStatus.PUBLICITY


def test_two_staff_confirming_at_once_make_exactly_one_project(reviewed, app, factory: Factory):
    award = _propose(reviewed)
    actors = [reviewed["staff"], factory.staff()]
    results: list = []
    barrier = threading.Barrier(2)

    def confirm(actor_id):
        with app.app_context(), _after_window(award):
            actor = db.session().get(User, actor_id)
            barrier.wait()
            try:
                results.append(services.confirm_award(actor=actor, award_id=award.id).number)
            except InvalidTransition as exc:
                results.append(exc)

    threads = [threading.Thread(target=confirm, args=(a.id,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    numbers = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(numbers) == 1 and len(refused) == 1, results
    assert db.session().exec(select(func.count()).select_from(Project)).one() == 1


def test_a_challenge_with_no_bids_fails_publicly_and_is_reposted_as_a_draft(
    client, factory: Factory, login
):
    staff = factory.staff()
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    with pytest.raises(InvalidTransition, match="尚未截止"):
        services.fail_challenge(actor=staff, challenge_id=challenge.id, reason="无人揭榜")
    with time_machine.travel(challenge.deadline + timedelta(hours=1), tick=False):
        with pytest.raises(ValidationFailed):
            services.fail_challenge(actor=staff, challenge_id=challenge.id, reason=" ")
        with pytest.raises(PermissionDenied):
            services.fail_challenge(actor=issuer, challenge_id=challenge.id, reason="无人揭榜")
        services.fail_challenge(actor=staff, challenge_id=challenge.id, reason="截止时无人揭榜")
        assert "截止时无人揭榜" in client.get("/notices").get_data(as_text=True)
        login(client, issuer)
        resp = client.post(f"/challenges/{challenge.id}/repost")
        assert resp.status_code == 302
        again = client.post(f"/challenges/{challenge.id}/repost")
        assert again.headers["Location"] == resp.headers["Location"]
    draft_id = int(resp.headers["Location"].split("/challenges/")[1].split("/")[0])
    draft = db.session().get(Challenge, draft_id)
    assert draft.status is ChallengeStatus.DRAFT and draft.title == challenge.title
    assert draft.deadline is None and draft.budget_total_fen == challenge.budget_total_fen
    assert db.session().get(Challenge, challenge.id).status is ChallengeStatus.FAILED


def test_a_challenge_in_review_with_shortlisted_bids_cannot_fail(reviewed):
    with (
        time_machine.travel(reviewed["at"], tick=False),
        pytest.raises(InvalidTransition, match="入围"),
    ):
        services.fail_challenge(
            actor=reviewed["staff"], challenge_id=reviewed["challenge"].id, reason="x"
        )


def test_the_notice_shows_the_panel_and_scores_only_when_the_setting_says_so(reviewed, app, client):
    award = _propose(reviewed)
    expert = reviewed["experts"][0].name
    assert expert not in client.get(f"/notices/{award.id}").get_data(as_text=True)
    app.config["NOTICE_SHOW_PANEL"] = True
    page = client.get(f"/notices/{award.id}").get_data(as_text=True)
    assert "评审专家组" in page and expert in page and "评审得分" in page
