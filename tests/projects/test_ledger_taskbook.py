"""The ledger behind the real 任务书: confirmation records the commitments and tranches, and the
project page shows the funds to the parties, with release buttons for staff only."""

from __future__ import annotations

from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.projects import ledger
from marketplace.projects.ledger_models import Movement, MovementKind, Tranche, TrancheKind
from marketplace.projects.milestone_models import Milestone
from marketplace.projects.models import FundingSource


def test_confirming_the_task_book_commits_the_funds(active_project):
    project = active_project["project"]
    s = db.session()
    b = ledger.balances(s, project.id)
    assert b[FundingSource.SUBSIDY].committed == project.subsidy_fen
    assert b[FundingSource.ENTERPRISE].committed == project.enterprise_fen
    assert project.subsidy_fen + project.enterprise_fen > 0
    tranches = s.exec(
        select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.position)
    ).all()
    milestones = s.exec(select(Milestone).where(Milestone.project_id == project.id)).all()
    assert sum(t.subsidy_fen for t in tranches) == project.subsidy_fen
    assert sum(t.enterprise_fen for t in tranches) == project.enterprise_fen
    assert {t.milestone_id for t in tranches if t.milestone_id} == {m.id for m in milestones}
    assert tranches[-1].kind is TrancheKind.FINAL
    if project.first_tranche_percent:
        assert tranches[0].kind is TrancheKind.SIGNING
    kinds = [m.kind for m in s.exec(select(Movement).where(Movement.project_id == project.id))]
    assert kinds == [MovementKind.COMMITMENT]


def test_the_project_page_shows_the_funds_to_parties_and_buttons_to_staff(
    active_project, factory, client, login
):
    project = active_project["project"]
    page = f"/projects/{project.id}"
    login(client, active_project["leader"])
    html = client.get(page).get_data(as_text=True)
    assert "拨付计划" in html and "/release" not in html
    client.post("/logout")
    login(client, active_project["issuer"])
    html = client.get(page).get_data(as_text=True)
    assert "拨付计划" in html and "/release" not in html
    client.post("/logout")
    login(client, factory.org_user(Role.ENTERPRISE))
    assert client.get(page).status_code == 404
    client.post("/logout")
    login(client, active_project["staff"])
    html = client.get(page).get_data(as_text=True)
    tranches = db.session().exec(select(Tranche).where(Tranche.project_id == project.id)).all()
    assert html.count("/release") == len(tranches)
