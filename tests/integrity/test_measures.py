"""Each measure, its period, and who it restricts: recorded by staff, derived on every read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.errors import PermissionDenied, ValidationFailed
from marketplace.integrity import services
from marketplace.integrity.models import IntegrityRecord, Measure

FROM = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("measure", "years", "last_day"),
    [
        (Measure.WARNING, None, None),
        (Measure.CRITICISM, None, None),
        (Measure.BAR, 1, date(2027, 2, 28)),
        (Measure.BAR, 3, date(2029, 2, 28)),
        (Measure.BAR, 5, date(2031, 2, 28)),
        (Measure.PERMANENT, None, None),
    ],
)
def test_each_measure_runs_for_its_period(app, people, record, measure, years, last_day):
    team = people["team"]
    starts = services.today() - timedelta(days=5)
    made = record(measure=measure, years=years, starts_on=starts, user_id=team.id)
    expected_end = services.end_of(measure, FROM, years)
    assert expected_end == last_day  # the period in calendar terms, inclusive
    assert made.ends_on == services.end_of(measure, starts, years)
    restricted = services.active_restriction
    if not measure.bars:  # 警告 and 通报批评 restrict nothing
        assert made.ends_on is None
        assert restricted(db.session(), user_id=team.id) is None
        return
    assert restricted(db.session(), user_id=team.id).id == made.id
    assert restricted(db.session(), user_id=team.id, on=starts - timedelta(days=1)) is None
    if measure is Measure.PERMANENT:
        assert made.ends_on is None
        assert restricted(db.session(), user_id=team.id, on=date(2099, 1, 1)).id == made.id
    else:
        assert restricted(db.session(), user_id=team.id, on=made.ends_on).id == made.id
        after = made.ends_on + timedelta(days=1)
        assert restricted(db.session(), user_id=team.id, on=after) is None


def test_a_bar_of_the_person_bars_expert_work_and_new_projects(app, people, record):
    expert, team = people["expert"], people["team"]
    s = db.session()
    assert services.bars_expert_work(s, user_id=expert.id) is None
    made = record(user_id=expert.id)
    assert services.bars_expert_work(s, user_id=expert.id).id == made.id
    org_bar = record(measure=Measure.PERMANENT, organisation_id=team.organisation_id)
    found = services.bars_new_projects(s, organisation_id=team.organisation_id, user_id=team.id)
    assert found.id == org_bar.id
    assert services.bars_new_projects(s, user_id=team.id) is None  # the org, not the person


def test_the_periods_are_a_setting(app, people, record):
    app.config["INTEGRITY_BAR_YEARS"] = ["2", "10"]  # as the environment variable gives them
    with pytest.raises(ValidationFailed) as refused:
        record(years=3, user_id=people["team"].id)
    assert "period_years" in refused.value.field_errors
    assert record(years=10, user_id=people["team"].id).period_years == 10


def test_a_leap_day_bar_ends_the_day_before_its_anniversary():
    assert services.end_of(Measure.BAR, date(2028, 2, 29), 1) == date(2029, 2, 27)


def test_staff_record_a_measure_on_the_page_and_it_is_audited(client, login, people):
    login(client, people["staff"])
    resp = client.post(
        "/staff/integrity",
        data={
            "subject": f"user:{people['team'].id}",
            "measure": "bar",
            "period_years": "3",
            "starts_on": services.today().isoformat(),
            "finding": "抄袭他人研究成果",
            "legal_basis": "《科研失信行为调查处理规则》",
            "summary": "抄袭他人研究成果",
            "project_id": "42",
        },
    )
    assert resp.status_code == 302
    made = db.session().exec(select(IntegrityRecord)).one()
    assert (made.measure, made.period_years, made.project_id) == (Measure.BAR, 3, 42)
    assert made.created_by_id == people["staff"].id
    event = db.session().exec(select(AuditEvent).where(AuditEvent.action == "integrity.record"))
    assert event.one().after["measure"] == "bar"
    html = client.get("/staff/integrity").get_data(as_text=True)
    assert "抄袭他人研究成果" in html and "限制中" in html and "3 年" in html


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"subject": ""}, "subject", "请从列表中选择单位或个人"),
        ({"measure": "fine"}, "measure", "请选择处理措施"),
        ({"period_years": "4"}, "period_years", "请选择限制期限"),
        ({"starts_on": "2099-01-01"}, "starts_on", "不能晚于今天"),
        ({"starts_on": "2000-01-01"}, "starts_on", "限制已经届满"),
        ({"finding": " "}, "finding", "请写明失信行为事实"),
        ({"legal_basis": ""}, "legal_basis", "请写明处理依据"),
        ({"summary": "长" * 201}, "summary", "不能超过 200 字"),
        ({"project_id": "abc"}, "project_id", "项目编号须为正整数"),
    ],
)
def test_a_bad_record_is_refused_with_the_input_back(client, login, people, change, field, message):
    login(client, people["staff"])
    form = {
        "subject": f"org:{people['team'].organisation_id}",
        "measure": "bar",
        "period_years": "1",
        "starts_on": services.today().isoformat(),
        "finding": "伪造数据的事实经过",
        "legal_basis": "依据",
        "summary": "伪造数据",
        **change,
    }
    resp = client.post("/staff/integrity", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html
    assert field == "finding" or "伪造数据的事实经过" in html  # the input comes back
    assert db.session().exec(select(IntegrityRecord)).all() == []


def test_only_staff_record_measures(app, people):
    with pytest.raises(PermissionDenied):
        services.record_measure(
            actor=people["team"],
            measure=Measure.WARNING,
            finding="x",
            legal_basis="y",
            summary="z",
            starts_on=services.today(),
            user_id=people["outsider"].id,
        )
