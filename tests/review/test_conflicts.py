"""The automatic conflict-of-interest screen: one test per rule, each naming the rule matched."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from marketplace import db
from marketplace.accounts.models import Membership, Organisation, Role, User
from marketplace.challenges.models import Challenge
from marketplace.errors import ValidationFailed
from marketplace.integrity import services as integrity
from marketplace.integrity.models import Measure
from marketplace.review import panels
from marketplace.review.panel_models import ConflictRule

from ..factories import Factory
from .conftest import expert_with_profile, submit_bid


def rules(review, expert) -> list[ConflictRule]:
    db.refresh_read_session()
    challenge = db.session().get(Challenge, review["challenge"].id)
    return [h.rule for h in panels.screen(db.session(), challenge, expert.id)]


def test_an_expert_with_no_tie_passes_the_screen(review):
    assert rules(review, review["experts"][0]) == []


def test_rule_issuer_by_the_employer_credit_code(review, factory: Factory):
    org = db.session().get(Organisation, review["issuer"].organisation_id)
    expert = expert_with_profile(
        factory, review["staff"], name="赵工", organisation_name="别名单位",
        organisation_uscc=org.uscc,
    )  # fmt: skip
    assert rules(review, expert) == [ConflictRule.ISSUER]


def test_rule_issuer_by_the_experts_account_membership(review, factory: Factory):
    expert = expert_with_profile(factory, review["staff"], name="钱工")
    with db.engine().begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == expert.id)
            .values(
                organisation_id=review["issuer"].organisation_id, membership=Membership.APPROVED
            )
        )
    assert rules(review, expert) == [ConflictRule.ISSUER]


def test_rule_bidder_by_the_employer_name(review, factory: Factory):
    expert = expert_with_profile(
        factory, review["staff"], name="孙工", organisation_name="东海理工大学"
    )
    assert rules(review, expert) == [ConflictRule.BIDDER]


def test_rule_consortium_member_named_in_a_bid(review, factory: Factory, app, login):
    team = factory.org_user(Role.RESEARCHER, org_name="明远工业技术研究院")
    submit_bid(
        app.test_client(), login, team, review["challenge"],
        member_organisation=["", "临海新材料研究所"],
    )  # fmt: skip
    expert = expert_with_profile(
        factory, review["staff"], name="李工", organisation_name="临海新材料研究所"
    )
    assert rules(review, expert) == [ConflictRule.CONSORTIUM]


def test_rule_team_member_listed_in_a_bid(review, factory: Factory):
    # bid_form lists 王强 and 李娜 in every bid's team.
    expert = expert_with_profile(factory, review["staff"], name="李娜")
    assert set(rules(review, expert)) == {ConflictRule.TEAM}


def test_rule_active_integrity_restriction(review, factory: Factory):
    expert = expert_with_profile(factory, review["staff"], name="周工")
    integrity.record_measure(
        actor=review["staff"], user_id=expert.id, measure=Measure.BAR, period_years=1,
        starts_on=integrity.today(), finding="评审中泄露评审信息。", summary="泄露评审信息",
        legal_basis="《科研失信行为调查处理规则》",
    )  # fmt: skip
    assert rules(review, expert) == [ConflictRule.INTEGRITY]


def test_assigning_a_conflicted_expert_is_refused_naming_the_rule(review, factory: Factory):
    expert = expert_with_profile(
        factory, review["staff"], name="吴工", organisation_name="灵湖学院"
    )
    with review["after"](), pytest.raises(ValidationFailed) as caught:
        panels.assign_expert(
            actor=review["staff"], challenge_id=review["challenge"].id, expert_id=expert.id
        )
    assert "吴工 存在利益冲突，不能加入评审专家组：属于揭榜单位" in caught.value.message
    assert "灵湖学院" in caught.value.message


def test_the_draw_pool_leaves_conflicted_experts_out_with_the_reason(review, factory: Factory):
    expert = expert_with_profile(
        factory, review["staff"], name="郑工", organisation_name="灵湖学院"
    )
    challenge = db.session().get(Challenge, review["challenge"].id)
    pool, conflicted = panels.draw_pool(db.session(), challenge, None)
    assert expert.id not in {p.user_id for p in pool}
    assert [(p.user_id, [h.rule for h in hits]) for p, hits in conflicted] == [
        (expert.id, [ConflictRule.BIDDER])
    ]
