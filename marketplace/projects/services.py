"""Verbs on projects: :func:`create_projects` when an award is confirmed.

A single award makes one SINGLE project; a 赛马 award one RACE project per racing team, each
with its start-up funds. Each project copies the challenge's key indicators with the bid's
answers and the bid's milestone plan (amounts per source, due dates from a provisional start:
recomputed when the 任务书 is confirmed). The 任务书 verbs are in :mod:`.taskbook`.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.models import User
from ..awards import services as award_services
from ..awards.models import Award, AwardKind, AwardShare
from ..bids.models import Bid, BidVersion
from ..challenges.models import Challenge, Indicator
from ..errors import Conflict, NotFound
from ..units import SHANGHAI
from .actions import ProjectAction
from .milestone_models import Milestone, MilestoneIndicator
from .models import FundingMode, Project, ProjectCounter, ProjectIndicator, ProjectKind
from .plan import (
    add_months,
    apply_milestone_amounts,
    committed_target,
    local_today,
    lower_is_better,
    milestones_of,
    number_in,
    split_by_source,
)

NUMBER_PREFIX = "LHXM"
# The 包干制 pledge the 挂帅 leader confirms with the 任务书 (staff may reword it before).
DEFAULT_PLEDGE = (
    "本人作为挂帅人承诺：按任务书约定的考核指标和进度完成项目；经费包干使用、专款专用，"
    "不挪用、不虚报；如实报告进展，接受科技局和发榜方的监督检查。"
)


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
    """The (first) project a confirmed award became."""
    return s.exec(select(Project).where(Project.award_id == award_id).order_by(Project.id)).first()


def projects_of_award(s: Session, award_id: int) -> list[Project]:
    return list(s.exec(select(Project).where(Project.award_id == award_id).order_by(Project.id)))


def first_tranche_default() -> int:
    return min(
        int(current_app.config["PROJECT_FIRST_TRANCHE_PERCENT"]),
        int(current_app.config["PROJECT_FIRST_TRANCHE_MAX_PERCENT"]),
    )


def _submitted_content(s: Session, bid: Bid) -> dict:
    version = s.exec(
        select(BidVersion).where(
            BidVersion.bid_id == bid.id, BidVersion.version == bid.submitted_version
        )
    ).first()
    return dict(version.content) if version else dict(bid.content or {})


def _make_one(
    s: Session, *, actor: User, award: Award, challenge: Challenge, share: AwardShare
) -> Project:
    bid = s.get(Bid, share.bid_id)
    content = _submitted_content(s, bid)
    kind = ProjectKind.RACE if award.kind is AwardKind.PARALLEL else ProjectKind.SINGLE
    subsidy, enterprise = split_by_source(share.amount_fen, challenge)
    project = Project(
        number=_next_number(s),
        challenge_id=challenge.id,
        award_id=award.id,
        kind=kind,
        bid_id=bid.id,
        organisation_id=bid.organisation_id,
        leader_id=bid.leader_id,
        title=challenge.title[:200],
        subsidy_fen=subsidy,
        enterprise_fen=enterprise,
        first_tranche_percent=0 if kind is ProjectKind.RACE else first_tranche_default(),
        funding_mode=FundingMode.LUMP_SUM,
        leader_pledge=DEFAULT_PLEDGE,
    )
    s.add(project)
    s.flush()
    answers = content.get("answers") or {}
    indicators = s.exec(
        select(Indicator).where(Indicator.challenge_id == challenge.id).order_by(Indicator.position)
    ).all()
    rows = []
    for position, indicator in enumerate(indicators, start=1):
        answer = str(answers.get(str(indicator.id)) or "")
        challenge_value = number_in(indicator.target)
        bid_value = number_in(answer)
        if bid_value is None:
            bid_value = challenge_value
        elif challenge_value is not None:
            # An answer restating a weaker number than the challenge's does not lower the bar.
            higher = not lower_is_better(indicator.target)
            pick = max if higher else min
            bid_value = pick(bid_value, challenge_value)
        row = ProjectIndicator(
            project_id=project.id,
            indicator_id=indicator.id,
            position=position,
            name=indicator.name,
            unit=indicator.unit,
            challenge_target=indicator.target,
            bid_commitment=answer[:4000],
            target=committed_target(indicator.target, bid_value),
            bid_value=bid_value,
            target_value=bid_value,
            higher_is_better=not lower_is_better(indicator.target),
        )
        s.add(row)
        rows.append(row)
    start = local_today()
    plan = content.get("milestones") or []
    for position, step in enumerate(plan, start=1):
        month = int(step.get("month") or 0)
        s.add(
            Milestone(
                project_id=project.id,
                position=position,
                deliverable=str(step.get("deliverable") or "")[:2000],
                month=month,
                due_on=add_months(start, month),
                percent=int(step.get("percent") or 0),
                final=position == len(plan),
            )
        )
    s.flush()
    apply_milestone_amounts(s, project)
    for milestone in milestones_of(s, project.id):
        for row in rows:
            s.add(MilestoneIndicator(milestone_id=milestone.id, indicator_id=row.id))
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.CREATE,
        obj=project,
        after={
            "number": project.number,
            "award_id": award.id,
            "challenge_id": challenge.id,
            "bid_id": bid.id,
            "kind": kind.value,
            "subsidy_fen": subsidy,
            "enterprise_fen": enterprise,
        },
    )
    return project


@db.transactional
def create_projects(s: Session, *, actor: User, award_id: int) -> list[Project]:
    """The projects of a confirmed award, one per awarded team (the caller checked the award)."""
    award = s.get(Award, award_id)
    if award is None:
        raise NotFound(_("揭榜结果不存在。"))
    if projects_of_award(s, award_id):
        raise Conflict(_("该揭榜结果已确认，项目已创建。"))
    challenge = s.get(Challenge, award.challenge_id)
    shares = s.exec(
        select(AwardShare).where(AwardShare.award_id == award_id).order_by(AwardShare.position)
    ).all()
    return [
        _make_one(s, actor=actor, award=award, challenge=challenge, share=share) for share in shares
    ]


# Confirming an award makes its projects (awards.services calls the makers it was given).
award_services.PROJECT_MAKERS.append(create_projects)
