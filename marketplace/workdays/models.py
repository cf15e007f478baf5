"""The holiday table: the bureau's own entries for the years ``chinese-calendar`` does not know."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Date
from sqlmodel import Field, SQLModel

from ..models_base import enum_field, utc_field
from ..states import LabelledEnum, labels


class DayKind(LabelledEnum):
    """What the State Council's arrangement makes of a date."""

    HOLIDAY = "holiday"  # 休: no work, even on a weekday
    WORKDAY = "workday"  # 调休上班: a make-up working day, usually a weekend
    __labels__ = labels({HOLIDAY: _l("休"), WORKDAY: _l("调休上班")})


class HolidaySource(LabelledEnum):
    """Who put an entry in the table: staff from a notice, or the seeding from the library."""

    MANUAL = "manual"
    LIBRARY = "library"
    __labels__ = labels({MANUAL: _l("工作人员录入"), LIBRARY: _l("来自 chinese-calendar")})


class HolidayEntry(SQLModel, table=True):
    """One line of the State Council's notice: a date or a run of dates, holiday or make-up day.

    The table overrides the library for every date it lists; the service keeps entries from
    overlapping, so each date has at most one answer.
    """

    __tablename__ = "holiday_entry"
    __table_args__ = (
        # The same expression as migration 7b1d2e3f4a50.
        CheckConstraint("last_day >= first_day", name="ck_holiday_entry_ordered"),
    )

    id: int | None = Field(default=None, primary_key=True)
    first_day: date = Field(sa_column=Column(Date, nullable=False, index=True))
    last_day: date = Field(sa_column=Column(Date, nullable=False, index=True))
    kind: DayKind = enum_field(DayKind)
    name: str = Field(max_length=40)  # 春节, 国庆节 … as the notice names it
    source: HolidaySource = enum_field(HolidaySource, default=HolidaySource.MANUAL)
    # None for the entries seeded from the library (`marketplace holidays seed`).
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = utc_field(default_now=True)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def audit_fields(self) -> dict:
        """What the audit trail keeps of an entry (before a removal, after an addition)."""
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "kind": self.kind.value,
            "name": self.name,
        }
