"""Read-side queries for team and achievement pages: a fixed, small number of SQL statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.orm import load_only
from sqlmodel import Session, func, select

from ..accounts.models import Organisation
from ..challenges.models import Industry
from ..pagination import Page
from .models import Achievement, TeamProfile, TransferMode

MAX_QUERY = 50

PROFILE_LIST_COLUMNS = (
    TeamProfile.id,
    TeamProfile.organisation_id,
    TeamProfile.team_name,
    TeamProfile.leader_name,
    TeamProfile.leader_title,
    TeamProfile.research_fields,
    TeamProfile.keywords,
    TeamProfile.is_public,
    TeamProfile.updated_at,
    TeamProfile.version_id,
)
ACHIEVEMENT_LIST_COLUMNS = (
    Achievement.id,
    Achievement.organisation_id,
    Achievement.title,
    Achievement.field,
    Achievement.trl,
    Achievement.transfer_mode,
    Achievement.asking_price_fen,
    Achievement.is_public,
    Achievement.updated_at,
)


@dataclass(frozen=True)
class TeamFilters:
    q: str = ""

    @classmethod
    def from_args(cls, args) -> TeamFilters:
        """The keyword filter; over-long input is cut, never an error."""
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:MAX_QUERY])


@dataclass(frozen=True)
class AchievementFilters:
    field: Industry | None = None
    mode: TransferMode | None = None

    @classmethod
    def from_args(cls, args) -> AchievementFilters:
        """Read filters from query arguments; unknown values are ignored, never an error."""
        field, mode = args.get("field"), args.get("mode")
        return cls(
            field=Industry(field) if field in Industry._value2member_map_ else None,
            mode=TransferMode(mode) if mode in TransferMode._value2member_map_ else None,
        )


def public_profiles(s: Session, filters: TeamFilters, *, page: int, per_page: int) -> Page:
    """One page of public profiles with their organisation names: two queries."""
    conditions = [TeamProfile.is_public.is_(True)]
    if filters.q:
        conditions.append(
            or_(
                *(
                    column.icontains(filters.q, autoescape=True)
                    for column in (
                        TeamProfile.team_name,
                        TeamProfile.leader_name,
                        TeamProfile.research_fields,
                        TeamProfile.keywords,
                    )
                )
            )
        )
    total = s.exec(select(func.count()).select_from(TeamProfile).where(*conditions)).one()
    rows = s.exec(
        select(TeamProfile, Organisation.name)
        .join(Organisation, Organisation.id == TeamProfile.organisation_id)
        .where(*conditions)
        .options(load_only(*PROFILE_LIST_COLUMNS))
        .order_by(TeamProfile.updated_at.desc(), TeamProfile.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page([(p, name) for p, name in rows], page, per_page, total)


def public_achievements(
    s: Session, filters: AchievementFilters, *, page: int, per_page: int
) -> Page:
    """One page of public achievements with their organisation names: two queries."""
    conditions = [Achievement.is_public.is_(True)]
    if filters.field is not None:
        conditions.append(Achievement.field == filters.field)
    if filters.mode is not None:
        conditions.append(Achievement.transfer_mode == filters.mode)
    total = s.exec(select(func.count()).select_from(Achievement).where(*conditions)).one()
    rows = s.exec(
        select(Achievement, Organisation.name)
        .join(Organisation, Organisation.id == Achievement.organisation_id)
        .where(*conditions)
        .options(load_only(*ACHIEVEMENT_LIST_COLUMNS))
        .order_by(Achievement.updated_at.desc(), Achievement.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page([(a, name) for a, name in rows], page, per_page, total)


def organisation_profiles(s: Session, organisation_id: int) -> list[TeamProfile]:
    """Every profile of one organisation, public or not, newest first."""
    return list(
        s.exec(
            select(TeamProfile)
            .where(TeamProfile.organisation_id == organisation_id)
            .options(load_only(*PROFILE_LIST_COLUMNS))
            .order_by(TeamProfile.updated_at.desc(), TeamProfile.id.desc())
        ).all()
    )


def organisation_achievements(s: Session, organisation_id: int) -> list[Achievement]:
    """Every achievement of one organisation, public or not, newest first."""
    return list(
        s.exec(
            select(Achievement)
            .where(Achievement.organisation_id == organisation_id)
            .options(load_only(*ACHIEVEMENT_LIST_COLUMNS))
            .order_by(Achievement.updated_at.desc(), Achievement.id.desc())
        ).all()
    )


def team_achievements(s: Session, team_id: int, *, include_private: bool) -> list[Achievement]:
    """The achievements a profile page lists: public ones, or all for insiders and staff."""
    conditions = [Achievement.team_id == team_id]
    if not include_private:
        conditions.append(Achievement.is_public.is_(True))
    return list(
        s.exec(
            select(Achievement)
            .where(*conditions)
            .options(load_only(*ACHIEVEMENT_LIST_COLUMNS))
            .order_by(Achievement.updated_at.desc(), Achievement.id.desc())
        ).all()
    )
