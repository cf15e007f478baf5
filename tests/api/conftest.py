"""API fixtures: a world with a confirmed award, its project, milestones and released money.

The award is made with the real review and award services (tests/awards/conftest.py's
``reviewed``), confirmed after its 公示 window, which creates the project. The project's
task-book dates, funding, milestones and tranches are written straight to the database: the
API only reads them, and the services that make them belong to the projects domain.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlmodel import Session, select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.api import tokens
from marketplace.awards import services as award_services
from marketplace.awards.models import AwardKind
from marketplace.awards.schemas import AwardInput, ShareInput
from marketplace.projects.ledger_models import Tranche, TrancheKind, TrancheStatus
from marketplace.projects.milestone_models import Milestone, MilestoneStatus
from marketplace.projects.models import Project, ProjectStatus

from ..awards.conftest import reviewed  # noqa: F401 (the fixture is used here)
from ..factories import Factory
from ..review.conftest import review  # noqa: F401

WAN = 1_000_000  # fen in one 万元


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def make_token(user, *, days: int = 30, name: str = "对接系统") -> str:
    _token, secret = tokens.create_token(actor=user, name=name, days=str(days), max_days=365)
    return secret


@pytest.fixture
def awarded(reviewed, app):  # noqa: F811
    """``reviewed`` with its award confirmed, and the project under way: two milestones (the
    first accepted), a signing tranche released and a milestone tranche still pending."""
    staff, challenge = reviewed["staff"], reviewed["challenge"]
    with time_machine.travel(reviewed["at"], tick=False):
        award = award_services.propose_award(
            actor=staff,
            challenge_id=challenge.id,
            data=AwardInput(AwardKind.SINGLE, [ShareInput(reviewed["bids"][0], 250 * WAN)], ""),
        )
    confirmed_at = award.ends_at + timedelta(minutes=5)
    with time_machine.travel(confirmed_at, tick=False):
        award_services.confirm_award(actor=staff, award_id=award.id)
    with Session(db.engine()) as s:
        project = s.exec(select(Project).where(Project.award_id == award.id)).one()
        project.status = ProjectStatus.ACTIVE
        project.title = project.title or challenge.title
        project.start_on = date(2026, 12, 15)
        project.end_on = date(2028, 12, 14)
        project.task_book_confirmed_at = confirmed_at + timedelta(days=3)
        project.subsidy_fen = 100 * WAN
        project.enterprise_fen = 150 * WAN
        s.add(project)
        s.flush()
        # The project's milestones come from the winning bid's plan; the first is accepted.
        milestones = list(
            s.exec(
                select(Milestone)
                .where(Milestone.project_id == project.id)
                .order_by(Milestone.position)
            )
        )
        if not milestones:
            milestones = [
                Milestone(
                    project_id=project.id,
                    position=n,
                    deliverable=text,
                    month=month,
                    due_on=due,
                    percent=percent,
                )
                for n, text, month, due, percent in (
                    (1, "完成小试工艺验证", 6, date(2027, 6, 15), 40),
                    (2, "中试线连续运行 30 天", 24, date(2028, 12, 14), 60),
                )
            ]
        milestones[0].status = MilestoneStatus.ACCEPTED
        milestones[0].accepted_at = confirmed_at + timedelta(days=30)
        s.add_all(milestones)
        s.flush()
        position = max(
            [0, *s.exec(select(Tranche.position).where(Tranche.project_id == project.id))]
        )
        released = Tranche(
            project_id=project.id,
            position=position + 1,
            kind=TrancheKind.SIGNING,
            subsidy_fen=30 * WAN,
            enterprise_fen=45 * WAN,
            status=TrancheStatus.RELEASED,
            released_at=confirmed_at + timedelta(days=10),
            released_by_id=staff.id,
        )
        pending = Tranche(
            project_id=project.id,
            milestone_id=milestones[-1].id,
            position=position + 2,
            kind=TrancheKind.MILESTONE,
            subsidy_fen=70 * WAN,
            enterprise_fen=105 * WAN,
        )
        s.add_all([released, pending])
        s.commit()
        project_id, released_at = project.id, released.released_at
        released_position = released.position
    db.refresh_read_session()
    return {
        **reviewed,
        "award": award,
        "project": db.session().get(Project, project_id),
        "confirmed_at": confirmed_at,
        "released_at": released_at,
        "released_position": released_position,
        "later": confirmed_at + timedelta(days=40),
    }


@pytest.fixture
def team_member(awarded, factory: Factory):
    """Another approved member of the winning team's organisation."""
    return factory.member(awarded["teams"][0])


@pytest.fixture
def outsider(factory: Factory):
    return factory.org_user(Role.RESEARCHER, org_name="无关研究院")
