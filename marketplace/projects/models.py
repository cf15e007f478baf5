"""Projects: a confirmed award becomes one, numbered LHXM-<year>-NNNN."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlmodel import Field, SQLModel, UniqueConstraint

from ..models_base import enum_field, utc_field
from ..states import LabelledEnum, StateMachine, labels


class ProjectStatus(LabelledEnum):
    """Every project starts at its task book (任务书); issue #12 adds the steps after it."""

    TASK_BOOK = "task_book"
    __labels__ = labels({TASK_BOOK: _l("任务书签订")})


# No transitions yet: the initial state only (issue #12 adds them with their verbs).
PROJECT_STATES = StateMachine(ProjectStatus, [])


class Project(SQLModel, table=True):
    __tablename__ = "project"
    __table_args__ = (
        # One project per award: two staff confirming at once cannot make two.
        UniqueConstraint("award_id", name="uq_project_award"),
        UniqueConstraint("number", name="uq_project_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    award_id: int = Field(foreign_key="award.id")
    # The winning bid, its organisation and 挂帅 leader; empty for a 赛马 award until the
    # stage review picks the final winner.
    bid_id: int | None = Field(default=None, foreign_key="bid.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    leader_id: int | None = Field(default=None, foreign_key="user_account.id")
    status: ProjectStatus = enum_field(ProjectStatus, default=ProjectStatus.TASK_BOOK)
    created_at: datetime = utc_field(default_now=True)


class ProjectCounter(SQLModel, table=True):
    """The last project number given out per year."""

    __tablename__ = "project_counter"
    __table_args__ = (UniqueConstraint("year", name="uq_project_counter_year"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    last_number: int = Field(default=0)
