"""Rubric, scoring and blind visibility, with every bad input refused precisely."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marketplace import db
from marketplace.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from marketplace.review import panels, services
from marketplace.review.panel_models import MemberStatus, Score, ScoreKind

from .conftest import full_marks


@pytest.fixture
def formed(review):
    """Three experts on a formed panel; the first two have declared no conflict."""
    e = review["experts"]
    with review["after"]():
        for expert in e[:3]:
            panels.assign_expert(
                actor=review["staff"], challenge_id=review["challenge"].id, expert_id=expert.id
            )
        panel = panels.form_panel(actor=review["staff"], challenge_id=review["challenge"].id)
        for expert in e[:2]:
            panels.declare(actor=expert, panel_id=panel.id, no_conflict=True)
    return {**review, "panel": panel, "seated": e[:3]}


def score(expert, bid_id, **raw):
    return panels.submit_score(actor=expert, bid_id=bid_id, raw=full_marks(**raw))


def test_bad_scores_are_refused_with_a_precise_message(formed):
    e, bid = formed["seated"], formed["bids"][0]
    with pytest.raises(ValidationFailed) as caught:
        panels.submit_score(actor=e[0], bid_id=bid, raw=full_marks(points_c1="11"))
    assert caught.value.field_errors == {
        "points_c1": ["“技术方案与指标应答”的得分须为 0 到 10 的整数。"]
    }
    with pytest.raises(ValidationFailed, match="请填写评审意见"):
        panels.submit_score(actor=e[0], bid_id=bid, raw=full_marks(comment="  "))
    with pytest.raises(ValidationFailed, match="判定不合格时请填写理由"):
        panels.submit_score(actor=e[0], bid_id=bid, raw=full_marks(not_qualified="on"))
    assert services.ranking(db.session(), formed["challenge"].id) == []


def test_scoring_before_declaring_or_a_bid_not_assigned_is_refused(formed, factory):
    e = formed["seated"]
    with pytest.raises(PermissionDenied, match="请先声明有无利益冲突"):
        score(e[2], formed["bids"][0])
    outsider = formed["experts"][4]
    with pytest.raises(NotFound, match="该揭榜方案未分配给您评审"):
        score(outsider, formed["bids"][0])
    other = factory.challenge(stage="open")
    with pytest.raises(NotFound):
        score(e[0], 10_000 + other.id)


def test_a_submitted_score_is_final(formed):
    e, bid = formed["seated"], formed["bids"][0]
    score(e[0], bid)
    with pytest.raises(InvalidTransition, match="提交后不能修改；如需更正，请联系工作人员"):
        score(e[0], bid, points_c1="3")
    with pytest.raises(DBAPIError, match="append-only"), db.engine().begin() as conn:
        conn.execute(text("UPDATE review_score SET comment = 'x'"))


def test_weights_must_sum_to_100_and_are_fixed_once_scoring_starts(formed):
    challenge_id = formed["challenge"].id
    raw = {"names": ["技术", "团队", "预算"], "weights": ["50", "30", "10"]}
    with pytest.raises(ValidationFailed, match=r"权重之和须为 100（现为 90）"):
        panels.set_rubric(actor=formed["staff"], challenge_id=challenge_id, raw=raw)
    raw["weights"][2] = "20"
    panel = panels.set_rubric(actor=formed["staff"], challenge_id=challenge_id, raw=raw)
    assert [c["weight"] for c in panel.rubric] == [50, 30, 20]
    panels.submit_score(
        actor=formed["seated"][0],
        bid_id=formed["bids"][0],
        raw={"points_c1": "10", "points_c2": "5", "points_c3": "0", "comment": "好"},
    )
    with pytest.raises(InvalidTransition, match="评分已经开始，评分细则不能再修改"):
        panels.set_rubric(actor=formed["staff"], challenge_id=challenge_id, raw=raw)


def test_scores_are_blind_until_every_expert_has_submitted(formed, client, login):
    e, (bid_a, bid_b) = formed["seated"], formed["bids"]
    challenge_id = formed["challenge"].id
    s = db.session
    with formed["after"]():
        score(e[0], bid_a, comment="甲方案评语")
        score(e[0], bid_b)
        member = panels.member_of(s(), formed["panel"].id, e[0].id)
        assert member.status is MemberStatus.SUBMITTED
        # Mid-way: staff see everything, experts nothing of the others, the issuer nothing.
        assert panels.can_see_scores(s(), formed["staff"], challenge_id)
        assert not panels.can_see_scores(s(), e[0], challenge_id)
        assert not panels.can_see_scores(s(), formed["issuer"], challenge_id)
        login(client, e[1])
        page = client.get(f"/expert/reviews/bids/{bid_a}").get_data(as_text=True)
        assert "甲方案评语" not in page and 'name="points_c1"' in page
        panels.declare(actor=e[2], panel_id=formed["panel"].id, no_conflict=True)
        for expert in e[1:]:
            score(expert, bid_a)
            score(expert, bid_b)
        assert services.scoring_closed(s(), challenge_id)
        assert panels.can_see_scores(s(), e[1], challenge_id)
        assert not panels.can_see_scores(s(), formed["issuer"], challenge_id)
        login(client, e[1])
        page = client.get(f"/expert/reviews/bids/{bid_a}").get_data(as_text=True)
        assert "甲方案评语" in page


def test_a_correction_is_a_new_row_by_staff_with_a_reason(formed):
    e, bid = formed["seated"], formed["bids"][0]
    first = score(e[0], bid, not_qualified="on", not_qualified_reason="预算超出榜单额度")
    with pytest.raises(ValidationFailed, match="请填写更正评分的原因"):
        panels.correct_score(
            actor=formed["staff"], bid_id=bid, expert_id=e[0].id, raw=full_marks(), reason=""
        )
    fixed = panels.correct_score(
        actor=formed["staff"], bid_id=bid, expert_id=e[0].id, raw=full_marks(9),
        reason="专家书面确认误判预算，改判合格",
    )  # fmt: skip
    assert fixed.kind is ScoreKind.CORRECTION and fixed.id > first.id
    assert db.session().get(Score, first.id).not_qualified  # the original stays
    assert panels.current_score(db.session(), bid, e[0].id).id == fixed.id


def test_experts_open_only_their_bids_and_only_after_declaring(formed, app, login):
    e, bid = formed["seated"], formed["bids"][0]
    with formed["after"]():
        declared = login(app.test_client(), e[0])
        assert declared.get(f"/expert/reviews/bids/{bid}").status_code == 200
        assert declared.get(f"/bids/{bid}").status_code == 200
        undeclared = login(app.test_client(), e[2])
        resp = undeclared.get(f"/expert/reviews/bids/{bid}")
        assert resp.status_code == 302 and "/declaration" in resp.headers["Location"]
        assert undeclared.get(f"/bids/{bid}").status_code == 404
        outsider = login(app.test_client(), formed["experts"][4])
        assert outsider.get(f"/expert/reviews/bids/{bid}").status_code == 404
        assert outsider.get(f"/bids/{bid}").status_code == 404
        assert outsider.get("/staff/audit").status_code == 403
