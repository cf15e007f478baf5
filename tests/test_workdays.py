"""Working days for the publicity period (公示): holidays, make-up days, the staff holiday table.

The expected dates are checked by hand against the State Council's 2026 arrangement as
chinese-calendar 1.11 ships it: National Day 10-01…10-07 off, Sunday 09-20 and Saturday 10-10
worked; Labour Day 05-01…05-05 off, Saturday 05-09 worked.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.errors import ValidationFailed
from marketplace.workdays import services
from marketplace.workdays.models import DayKind, HolidayEntry

from .factories import Factory

URL = "/staff/settings/holidays"
WARNING_2027 = "2027 年的法定节假日安排尚未录入，公示期按周末计算，请在节假日设置中录入后核对。"


def beijing(y, m, d, hh=9, mm=0) -> datetime:
    """A Beijing wall-clock time as the UTC instant the database stores."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=8)


def working_days_between(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if services.is_working_day(d)]


def test_five_working_days_skip_national_day_and_count_the_make_up_saturday(app):
    window = services.publicity_window(beijing(2026, 9, 30, 10), 5)
    assert window.opens_on == date(2026, 9, 30)  # the opening day itself does not count
    # 10-01…10-07 off; 10-08 Thu, 10-09 Fri, 10-10 make-up Saturday, 10-12 Mon, 10-13 Tue.
    assert working_days_between(date(2026, 10, 1), date(2026, 10, 13)) == [
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 12),
        date(2026, 10, 13),
    ]
    assert window.last_day == date(2026, 10, 13)
    # 24:00 Beijing time of the fifth working day.
    assert window.ends_at == datetime(2026, 10, 13, 16, 0, tzinfo=UTC)
    assert window.warnings == [] and window.unknown_years == []
    assert window.is_open(beijing(2026, 10, 13, 23, 59))
    assert not window.is_open(beijing(2026, 10, 14, 0, 0))


def test_a_make_up_saturday_shortens_the_window(app):
    # Opened Wed 05-06 after Labour Day: 05-07, 05-08, Sat 05-09 (worked), 05-11, 05-12.
    assert services.is_working_day(date(2026, 5, 9)) and not services.is_working_day(
        date(2026, 5, 10)
    )
    result = services.add_working_days(date(2026, 5, 6), 5)
    assert result.last_day == date(2026, 5, 12) and result.warnings == []


def test_the_opening_day_is_the_beijing_date(app):
    # Monday 23:59 and Tuesday 00:00 in Beijing are both Monday 15:59/16:00 in UTC.
    monday = services.publicity_window(beijing(2026, 10, 12, 23, 59), 5)
    tuesday = services.publicity_window(beijing(2026, 10, 13, 0, 0), 5)
    assert monday.opens_on == date(2026, 10, 12) and monday.last_day == date(2026, 10, 19)
    assert tuesday.opens_on == date(2026, 10, 13) and tuesday.last_day == date(2026, 10, 20)


def test_the_setting_gives_the_default_length(app):
    app.config["PUBLICITY_WORKING_DAYS"] = 3
    assert services.publicity_window(beijing(2026, 9, 30)).last_day == date(2026, 10, 10)
    del app.config["PUBLICITY_WORKING_DAYS"]
    assert services.publicity_window(beijing(2026, 9, 30)).working_days == 5


def test_the_table_overrides_the_library(app, factory: Factory):
    staff = factory.staff()
    # Suppose the notice were changed: Saturday 10-10 off after all, Sunday 10-11 worked.
    services.add_holiday_entry(
        actor=staff, first_day="2026-10-10", kind=DayKind.HOLIDAY, name="国庆节"
    )
    assert not services.is_working_day(date(2026, 10, 10))
    assert services.publicity_window(beijing(2026, 9, 30), 5).last_day == date(2026, 10, 14)
    services.add_holiday_entry(
        actor=staff, first_day="2026-10-11", kind=DayKind.WORKDAY, name="国庆节"
    )
    assert services.is_working_day(date(2026, 10, 11))
    assert services.publicity_window(beijing(2026, 9, 30), 5).last_day == date(2026, 10, 13)
    assert services.added_years() == []  # 2026 is the library's year: nothing added


def test_a_window_into_an_unknown_year_counts_weekends_and_warns(app):
    # Opened Tue 2026-12-29: 12-30, 12-31, then 2027 by weekdays only: 01-01 (Fri), 01-04, 01-05.
    window = services.publicity_window(beijing(2026, 12, 29, 15), 5)
    assert window.last_day == date(2027, 1, 5)
    assert window.unknown_years == [2027]
    assert window.warnings == [WARNING_2027]
    assert 2027 not in services.known_years() and 2026 in services.known_years()


def test_staff_entering_2027_spring_festival_removes_the_warning(app, client, factory, login):
    opened = beijing(2027, 2, 3)  # Wednesday, three days before the lunar new year
    before = services.publicity_window(opened, 5)
    assert before.last_day == date(2027, 2, 10) and before.warnings == [WARNING_2027]

    login(client, factory.staff())
    for form in (
        {"first_day": "2027-02-06", "last_day": "2027-02-14", "kind": "holiday", "name": "春节"},
        {"first_day": "2027/2/20", "last_day": "", "kind": "workday", "name": "春节"},
    ):
        assert client.post(URL, data=form).status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "2027-02-06 – 2027-02-14" in page and "调休上班" in page

    after = services.publicity_window(opened, 5)
    # 02-04, 02-05, then the holiday 02-06…02-14; 02-15, 02-16, 02-17.
    assert after.last_day == date(2027, 2, 17)
    assert after.warnings == [] and after.unknown_years == []
    assert services.is_working_day(date(2027, 2, 20))  # the make-up Saturday
    assert not services.is_working_day(date(2027, 2, 8))  # a Monday off
    assert services.added_years() == [2027] and 2027 in services.known_years()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("enterprise", 403), ("researcher", 403), ("staff", 200), ("admin", 200)],
)
def test_only_staff_see_the_holiday_settings(client, factory: Factory, login, who, status):
    users = {
        "enterprise": lambda: factory.org_user(),
        "researcher": lambda: factory.org_user(Role.RESEARCHER),
        "staff": factory.staff,
        "admin": factory.admin,
    }
    if who != "anonymous":
        login(client, users[who]())
    resp = client.get(URL)
    assert resp.status_code == status
    if who == "anonymous":
        assert "/login" in resp.headers["Location"]
    post = client.post(URL, data={"first_day": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert post.status_code == (302 if status == 200 else status)
    assert (db.session().exec(select(HolidayEntry)).first() is not None) == (status == 200)


@pytest.mark.parametrize(
    ("form", "field_value", "message"),
    [
        (
            {"first_day": "2027-02-14", "last_day": "2027-02-06", "kind": "holiday"},
            "2027-02-06",
            "结束日期不能早于开始日期",
        ),
        (
            {"first_day": "2027-01-01", "last_day": "2027-03-02", "kind": "holiday"},
            "2027-03-02",
            "一个条目最多 60 天",
        ),
        ({"first_day": "2027-02-06", "kind": "day_off"}, "2027-02-06", "请选择“休”或“调休上班”"),
        ({"first_day": "2027-02-30", "kind": "holiday"}, "2027-02-30", "请填写日期"),
        ({"first_day": "明年春节", "kind": "holiday"}, "明年春节", "请填写日期"),
        (
            {"first_day": "2027-02-06", "last_day": "下周", "kind": "holiday"},
            "下周",
            "请填写结束日期",
        ),
        (
            {"first_day": "2027-02-06", "kind": "holiday", "name": " "},
            "2027-02-06",
            "请填写节日名称",
        ),
    ],
)
def test_bad_input_gets_422_with_a_message_and_the_input_back(
    client, factory: Factory, login, form, field_value, message
):
    login(client, factory.staff())
    resp = client.post(URL, data={"name": "春节", **form})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html
    assert f'value="{field_value}"' in html
    assert db.session().exec(select(HolidayEntry)).first() is None


def test_overlapping_entries_are_refused(client, factory: Factory, login):
    login(client, factory.staff())
    first = {"first_day": "2027-02-06", "last_day": "2027-02-14", "kind": "holiday", "name": "春节"}
    assert client.post(URL, data=first).status_code == 302
    again = {"first_day": "2027-02-14", "last_day": "2027-02-15", "kind": "workday", "name": "x"}
    resp = client.post(URL, data=again)
    assert resp.status_code == 422
    assert "与已有条目“春节”（2027-02-06 至 2027-02-14）重叠" in resp.get_data(as_text=True)
    assert len(db.session().exec(select(HolidayEntry)).all()) == 1


def test_adding_and_removing_entries_is_audited(client, factory: Factory, login):
    staff = factory.staff()
    login(client, staff)
    form = {
        "first_day": "2027-10-01",
        "last_day": "2027-10-07",
        "kind": "holiday",
        "name": "国庆节",
    }
    assert client.post(URL, data=form).status_code == 302
    entry = db.session().exec(select(HolidayEntry)).one()
    assert (entry.days, entry.kind, entry.created_by_id) == (7, DayKind.HOLIDAY, staff.id)
    assert "国庆节" in client.get(URL).get_data(as_text=True)
    entry_id = entry.id

    resp = client.post(f"{URL}/{entry_id}/delete")
    assert resp.status_code == 302
    assert db.session().exec(select(HolidayEntry)).first() is None
    assert "已删除：国庆节" in client.get(URL).get_data(as_text=True)
    assert client.post(f"{URL}/{entry_id}/delete").status_code == 404

    events = (
        db.session()
        .exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == "holiday_entry")
            .order_by(AuditEvent.id)
        )
        .all()
    )
    expected = {"first_day": "2027-10-01", "last_day": "2027-10-07", "kind": "holiday"}
    assert [(e.action, e.actor_id, e.object_id) for e in events] == [
        ("holiday.add", staff.id, str(entry_id)),
        ("holiday.remove", staff.id, str(entry_id)),
    ]
    assert events[0].before is None and events[0].after == {**expected, "name": "国庆节"}
    assert events[1].before == {**expected, "name": "国庆节"} and events[1].after is None


def test_others_cannot_remove_an_entry(client, factory: Factory, login):
    entry = services.add_holiday_entry(
        actor=factory.staff(), first_day="2027-01-01", kind="holiday", name="元旦"
    )
    login(client, factory.org_user(Role.RESEARCHER))
    assert client.post(f"{URL}/{entry.id}/delete").status_code == 403
    assert db.session().get(HolidayEntry, entry.id) is not None


def test_simultaneous_overlapping_entries_leave_one(app, factory: Factory):
    """Six staff tabs entering the same Spring Festival at once: one entry, five refusals."""
    staff = factory.staff()
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def add(n: int) -> None:
        with app.app_context():
            start.wait()
            try:
                services.add_holiday_entry(
                    actor=staff,
                    first_day=f"2027-02-0{n + 1}",
                    last_day="2027-02-14",
                    kind="holiday",
                    name="春节",
                )
            except ValidationFailed:
                outcomes.append("refused")
            else:
                outcomes.append("added")

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["added"] + ["refused"] * 5
    assert len(db.session().exec(select(HolidayEntry)).all()) == 1
