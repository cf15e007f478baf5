"""Who sees what, the public lists, and the search outbox that keeps private things unindexed."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.outbox import DocType, OutboxOp, SearchOutbox
from marketplace.teams import services
from marketplace.teams.schemas import parse_achievement, parse_profile

from ..conftest import counting_queries
from .conftest import TeamsFactory, achievement_raw, profile_raw


def titles(html: str, path: str) -> list[str]:
    return re.findall(rf'<h2><a href="/{path}/\d+">([^<]+)</a></h2>', html)


def outbox() -> list[tuple[DocType, int, OutboxOp]]:
    rows = db.session().exec(select(SearchOutbox).order_by(SearchOutbox.id)).all()
    return [(r.doc_type, r.doc_id, r.op) for r in rows]


@pytest.fixture
def world(teams: TeamsFactory, factory):
    owner = teams.researcher()
    team = teams.profile(owner, team_name="公开团队")
    hidden = teams.profile(owner, team_name="内部团队", is_public="")
    return {
        "owner": owner,
        "colleague": factory.member(owner),
        "team": team,
        "hidden": hidden,
        "achievement": teams.achievement(owner, title="公开成果", team_id=str(team.id)),
        "secret": teams.achievement(owner, title="内部成果", team_id=str(team.id), is_public=""),
    }


@pytest.mark.parametrize(
    ("who", "sees_private"),
    [
        ("anonymous", False),
        ("other_researcher", False),
        ("enterprise", False),
        ("expert", False),
        ("owner", True),
        ("colleague", True),
        ("staff", True),
        ("admin", True),
    ],
)
def test_private_profiles_and_achievements_are_only_for_insiders_and_staff(
    client, factory, teams: TeamsFactory, login, world, who, sees_private
):
    users = {
        "other_researcher": lambda: teams.researcher(),
        "enterprise": lambda: factory.org_user(Role.ENTERPRISE),
        "expert": factory.expert,
        "staff": factory.staff,
        "admin": factory.admin,
        "owner": lambda: world["owner"],
        "colleague": lambda: world["colleague"],
    }
    if who != "anonymous":
        login(client, users[who]())
    hidden = 200 if sees_private else 404
    assert client.get(f"/teams/{world['team'].id}").status_code == 200
    assert client.get(f"/achievements/{world['achievement'].id}").status_code == 200
    assert client.get(f"/teams/{world['hidden'].id}").status_code == hidden
    assert client.get(f"/achievements/{world['secret'].id}").status_code == hidden
    # A private achievement is not even named on its (public) team's page to outsiders.
    assert ("内部成果" in client.get(f"/teams/{world['team'].id}").get_data(as_text=True)) == (
        sees_private
    )
    # The public lists never show private ones, not even to their owners.
    assert titles(client.get("/teams").get_data(as_text=True), "teams") == ["公开团队"]
    listed = titles(client.get("/achievements").get_data(as_text=True), "achievements")
    assert listed == ["公开成果"]


def test_my_teams_lists_public_and_private_with_edit_links(client, login, world):
    login(client, world["colleague"])
    html = client.get("/my/teams").get_data(as_text=True)
    for key in ("team", "hidden"):
        assert f"/teams/{world[key].id}/edit" in html
    for key in ("achievement", "secret"):
        assert f"/achievements/{world[key].id}/edit" in html
    assert "/teams/new" in html and "/achievements/new" in html
    assert "不公开" in html


def test_the_team_list_filters_by_keyword(client, teams: TeamsFactory):
    owner = teams.researcher()
    teams.profile(
        owner, team_name="生物医药团队", keywords="原料药、连续流", research_fields="制药工艺"
    )
    teams.profile(owner, team_name="光电团队", keywords="激光", research_fields="光学镀膜")
    teams.profile(owner, team_name="连续流隐藏团队", keywords="连续流", is_public="")
    assert titles(client.get("/teams?q=连续流").get_data(as_text=True), "teams") == ["生物医药团队"]
    assert titles(client.get("/teams?q=镀膜").get_data(as_text=True), "teams") == ["光电团队"]
    # LIKE wildcards are taken literally; nonsense is simply not found.
    assert titles(client.get("/teams?q=%25").get_data(as_text=True), "teams") == []
    assert client.get("/teams?q=" + "长" * 500 + "&page=-3").status_code == 200


def test_the_achievement_list_filters_by_field_and_mode(client, teams: TeamsFactory):
    owner = teams.researcher()
    teams.achievement(owner, title="医药成果", field="pharma", transfer_mode="assignment")
    teams.achievement(owner, title="材料成果", field="materials", transfer_mode="joint")
    html = client.get("/achievements?field=pharma").get_data(as_text=True)
    assert titles(html, "achievements") == ["医药成果"]
    html = client.get("/achievements?mode=joint").get_data(as_text=True)
    assert titles(html, "achievements") == ["材料成果"]
    assert client.get("/achievements?field=%3Cscript%3E&mode=x").status_code == 200


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("teams", lambda t, owner, n: t.profile(owner, team_name=f"团队{n:02d}")),
        ("achievements", lambda t, owner, n: t.achievement(owner, title=f"成果{n:02d}")),
    ],
)
def test_pagination_and_a_constant_number_of_queries(app, client, teams: TeamsFactory, path, make):
    app.config["PAGE_SIZE"] = 5
    owner = teams.researcher()
    first = [make(teams, owner, n) for n in range(3)]
    with counting_queries() as few:
        client.get(f"/{path}")
    for n in range(3, 12):
        make(teams, owner, n)
    with counting_queries() as many:
        html = client.get(f"/{path}?page=2").get_data(as_text=True)
    assert len(titles(html, path)) == 5
    assert "第 2 / 3 页，共 12 条" in html
    assert len(few) == len(many)
    detail = []
    for item in (first[0], first[2]):
        with counting_queries() as statements:
            assert client.get(f"/{path}/{item.id}").status_code == 200
        detail.append(len(statements))
    assert detail[0] == detail[1]


# --- the search outbox ------------------------------------------------------------------------


KINDS = {
    "profile": (
        DocType.PROFILE,
        lambda owner, **kw: services.create_profile(
            actor=owner, data=parse_profile(profile_raw(**kw))
        ),
        lambda owner, item, **kw: services.update_profile(
            actor=owner,
            profile_id=item.id,
            data=parse_profile(profile_raw(**kw)),
            expected_version=item.version_id,
        ),
    ),
    "achievement": (
        DocType.ACHIEVEMENT,
        lambda owner, **kw: services.create_achievement(
            actor=owner, data=parse_achievement(achievement_raw(**kw))
        ),
        lambda owner, item, **kw: services.update_achievement(
            actor=owner,
            achievement_id=item.id,
            data=parse_achievement(achievement_raw(**kw)),
            expected_version=item.version_id,
        ),
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_outbox_rows_follow_visibility(teams: TeamsFactory, kind):
    doc_type, create, update = KINDS[kind]
    owner = teams.researcher()
    public = create(owner)
    assert outbox() == [(doc_type, public.id, OutboxOp.UPSERT)]
    public = update(owner, public)  # still public: the changed text is indexed again
    assert outbox()[-1] == (doc_type, public.id, OutboxOp.UPSERT)
    made_private = update(owner, public, is_public="")
    assert outbox()[-1] == (doc_type, made_private.id, OutboxOp.DELETE)
    before = len(outbox())
    still_private = update(owner, made_private, is_public="")
    assert len(outbox()) == before  # a private edit writes nothing
    update(owner, still_private, is_public="on")
    assert outbox()[-1] == (doc_type, still_private.id, OutboxOp.UPSERT)


@pytest.mark.parametrize("kind", list(KINDS))
def test_creating_a_private_one_writes_no_outbox_row(teams: TeamsFactory, kind):
    _doc_type, create, _update = KINDS[kind]
    create(teams.researcher(), is_public="")
    assert outbox() == []


def test_outbox_rows_are_written_through_the_web_form_too(client, researcher):
    from .conftest import achievement_form, profile_form

    client.post("/teams/new", data=profile_form(profile_raw(is_public="")))
    client.post("/achievements/new", data=achievement_form(achievement_raw()))
    assert [(t, op) for t, _id, op in outbox()] == [(DocType.ACHIEVEMENT, OutboxOp.UPSERT)]
