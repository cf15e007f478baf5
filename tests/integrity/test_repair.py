"""信用修复: the subject applies with a statement and a PDF; staff approve or refuse."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.integrity import services
from marketplace.integrity.models import IntegrityRecord, IntegrityRepair, Measure, RepairStatus

from .conftest import apply


@pytest.fixture
def halfway(people, record):
    """A 1-year bar on the research organisation that began 200 days ago (past half its period)."""
    return record(
        years=1,
        starts_on=services.today() - timedelta(days=200),
        organisation_id=people["team"].organisation_id,
    )


def _snapshot(record_id: int) -> dict:
    db.refresh_read_session()
    return db.session().get(IntegrityRecord, record_id).model_dump()


def test_an_approved_repair_lifts_the_bar_from_that_day_and_keeps_the_record(
    client, login, people, halfway
):
    before = _snapshot(halfway.id)
    login(client, people["colleague"])  # any approved member applies for the organisation
    assert "申请信用修复" in client.get("/my/integrity").get_data(as_text=True)
    resp = apply(client, halfway.id)
    assert resp.status_code == 302
    repair = db.session().exec(select(IntegrityRepair)).one()
    assert repair.status is RepairStatus.PENDING and repair.applicant_id == people["colleague"].id
    org_id = people["team"].organisation_id
    assert services.active_restriction(db.session(), organisation_id=org_id) is not None

    staff = client.application.test_client()
    login(staff, people["staff"])
    page = staff.get(f"/staff/integrity/repairs/{repair.id}").get_data(as_text=True)
    assert "已全部整改" in page and "整改报告.pdf" in page
    with staff.get(f"/integrity/repairs/{repair.id}/evidence") as evidence:
        assert evidence.status_code == 200 and evidence.data.startswith(b"%PDF-")
    resp = staff.post(
        f"/staff/integrity/repairs/{repair.id}", data={"decision": "approve", "reason": "整改到位"}
    )
    assert resp.status_code == 302
    s = db.session()
    assert services.active_restriction(s, organisation_id=org_id) is None
    # Yesterday the bar was still in force: the early end runs from the decision on.
    yesterday = services.today() - timedelta(days=1)
    assert services.active_restriction(s, organisation_id=org_id, on=yesterday).id == halfway.id
    assert _snapshot(halfway.id) == before  # the original record, its end included, unchanged
    mine = client.get("/my/integrity").get_data(as_text=True)
    assert halfway.ends_on.isoformat() in mine and "提前解除" in mine and "已修复" in mine
    actions = s.exec(select(AuditEvent.action).where(AuditEvent.object_type == "integrity_repair"))
    assert list(actions) == ["integrity.repair_apply", "integrity.repair_approve"]


def test_a_refused_repair_keeps_the_bar_and_a_new_application_may_follow(
    client, login, people, halfway
):
    login(client, people["team"])
    apply(client, halfway.id)
    repair = db.session().exec(select(IntegrityRepair)).one()
    staff = client.application.test_client()
    login(staff, people["staff"])
    empty = staff.post(f"/staff/integrity/repairs/{repair.id}", data={"decision": "refuse"})
    assert empty.status_code == 422 and "请写明批准或不予批准的理由" in empty.get_data(as_text=True)
    resp = staff.post(
        f"/staff/integrity/repairs/{repair.id}", data={"decision": "refuse", "reason": "资金未退回"}
    )
    assert resp.status_code == 302
    db.refresh_read_session()
    assert db.session().get(IntegrityRepair, repair.id).status is RepairStatus.REFUSED
    org_id = people["team"].organisation_id
    assert services.active_restriction(db.session(), organisation_id=org_id).id == halfway.id
    again = staff.post(
        f"/staff/integrity/repairs/{repair.id}", data={"decision": "approve", "reason": "改判"}
    )
    assert again.status_code == 409  # a decision is final
    assert "资金未退回" in client.get("/my/integrity").get_data(as_text=True)
    assert apply(client, halfway.id, statement="资金已退回").status_code == 302


def test_a_second_open_application_is_refused(client, login, people, halfway):
    login(client, people["team"])
    assert apply(client, halfway.id).status_code == 302
    second = apply(client, halfway.id, statement="再次申请")
    assert second.status_code == 409
    assert "已有一份待审核的信用修复申请" in second.get_data(as_text=True)
    assert len(db.session().exec(select(IntegrityRepair)).all()) == 1


@pytest.mark.parametrize("measure", [Measure.WARNING, Measure.CRITICISM, Measure.PERMANENT])
def test_only_a_bar_with_an_end_can_be_repaired(client, login, people, record, measure):
    made = record(measure=measure, user_id=people["team"].id)
    login(client, people["team"])
    page = client.get(f"/my/integrity/{made.id}/repair").get_data(as_text=True)
    assert "只有限期禁止揭榜和评审的处理可以申请信用修复" in page
    assert apply(client, made.id).status_code == 409
    assert db.session().exec(select(IntegrityRepair)).all() == []


def test_a_repair_waits_for_the_minimum_part_of_the_period(client, login, people, record, app):
    made = record(years=1, user_id=people["team"].id)  # from today: 183 days must pass
    earliest = services.earliest_repair(made)
    assert earliest == made.starts_on + timedelta(days=183)
    login(client, people["team"])
    early = apply(client, made.id)
    assert early.status_code == 409 and earliest.isoformat() in early.get_data(as_text=True)
    app.config["INTEGRITY_REPAIR_MIN_PERCENT"] = 0
    assert apply(client, made.id).status_code == 302


def test_the_repair_page_waits_until_half_the_period_has_run(client, login, people, record):
    made = record(years=1, user_id=people["team"].id)
    moment = db.utcnow() + timedelta(days=184)
    with time_machine.travel(moment, tick=False):
        login(client, people["team"])  # inside the travel: sessions expire after 12 h
        assert apply(client, made.id).status_code == 302


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"statement": " "}, "请写明整改情况"),
        ({"pdf": None}, "请选择要上传的 PDF 文件"),
        ({"pdf": b"MZ not a pdf"}, "不是有效的 PDF 文件"),
    ],
)
def test_a_bad_application_is_refused_and_nothing_is_stored(
    client, login, people, halfway, app, form, message
):
    login(client, people["team"])
    resp = apply(client, halfway.id, **form)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert db.session().exec(select(IntegrityRepair)).all() == []
    folder = app.config["UPLOAD_DIR"] + "/integrity"
    import os

    assert not os.path.isdir(folder) or os.listdir(folder) == []
