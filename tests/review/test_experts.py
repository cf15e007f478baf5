"""The expert pool (评审专家库): experts keep their profile, staff find and edit experts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import func, select

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.challenges.models import Industry
from marketplace.review import services
from marketplace.review.models import Availability, ExpertField, ExpertProfile
from marketplace.review.schemas import parse_expert_profile

from ..factories import Factory, valid_uscc

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 1)
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI)


def profile_form(**overrides) -> dict:
    """A complete, valid expert profile as an expert would fill it in."""
    data = {
        "industries": ["materials", "auto"],
        "keywords": "镁合金压铸、轻量化，表面处理",
        "organisation_name": "浙江某材料研究院",
        "organisation_uscc": "",
        "title": "教授级高级工程师",
        "phone": "13812345678",
        "availability": "available",
        "unavailable_until": "",
        "availability_note": "",
        "version": "0",
    }
    data.update(overrides)
    return data


def saved(factory_expert, *, actor=None, **overrides) -> ExpertProfile:
    """Save a profile through the real service (as staff when ``actor`` is staff)."""
    raw = profile_form(**overrides)
    return services.save_expert_profile(
        actor=actor or factory_expert,
        expert_id=factory_expert.id,
        data=parse_expert_profile(raw, today=TODAY),
        expected_version=0,
    )


def count(model) -> int:
    return db.session().exec(select(func.count()).select_from(model)).one()


def actions() -> list[str]:
    return list(db.session().exec(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def test_an_expert_fills_in_and_changes_their_own_profile(client, factory: Factory, login, clock):
    expert = factory.expert(name="周敏")
    login(client, expert)
    page = client.get("/expert/profile").get_data(as_text=True)
    assert "尚未填写专家信息" in page and 'name="industries"' in page

    # An expert cannot make themselves a finance expert: the bureau decides that.
    resp = client.post("/expert/profile", data=profile_form(is_finance_expert="on"))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/expert/profile")
    profile = db.session().exec(select(ExpertProfile)).one()
    assert profile.user_id == expert.id
    assert profile.keywords == "镁合金压铸、轻量化、表面处理"
    assert profile.is_finance_expert is False
    assert services.industries_of(db.session(), profile) == [Industry.AUTO, Industry.MATERIALS]

    resp = client.post(
        "/expert/profile",
        data=profile_form(
            industries=["materials"],
            availability="unavailable",
            unavailable_until="2026-12-20",
            availability_note="出国访学",
            version=str(profile.version_id),
        ),
    )
    assert resp.status_code == 302
    page = client.get("/expert/profile").get_data(as_text=True)
    assert 'value="2026-12-20"' in page and "出国访学" in page
    assert count(ExpertField) == 1
    assert actions()[-2:] == ["expert_profile.create", "expert_profile.update"]
    event = db.session().exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == expert.id and event.object_type == "expert_profile"
    assert event.before["industries"] == ["auto", "materials"]
    assert event.after["industries"] == ["materials"]
    assert event.after["unavailable_until"] == "2026-12-20"


def test_an_expert_cannot_see_or_edit_another_experts_profile(client, factory: Factory, login):
    expert, other = factory.expert(), factory.expert(name="李华")
    saved(other)
    login(client, expert)
    assert client.get(f"/experts/{other.id}/profile").status_code == 404
    resp = client.post(f"/experts/{other.id}/profile", data=profile_form(keywords="篡改"))
    assert resp.status_code == 404
    assert client.get("/experts/999999/profile").status_code == 404  # the same as no one
    assert client.get(f"/experts/{expert.id}/profile").status_code == 200  # their own
    assert client.get("/staff/experts").status_code == 403
    assert db.session().exec(select(ExpertProfile.keywords)).one() == "镁合金压铸、轻量化、表面处理"
    assert actions().count("expert_profile.create") == 1


def test_staff_edit_any_experts_profile_and_decide_who_is_a_finance_expert(
    client, factory: Factory, login, clock
):
    expert, staff = factory.expert(), factory.staff()
    login(client, staff)
    assert "尚未填写专家信息" in client.get(f"/experts/{expert.id}/profile").get_data(as_text=True)
    resp = client.post(
        f"/experts/{expert.id}/profile",
        data=profile_form(industries=["services"], keywords="财务审计", is_finance_expert="on"),
    )
    assert resp.status_code == 302
    profile = db.session().exec(select(ExpertProfile)).one()
    assert profile.user_id == expert.id and profile.is_finance_expert is True
    event = db.session().exec(select(AuditEvent).where(AuditEvent.action.like("expert%"))).one()
    assert event.actor_id == staff.id and event.after["is_finance_expert"] is True

    # The expert's own later save keeps the bureau's decision.
    login(client, expert)
    client.post("/expert/profile", data=profile_form(version=str(profile.version_id)))
    assert db.session().get(ExpertProfile, profile.id).is_finance_expert is True
    # A staff account is not an expert: there is no expert profile to edit.
    login(client, staff)
    assert client.get(f"/experts/{staff.id}/profile").status_code == 404


def test_a_form_saved_by_someone_else_in_between_is_refused_with_the_input_back(
    client, factory: Factory, login
):
    expert = factory.expert()
    saved(expert)
    login(client, factory.staff())
    resp = client.post(
        f"/experts/{expert.id}/profile", data=profile_form(keywords="新关键词", version="0")
    )
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "已被他人修改" in page and 'value="新关键词"' in page
    assert db.session().exec(select(ExpertProfile.keywords)).one() == "镁合金压铸、轻量化、表面处理"


@pytest.mark.parametrize(
    ("overrides", "message", "typed"),
    [
        ({"industries": []}, "请至少选择一个专业领域。", "镁合金压铸、轻量化，表面处理"),
        ({"industries": ["materials", "astrology"]}, "专业领域的选项无效", "浙江某材料研究院"),
        ({"title": "职" * 101}, "不能超过 100 个字符（现有 101 个）", "职" * 101),
        ({"organisation_name": ""}, "此项为必填项", "教授级高级工程师"),
        (
            {"availability": "unavailable", "unavailable_until": "2026-11-30"},
            "暂停评审的截止日期 2026-11-30 已经过去",
            "2026-11-30",
        ),
        (
            {"availability": "unavailable", "unavailable_until": "下个月"},
            "请按 年-月-日 填写日期",
            "下个月",
        ),
        ({"organisation_uscc": "91331082MA2ABCDEF1"}, "统一社会信用代码无效", "91331082MA2ABCDEF1"),
        ({"organisation_uscc": "1234"}, "统一社会信用代码应为 18 位，您输入了 4 位", "1234"),
        ({"phone": "call me"}, "请填写有效的电话号码", "call me"),
    ],
)
def test_bad_input_is_refused_with_the_message_and_the_input_back(
    client, factory: Factory, login, clock, overrides, message, typed
):
    expert = factory.expert()
    login(client, expert)
    before = actions()
    resp = client.post("/expert/profile", data=profile_form(**overrides))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert message in page
    assert typed in page
    assert count(ExpertProfile) == 0 and count(ExpertField) == 0
    assert actions() == before


def test_a_valid_credit_code_of_the_employer_is_kept_for_conflict_screening(
    client, factory: Factory, login
):
    expert = factory.expert()
    code = valid_uscc(4242)
    login(client, expert)
    resp = client.post("/expert/profile", data=profile_form(organisation_uscc=code.lower()))
    assert resp.status_code == 302
    assert db.session().exec(select(ExpertProfile.organisation_uscc)).one() == code


def _pool(factory: Factory) -> dict:
    """Three experts: a materials engineer, an away one, and a finance expert."""
    staff = factory.staff()
    alloy, away, finance = (
        factory.expert(name="周敏"),
        factory.expert(name="陈立"),
        factory.expert(name="吴芳"),
    )
    saved(alloy, keywords="镁合金压铸、轻量化")
    saved(
        away,
        industries=["materials", "energy"],
        keywords="锂电池正极材料",
        availability="unavailable",
        unavailable_until="2026-12-20",
    )
    saved(
        finance,
        actor=staff,
        industries=["services"],
        keywords="財務審計、预算评审",  # typed in traditional characters
        title="正高级会计师",
        is_finance_expert="on",
    )
    return {"staff": staff, "alloy": alloy, "away": away, "finance": finance}


def _names(client, query: str) -> list[str]:
    page = client.get(f"/staff/experts?{query}").get_data(as_text=True)
    return [name for name in ("周敏", "陈立", "吴芳") if f">{name}</a>" in page]


def test_staff_find_experts_by_a_sub_word_and_across_traditional_characters(
    client, factory: Factory, login, clock
):
    pool = _pool(factory)
    login(client, pool["staff"])
    assert set(_names(client, "")) == {"吴芳", "周敏", "陈立"}
    page = client.get("/staff/experts?q=合金").get_data(as_text=True)
    assert _names(client, "q=合金") == ["周敏"]  # 合金 inside 镁合金压铸
    assert "镁<mark>合金</mark>压铸" in page  # the matched keyword is shown
    assert _names(client, "q=鎂合金") == ["周敏"]  # traditional query, simplified keyword
    assert _names(client, "q=财务审计") == ["吴芳"]  # simplified query, traditional keyword
    assert _names(client, "q=会计师") == ["吴芳"]  # the title is searched too
    assert _names(client, "q=合金 预算") == []  # every term must match
    assert _names(client, "q=光伏") == []
    # Ranked: a keyword (锂电池正极材料) counts more than the employer's name (某材料研究院).
    page = client.get("/staff/experts?q=材料").get_data(as_text=True)
    assert page.index(">陈立</a>") < page.index(">周敏</a>")
    assert "没有符合条件的专家" in client.get("/staff/experts?q=光伏").get_data(as_text=True)


def test_staff_filter_experts_by_field_finance_and_availability(
    client, factory: Factory, login, clock
):
    pool = _pool(factory)
    factory.expert(name="未填")  # no profile yet: listed, but in no filter
    login(client, pool["staff"])
    assert set(_names(client, "field=materials")) == {"周敏", "陈立"}
    assert _names(client, "field=services") == ["吴芳"]
    assert _names(client, "finance=1") == ["吴芳"]
    assert set(_names(client, "availability=available")) == {"周敏", "吴芳"}
    assert _names(client, "availability=unavailable") == ["陈立"]
    assert _names(client, "field=materials&availability=available&q=轻量化") == ["周敏"]
    page = client.get("/staff/experts").get_data(as_text=True)
    assert "暂停至 2026-12-20" in page and "尚未填写专家信息" in page
    # Unknown filter values are ignored, never an error.
    assert client.get("/staff/experts?field=moon&availability=x&finance=yes").status_code == 200


def test_the_eligible_pool_is_the_available_experts_of_a_field(factory: Factory, clock):
    pool = _pool(factory)
    s = db.session()

    def eligible(industry, on):
        return [p.user_id for p in services.eligible_experts(s, industry=industry, on=on)]

    assert eligible(Industry.MATERIALS, TODAY) == [pool["alloy"].id]
    assert eligible(Industry.MATERIALS, date(2026, 12, 20)) == [pool["alloy"].id]
    # The day after the last day away, the expert is back in the pool by themselves.
    assert eligible(Industry.MATERIALS, date(2026, 12, 21)) == sorted(
        [pool["alloy"].id, pool["away"].id]
    )
    assert eligible(Industry.SERVICES, TODAY) == [pool["finance"].id]
    assert eligible(Industry.PHARMA, TODAY) == []


def test_an_unavailability_with_no_end_keeps_the_expert_out_until_changed(factory: Factory, clock):
    expert = factory.expert()
    profile = saved(expert, availability="unavailable", availability_note="另行通知")
    assert profile.availability is Availability.UNAVAILABLE and profile.unavailable_until is None
    assert (
        services.eligible_experts(db.session(), industry=Industry.AUTO, on=date(2030, 1, 1)) == []
    )
