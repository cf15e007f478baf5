"""The public list, the subject's page and who may open each integrity route."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.integrity import services
from marketplace.integrity.models import IntegrityRepair, Measure
from marketplace.uploads import StoredFile

from .conftest import apply


def test_the_public_sees_restrictions_in_force_with_the_name_only(client, people, record):
    team, outsider, expert = people["team"], people["outsider"], people["expert"]
    record(organisation_id=team.organisation_id)
    record(measure=Measure.PERMANENT, user_id=expert.id)
    record(measure=Measure.WARNING, user_id=outsider.id)
    lifted = record(
        years=1, starts_on=services.today() - timedelta(days=200), user_id=people["colleague"].id
    )
    repair = services.apply_for_repair(
        actor=people["colleague"],
        record_id=lifted.id,
        statement="已整改",
        evidence=StoredFile("a.pdf", "f" * 32 + ".pdf", 1, "0" * 64),
    )
    services.decide_repair(actor=people["staff"], repair_id=repair.id, approve=True, reason="好")
    html = client.get("/integrity").get_data(as_text=True)
    assert "灵湖学院" in html and "吴建国" in html
    assert "项目验收材料弄虚作假" in html  # the summary written for the public
    assert "限期禁止揭榜和参与评审" in html and "永久禁止揭榜和参与评审" in html
    # No finding (it names a phone number), no legal basis text, no e-mail, nothing lifted.
    assert "13800000000" not in html and "《科研失信行为调查处理规则》" not in html
    assert expert.email not in html and "@" not in html.split("<main", 1)[-1]
    assert outsider.name not in html and people["colleague"].name not in html


def test_the_public_page_follows_the_setting(client, app, people, record):
    record(organisation_id=people["team"].organisation_id)
    app.config["INTEGRITY_PUBLIC_LIST"] = False
    assert client.get("/integrity").status_code == 404


def test_the_subject_sees_their_own_records_and_nobody_else_does(client, login, people, record):
    mine = record(user_id=people["team"].id)
    theirs = record(organisation_id=people["outsider"].organisation_id)
    login(client, people["colleague"])  # a member: sees the organisation's, not the person's
    page = client.get("/my/integrity").get_data(as_text=True)
    assert f"第 {mine.id} 号" not in page and f"第 {theirs.id} 号" not in page
    login(client, people["team"])
    page = client.get("/my/integrity").get_data(as_text=True)
    assert f"第 {mine.id} 号" in page and "13800000000" in page  # the finding, in full
    assert f"第 {theirs.id} 号" not in page
    assert client.get(f"/my/integrity/{theirs.id}/repair").status_code == 404


@pytest.fixture
def world(client, login, people, record):
    """One record with one application, so every route has something to open."""
    made = record(
        years=1,
        starts_on=services.today() - timedelta(days=200),
        organisation_id=people["team"].organisation_id,
    )
    login(client, people["team"])
    assert apply(client, made.id).status_code == 302
    client.post("/logout")
    return {"record": made.id, "repair": db.session().exec(select(IntegrityRepair.id)).one()}


ROUTES = [
    ("GET", "/integrity"),
    ("GET", "/my/integrity"),
    ("GET", "/my/integrity/{record}/repair"),
    ("POST", "/my/integrity/{record}/repair"),
    ("GET", "/integrity/repairs/{repair}/evidence"),
    ("GET", "/staff/integrity"),
    ("POST", "/staff/integrity"),
    ("GET", "/staff/integrity/repairs/{repair}"),
    ("POST", "/staff/integrity/repairs/{repair}"),
]
# Expected status per role; POSTs send an empty form (the subject's lacks its PDF: 422).
EXPECTED = {
    "anonymous": [200, 302, 302, 302, 302, 302, 302, 302, 302],
    "subject": [200, 200, 200, 422, 200, 403, 403, 403, 403],
    "outsider": [200, 200, 404, 404, 404, 403, 403, 403, 403],
    "expert": [200, 200, 404, 404, 404, 403, 403, 403, 403],
    "staff": [200, 200, 404, 404, 200, 200, 422, 200, 422],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_integrity_route_answers_each_role_as_written(client, login, people, world, role):
    user = {
        "subject": people["colleague"],
        "outsider": people["outsider"],
        "expert": people["expert"],
        "staff": people["staff"],
    }.get(role)
    if user is not None:
        login(client, user)
    got = []
    for method, url in ROUTES:
        resp = client.open(url.format(**world), method=method, data={})
        got.append(resp.status_code)
        resp.close()
    assert got == EXPECTED[role]
