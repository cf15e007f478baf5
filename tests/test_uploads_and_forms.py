"""Uploads, downloads and forms as a user meets them (issue #9, items 12, 13, 14 and 19).

An upload error lands on a page that shows it; a download is a PDF named as one; a patent
number is stored as typed or refused; a form lists its errors at the top; and a form whose token
expired comes back with what was typed instead of a dead end.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlmodel import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from marketplace import create_app, db
from marketplace.accounts.models import Role, User
from marketplace.bids.models import Bid, BidAttachment
from marketplace.challenges.models import Challenge, ChallengeAttachment, Indicator
from marketplace.teams.models import TeamProfile

from .bids.conftest import bid_form
from .conftest import IsolatedClient, base_config, csrf_token_from
from .factories import Factory, challenge_raw, form_data
from .teams.conftest import profile_form, profile_raw

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def count(model) -> int:
    return db.session().exec(select(func.count()).select_from(model)).one()


def post_file(client, url: str, content: bytes | None, name: str = "方案.pdf"):
    # Encoded in memory: werkzeug's test client spools big bodies to a temporary file that it
    # never closes, which the warnings-as-errors run would report.
    fields = MultiDict()
    if content is not None:
        fields["file"] = FileStorage(io.BytesIO(content), filename=name)
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def followed(client, resp) -> str:
    """The page a browser shows after a redirect."""
    return client.get(resp.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def draft(client, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    login(client, issuer)
    return factory.challenge(issuer, stage="draft")


@pytest.fixture
def bidder(app, factory: Factory, login):
    """A research team's own browser, and the id of the bid it opened on an open challenge."""
    challenge = factory.challenge(factory.org_user(Role.ENTERPRISE), stage="open")
    browser = login(app.test_client(), factory.org_user(Role.RESEARCHER))
    resp = browser.post(f"/challenges/{challenge.id}/bid")
    return browser, int(resp.headers["Location"].split("/bids/")[1].split("/")[0])


# --- item 12: limits and names ----------------------------------------------------------------


def test_the_413_page_names_the_attachment_limit(app, client, draft):
    too_big = PDF[:-6] + b"0" * (11 * 1024 * 1024) + b"%%EOF\n"
    resp = post_file(client, f"/challenges/{draft.id}/attachments", too_big)
    assert resp.status_code == 413
    page = resp.get_data(as_text=True)
    assert "10 MB" in page and "16 MB" not in page
    # The text follows the setting, whatever it is, also for a request over the body limit.
    app.config["ATTACHMENT_MAX_BYTES"] = 5 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 6 * 1024 * 1024
    page = post_file(client, f"/challenges/{draft.id}/attachments", too_big).get_data(as_text=True)
    assert "5 MB" in page and "10 MB" not in page
    assert count(ChallengeAttachment) == 0


@pytest.mark.parametrize(
    ("typed", "served"),
    [
        ("evil.exe", "evil.pdf"),
        ("报价\u202efdp.exe", "报价fdp.pdf"),
        ("方案\u200b（终稿）.PDF", "方案（终稿）.PDF"),
        ("..\\..\\secret\x07.pdf", "secret.pdf"),
        ("\u2067.pdf", "attachment.pdf"),
    ],
)
def test_downloads_are_named_as_pdfs_without_control_characters(client, draft, typed, served):
    assert post_file(client, f"/challenges/{draft.id}/attachments", PDF, typed).status_code == 302
    attachment = db.session().exec(select(ChallengeAttachment)).one()
    assert attachment.original_name == served
    with client.get(f"/challenges/attachments/{attachment.id}") as download:
        disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert ".exe" not in disposition and "%E2%80%AE" not in disposition.upper()


def test_a_file_stored_before_the_fix_is_still_served_under_a_safe_name(bidder):
    client, bid_id = bidder
    assert post_file(client, f"/bids/{bid_id}/attachments", PDF).status_code == 302
    attachment = db.session().exec(select(BidAttachment)).one()
    with db.session().begin_nested():  # as an older version stored it
        attachment.original_name = "合同\u202eexe.fdp.exe"
    db.session().commit()
    with client.get(f"/bids/attachments/{attachment.id}") as download:
        disposition = download.headers["Content-Disposition"]
    assert ".exe" not in disposition.split("filename*=")[-1].lower()
    assert "%E2%80%AE" not in disposition.upper() and disposition.endswith(".pdf")


def _answers(bid_id: int) -> dict:
    db.refresh_read_session()
    return db.session().get(Bid, bid_id).content["answers"]


def test_a_bid_draft_keeps_a_bounded_number_of_answers(bidder):
    client, bid_id = bidder
    bid = db.session().get(Bid, bid_id)
    data = bid_form(
        db.session().get(Challenge, bid.challenge_id), db.session().get(User, bid.leader_id)
    )
    data.update({f"answer_{n}": "很长的应答" * 800 for n in range(10_000, 10_300)})
    data.update({"answer_x": "junk", "answer_": "junk", "answer_٣": "junk"})
    data["version"] = str(bid.version_id)
    assert client.post(f"/bids/{bid_id}/edit", data=data).status_code == 302
    answers = _answers(bid_id)
    assert len(answers) <= 30  # a challenge has at most 30 indicators
    assert all(re.fullmatch(r"[1-9][0-9]*", key) for key in answers)


def test_a_bid_draft_keeps_answers_only_for_the_challenges_indicators(bidder):
    client, bid_id = bidder
    bid = db.session().get(Bid, bid_id)
    data = bid_form(
        db.session().get(Challenge, bid.challenge_id), db.session().get(User, bid.leader_id)
    )
    data.update({"answer_999999": "不存在的指标", "version": str(bid.version_id)})
    assert client.post(f"/bids/{bid_id}/edit", data=data).status_code == 302
    ids = set(
        db.session().exec(select(Indicator.id).where(Indicator.challenge_id == bid.challenge_id))
    )
    answers = _answers(bid_id)
    assert answers and set(answers) == {str(i) for i in ids}


def test_rebuilding_the_index_keeps_the_folders_readme(app, tmp_path):
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text("derived data\n", encoding="utf-8")
    (folder / ".gitkeep").write_text("", encoding="utf-8")
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["marketplace", "index", "rebuild"])
        assert result.exit_code == 0, result.output
    assert (folder / "README.md").read_text(encoding="utf-8") == "derived data\n"
    assert (folder / ".gitkeep").exists()
    assert not [p for p in folder.parent.iterdir() if ".old-" in p.name or ".rebuild-" in p.name]


# --- item 13: upload errors land on a page that shows them -------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "", "请选择要上传的 PDF 文件"),
        (b"MZ\x90\x00 not a pdf", "病毒.pdf", "不是有效的 PDF 文件"),
    ],
)
def test_upload_errors_redirect_to_a_page_with_the_message(
    client, draft, bidder, content, name, message
):
    browser, bid_id = bidder
    for who, url, back in (
        (client, f"/challenges/{draft.id}/attachments", f"/challenges/{draft.id}"),
        (browser, f"/bids/{bid_id}/attachments", f"/bids/{bid_id}/edit"),
    ):
        resp = post_file(who, url, content, name)
        assert resp.status_code == 303, url
        assert resp.headers["Location"] == back
        assert message in followed(who, resp)
    assert count(ChallengeAttachment) == 0 and count(BidAttachment) == 0


def test_one_file_too_many_redirects_with_the_message(app, client, draft, bidder):
    browser, bid_id = bidder
    for who, url in ((client, f"/challenges/{draft.id}/attachments"),
                     (browser, f"/bids/{bid_id}/attachments")):  # fmt: skip
        for _ in range(30):
            if post_file(who, url, PDF).status_code != 302:
                break
        resp = post_file(who, url, PDF)
        assert resp.status_code == 303, url
        assert "最多" in followed(who, resp)
    stored = [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*.pdf")]
    assert len(stored) == count(ChallengeAttachment) + count(BidAttachment)


# --- item 14: patent numbers are stored as typed or refused -----------------------------------


def _researcher(client, factory: Factory, login):
    user = factory.org_user(Role.RESEARCHER)
    login(client, user)
    return user


@pytest.mark.parametrize("number", ["2023-12345", "202312345", "ZL2023-10123456.7", "98-123456.7"])
def test_a_patent_number_that_cannot_be_read_is_refused_not_rewritten(
    client, factory, login, number
):
    _researcher(client, factory, login)
    works = [{"kind": "patent", "title": "一种方法", "number": number, "year": ""}]
    resp = client.post("/teams/new", data=profile_form(profile_raw(works=works)))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f"专利号“{number}”格式不正确" in page
    assert f'value="{number}"' in page  # what was typed comes back, unchanged
    assert count(TeamProfile) == 0


def test_a_patent_number_in_a_known_shape_is_stored(client, factory, login):
    _researcher(client, factory, login)
    works = [{"kind": "patent", "title": "一种方法", "number": "2023 1 0123456.7", "year": ""}]
    assert client.post("/teams/new", data=profile_form(profile_raw(works=works))).status_code == 302
    profile = db.session().exec(select(TeamProfile)).one()
    assert profile.achievements[0]["number"] == "202310123456.7"


# --- item 19: error summary and expired form tokens --------------------------------------------


def _summary(page: str) -> str:
    """The error banner above the form."""
    head = page.split('<form method="post" novalidate>')[0]
    match = re.search(r'<div class="flash flash-error error-summary".*?</div>', head, re.S)
    assert match, "no error summary above the form"
    return match.group(0)


def test_the_team_profile_form_lists_every_error_at_the_top_with_links(client, factory, login):
    _researcher(client, factory, login)
    works = [{"kind": "patent", "title": "一种方法", "number": "12345", "year": ""}]
    raw = profile_raw(team_name="", works=works)
    resp = client.post("/teams/new", data=profile_form(raw))
    assert resp.status_code == 422
    summary = _summary(resp.get_data(as_text=True))
    assert '<a href="#team_name-error">' in summary and "此项为必填项" in summary
    assert '<a href="#works-error">' in summary and "专利号“12345”格式不正确" in summary


def test_the_achievement_form_lists_its_errors_at_the_top(client, factory, login):
    _researcher(client, factory, login)
    data = {"title": "", "field": "materials", "summary": "x", "trl": "0", "transfer_mode": ""}
    summary = _summary(client.post("/achievements/new", data=data).get_data(as_text=True))
    assert '<a href="#title-error">' in summary and '<a href="#trl-error">' in summary


@pytest.fixture
def csrf_app(database_url, tmp_path):
    app = create_app({**base_config(tmp_path, database_url), "WTF_CSRF_ENABLED": True})
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


def _csrf_login(client, user) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": user.email, "password": Factory.PASSWORD}
    assert client.post("/login", data=data).status_code == 302


def test_an_expired_form_comes_back_with_what_was_typed_and_saves_nothing(csrf_app):
    client = csrf_app.test_client()
    _csrf_login(client, Factory(csrf_app).org_user(Role.RESEARCHER))
    token = csrf_token_from(client.get("/teams/new").get_data(as_text=True))
    raw = profile_raw(
        team_name="夜里填写的团队",
        leader_title='"><script>alert(1)</script>',
        equipment="扫描电镜\n<b>压铸机</b>",
    )
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = -1  # every token has expired
    resp = client.post("/teams/new", data={**profile_form(raw), "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "表单已过期" in page and "重新提交" in page
    assert 'value="夜里填写的团队"' in page and 'value="赵强"' in page
    assert "扫描电镜\n&lt;b&gt;压铸机&lt;/b&gt;</textarea>" in page
    assert 'value="ZL 2021 1 0123456.7"' in page  # as typed, not as it would be stored
    assert "<script>alert" not in page and 'value="&quot;&gt;&lt;script&gt;alert(1)' in page
    assert count(TeamProfile) == 0
    # Sending it again from the page it came back on works.
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    again = client.post(
        "/teams/new", data={**profile_form(raw), "csrf_token": csrf_token_from(page)}
    )
    assert again.status_code == 302
    assert db.session().exec(select(TeamProfile.team_name)).one() == "夜里填写的团队"


def test_an_unchecked_box_stays_unchecked_on_the_page_that_comes_back(csrf_app):
    client = csrf_app.test_client()
    _csrf_login(client, Factory(csrf_app).org_user(Role.RESEARCHER))
    token = csrf_token_from(client.get("/teams/new").get_data(as_text=True))
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = -1
    data = {**profile_form(profile_raw(is_public="")), "csrf_token": token}
    page = client.post("/teams/new", data=data).get_data(as_text=True)
    box = re.search(r'<input type="checkbox" name="is_public"[^>]*>', page).group(0)
    assert "checked" not in box


def test_a_forged_or_missing_token_gets_no_form_back(csrf_app):
    client = csrf_app.test_client()
    _csrf_login(client, Factory(csrf_app).org_user(Role.RESEARCHER))
    raw = profile_raw(team_name="别人替你填写的团队")
    for token in ("forged.token.value", None):
        data = profile_form(raw) | ({"csrf_token": token} if token else {})
        resp = client.post("/teams/new", data=data)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400
        assert "表单已过期或来源无法验证" in page
        assert "别人替你填写的团队" not in page
    assert count(TeamProfile) == 0


def test_an_expired_login_form_keeps_the_email_but_never_the_password(csrf_app):
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = -1
    data = {"csrf_token": token, "email": "wang@org.example.cn", "password": "Secret-Typed-9"}
    page = client.post("/login", data=data).get_data(as_text=True)
    assert 'value="wang@org.example.cn"' in page
    assert "Secret-Typed-9" not in page


def test_an_expired_bid_form_comes_back_filled_and_nothing_is_saved_or_submitted(csrf_app):
    factory = Factory(csrf_app)
    challenge = factory.challenge(factory.org_user(Role.ENTERPRISE), stage="open")
    team = factory.org_user(Role.RESEARCHER)
    client = csrf_app.test_client()
    _csrf_login(client, team)
    token = csrf_token_from(client.get(f"/challenges/{challenge.id}").get_data(as_text=True))
    started = client.post(f"/challenges/{challenge.id}/bid", data={"csrf_token": token})
    edit_url = started.headers["Location"]
    page = client.get(edit_url).get_data(as_text=True)
    bid = db.session().exec(select(Bid)).one()
    data = bid_form(challenge, team, approach="熬夜写完的技术路线", action="submit")
    data.update(version=str(bid.version_id), csrf_token=csrf_token_from(page))
    data["idempotency_key"] = re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = -1
    resp = client.post(edit_url, data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "表单已过期" in page
    assert "熬夜写完的技术路线</textarea>" in page and 'value="完成小试工艺验证"' in page
    answer = next(v for k, v in data.items() if k.startswith("answer_"))
    assert f"{answer}</textarea>" in page
    db.refresh_read_session()
    bid = db.session().get(Bid, bid.id)
    assert bid.submitted_version in (None, 0) and bid.content["approach"] == ""
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    again = client.post(edit_url, data={**data, "csrf_token": csrf_token_from(page)})
    assert again.status_code == 302 and "/receipt/" in again.headers["Location"]


def test_an_expired_challenge_form_comes_back_filled(csrf_app):
    client = csrf_app.test_client()
    _csrf_login(client, Factory(csrf_app).org_user(Role.ENTERPRISE))
    token = csrf_token_from(client.get("/challenges/new").get_data(as_text=True))
    raw = challenge_raw(title="下班前写好的榜单")
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = -1
    resp = client.post("/challenges/new", data={**form_data(raw), "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'value="下班前写好的榜单"' in page
    assert f'value="{raw["indicators"][0]["name"]}"' in page
    assert re.search(rf'<option value="{raw["field"]}" selected>', page)
    assert count(Challenge) == 0
