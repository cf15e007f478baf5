"""Seeding the holiday table from chinese-calendar: idempotent, audited, marked as the library's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.workdays import services
from marketplace.workdays.models import DayKind, HolidayEntry, HolidaySource

from .factories import Factory

URL = "/staff/settings/holidays"


def _seed(app, *args: str):
    result = app.test_cli_runner().invoke(args=["marketplace", "holidays", "seed", *args])
    db.refresh_read_session()
    return result


def _entries() -> list[HolidayEntry]:
    db.refresh_read_session()
    return list(db.session().exec(select(HolidayEntry).order_by(HolidayEntry.first_day)).all())


def test_seeding_a_year_copies_the_librarys_arrangement_once(app, client, factory, login):
    opened = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wed 2026-09-30, 10:00 Beijing time
    before = services.publicity_window(opened, 5)
    result = _seed(app, "--year", "2026")
    assert result.exit_code == 0, result.output
    assert "holidays 2026: 13 entry(ies) added" in result.output
    rows = _entries()
    assert len(rows) == 13 and {r.source for r in rows} == {HolidaySource.LIBRARY}
    national = next(r for r in rows if r.first_day == date(2026, 10, 1))
    assert (national.last_day, national.kind, national.name) == (
        date(2026, 10, 7),
        DayKind.HOLIDAY,
        "国庆节",
    )
    assert any(r.first_day == date(2026, 10, 10) and r.kind is DayKind.WORKDAY for r in rows)
    assert all(r.created_by_id is None for r in rows)
    # The same answers as before: the rows say what the library says.
    assert services.publicity_window(opened, 5).last_day == before.last_day == date(2026, 10, 13)

    again = _seed(app, "--year", "2026")
    assert "holidays 2026: 0 entry(ies) added" in again.output
    assert len(_entries()) == 13
    [event] = db.session().exec(select(AuditEvent).where(AuditEvent.action == "holiday.seed")).all()
    assert event.actor_id is None and event.after["year"] == 2026
    assert len(event.after["entries"]) == 13

    # Staff see which rows came from the library.
    login(client, factory.staff())
    page = client.get(URL).get_data(as_text=True)
    assert page.count('class="holiday-source-library"') == 13
    assert "来自 chinese-calendar" in page


def test_staff_entries_are_kept_and_told_apart(app, client, factory: Factory, login):
    staff = factory.staff()
    mine = services.add_holiday_entry(
        actor=staff, first_day="2026-10-01", last_day="2026-10-08", kind="holiday", name="国庆节"
    )
    result = _seed(app, "--year", "2026")
    assert "12 entry(ies) added" in result.output  # the National Day run overlaps staff's
    rows = _entries()
    kept = next(r for r in rows if r.first_day == date(2026, 10, 1))
    assert (kept.id, kept.last_day, kept.source) == (
        mine.id,
        date(2026, 10, 8),
        HolidaySource.MANUAL,
    )
    assert kept.created_by_id == staff.id
    login(client, staff)
    page = client.get(URL).get_data(as_text=True)
    assert page.count('class="holiday-source-manual"') == 1
    # A seeded row is removed like any other (the audit keeps it).
    seeded = next(r for r in rows if r.source is HolidaySource.LIBRARY)
    assert client.post(f"{URL}/{seeded.id}/delete").status_code == 302
    assert len(_entries()) == 12


def test_a_year_the_library_does_not_know_is_refused_plainly(app):
    result = _seed(app, "--year", "2031")
    assert result.exit_code != 0
    assert "chinese-calendar does not know 2031" in result.output
    assert _entries() == []


def test_without_a_year_it_seeds_last_year_onwards(app):
    with time_machine.travel(datetime(2026, 12, 1, 4, 0, tzinfo=UTC)):
        result = _seed(app)
    assert result.exit_code == 0, result.output
    assert "holidays 2025:" in result.output and "holidays 2026:" in result.output
    assert "holidays 2024:" not in result.output
    assert {r.first_day.year for r in _entries()} == {2025, 2026}
    assert "0 entry(ies)" in _seed(app, "--year", "2025").output


def test_init_seeds_the_table_and_a_second_init_adds_nothing(app):
    runner = app.test_cli_runner()
    with time_machine.travel(datetime(2026, 12, 1, 4, 0, tzinfo=UTC)):
        first = runner.invoke(args=["marketplace", "init"])
        assert first.exit_code == 0, first.output
        seeded = [r for r in _entries() if r.source is HolidaySource.LIBRARY]
        assert {r.first_day.year for r in seeded} == {2025, 2026}
        second = runner.invoke(args=["marketplace", "init"])
        assert second.exit_code == 0, second.output
        assert "holidays 2026: 0 entry(ies) added" in second.output
    assert len(_entries()) == len(seeded)
