"""The expert pool (评审专家库): one profile per expert account, with its fields of expertise."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..challenges.models import Industry
from ..models_base import enum_field, utc_field
from ..states import LabelledEnum, labels

_EXPERT_VERSION = Column("version_id", Integer, nullable=False, default=1)


class Availability(LabelledEnum):
    """Whether an expert takes review work. Not a workflow: the expert or staff set it freely;
    "unavailable until a date" ends by itself (read with :meth:`ExpertProfile.available_on`)."""

    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"
    __labels__ = labels({AVAILABLE: _l("可参加评审"), UNAVAILABLE: _l("暂不参加评审")})


class ExpertProfile(SQLModel, table=True):
    """What the bureau knows of a reviewer: fields, employer, title, finance expertise, time."""

    __tablename__ = "expert_profile"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_expert_profile_user_id"),
        # An available expert has no end date of unavailability.
        CheckConstraint(
            "availability = 'unavailable' OR unavailable_until IS NULL",
            name="ck_expert_profile_until_only_when_unavailable",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    keywords: str = Field(default="", max_length=1000)  # 、separated, as typed
    organisation_name: str = Field(max_length=200)  # 工作单位: the employer, free text
    # The employer's 统一社会信用代码, optional: conflict screening matches it to bidders.
    organisation_uscc: str = Field(default="", max_length=18, index=True)
    title: str = Field(default="", max_length=100)  # 职称, e.g. 教授级高级工程师
    is_finance_expert: bool = Field(default=False, index=True)  # 财务专家
    availability: Availability = enum_field(Availability, default=Availability.AVAILABLE)
    unavailable_until: date | None = Field(default=None)  # the last day away; None: no end set
    availability_note: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=30)  # for the review secretariat
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
    version_id: int = Field(default=1, sa_column=_EXPERT_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _EXPERT_VERSION}

    def available_on(self, day: date) -> bool:
        """Takes review work on ``day``: available, or away only until an earlier day."""
        if self.availability is Availability.AVAILABLE:
            return True
        return self.unavailable_until is not None and self.unavailable_until < day


class ExpertField(SQLModel, table=True):
    """One field of expertise (a local industry) of an expert: a row each, so the panel draw
    can select "experts of this field" in SQL on both databases."""

    __tablename__ = "expert_field"
    __table_args__ = (
        UniqueConstraint("expert_id", "industry", name="uq_expert_field_expert_industry"),
    )

    id: int | None = Field(default=None, primary_key=True)
    expert_id: int = Field(
        foreign_key="expert_profile.id"
    )  # indexed as the unique key's first column
    industry: Industry = enum_field(Industry, index=True)
