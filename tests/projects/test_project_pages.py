"""The project pages by role: the public list, the project page, the 任务书 page, form and PDF."""

from __future__ import annotations

import io

import time_machine
from pypdf import PdfReader

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.projects.models import Project, ProjectStatus
from marketplace.projects.taskbook import indicators_of


def test_the_public_list_shows_public_fields_only(project, client):
    p = project["project"]
    page = client.get("/projects").get_data(as_text=True)
    assert p.number in page and "东海理工大学" in page and "250.00" in page
    assert project["leader"].email not in page and "通过工艺优化达到" not in page
    notice = client.get(f"/notices/{project['award'].id}").get_data(as_text=True)
    assert f"立项为项目 {p.number}" in notice


def test_the_project_page_is_for_the_parties_and_staff(project, app, login, factory):
    p = project["project"]
    outsider = factory.org_user(Role.RESEARCHER)
    expected = {
        "issuer": 200, "leader": 200, "staff": 200, "outsider": 404,
        "other_bidder": 404, "expert": 404,
    }  # fmt: skip
    people = {
        "issuer": project["issuer"], "leader": project["leader"], "staff": project["staff"],
        "outsider": outsider, "other_bidder": project["teams"][1],
        "expert": project["experts"][0],
    }  # fmt: skip
    assert app.test_client().get(f"/projects/{p.id}").status_code == 302
    for name, user in people.items():
        client = login(app.test_client(), user)
        for url in (f"/projects/{p.id}", f"/projects/{p.id}/task-book"):
            assert client.get(url).status_code == expected[name], (name, url)
        edit = client.get(f"/projects/{p.id}/task-book/edit").status_code
        assert edit == (200 if name == "staff" else 403), name


def test_staff_edit_refuses_a_weaker_target_with_the_input_kept(project, app, login):
    p = project["project"]
    capacity, consistency = indicators_of(db.session(), p.id)
    form = {
        "version": "1", "start_on": "2027-02-01", "first_tranche_percent": "30",
        "funding_mode": "lump_sum", "leader_pledge": "承诺按期完成",
        f"target_{capacity.id}": "≥190", f"target_{consistency.id}": "≤2",
    }  # fmt: skip
    with time_machine.travel(project["at"], tick=False):
        client = login(app.test_client(), project["staff"])
        resp = client.post(f"/projects/{p.id}/task-book/edit", data=form)
        assert resp.status_code == 422
        html = resp.get_data(as_text=True)
        assert "低于揭榜承诺的 205" in html and 'value="≥190"' in html
        form[f"target_{capacity.id}"] = "≥206"
        resp = client.post(f"/projects/{p.id}/task-book/edit", data=form)
        assert resp.status_code == 302
        page = client.get(f"/projects/{p.id}/task-book").get_data(as_text=True)
    db.refresh_read_session()
    assert db.session().get(Project, p.id).task_book_version == 2
    assert "≥206" in page and "第 2 版" in page


def test_the_parties_confirm_on_the_page_and_the_timeline_shows_it(project, app, login):
    p = project["project"]
    with time_machine.travel(project["at"], tick=False):
        for user in (project["issuer"], project["leader"], project["staff"]):
            client = login(app.test_client(), user)
            page = client.get(f"/projects/{p.id}").get_data(as_text=True)
            assert "确认任务书" in page
            resp = client.post(f"/projects/{p.id}/task-book/confirm", data={"version": "1"})
            assert resp.status_code == 302
        page = client.get(f"/projects/{p.id}").get_data(as_text=True)
        # A stale confirmation is refused with a message, not a 500.
        again = client.post(f"/projects/{p.id}/task-book/confirm", data={"version": "1"})
        assert again.status_code in (409, 422)
    db.refresh_read_session()
    assert db.session().get(Project, p.id).status is ProjectStatus.ACTIVE
    assert "执行中" in page and "确认任务书" not in page.split('id="timeline-title"')[0]
    timeline = page.split('data-testid="timeline"')[1]
    assert timeline.count("确认任务书") == 3 and "任务书签订，项目开始执行" in timeline
    assert "创建项目" in timeline and "记录经费承诺" in timeline


def test_the_task_book_pdf_opens_and_names_the_project(active_project, app, login):
    p = active_project["project"]
    client = login(app.test_client(), active_project["issuer"])
    resp = client.get(f"/projects/{p.id}/task-book.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert p.number in text and "揭榜挂帅项目任务书" in text
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts  # the CJK font is embedded (the text above came out of it)
