"""赛马: one RACE project per racing team with its start-up funds; the stage review picks one."""

from __future__ import annotations

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.awards.models import AwardKind
from marketplace.awards.schemas import AwardInput, ShareInput
from marketplace.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from marketplace.projects import ledger, race
from marketplace.projects.ledger_models import Tranche, TrancheKind, TrancheStatus
from marketplace.projects.models import FundingSource, Project, ProjectKind, ProjectStatus

from .conftest import WAN, award_and_confirm, confirm_by_all


@pytest.fixture
def racing(reviewed):
    a, b = reviewed["bids"]
    data = AwardInput(AwardKind.PARALLEL, [ShareInput(a, 60 * WAN), ShareInput(b, 40 * WAN)], "")
    award, projects, after = award_and_confirm(reviewed, data)
    return {**reviewed, "award": award, "projects": projects, "at": after}


def test_a_race_award_makes_one_project_per_team_with_its_start_up_funds(racing):
    first, second = racing["projects"]
    assert {p.kind for p in racing["projects"]} == {ProjectKind.RACE}
    assert (
        first.subsidy_fen + first.enterprise_fen,
        second.subsidy_fen + second.enterprise_fen,
    ) == (
        60 * WAN,
        40 * WAN,
    )
    assert first.number != second.number and first.bid_id != second.bid_id
    with time_machine.travel(racing["at"], tick=False):
        started = confirm_by_all(racing, first)
    tranches = db.session().exec(select(Tranche).where(Tranche.project_id == first.id)).all()
    assert [(t.kind, t.subsidy_fen + t.enterprise_fen) for t in tranches] == [
        (TrancheKind.RACE_STARTUP, 60 * WAN)
    ]
    assert started.status is ProjectStatus.ACTIVE


def test_the_stage_review_gives_the_winner_the_remainder_and_closes_the_others(racing):
    first, second = racing["projects"]
    staff = racing["staff"]
    with time_machine.travel(racing["at"], tick=False):
        confirm_by_all(racing, first)
        confirm_by_all(racing, second)
        with pytest.raises(PermissionDenied):
            race.decide_race(actor=racing["issuer"], award_id=racing["award"].id,
                             winner_project_id=first.id, reason="指标领先")  # fmt: skip
        with pytest.raises(ValidationFailed, match="阶段评审的结论"):
            race.decide_race(actor=staff, award_id=racing["award"].id,
                             winner_project_id=first.id, reason=" ")  # fmt: skip
        winner = race.decide_race(actor=staff, award_id=racing["award"].id,
                                  winner_project_id=first.id, reason="中试指标领先")  # fmt: skip
        with pytest.raises(Conflict, match="已有结论"):
            race.decide_race(actor=staff, award_id=racing["award"].id,
                             winner_project_id=second.id, reason="改判")  # fmt: skip
    s = db.session()
    remainder = racing["award"].remainder_fen
    assert winner.subsidy_fen + winner.enterprise_fen == 60 * WAN + remainder
    kinds = [t.kind for t in s.exec(select(Tranche).where(Tranche.project_id == first.id))]
    assert kinds == [TrancheKind.RACE_STARTUP, TrancheKind.RACE_REMAINDER]
    loser = s.get(Project, second.id)
    assert loser.status is ProjectStatus.RACE_CLOSED and not loser.team_at_fault
    (startup,) = s.exec(select(Tranche).where(Tranche.project_id == second.id)).all()
    assert startup.status is TrancheStatus.CANCELLED
    figures = ledger.balances(s, second.id)
    assert sum(figures[src].remaining for src in FundingSource) == 0
    assert sum(ledger.balances(s, first.id)[src].committed for src in FundingSource) == (
        60 * WAN + remainder
    )


def test_a_winner_must_have_signed_its_task_book(racing):
    first, _second = racing["projects"]
    with pytest.raises(InvalidTransition):
        race.decide_race(actor=racing["staff"], award_id=racing["award"].id,
                         winner_project_id=first.id, reason="指标领先")  # fmt: skip
    assert {p.status for p in db.session().exec(select(Project))} == {ProjectStatus.TASK_BOOK}


def test_a_racing_team_sees_its_own_project_not_its_rivals(racing, app, login):
    first, second = racing["projects"]
    team_a, _team_b = racing["teams"]
    with time_machine.travel(racing["at"], tick=False):
        client = login(app.test_client(), team_a)
        assert client.get(f"/projects/{first.id}").status_code == 200
        assert client.get(f"/projects/{second.id}").status_code == 404
        issuer = login(app.test_client(), racing["issuer"])
        assert issuer.get(f"/projects/{second.id}").status_code == 200
