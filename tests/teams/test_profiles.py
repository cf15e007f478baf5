"""Capability profiles: what a research team can enter, what it gets back when it is wrong."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.outbox import SearchOutbox
from marketplace.teams.models import TeamProfile

from .conftest import TeamsFactory, profile_form, profile_raw


def count(model) -> int:
    return db.session().exec(select(func.count()).select_from(model)).one()


def test_a_profile_is_saved_with_its_members_and_representative_achievements(client, researcher):
    resp = client.post("/teams/new", data=profile_form(profile_raw()))
    assert resp.status_code == 302
    profile = db.session().exec(select(TeamProfile)).one()
    assert resp.headers["Location"].endswith(f"/teams/{profile.id}")
    assert profile.organisation_id == researcher.organisation_id
    assert profile.created_by_id == researcher.id
    assert profile.is_public is True
    assert profile.keywords == "镁合金、轻量化、压铸、涂层"
    assert [m["name"] for m in profile.members] == ["王芳", "赵强"]
    assert profile.achievements[0] == {
        "kind": "patent",
        "title": "一种高强镁合金及其制备方法",
        "number": "ZL202110123456.7",  # normalized
        "year": 2022,
    }
    assert profile.achievements[2]["year"] is None
    page = client.get(f"/teams/{profile.id}").get_data(as_text=True)
    assert "轻量化" in page and "王芳" in page and "ZL202110123456.7" in page
    assert "800 吨压铸机<br>扫描电镜" in page
    action = db.session().exec(select(AuditEvent.action)).all()
    assert "team.create" in action


def test_blank_rows_are_ignored_and_the_form_offers_spare_rows(client, researcher):
    page = client.get("/teams/new").get_data(as_text=True)
    assert page.count('name="member_name"') == 3 and page.count('name="work_title"') == 3
    assert f'value="{researcher.name}"' in page  # the leader defaults to the account holder
    raw = profile_raw(
        members=[{"name": "", "title": "", "role": ""}, {"name": "王芳", "title": "", "role": ""}],
        works=[{"kind": "", "title": "", "number": "", "year": ""}],
    )
    assert client.post("/teams/new", data=profile_form(raw)).status_code == 302
    profile = db.session().exec(select(TeamProfile)).one()
    assert profile.members == [{"name": "王芳", "title": "", "role": ""}]
    assert profile.achievements == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"leader_name": ""}, "请填写挂帅人（团队负责人）姓名"),
        ({"team_name": ""}, "此项为必填项"),
        ({"research_fields": ""}, "此项为必填项"),
        ({"team_name": "团" * 201}, "不能超过 200 个字符（现有 201 个）"),
        (
            {"works": [{"kind": "patent", "title": "一种方法", "number": "12345", "year": ""}]},
            "第 1 项代表性成果：专利号“12345”格式不正确",
        ),
        (
            {"works": [{"kind": "patent", "title": "一种方法", "number": "", "year": ""}]},
            "第 1 项代表性成果是专利，请填写专利号",
        ),
        (
            {"works": [{"kind": "", "title": "某论文", "number": "", "year": ""}]},
            "第 1 项代表性成果请选择类型",
        ),
        (
            {"works": [{"kind": "paper", "title": "某论文", "number": "", "year": "20"}]},
            "第 1 项代表性成果的年份应在 1950 到",
        ),
        (
            {"members": [{"name": "王芳"}, {"name": "", "title": "讲师", "role": "测试"}]},
            "第 2 位成员缺少姓名",
        ),
        ({"keywords": " ".join(f"词{n}" for n in range(31))}, "关键词最多 30 个"),
    ],
)
def test_bad_input_gets_a_precise_message_and_nothing_is_stored(
    client, researcher, overrides, message
):
    resp = client.post("/teams/new", data=profile_form(profile_raw(**overrides)))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html
    assert "镁合金压铸、铝合金轻量化构件" in html or overrides.get("research_fields") == ""
    assert 'value="赵强"' in html or "members" in overrides  # the table rows come back too
    assert count(TeamProfile) == 0 and count(SearchOutbox) == 0


def test_editing_keeps_the_rows_and_saves_changes(client, researcher, teams: TeamsFactory):
    profile = teams.profile(researcher)
    page = client.get(f"/teams/{profile.id}/edit").get_data(as_text=True)
    assert 'value="王芳"' in page and 'value="ZL202110123456.7"' in page
    assert page.count('name="member_name"') == 4  # two typed, two spare
    raw = profile_raw(team_name="轻合金团队（更名）", leader_title="研究员")
    data = {**profile_form(raw), "version": profile.version_id}
    assert client.post(f"/teams/{profile.id}/edit", data=data).status_code == 302
    db.refresh_read_session()
    saved = db.session().get(TeamProfile, profile.id)
    assert saved.team_name == "轻合金团队（更名）" and saved.leader_title == "研究员"
    assert saved.version_id == profile.version_id + 1


def test_a_stale_edit_gets_409_and_keeps_what_was_typed(app, teams: TeamsFactory, factory, login):
    owner = teams.researcher()
    profile = teams.profile(owner)
    colleague = factory.member(owner)
    me, them = login(app.test_client(), owner), login(app.test_client(), colleague)
    first = {
        **profile_form(profile_raw(team_name="同事先保存的名称")),
        "version": profile.version_id,
    }
    assert them.post(f"/teams/{profile.id}/edit", data=first).status_code == 302
    mine = {**profile_form(profile_raw(team_name="我后保存的名称")), "version": profile.version_id}
    resp = me.post(f"/teams/{profile.id}/edit", data=mine)
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "已被他人修改并保存" in html and "我后保存的名称" in html
    db.refresh_read_session()
    assert db.session().get(TeamProfile, profile.id).team_name == "同事先保存的名称"
    # The page carries the new version: saving again on purpose works.
    assert f'name="version" value="{profile.version_id + 1}"' in html


def test_another_organisations_researcher_cannot_edit(client, teams: TeamsFactory, login):
    profile = teams.profile(is_public="")
    public = teams.profile()
    login(client, teams.researcher())
    missing = client.get("/teams/999999/edit").status_code
    assert missing == 404
    for target in (profile, public):
        assert client.get(f"/teams/{target.id}/edit").status_code == 404
        data = {**profile_form(profile_raw(team_name="改")), "version": target.version_id}
        assert client.post(f"/teams/{target.id}/edit", data=data).status_code == 404
    db.refresh_read_session()
    assert db.session().get(TeamProfile, public.id).team_name != "改"


def test_a_pending_member_cannot_edit_their_organisations_profile(
    client, teams: TeamsFactory, factory, login
):
    owner = teams.researcher()
    profile = teams.profile(owner, is_public="")
    login(client, factory.member(owner, approve=False))
    assert client.get(f"/teams/{profile.id}").status_code == 404
    assert client.get(f"/teams/{profile.id}/edit").status_code == 404
    assert "轻合金" not in client.get("/my/teams").get_data(as_text=True)


def test_an_unverified_organisation_is_refused_with_the_reason(client, teams: TeamsFactory, login):
    login(client, teams.researcher(verified=False))
    resp = client.post("/teams/new", data=profile_form(profile_raw()), follow_redirects=True)
    assert "您的单位尚未通过科技局认证" in resp.get_data(as_text=True)
    assert count(TeamProfile) == 0
    mine = client.get("/my/teams").get_data(as_text=True)
    assert "您的单位尚未通过科技局认证" in mine and "/teams/new" not in mine


def test_the_service_refuses_an_unverified_organisation(teams: TeamsFactory):
    from marketplace.errors import PermissionDenied
    from marketplace.teams import services
    from marketplace.teams.schemas import parse_profile

    with pytest.raises(PermissionDenied, match="尚未通过科技局认证"):
        services.create_profile(
            actor=teams.researcher(verified=False), data=parse_profile(profile_raw())
        )
    assert count(TeamProfile) == 0


def test_enterprises_cannot_create_profiles(client, factory, login):
    login(client, factory.org_user(Role.ENTERPRISE))
    assert client.get("/teams/new").status_code == 403
    assert client.post("/teams/new", data=profile_form(profile_raw())).status_code == 403
    assert count(TeamProfile) == 0
