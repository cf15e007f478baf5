"""The plan arithmetic and reads shared by project creation and the 任务书: dates, numbers,
milestone amounts."""

from __future__ import annotations

import calendar
import re
from datetime import date

from sqlmodel import Session, select

from .. import db
from ..challenges.models import Challenge
from ..units import SHANGHAI
from .milestone_models import Milestone
from .models import Project, ProjectKind

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LOWER_IS_BETTER = ("≤", "<=", "<", "不高于", "不超过", "低于", "以下")


def local_today() -> date:
    return db.utcnow().astimezone(SHANGHAI).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def number_in(text: str) -> float | None:
    """The number a target or an answer states ("≥205 mAh/g" → 205), None when there is none."""
    found = _NUMBER.findall(text or "")
    return float(found[0]) if found else None


def committed_target(challenge_target: str, bid_value: float | None) -> str:
    """The 任务书's first target: the challenge's wording with the bid's (stronger) number."""
    if bid_value is None or number_in(challenge_target) is None:
        return challenge_target
    return _NUMBER.sub(f"{bid_value:g}", challenge_target, count=1)


def lower_is_better(target: str) -> bool:
    return any(sign in (target or "") for sign in _LOWER_IS_BETTER)


def milestone_amounts(total_fen: int, first_percent: int, percents: list[int]) -> list[int]:
    """What each milestone pays of one source: the rest after the signing tranche, split by
    the bid's percents, the remainder of rounding on the last milestone."""
    rest = total_fen - total_fen * first_percent // 100
    whole = sum(percents) or 1
    amounts = [rest * p // whole for p in percents]
    if amounts:
        amounts[-1] += rest - sum(amounts)
    return amounts


def apply_milestone_amounts(s: Session, project: Project) -> None:
    """Recompute the milestones' amounts from the project's funds and first-tranche percent."""
    milestones = milestones_of(s, project.id)
    if project.kind is ProjectKind.RACE:
        for m in milestones:
            m.subsidy_fen = m.enterprise_fen = 0  # a race project is paid by its start-up funds
        return
    percents = [m.percent for m in milestones]
    subsidy = milestone_amounts(project.subsidy_fen, project.first_tranche_percent, percents)
    enterprise = milestone_amounts(project.enterprise_fen, project.first_tranche_percent, percents)
    for m, sub, ent in zip(milestones, subsidy, enterprise, strict=True):
        m.subsidy_fen, m.enterprise_fen = sub, ent


def apply_due_dates(s: Session, project: Project, start_on: date) -> None:
    for m in milestones_of(s, project.id):
        m.due_on = add_months(start_on, m.month)


def milestones_of(s: Session, project_id: int) -> list[Milestone]:
    return list(
        s.exec(
            select(Milestone).where(Milestone.project_id == project_id).order_by(Milestone.position)
        )
    )


def split_by_source(amount_fen: int, challenge: Challenge) -> tuple[int, int]:
    """(subsidy, enterprise) of an amount, in the challenge's proportion of the two sources."""
    enterprise, subsidy = challenge.enterprise_funds_fen or 0, challenge.subsidy_requested_fen or 0
    if enterprise + subsidy == 0:
        return 0, amount_fen
    # Rounded to 0.01 万元, the unit the 任务书's budget lines are typed in.
    step = 10_000
    enterprise_part = (amount_fen * enterprise // (enterprise + subsidy) + step // 2) // step * step
    enterprise_part = min(enterprise_part, amount_fen)
    return amount_fen - enterprise_part, enterprise_part
