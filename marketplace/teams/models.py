"""Capability profiles of research teams and the technology achievements they offer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Integer, Text
from sqlmodel import Field, SQLModel

from ..challenges.models import Industry
from ..models_base import enum_field, utc_field
from ..states import LabelledEnum, labels

_PROFILE_VERSION = Column("version_id", Integer, nullable=False, default=1)
_ACHIEVEMENT_VERSION = Column("version_id", Integer, nullable=False, default=1)


class TeamProfile(SQLModel, table=True):
    """What a research team can do: leader (挂帅人), members, fields, equipment, track record."""

    __tablename__ = "team_profile"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    team_name: str = Field(max_length=200)
    leader_name: str = Field(max_length=100)
    leader_title: str = Field(default="", max_length=100)  # 职称, e.g. 教授
    leader_field: str = Field(default="", max_length=200)
    # [{"name": …, "title": …, "role": …}]
    members: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    research_fields: str = Field(default="", max_length=1000)
    keywords: str = Field(default="", max_length=1000)  # 、or comma separated
    equipment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # [{"kind": "paper|patent|project", "title": …, "number": …, "year": …}]
    achievements: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_public: bool = Field(default=True, index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
    version_id: int = Field(default=1, sa_column=_PROFILE_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _PROFILE_VERSION}


class TransferMode(LabelledEnum):
    ASSIGNMENT = "assignment"
    LICENCE = "licence"
    EQUITY = "equity"
    JOINT = "joint"
    __labels__ = labels(
        {
            ASSIGNMENT: _l("转让"),
            LICENCE: _l("许可"),
            EQUITY: _l("作价入股"),
            JOINT: _l("合作开发"),
        }
    )


class Achievement(SQLModel, table=True):
    """A technology achievement (科技成果) offered for transfer."""

    __tablename__ = "achievement"
    __table_args__ = (
        CheckConstraint("trl BETWEEN 1 AND 9", name="ck_achievement_trl"),
        CheckConstraint(
            "asking_price_fen IS NULL OR asking_price_fen >= 0", name="ck_achievement_price"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team_profile.id", index=True)
    title: str = Field(max_length=200)
    field: Industry = enum_field(Industry, index=True)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    trl: int  # technology readiness level 1–9
    ip_status: str = Field(default="", max_length=1000)  # patent numbers etc.
    transfer_mode: TransferMode = enum_field(TransferMode)
    asking_price_fen: int | None = Field(default=None, sa_column=Column(BigInteger))  # None: 面议
    is_public: bool = Field(default=True, index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
    version_id: int = Field(default=1, sa_column=_ACHIEVEMENT_VERSION)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _ACHIEVEMENT_VERSION}
