"""Working days for the publicity period (公示), and the verbs on the holiday table.

Review and projects call :func:`publicity_window` (or :func:`add_working_days`); the settings
page calls :func:`add_holiday_entry` and :func:`remove_holiday_entry`. Counting never raises
for a year nobody has entered: it counts weekends only and returns a warning for staff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.models import User
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..units import SHANGHAI
from .actions import HolidayAction
from .calendar import WorkCalendar, library_years
from .models import DayKind, HolidayEntry

DEFAULT_WORKING_DAYS = 5
MAX_ENTRY_DAYS = 60  # the longest run in any notice is the 8–9 day Spring Festival
NAME_MAX = 40
# ASCII digits only (``\d`` would take full-width and other scripts' digits).
_DATE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
_YEARS = (2000, 2099)


@dataclass(frozen=True)
class WorkingDays:
    """The result of counting: the last working day and what staff should be told."""

    start: date
    last_day: date
    unknown_years: list[int]
    warnings: list[str]


@dataclass(frozen=True)
class PublicityWindow:
    """A 公示 window: opened at an instant, ending at 24:00 Beijing time of its last day."""

    opened_at: datetime  # UTC
    opens_on: date  # the Beijing date it opened (not counted)
    last_day: date  # the N-th working day after it
    ends_at: datetime  # UTC; 00:00 Beijing time the day after ``last_day``
    working_days: int
    unknown_years: list[int]
    warnings: list[str]

    def is_open(self, now: datetime) -> bool:
        """Whether objections may still be filed at ``now`` (aware)."""
        return self.opened_at <= now < self.ends_at


# --- reading the calendar -------------------------------------------------------------------


def load_calendar(s: Session | None = None) -> WorkCalendar:
    """The holiday table as a :class:`WorkCalendar` (a few dozen rows a year: load them all)."""
    s = s or db.session()
    rows = s.exec(select(HolidayEntry.first_day, HolidayEntry.last_day, HolidayEntry.kind)).all()
    return WorkCalendar.from_entries(rows)


def is_working_day(day: date, *, calendar: WorkCalendar | None = None) -> bool:
    """Whether ``day`` is a working day (table, then library, then Monday–Friday)."""
    return (calendar or load_calendar()).is_working_day(day)


def known_years(*, calendar: WorkCalendar | None = None) -> list[int]:
    """The years whose holidays are known, from the library or the holiday table."""
    return (calendar or load_calendar()).known_years()


def added_years(*, calendar: WorkCalendar | None = None) -> list[int]:
    """The years only the holiday table knows (entered by staff), ascending."""
    return sorted((calendar or load_calendar()).table_years - library_years())


def unknown_year_warning(year: int) -> str:
    """The sentence shown to staff on a page whose window reaches an unentered year."""
    return _(
        "%(year)s 年的法定节假日安排尚未录入，公示期按周末计算，请在节假日设置中录入后核对。",
        year=str(year),
    )


def add_working_days(start: date, n: int, *, calendar: WorkCalendar | None = None) -> WorkingDays:
    """The ``n``-th working day after ``start`` (which does not count), with warnings."""
    cal = calendar or load_calendar()
    last_day, unknown = cal.add_working_days(start, n)
    return WorkingDays(
        start=start,
        last_day=last_day,
        unknown_years=unknown,
        warnings=[unknown_year_warning(y) for y in unknown],
    )


def publicity_working_days() -> int:
    """The setting ``PUBLICITY_WORKING_DAYS`` (default 5)."""
    return int(current_app.config.get("PUBLICITY_WORKING_DAYS", DEFAULT_WORKING_DAYS))


def publicity_window(
    opened_at_utc: datetime, n: int | None = None, *, calendar: WorkCalendar | None = None
) -> PublicityWindow:
    """The window of a notice opened at ``opened_at_utc``, lasting ``n`` working days.

    The rule is the Civil Code's for periods counted in days (民法典 第二百零一条、第二百零三条):
    the day the notice goes up does not count — it is never a whole day of publicity, and a
    notice posted at 23:50 would otherwise lose a day — counting starts the next day, and the
    period ends at 24:00 of its last day. Days are Beijing dates, whatever the server's zone.
    So a notice opened on Wednesday 2026-09-30 with N = 5 skips the National Day holiday
    (10-01…10-07), counts 10-08, 10-09, 10-10 (a make-up Saturday), 10-12 and 10-13, and ends
    at 2026-10-14 00:00 Beijing time.
    """
    if opened_at_utc.tzinfo is None:  # stored times are UTC; a naive one is taken as such
        opened_at_utc = opened_at_utc.replace(tzinfo=UTC)
    n = publicity_working_days() if n is None else n
    opens_on = opened_at_utc.astimezone(SHANGHAI).date()
    counted = add_working_days(opens_on, n, calendar=calendar)
    ends_at = datetime.combine(counted.last_day + timedelta(days=1), time(0), SHANGHAI)
    return PublicityWindow(
        opened_at=opened_at_utc.astimezone(UTC),
        opens_on=opens_on,
        last_day=counted.last_day,
        ends_at=ends_at.astimezone(UTC),
        working_days=n,
        unknown_years=counted.unknown_years,
        warnings=counted.warnings,
    )


# --- the settings page ----------------------------------------------------------------------


def entries_by_year(s: Session | None = None) -> list[tuple[int, list[HolidayEntry]]]:
    """The holiday table grouped by the year of each entry's first day, newest year first."""
    s = s or db.session()
    rows = s.exec(select(HolidayEntry).order_by(HolidayEntry.first_day)).all()
    years: dict[int, list[HolidayEntry]] = {}
    for entry in rows:
        years.setdefault(entry.first_day.year, []).append(entry)
    return sorted(years.items(), reverse=True)


def library_range() -> tuple[int, int] | None:
    """The first and last year the library knows, for the settings page."""
    years = library_years()
    return (min(years), max(years)) if years else None


def parse_day(value: object) -> date | None:
    """A date typed as 2027-02-06, 2027/2/6 or 2027年2月6日; None for anything else."""
    match = _DATE.fullmatch(str(value or "").strip())
    if not match:
        return None
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return day if _YEARS[0] <= day.year <= _YEARS[1] else None


def _clean_entry(
    first_day: date | str, last_day: date | str | None, kind: DayKind | str, name: str
) -> tuple[date, date, DayKind, str]:
    errors: dict[str, list[str]] = {}
    first = first_day if isinstance(first_day, date) else parse_day(first_day)
    if first is None:
        errors["first_day"] = [_("请填写日期，例如 2027-02-06。")]
    blank_last = last_day is None or (isinstance(last_day, str) and not last_day.strip())
    last = (
        first if blank_last else (last_day if isinstance(last_day, date) else parse_day(last_day))
    )
    if last is None and not blank_last:
        errors["last_day"] = [_("请填写结束日期，例如 2027-02-13；只有一天时留空。")]
    elif first is not None and last is not None:
        if last < first:
            errors["last_day"] = [_("结束日期不能早于开始日期。")]
        elif (last - first).days + 1 > MAX_ENTRY_DAYS:
            errors["last_day"] = [
                _("一个条目最多 %(n)d 天，请分段录入。", n=MAX_ENTRY_DAYS),
            ]
    try:
        kind = DayKind(kind)
    except ValueError:
        errors["kind"] = [_("请选择“休”或“调休上班”。")]
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写节日名称，例如 春节。")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("节日名称最多 %(n)d 个字。", n=NAME_MAX)]
    if errors:
        raise ValidationFailed(field_errors=errors)
    return first, last, kind, name  # type: ignore[return-value]


def _lock_table(s: Session) -> None:
    # Two staff adding overlapping runs at once: on PostgreSQL take a lock that conflicts with
    # itself (reads go on); SQLite's BEGIN IMMEDIATE already serialises writers.
    if s.get_bind().dialect.name == "postgresql":
        s.connection().exec_driver_sql("LOCK TABLE holiday_entry IN SHARE ROW EXCLUSIVE MODE")


def _overlap(s: Session, first: date, last: date) -> HolidayEntry | None:
    return s.exec(
        select(HolidayEntry)
        .where(HolidayEntry.first_day <= last, HolidayEntry.last_day >= first)
        .order_by(HolidayEntry.first_day)
    ).first()


@db.transactional
def add_holiday_entry(
    s: Session,
    *,
    actor: User,
    first_day: date | str,
    last_day: date | str | None = None,
    kind: DayKind | str,
    name: str,
) -> HolidayEntry:
    """Staff enter one line of a holiday notice: a date or a run of dates, and what it is."""
    if not actor.is_staff:
        raise PermissionDenied()
    first, last, kind, name = _clean_entry(first_day, last_day, kind, name)
    _lock_table(s)
    clash = _overlap(s, first, last)
    if clash is not None:
        raise ValidationFailed(
            field_errors={
                "first_day": [
                    _(
                        "与已有条目“%(name)s”（%(first)s 至 %(last)s）重叠，请先删除它。",
                        name=clash.name,
                        first=clash.first_day.isoformat(),
                        last=clash.last_day.isoformat(),
                    )
                ]
            }
        )
    entry = HolidayEntry(
        first_day=first, last_day=last, kind=kind, name=name, created_by_id=actor.id
    )
    s.add(entry)
    s.flush()
    audit.record(s, actor=actor, action=HolidayAction.ADD, obj=entry, after=entry.audit_fields())
    return entry


@db.transactional
def remove_holiday_entry(s: Session, *, actor: User, entry_id: int) -> HolidayEntry:
    """Staff remove an entry (typed wrongly, or the notice changed); the audit keeps it."""
    if not actor.is_staff:
        raise PermissionDenied()
    entry = s.get(HolidayEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound()
    audit.record(
        s, actor=actor, action=HolidayAction.REMOVE, obj=entry, before=entry.audit_fields()
    )
    s.delete(entry)
    return entry
