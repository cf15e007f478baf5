"""Verbs on projects. Only creation for now: :func:`create_project`, called on confirmation."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.models import User
from ..awards import services as award_services
from ..errors import Conflict
from ..units import SHANGHAI
from .actions import ProjectAction
from .models import Project, ProjectCounter

NUMBER_PREFIX = "LHXM"


def _next_number(s: Session) -> str:
    year = db.utcnow().astimezone(SHANGHAI).year
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    s.exec(insert(ProjectCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    counter = s.exec(
        select(ProjectCounter).where(ProjectCounter.year == year).with_for_update()
    ).one()
    counter.last_number += 1
    return f"{NUMBER_PREFIX}-{year}-{counter.last_number:04d}"


def project_of_award(s: Session, award_id: int) -> Project | None:
    return s.exec(select(Project).where(Project.award_id == award_id)).first()


@db.transactional
def create_project(
    s: Session,
    *,
    actor: User,
    challenge_id: int,
    award_id: int,
    bid_id: int | None,
    organisation_id: int | None,
    leader_id: int | None,
) -> Project:
    """The project of a confirmed award (the caller checked the award; one per award)."""
    if project_of_award(s, award_id) is not None:
        raise Conflict(_("该揭榜结果已确认，项目已创建。"))
    project = Project(
        number=_next_number(s),
        challenge_id=challenge_id,
        award_id=award_id,
        bid_id=bid_id,
        organisation_id=organisation_id,
        leader_id=leader_id,
    )
    s.add(project)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.CREATE,
        obj=project,
        after={"number": project.number, "award_id": award_id, "challenge_id": challenge_id},
    )
    return project


# Confirming an award makes its project (awards.services calls the makers it was given).
award_services.PROJECT_MAKERS.append(create_project)
