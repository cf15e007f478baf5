"""Forming a panel: the random draw (reproducible from its seed), composition, opening the bids,
declarations and replacements."""

from __future__ import annotations

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.bids.models import Bid, BidStatus
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.errors import InvalidTransition, ValidationFailed
from marketplace.notifications import Notification
from marketplace.review import panels
from marketplace.review.panel_models import Draw, MemberSource, MemberStatus, PanelStatus

from ..factories import Factory


def test_the_draw_is_recorded_and_reproducible_from_its_seed(review):
    with review["after"]():
        draw = panels.draw_members(
            actor=review["staff"], challenge_id=review["challenge"].id, count=3
        )
    stored = db.session().get(Draw, draw.id)
    assert len(stored.seed) == 32 and stored.pool == sorted(e.id for e in review["experts"])
    assert stored.need_finance and stored.finance_pool == [review["experts"][0].id]
    again = panels.draw_experts(
        stored.pool, stored.finance_pool, seed=stored.seed, count=3, need_finance=True
    )
    assert again == stored.drawn and len(set(again)) == 3
    # The finance expert is drawn first, because the panel needs one.
    assert again[0] == review["experts"][0].id
    members = panels.members_of(db.session(), stored.panel_id)
    assert [m.expert_id for m in members] == stored.drawn
    assert {m.source for m in members} == {MemberSource.DRAWN}


def test_the_same_seed_over_the_same_pool_draws_the_same_experts():
    pool, finance = list(range(1, 21)), [4, 9]
    first = panels.draw_experts(pool, finance, seed="abc", count=5, need_finance=True)
    assert first == panels.draw_experts(pool, finance, seed="abc", count=5, need_finance=True)
    assert first[0] in finance
    others = {
        tuple(panels.draw_experts(pool, finance, seed=str(n), count=5, need_finance=False))
        for n in range(20)
    }
    assert len(others) > 1  # the seed, not the pool order, decides


def test_no_panel_before_the_deadline(review):
    with pytest.raises(InvalidTransition, match="揭榜截止前不能组建评审专家组"):
        panels.draw_members(actor=review["staff"], challenge_id=review["challenge"].id, count=3)


def _pick(review, *experts):
    for expert in experts:
        panels.assign_expert(
            actor=review["staff"], challenge_id=review["challenge"].id, expert_id=expert.id
        )


def test_an_even_panel_or_one_without_a_finance_expert_is_refused(review):
    e = review["experts"]
    with review["after"]():
        _pick(review, e[1], e[2])
        with pytest.raises(ValidationFailed, match=r"不少于 3 人的单数（现有 2 人）"):
            panels.form_panel(actor=review["staff"], challenge_id=review["challenge"].id)
        _pick(review, e[3])
        with pytest.raises(ValidationFailed, match="至少须有一位财务专家"):
            panels.form_panel(actor=review["staff"], challenge_id=review["challenge"].id)


def test_forming_the_panel_opens_the_bids_and_tells_the_experts(review):
    e = review["experts"]
    with review["after"]():
        _pick(review, e[0], e[1], e[2])
        panel = panels.form_panel(actor=review["staff"], challenge_id=review["challenge"].id)
    db.refresh_read_session()
    s = db.session()
    assert panel.status is PanelStatus.REVIEWING
    assert s.get(Challenge, review["challenge"].id).status is ChallengeStatus.IN_REVIEW
    assert {s.get(Bid, b).status for b in review["bids"]} == {BidStatus.OPENED}
    told = s.exec(select(Notification.user_id).where(Notification.title.contains("评审专家")))
    assert set(told) >= {e[0].id, e[1].id, e[2].id}


def test_a_declared_conflict_removes_the_expert_and_staff_replace_them(review, factory: Factory):
    e = review["experts"]
    with review["after"]():
        _pick(review, e[0], e[1], e[2])
        panel = panels.form_panel(actor=review["staff"], challenge_id=review["challenge"].id)
        with pytest.raises(
            ValidationFailed, match="请声明无其他利益冲突，或填写存在的利益冲突情况"
        ):
            panels.declare(actor=e[1], panel_id=panel.id, no_conflict=False, conflict=" ")
        member = panels.declare(
            actor=e[1], panel_id=panel.id, no_conflict=False, conflict="三年内与揭榜团队同单位"
        )
        assert member.status is MemberStatus.CONFLICTED
        with pytest.raises(ValidationFailed, match="已申报回避或被移出本专家组"):
            _pick(review, e[1])
        draw = panels.draw_members(
            actor=review["staff"], challenge_id=review["challenge"].id, count=1
        )
    assert e[1].id not in draw.pool and not draw.need_finance  # e[0] is the finance expert
    seated = panels.members_of(db.session(), panel.id, seated=True)
    assert len(seated) == 3 and e[1].id not in {m.expert_id for m in seated}


def test_tick_reminds_each_undeclared_or_unscored_expert_once(review, app):
    from datetime import timedelta

    import time_machine

    e = review["experts"]
    with review["after"]():
        _pick(review, e[0], e[1], e[2])
        panel = panels.form_panel(actor=review["staff"], challenge_id=review["challenge"].id)
        panels.declare(actor=e[0], panel_id=panel.id, no_conflict=True)
    later = review["challenge"].deadline + timedelta(days=3)
    runner = app.test_cli_runner()
    with time_machine.travel(later, tick=False):
        first = runner.invoke(args=["marketplace", "tick"])
        second = runner.invoke(args=["marketplace", "tick"])
    assert "sent 3 review reminder(s)" in first.output, first.output
    assert "sent 0 review reminder(s)" in second.output
    titles = db.session().exec(
        select(Notification.user_id, Notification.title).where(Notification.title.contains("提醒"))
    )
    assert sorted(titles) == sorted(
        [(e[0].id, "提醒：请完成评分：" + review["challenge"].title)]
        + [(x.id, "提醒：请声明有无利益冲突：" + review["challenge"].title) for x in e[1:3]]
    )
