"""赛马 (horse-race) projects: the stage review that picks the final winner.

The winner's project gets the award's remainder as a new commitment (a RACE_REMAINDER tranche);
every other racing project of the award closes without fault: its pending tranches and what is
left committed are cancelled, and it moves to RACE_CLOSED.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.models import Role, User
from ..awards.models import Award
from ..challenges.access import is_staff
from ..challenges.models import Challenge
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..notifications import NotificationKind, notify
from ..states import check_transition, ensure_transition, require_state
from . import ledger
from .actions import ProjectAction
from .ledger_models import TrancheKind
from .models import Project, ProjectKind, ProjectStatus
from .plan import local_today, split_by_source


def issuer_people(s: Session, project: Project) -> list[User]:
    """The issuer's enterprise users (who may agree to a plan adjustment for the issuer)."""
    challenge = s.get(Challenge, project.challenge_id)
    return list(
        s.exec(
            select(User)
            .where(User.organisation_id == challenge.organisation_id, User.role == Role.ENTERPRISE)
            .order_by(User.id)
        )
    )


def racers(s: Session, award_id: int, *, lock: bool = False) -> list[Project]:
    query = select(Project).where(Project.award_id == award_id).order_by(Project.id)
    return list(s.exec(query.with_for_update() if lock else query))


@db.transactional
def decide_race(
    s: Session, *, actor: User, award_id: int, winner_project_id: int, reason: str
) -> Project:
    """Staff record the 赛马 stage review: the winner gets the remainder, the others close."""
    if not is_staff(actor):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请填写阶段评审的结论与理由。"),
            field_errors={"reason": [_("请填写阶段评审的结论与理由。")]},
        )
    award = s.get(Award, award_id)
    projects = racers(s, award_id, lock=True)
    if award is None or not projects:
        raise NotFound(_("赛马项目不存在。"))
    winner = next((p for p in projects if p.id == winner_project_id), None)
    if winner is None or winner.kind is not ProjectKind.RACE:
        raise NotFound(_("该项目不是本次赛马的参赛项目。"))
    if any(p.status is ProjectStatus.RACE_CLOSED for p in projects):
        raise Conflict(_("本次赛马的阶段评审已有结论。"))
    require_state(winner, ProjectStatus.ACTIVE)
    others = [p for p in projects if p.id != winner.id]
    for other in others:
        check_transition(other, ProjectStatus.RACE_CLOSED, actor=actor)
    subsidy, enterprise = split_by_source(award.remainder_fen, s.get(Challenge, award.challenge_id))
    if subsidy or enterprise:
        ledger.add_commitment(
            s,
            winner,
            actor=actor,
            subsidy_fen=subsidy,
            enterprise_fen=enterprise,
            kind=TrancheKind.RACE_REMAINDER,
        )
        winner.subsidy_fen += subsidy
        winner.enterprise_fen += enterprise
    for other in others:
        if other.status is ProjectStatus.ACTIVE:
            ledger.cancel_remaining(
                s, other, actor=actor, reason=_("赛马阶段评审未胜出：%(r)s", r=reason)
            )
        if other.start_on is None or other.task_book_confirmed_at is None:
            # Closed before its 任务书 was signed: it ends the day it started.
            other.start_on = other.start_on or local_today()
            other.end_on = other.end_on or other.start_on
            other.task_book_confirmed_at = db.utcnow()
        before = ensure_transition(other, ProjectStatus.RACE_CLOSED, actor=actor)
        audit.record(
            s,
            actor=actor,
            action=ProjectAction.DECIDE_RACE,
            obj=other,
            before={"status": before.value},
            after={"status": other.status.value, "winner": winner.number, "reason": reason},
        )
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.DECIDE_RACE,
        obj=winner,
        after={
            "winner": winner.number,
            "remainder_subsidy_fen": subsidy,
            "remainder_enterprise_fen": enterprise,
            "reason": reason,
        },
    )
    ids = [p.leader_id for p in projects if p.leader_id]
    notify(
        s,
        user_ids=ids,
        title=_("赛马阶段评审结果：项目 %(no)s 胜出", no=winner.number),
        body=reason,
        link=f"/projects/{winner.id}",
        kind=NotificationKind.PROJECT_TASK_BOOK,
    )
    return winner
