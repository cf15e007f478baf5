"""Errors are localized pages with the right status, never a bare 500; the language switch."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po
from sqlalchemy import text

from marketplace import ROOT, db

from .factories import Factory, valid_uscc

CATALOGUE = ROOT / "marketplace" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_not_found_is_localized_in_both_languages(client):
    zh = client.get("/no-such-page")
    assert zh.status_code == 404
    assert "页面不存在" in zh.get_data(as_text=True)
    client.post("/lang/en")
    en = client.get("/no-such-page")
    assert en.status_code == 404
    html = en.get_data(as_text=True)
    assert 'lang="en"' in html
    assert "页面不存在" not in html


def test_unknown_language_code_is_refused_politely(client):
    resp = client.post("/lang/xx-evil")
    assert resp.status_code == 400
    assert "不支持该语言" in resp.get_data(as_text=True)


def test_language_switch_returns_to_the_same_page(client):
    resp = client.post("/lang/en", data={"next": "/register"})
    assert resp.headers["Location"] == "/register"
    page = client.get("/register").get_data(as_text=True)
    assert 'lang="en"' in page
    client.post("/lang/zh")
    assert 'lang="zh-CN"' in client.get("/register").get_data(as_text=True)


def test_oversized_request_gets_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    resp = client.post("/login", data={"email": "a@b.cn", "password": "x" * 5000})
    assert resp.status_code == 413
    assert "超过了允许的大小" in resp.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    resp = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["status"] == 404


def test_unexpected_errors_are_a_localized_500_page(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    resp = client.get("/boom-for-test")
    assert resp.status_code == 500
    assert "服务器出现错误" in resp.get_data(as_text=True)
    assert "RuntimeError" not in resp.get_data(as_text=True)


def test_a_locked_database_gets_503_with_retry_after(app, client, database_url):
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100
    app.extensions["db_engine"].dispose()
    from marketplace.db import make_engine

    app.extensions["db_engine"] = make_engine(database_url, busy_timeout_ms=100)
    form = {
        "org_name": "临海市锁表测试有限公司",
        "kind": "enterprise",
        "region": "临海市",
        "uscc": valid_uscc(31337),
        "name": "赵六",
        "email": "zhao@example.cn",
        "role": "enterprise",
        "password": "Sturdy-Pass-2026",
        "confirm": "Sturdy-Pass-2026",
    }
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        holder.execute("BEGIN IMMEDIATE")
        try:
            resp = client.post("/register/organisation", data=form)
        finally:
            holder.rollback()
            holder.close()
    else:
        other = make_engine(database_url)
        with other.connect() as conn:
            conn.execute(text("BEGIN"))
            conn.execute(text("LOCK TABLE organisation IN ACCESS EXCLUSIVE MODE"))
            try:
                resp = client.post("/register/organisation", data=form)
            finally:
                conn.rollback()
        other.dispose()
    assert resp.status_code == 503
    assert resp.headers["Retry-After"]
    assert "系统繁忙" in resp.get_data(as_text=True)
    # Nothing half-written, and the same form succeeds once the lock is gone.
    assert client.post("/register/organisation", data=form).status_code == 302


def test_english_catalogue_is_complete_and_current(tmp_path):
    """Every string in the code has an English translation (run `make extract-messages`)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",  # babel.cfg's patterns are relative to the project root
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    have = {m.id: m for m in catalogue if m.id}
    missing = sorted(wanted - set(have))
    untranslated = sorted(i for i in wanted & set(have) if not have[i].string or have[i].fuzzy)
    assert len(wanted) > 300, "extraction found too few messages: is babel.cfg read?"
    assert not missing, f"not in the English catalogue: {missing[:10]}"
    assert not untranslated, f"no English translation: {untranslated[:10]}"


def test_pages_render_in_english_without_chinese_leftovers_in_the_nav(client):
    client.post("/lang/en")
    html = client.get("/login").get_data(as_text=True)
    nav = html.split("<main")[0]
    assert "登录" not in nav and "注册" not in nav


def test_dates_are_shown_in_shanghai_time(client, factory: Factory, login):
    from marketplace.accounts.models import Organisation

    user = factory.org_user(verified=False)
    org = db.session().get(Organisation, user.organisation_id)
    login(client, factory.staff())
    page = client.get(f"/staff/organisations/{org.id}").get_data(as_text=True)
    shanghai = org.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert shanghai.strftime("%Y-%m-%d %H:%M") in page


def test_absurd_ids_and_nul_bytes_get_clear_answers_not_500(client, factory: Factory, login):
    assert client.get("/challenges/99999999999999999999999").status_code == 404
    assert client.get("/challenges?field=a%00b").status_code == 400
    from marketplace.accounts.models import Role

    login(client, factory.org_user(Role.ENTERPRISE))
    resp = client.post("/challenges/new", data={"title": "含\x00字符"})
    assert resp.status_code == 400
    assert "请求格式不正确" in resp.get_data(as_text=True)
