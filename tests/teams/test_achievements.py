"""Technology achievements (科技成果): listing one for transfer, editing it, bad inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import func, select

from marketplace import db
from marketplace.outbox import SearchOutbox
from marketplace.teams.models import Achievement, TransferMode

from .conftest import TeamsFactory, achievement_form, achievement_raw


def count(model) -> int:
    return db.session().exec(select(func.count()).select_from(model)).one()


def test_an_achievement_is_saved_with_price_in_fen_and_normalized_patents(client, researcher):
    resp = client.post("/achievements/new", data=achievement_form(achievement_raw()))
    assert resp.status_code == 302
    item = db.session().exec(select(Achievement)).one()
    assert resp.headers["Location"].endswith(f"/achievements/{item.id}")
    assert item.organisation_id == researcher.organisation_id
    assert item.asking_price_fen == 150 * 1_000_000
    assert item.transfer_mode is TransferMode.LICENCE and item.trl == 6
    assert item.ip_status == "发明专利 ZL202110123456.7（已授权）\nCN115123456A（实审中）"
    page = client.get(f"/achievements/{item.id}").get_data(as_text=True)
    assert "150.00 万元" in page and "许可" in page and "TRL 6" in page
    assert "相关环境中完成原型或中试验证" in page  # the level is explained
    assert "<strong>≥120 W/(m·K)</strong>" in page


def test_an_empty_price_means_negotiable(client, researcher):
    client.post("/achievements/new", data=achievement_form(achievement_raw(asking_price="")))
    item = db.session().exec(select(Achievement)).one()
    assert item.asking_price_fen is None
    assert "面议" in client.get(f"/achievements/{item.id}").get_data(as_text=True)
    assert "面议" in client.get("/achievements").get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("CN 2023 1 0123456.7", "CN202310123456.7"),
        ("ZL202310123456.7", "ZL202310123456.7"),
        ("zl 98123456.x", "ZL98123456.X"),
        ("CN115123456A、CN115123457B", "CN115123456A\nCN115123457B"),
        ("ZL２０２３１０１２３４５６．７（已转让）", "ZL202310123456.7（已转让）"),
        ("实用新型：CN218123456U", "实用新型 CN218123456U"),
        ("", ""),
    ],
)
def test_patent_numbers_are_accepted_in_the_ways_people_write_them(
    client, researcher, text, stored
):
    resp = client.post("/achievements/new", data=achievement_form(achievement_raw(ip_status=text)))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert db.session().exec(select(Achievement.ip_status)).one() == stored


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trl": "0"}, "技术成熟度应为 1 到 9 之间的整数（现为“0”）"),
        ({"trl": "10"}, "技术成熟度应为 1 到 9 之间的整数（现为“10”）"),
        ({"trl": ""}, "请选择技术成熟度（1–9 级）"),
        ({"ip_status": "专利若干"}, "无法识别“专利若干”：每行写一个专利号"),
        ({"ip_status": "ZL202310123456.7（已授权"}, "无法识别“ZL202310123456.7（已授权”"),
        ({"ip_status": "ZL202310123456.7\n123abc"}, "专利号“123abc”格式不正确"),
        ({"ip_status": "CN202310123456"}, "缺少最后的校验位"),
        ({"ip_status": "ZL202350123456.7"}, "表示专利类型的数字应为 1、2、3、8 或 9"),
        ({"ip_status": "ZL209910123456.7"}, "申请年份 2099 不合理"),
        ({"asking_price": "-5"}, "报价不能为负数；面议请留空"),
        ({"asking_price": "0"}, "报价应大于 0；面议请留空"),
        ({"asking_price": "十万"}, "请填写报价（万元）"),
        ({"asking_price": "12.345"}, "最多两位小数"),
        ({"asking_price": "200000"}, "报价超过上限 10 亿元"),
        ({"field": "space"}, "请选择所属产业领域"),
        ({"transfer_mode": "gift"}, "请选择转化方式"),
        ({"title": ""}, "此项为必填项"),
        ({"summary": ""}, "此项为必填项"),
    ],
)
def test_bad_input_gets_a_precise_message_and_nothing_is_stored(
    client, researcher, overrides, message
):
    resp = client.post("/achievements/new", data=achievement_form(achievement_raw(**overrides)))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html
    assert 'value="高导热镁合金压铸件制备技术"' in html or overrides.get("title") == ""
    assert "5G 基站散热壳体" in html or overrides.get("summary") == ""
    assert count(Achievement) == 0 and count(SearchOutbox) == 0


def test_an_achievement_can_name_its_own_team_but_not_another_organisations(
    client, researcher, teams: TeamsFactory
):
    own = teams.profile(researcher)
    foreign = teams.profile()
    page = client.get(f"/achievements/new?team={own.id}").get_data(as_text=True)
    assert f'<option value="{own.id}" selected>' in page
    assert foreign.team_name not in page or own.team_name == foreign.team_name
    resp = client.post(
        "/achievements/new", data=achievement_form(achievement_raw(team_id=str(foreign.id)))
    )
    assert resp.status_code == 422 and "请选择本单位的团队" in resp.get_data(as_text=True)
    assert count(Achievement) == 0
    client.post("/achievements/new", data=achievement_form(achievement_raw(team_id=str(own.id))))
    item = db.session().exec(select(Achievement)).one()
    assert item.team_id == own.id
    assert "高导热镁合金压铸件制备技术" in client.get(f"/teams/{own.id}").get_data(as_text=True)


def test_editing_an_achievement(client, researcher, teams: TeamsFactory):
    item = teams.achievement(researcher)
    page = client.get(f"/achievements/{item.id}/edit").get_data(as_text=True)
    assert 'value="150"' in page and "ZL202110123456.7（已授权）" in page
    data = {
        **achievement_form(achievement_raw(asking_price="", trl="7", transfer_mode="equity")),
        "version": item.version_id,
    }
    assert client.post(f"/achievements/{item.id}/edit", data=data).status_code == 302
    db.refresh_read_session()
    saved = db.session().get(Achievement, item.id)
    assert saved.asking_price_fen is None and saved.trl == 7
    assert saved.transfer_mode is TransferMode.EQUITY


def test_a_stale_achievement_edit_gets_409_and_keeps_what_was_typed(
    app, teams: TeamsFactory, factory, login
):
    owner = teams.researcher()
    item = teams.achievement(owner)
    me, them = login(app.test_client(), owner), login(app.test_client(), factory.member(owner))
    token = item.version_id
    first = {**achievement_form(achievement_raw(title="同事先保存的名称")), "version": token}
    assert them.post(f"/achievements/{item.id}/edit", data=first).status_code == 302
    mine = {**achievement_form(achievement_raw(title="我后保存的名称")), "version": token}
    resp = me.post(f"/achievements/{item.id}/edit", data=mine)
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "已被他人修改并保存" in html and "我后保存的名称" in html
    db.refresh_read_session()
    saved = db.session().get(Achievement, item.id)
    assert saved.title == "同事先保存的名称"
    assert f'name="version" value="{saved.version_id}"' in html


def test_another_organisations_researcher_cannot_edit(client, teams: TeamsFactory, login):
    item = teams.achievement()
    login(client, teams.researcher())
    assert client.get(f"/achievements/{item.id}/edit").status_code == 404
    data = {**achievement_form(achievement_raw(title="改")), "version": item.version_id}
    assert client.post(f"/achievements/{item.id}/edit", data=data).status_code == 404
    assert client.post("/achievements/999999/edit", data=data).status_code == 404
    db.refresh_read_session()
    assert db.session().get(Achievement, item.id).title != "改"


def test_an_unverified_organisation_is_refused_with_the_reason(client, teams: TeamsFactory, login):
    login(client, teams.researcher(verified=False))
    resp = client.get("/achievements/new", follow_redirects=True)
    assert "您的单位尚未通过科技局认证" in resp.get_data(as_text=True)
    resp = client.post("/achievements/new", data=achievement_form(achievement_raw()))
    assert resp.status_code == 302
    assert count(Achievement) == 0


def test_odd_input_is_never_a_500(client, researcher):
    from .conftest import profile_form, profile_raw

    huge = "9" * 25
    for url in (f"/teams/{huge}", f"/achievements/{huge}", f"/achievements/{huge}/edit"):
        assert client.get(url).status_code == 404
    resp = client.post("/achievements/new", data=achievement_form(achievement_raw(team_id=huge)))
    assert resp.status_code == 422 and "请选择本单位的团队" in resp.get_data(as_text=True)
    # PostgreSQL refuses NUL characters in text: any request carrying one is a clear 400.
    assert client.get("/teams?q=%00").status_code == 400
    resp = client.post("/teams/new", data=profile_form(profile_raw(team_name="轻合金\x00团队")))
    assert resp.status_code == 400
    resp = client.post(
        "/achievements/new", data=achievement_form(achievement_raw(summary="a\x00b"))
    )
    assert resp.status_code == 400
    assert db.session().exec(select(Achievement.summary)).all() == []


def test_a_stale_edit_is_refused_even_when_both_saves_share_one_clock_tick(
    app, teams: TeamsFactory, factory, login
):
    # The lock is the row's version, not its save time: two saves within one tick of the
    # clock (frozen here) used to look alike, and the second silently overwrote the first.
    owner = teams.researcher()
    item = teams.achievement(owner)
    assert item.version_id == 1
    me, them = login(app.test_client(), owner), login(app.test_client(), factory.member(owner))
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=1), tick=False):
        first = {**achievement_form(achievement_raw(title="同事先保存的名称")), "version": "1"}
        assert them.post(f"/achievements/{item.id}/edit", data=first).status_code == 302
        mine = {**achievement_form(achievement_raw(title="我后保存的名称")), "version": "1"}
        resp = me.post(f"/achievements/{item.id}/edit", data=mine)
    assert resp.status_code == 409, resp.headers.get("Location")
    html = resp.get_data(as_text=True)
    assert "已被他人修改并保存" in html and "我后保存的名称" in html
    assert 'name="version" value="2"' in html
    db.refresh_read_session()
    saved = db.session().get(Achievement, item.id)
    assert saved.title == "同事先保存的名称" and saved.version_id == 2
