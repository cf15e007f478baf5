"""Every transition in the challenge state table, allowed and refused, by role.

The table is the app's own (``CHALLENGE_STATES`` beside the enum): this file derives what it
expects from it, so a change to the table is a change to what these tests demand.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.challenges import services as ch
from marketplace.challenges.models import CHALLENGE_STATES, Challenge, ChallengeStatus, Phase
from marketplace.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from marketplace.outbox import SearchOutbox
from marketplace.states import MACHINES

from ..factories import Factory

# The stages a test can build, and the state each is stored in ("closed" is derived: a
# published challenge past its deadline).
STORED = {
    "draft": ChallengeStatus.DRAFT,
    "pending_review": ChallengeStatus.PENDING_REVIEW,
    "open": ChallengeStatus.PUBLISHED,
    "closed": ChallengeStatus.PUBLISHED,
    "rejected": ChallengeStatus.REJECTED,
    "cancelled": ChallengeStatus.CANCELLED,
}
STAGES = list(STORED)
VERBS = {
    "submit": "submit_challenge",
    "approve": "approve_challenge",
    "return": "return_challenge",
    "reject": "reject_challenge",
    "cancel": "cancel_challenge",
}


def _steps(verb: str):
    return [t for t in CHALLENGE_STATES.transitions.values() if t.verb == VERBS[verb]]


# verb → the stages it may start from, and the state it leads to: read from the app's table.
ALLOWED_FROM = {
    verb: {stage for stage, state in STORED.items() if any(t.source is state for t in _steps(verb))}
    for verb in VERBS
}
RESULT = {verb: _steps(verb)[0].target for verb in VERBS}
ROLE_KEYS = {"issuer_member": "enterprise"}


# Modules that hold no verbs: pages, tables, reads, forms and wiring.
NOT_SERVICES = ("views", "models", "queries", "forms", "blueprint", "access", "actions", "schemas")


def _service_verbs() -> set[str]:
    """Every public function defined in a domain's service modules (services, amendments,
    panels, ledger, milestones, …: anything that is not a page, a table, a read or wiring)."""
    import importlib
    import pkgutil

    import marketplace

    names = set()
    for info in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        last = info.name.rsplit(".", 1)[-1]
        if info.name.count(".") < 2 or any(part in last for part in NOT_SERVICES):
            continue
        module = importlib.import_module(info.name)
        names |= {
            n
            for n, v in vars(module).items()
            if callable(v) and not n.startswith("_") and getattr(v, "__module__", "") == info.name
        }
    return names


def test_every_step_of_every_table_is_made_by_a_service_verb():
    verbs = _service_verbs()
    app_machines = [m for e, m in MACHINES.items() if e.__module__.startswith("marketplace.")]
    for machine in app_machines:
        for transition in machine.transitions.values():
            assert transition.verb in verbs, transition
    assert {t.verb for t in CHALLENGE_STATES.transitions.values()} >= set(VERBS.values())


def make_stage(factory: Factory, stage: str):
    issuer = factory.org_user(Role.ENTERPRISE)
    if stage == "closed":
        challenge = factory.challenge(issuer, stage="open")
        return issuer, challenge, challenge.deadline + timedelta(hours=1)
    return issuer, factory.challenge(issuer, stage=stage), None


def run(verb: str, *, actor, challenge_id: int):
    if verb == "submit":
        return ch.submit_challenge(actor=actor, challenge_id=challenge_id)
    if verb == "approve":
        return ch.approve_challenge(actor=actor, challenge_id=challenge_id)
    if verb == "return":
        return ch.return_challenge(actor=actor, challenge_id=challenge_id, comment="请补充指标")
    if verb == "reject":
        return ch.reject_challenge(actor=actor, challenge_id=challenge_id, comment="不属于本地产业")
    return ch.cancel_challenge(actor=actor, challenge_id=challenge_id, reason="企业已自行解决")


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("verb", sorted(ALLOWED_FROM))
def test_state_table(factory: Factory, verb, stage):
    issuer, challenge, later = make_stage(factory, stage)
    actor = issuer if verb == "submit" else factory.staff()
    with time_machine.travel(later or db.utcnow(), tick=True):
        if stage in ALLOWED_FROM[verb]:
            result = run(verb, actor=actor, challenge_id=challenge.id)
            assert result.status is RESULT[verb]
        else:
            with pytest.raises(InvalidTransition):
                run(verb, actor=actor, challenge_id=challenge.id)
            db.refresh_read_session()
            assert db.session().get(Challenge, challenge.id).status is challenge.status


ROLES = ["other_enterprise", "researcher", "expert", "issuer_member", "staff", "admin"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("verb", sorted(ALLOWED_FROM))
def test_who_may_make_each_transition(factory: Factory, verb, role):
    issuer = factory.org_user(Role.ENTERPRISE)
    start = {"submit": "draft", "cancel": "open"}.get(verb, "pending_review")
    challenge = factory.challenge(issuer, stage=start)
    actor = {
        "other_enterprise": lambda: factory.org_user(Role.ENTERPRISE),
        "researcher": lambda: factory.org_user(Role.RESEARCHER),
        "expert": factory.expert,
        "issuer_member": lambda: factory.member(issuer),
        "staff": factory.staff,
        "admin": factory.admin,
    }[role]()
    allowed_roles = set().union(*(t.actors for t in _steps(verb)))
    # Only the issuing organisation's members may submit its draft (object-level check).
    may = ROLE_KEYS.get(role, role) in allowed_roles and (
        verb != "submit" or role == "issuer_member"
    )
    if may:
        assert run(verb, actor=actor, challenge_id=challenge.id).status is RESULT[verb]
        return
    # A draft is invisible to outsiders: refusing it looks exactly like a missing challenge.
    expected = NotFound if verb == "submit" else PermissionDenied
    with pytest.raises(expected):
        run(verb, actor=actor, challenge_id=challenge.id)


def test_unverified_enterprise_cannot_draft(client, factory: Factory, login):
    login(client, factory.org_user(Role.ENTERPRISE, verified=False))
    resp = client.get("/challenges/new")
    assert resp.status_code == 302
    assert "尚未通过科技局认证" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_approval_gives_a_yearly_code_and_publishes(factory: Factory):
    first = factory.challenge()
    second = factory.challenge()
    year = first.published_at.year
    assert re.fullmatch(rf"LH-{year}-\d{{4}}", first.code)
    assert int(second.code[-4:]) == int(first.code[-4:]) + 1
    assert first.phase() is Phase.OPEN


def test_approving_twice_is_a_conflict(client, factory: Factory, login):
    challenge = factory.challenge(stage="pending_review")
    login(client, factory.staff())
    url = f"/staff/challenges/{challenge.id}/approve"
    assert client.post(url).status_code == 302
    second = client.post(url)
    assert second.status_code == 409
    assert "不能变为" in second.get_data(as_text=True)


def test_deadline_too_close_is_refused_at_approval(app, factory: Factory):
    challenge = factory.challenge(
        stage="pending_review", deadline=(db.utcnow() + timedelta(days=10)).strftime("%Y-%m-%d")
    )
    with pytest.raises(ValidationFailed, match="不足 30 天"):
        ch.approve_challenge(actor=factory.staff(), challenge_id=challenge.id)
    app.config["CHALLENGE_MIN_DAYS"] = 7
    assert ch.approve_challenge(actor=factory.staff(), challenge_id=challenge.id).code


def test_return_needs_a_comment_that_the_enterprise_sees(client, factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="pending_review")
    login(client, factory.staff())
    url = f"/staff/challenges/{challenge.id}/return"
    empty = client.post(url, data={"comment": " "}, follow_redirects=True)
    assert "请写明修改意见" in empty.get_data(as_text=True)
    assert client.post(url, data={"comment": "请把批次一致性指标量化"}).status_code == 302
    client.post("/logout")
    login(client, issuer)
    assert "请把批次一致性指标量化" in client.get("/my/challenges").get_data(as_text=True)
    assert "请把批次一致性指标量化" in client.get(f"/challenges/{challenge.id}").get_data(
        as_text=True
    )
    assert db.session().get(Challenge, challenge.id).status is ChallengeStatus.DRAFT


def test_cancellation_reason_is_public(client, factory: Factory, login):
    challenge = factory.challenge(stage="open")
    login(client, factory.staff())
    empty = client.post(f"/staff/challenges/{challenge.id}/cancel", data={"comment": ""})
    assert empty.status_code == 303
    client.post(f"/staff/challenges/{challenge.id}/cancel", data={"comment": "企业经营调整"})
    client.post("/logout")
    page = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "已撤榜" in page and "企业经营调整" in page


def test_past_the_deadline_a_challenge_is_closed_on_every_read(client, factory: Factory):
    challenge = factory.challenge(stage="open")
    with time_machine.travel(challenge.deadline - timedelta(seconds=1), tick=False):
        assert (
            client.get("/challenges?status=open").get_data(as_text=True).count(challenge.title) == 1
        )
    with time_machine.travel(challenge.deadline + timedelta(seconds=1), tick=False):
        assert db.session().get(Challenge, challenge.id).status is ChallengeStatus.PUBLISHED
        assert challenge.title not in client.get("/challenges?status=open").get_data(as_text=True)
        closed = client.get("/challenges?status=closed").get_data(as_text=True)
        assert challenge.title in closed
        assert "已截止" in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)


def test_tick_materialises_closing_once(app, factory: Factory):
    challenge = factory.challenge(stage="open")
    runner = app.test_cli_runner()
    with time_machine.travel(challenge.deadline + timedelta(minutes=5), tick=False):
        first = runner.invoke(args=["marketplace", "tick"])
        second = runner.invoke(args=["marketplace", "tick"])
    assert "closed 1" in first.output and "closed 0" in second.output
    db.refresh_read_session()
    assert db.session().get(Challenge, challenge.id).status is ChallengeStatus.CLOSED
    closes = (
        db.session().exec(select(AuditEvent).where(AuditEvent.action == "challenge.close")).all()
    )
    assert len(closes) == 1


def test_only_public_changes_reach_the_search_outbox(factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    draft = factory.challenge(issuer, stage="draft")
    ch.submit_challenge(actor=issuer, challenge_id=draft.id)
    assert db.session().exec(select(SearchOutbox)).all() == []
    staff = factory.staff()
    ch.approve_challenge(actor=staff, challenge_id=draft.id)
    ch.cancel_challenge(actor=staff, challenge_id=draft.id, reason="测试")
    rows = db.session().exec(select(SearchOutbox).order_by(SearchOutbox.id)).all()
    assert [(r.doc_type.value, r.doc_id, r.op.value) for r in rows] == [
        ("challenge", draft.id, "upsert"),
        ("challenge", draft.id, "upsert"),
    ]


def test_every_transition_is_audited(factory: Factory):
    challenge = factory.challenge(stage="open")
    actions = (
        db.session()
        .exec(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "challenge", AuditEvent.object_id == str(challenge.id)
            )
        )
        .all()
    )
    assert actions == ["challenge.create", "challenge.submit", "challenge.approve"]
