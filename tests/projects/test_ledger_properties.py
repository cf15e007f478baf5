"""Property-based tests of the ledger (hypothesis), on the real databases.

Random sequences of commitments, receipts, releases, reversals, suspensions and terminations,
each on fresh projects: whatever happens (and whatever is refused), every movement sums to
zero, released never exceeds committed per source, the balances per source are the sums of the
entries, and ``totals()`` (what the dashboard reads) is the sum of the projects' balances.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from marketplace import db
from marketplace.errors import DomainError
from marketplace.projects import ledger
from marketplace.projects.ledger_models import Account, Entry, Movement, MovementKind
from marketplace.projects.models import FundingSource, ProjectKind, ProjectStatus

from .ledger_world import WAN, LedgerWorld

amounts = st.integers(min_value=0, max_value=50).map(lambda n: n * WAN // 10)
# Weighted: releases and receipts often, the ends of a project (termination) rarely.
ACTIONS = (
    ["receive"] * 3 + ["accept"] * 2 + ["release"] * 4 + ["release_again"] * 2 + ["reverse"] * 2
    + ["suspend", "terminate", "repay", "complete"]
)  # fmt: skip
steps = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 1), st.integers(0, 3 * WAN)),
    min_size=4,
    max_size=20,
)
projects_spec = st.tuples(
    amounts, amounts, st.sampled_from([0, 30, 60]), st.sampled_from(list(ProjectKind))
)


@pytest.fixture
def world_once(app, factory) -> LedgerWorld:
    """One world for all examples of a test: each example makes its own projects."""
    return LedgerWorld(factory)


def _apply(world: LedgerWorld, project, step) -> None:
    action, _n, arg = step
    staff = world.staff
    tranches = world.tranches(project.id)
    try:
        if action == "receive":
            # All that is still to arrive, half of it, or one fen too much (refused).
            ent = ledger.balances(db.session(), project.id)[FundingSource.ENTERPRISE]
            open_ = ent.committed - ent.received
            amount = [open_, open_ // 2 + 1, open_ + 1][arg % 3]
            ledger.record_receipt(
                actor=staff,
                project_id=project.id,
                amount_fen=amount,
                received_on=date.today(),
                voucher="V",
            )
        elif action == "accept" and world.milestones(project.id):
            milestones = world.milestones(project.id)
            world.accept(milestones[arg % len(milestones)].id)
        elif action in ("release", "release_again") and tranches:
            tranche = tranches[arg % len(tranches)]
            key = f"t{tranche.id}" if action == "release_again" else f"t{tranche.id}-{arg}"
            ledger.release_tranche(actor=staff, tranche_id=tranche.id, idempotency_key=key)
        elif action == "reverse":
            movements = world.movements(project.id)
            target = movements[arg % len(movements)]
            ledger.reverse_movement(
                actor=staff, project_id=project.id, movement_id=target.id, reason="更正"
            )
        elif action == "suspend" and _status(project) is not ProjectStatus.TERMINATED:
            world.set_status(
                project.id, ProjectStatus.SUSPENDED if arg % 2 else ProjectStatus.ACTIVE
            )
        elif action == "terminate" and _status(project) is not ProjectStatus.TERMINATED:
            world.terminate(project.id, at_fault=bool(arg % 2))
        elif action == "repay":
            source = FundingSource.SUBSIDY if arg % 2 else FundingSource.ENTERPRISE
            ledger.record_repayment(
                actor=staff,
                project_id=project.id,
                source=source,
                amount_fen=1 + arg // 2,
                repaid_on=date.today(),
                voucher="R",
            )
        elif action == "complete" and _status(project) is ProjectStatus.ACTIVE:
            world.set_status(project.id, ProjectStatus.COMPLETED)
    except DomainError:
        pass  # refused: the invariants below must hold all the same


def _status(project) -> ProjectStatus:
    db.refresh_read_session()
    return db.session().get(type(project), project.id).status


def _check(project_ids: list[int]) -> None:
    db.refresh_read_session()
    s = db.session()
    entries = s.exec(select(Entry).where(Entry.project_id.in_(project_ids))).all()
    per_movement: dict[int, int] = defaultdict(int)
    sums: dict[tuple, int] = defaultdict(int)
    for e in entries:
        per_movement[e.movement_id] += e.amount_fen
        sums[(e.project_id, e.source, e.account)] += e.amount_fen
    assert all(total == 0 for total in per_movement.values()), per_movement
    movements = s.exec(select(Movement).where(Movement.project_id.in_(project_ids))).all()
    assert set(per_movement) == {m.id for m in movements}  # no movement without entries
    releases = [m.tranche_id for m in movements if m.kind is MovementKind.RELEASE]
    assert len(releases) == len(set(releases))  # each tranche paid at most once
    summed = None
    for pid in project_ids:
        b = ledger.balances(s, pid)
        for src, bal in b.items():
            acc = {a: sums[(pid, src, a)] for a in Account}
            assert bal.committed == -acc[Account.SPONSOR]
            assert bal.remaining == acc[Account.COMMITTED] >= 0
            assert (
                bal.released
                == acc[Account.RELEASED] + acc[Account.DUE_BACK] + acc[Account.RECOVERED]
            )
            assert 0 <= bal.released <= bal.committed
            assert bal.due_back >= 0 and bal.recovered >= 0
            assert acc[Account.RECEIVED] >= 0
            if src is FundingSource.ENTERPRISE:
                assert bal.released <= bal.received
        summed = b if summed is None else {src: summed[src] + b[src] for src in b}
    assert ledger.totals(s, project_ids) == summed


@settings(
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(projects_spec, min_size=1, max_size=2), sequence=steps)
def test_random_sequences_keep_the_ledger_balanced(world_once, specs, sequence):
    world = world_once
    made = []
    for subsidy, enterprise, percent, kind in specs:
        if subsidy + enterprise == 0:
            subsidy = WAN
        made.append(
            world.project(subsidy=subsidy, enterprise=enterprise, percent=percent, kind=kind)
        )
    for step in sequence:
        _apply(world, made[step[1] % len(made)], step)
    _check([p.id for p in made])
