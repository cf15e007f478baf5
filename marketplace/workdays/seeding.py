"""Seeding the holiday table from ``chinese-calendar`` (``marketplace holidays seed``).

The table then shows staff every year's arrangement in one place, each row marked as from the
library or as entered by staff. Seeding never changes an answer (the rows say what the library
says) and never touches staff's own entries: a run that overlaps any existing entry is skipped,
so running it again adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from chinese_calendar import constants as library_data
from sqlmodel import Session

from .. import audit, db
from ..units import SHANGHAI
from .actions import HolidayAction
from .calendar import library_years
from .models import DayKind, HolidayEntry, HolidaySource
from .services import NAME_MAX, _lock_table, _overlap

Run = tuple[date, date, DayKind, str]


def _chinese(name: object) -> str:
    names = {h.value: h.chinese for h in library_data.Holiday}
    value = getattr(name, "value", name)
    return str(names.get(value, value))[:NAME_MAX]


def library_runs(year: int) -> list[Run]:
    """The library's arrangement for ``year`` as runs of consecutive dates of one kind and name."""
    days = sorted(
        [(d, DayKind.HOLIDAY, _chinese(n)) for d, n in library_data.holidays.items()]
        + [(d, DayKind.WORKDAY, _chinese(n)) for d, n in library_data.workdays.items()]
    )
    runs: list[list] = []
    for day, kind, name in days:
        if day.year != year:
            continue
        last = runs[-1] if runs else None
        if last and last[1] + timedelta(days=1) == day and last[2] is kind and last[3] == name:
            last[1] = day
        else:
            runs.append([day, day, kind, name])
    return [tuple(r) for r in runs]  # type: ignore[misc]


def default_years(today: date | None = None) -> list[int]:
    """The library's years from last year on (older years no longer count any window)."""
    today = today or db.utcnow().astimezone(SHANGHAI).date()
    return sorted(y for y in library_years() if y >= today.year - 1)


@db.transactional
def seed_year(s: Session, *, year: int, actor=None) -> int:
    """Add the library's entries for ``year`` that overlap nothing in the table; returns how
    many were added. Audited once per year that gained entries."""
    if year not in library_years():
        return 0
    _lock_table(s)
    added: list[HolidayEntry] = []
    for first, last, kind, name in library_runs(year):
        if _overlap(s, first, last) is not None:
            continue
        entry = HolidayEntry(
            first_day=first,
            last_day=last,
            kind=kind,
            name=name,
            source=HolidaySource.LIBRARY,
            created_by_id=getattr(actor, "id", None),
        )
        s.add(entry)
        s.flush()
        added.append(entry)
    if added:
        audit.record(
            s,
            actor=actor,
            action=HolidayAction.SEED,
            obj=added[0],
            after={
                "year": year,
                "source": HolidaySource.LIBRARY.value,
                "entries": [e.audit_fields() for e in added],
            },
        )
    return len(added)
