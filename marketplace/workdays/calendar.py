"""Which dates are working days: the holiday table first, then ``chinese-calendar``, then weekends.

Kept free of the database so the rule can be read (and tested) on its own; ``services`` loads
the table and builds a :class:`WorkCalendar` from it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants as library_data

from .models import DayKind


@functools.cache
def library_years() -> frozenset[int]:
    """The years ``chinese-calendar`` has the State Council's arrangement for (1.11: 2004–2026)."""
    years = {d.year for d in library_data.holidays} | {d.year for d in library_data.workdays}
    return frozenset(range(min(years), max(years) + 1)) if years else frozenset()


def _library_answer(day: date) -> bool | None:
    """The library's answer for ``day``, or None when it does not know the year."""
    if day.year not in library_years():
        return None
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a release that knows fewer years than its tables suggest
        return None


@dataclass(frozen=True)
class WorkCalendar:
    """The holiday table's dates (each a holiday or a make-up working day) and its years."""

    overrides: Mapping[date, DayKind] = field(default_factory=dict)
    table_years: frozenset[int] = frozenset()

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[date, date, DayKind]]) -> WorkCalendar:
        """Spread (first day, last day, kind) runs into one answer per date."""
        overrides: dict[date, DayKind] = {}
        years: set[int] = set()
        for first, last, kind in entries:
            day = first
            while day <= last:
                overrides[day] = kind
                day += timedelta(days=1)
            years.update(range(first.year, last.year + 1))
        return cls(overrides=overrides, table_years=frozenset(years))

    def knows(self, year: int) -> bool:
        """Whether the holidays of ``year`` are known, from the library or from the table.

        One table entry in a year makes it known: staff enter a year's notice all at once, and
        a year with only some entries would otherwise warn for ever.
        """
        return year in library_years() or year in self.table_years

    def is_working_day(self, day: date) -> bool:
        """Table first (it overrides the library), then the library, then Monday to Friday."""
        kind = self.overrides.get(day)
        if kind is not None:
            return kind is DayKind.WORKDAY
        answer = _library_answer(day)
        if answer is not None:
            return answer
        return day.weekday() < 5

    def known_years(self) -> list[int]:
        """Every year with a known arrangement, ascending."""
        return sorted(library_years() | self.table_years)

    def add_working_days(self, start: date, n: int) -> tuple[date, list[int]]:
        """The ``n``-th working day after ``start`` and the unknown years the count went through.

        ``start`` itself never counts (see ``services.publicity_window`` for why). The loop
        ends: past the table's last date and the library's last year every weekday counts.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        day, counted, unknown = start, 0, set()
        while counted < n:
            day += timedelta(days=1)
            if not self.knows(day.year):
                unknown.add(day.year)
            if self.is_working_day(day):
                counted += 1
        return day, sorted(unknown)
