"""Project fixtures, through the real award and 任务书 services.

``project``: the review fixture's challenge awarded to its first bid (a single award of 250
万元), the 公示 window over and the award confirmed — one SINGLE project in TASK_BOOK with the
challenge's indicators and the bid's two milestones. ``active_project``: its 任务书 confirmed by
the three parties (issuer, 挂帅 leader, staff) → ACTIVE, start date today, due dates set and
(once the ledger exists) the commitments and tranches recorded. Both return a dict with the
people and ``at``: a moment inside which the clock is sane for further steps.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from marketplace import db
from marketplace.accounts.models import User
from marketplace.awards import services as award_services
from marketplace.awards.models import AwardKind
from marketplace.awards.schemas import AwardInput, ShareInput
from marketplace.projects import taskbook
from marketplace.projects.models import Project

from ..awards.conftest import reviewed  # noqa: F401 (the fixture is used here)
from ..review.conftest import full_marks, review  # noqa: F401

WAN = 1_000_000


def award_and_confirm(reviewed, data: AwardInput):  # noqa: F811
    """Propose ``data``, let the window pass, confirm; returns (projects, the moment after)."""
    with time_machine.travel(reviewed["at"], tick=False):
        award = award_services.propose_award(
            actor=reviewed["staff"], challenge_id=reviewed["challenge"].id, data=data
        )
    after = award.ends_at + timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        award_services.confirm_award(actor=reviewed["staff"], award_id=award.id)
    from marketplace.projects.services import projects_of_award

    return award, projects_of_award(db.session(), award.id), after


def confirm_by_all(world: dict, project: Project) -> Project:
    """The three parties confirm the current version; the last one starts the project."""
    s = db.session()
    leader = s.get(User, project.leader_id)
    version = s.get(Project, project.id).task_book_version
    for actor in (world["issuer"], leader, world["staff"]):
        taskbook.confirm_task_book(actor=actor, project_id=project.id, version=version)
    db.refresh_read_session()
    return db.session().get(Project, project.id)


@pytest.fixture
def project(reviewed):  # noqa: F811
    award, (made,), after = award_and_confirm(
        reviewed, AwardInput(AwardKind.SINGLE, [ShareInput(reviewed["bids"][0], 250 * WAN)], "")
    )
    leader = db.session().get(User, made.leader_id)
    return {**reviewed, "award": award, "project": made, "leader": leader, "at": after}


@pytest.fixture
def active_project(project):
    with time_machine.travel(project["at"], tick=False):
        started = confirm_by_all(project, project["project"])
    return {**project, "project": started}
