"""Search: Chinese segmentation and sub-words, the outbox, recovery, sealing, bad input."""

from __future__ import annotations

import gc
import re
import shutil
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.challenges import services as ch
from marketplace.outbox import SearchOutbox
from marketplace.search import index as ix
from marketplace.search import service

from ..factories import Factory
from ..teams.conftest import TeamsFactory


def found(client, q: str, **filters) -> list[str]:
    html = client.get("/search", query_string={"q": q, **filters}).get_data(as_text=True)
    titles = re.findall(
        r"<a href=\"/(?:challenges|teams|achievements)/\d+\"><strong>(.*?)</strong>", html
    )
    return [re.sub(r"</?mark>", "", t) for t in titles]


@pytest.fixture
def corpus(factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    docs = {
        "mg": factory.challenge(issuer, title="镁合金压铸件表面缺陷控制"),
        "battery": factory.challenge(issuer, title="锂电池包热管理系统设计", field="energy"),
        "steel": factory.challenge(issuer, title="不銹鋼管件焊縫自動檢測", field="equipment"),
        "ev": factory.challenge(issuer, title="新能源汽车电驱壳体轻量化", field="auto"),
        "apart": factory.challenge(issuer, title="新能源储能与汽车电子散热", field="energy"),
        "draft": factory.challenge(issuer, title="尚未提交的草稿榜单钛合金", stage="draft"),
    }
    return docs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("合金", "镁合金压铸件表面缺陷控制"),  # a term inside a longer word
        ("电池", "锂电池包热管理系统设计"),
        ("不锈钢", "不銹鋼管件焊縫自動檢測"),  # simplified finds traditional
        ("焊縫檢測", "不銹鋼管件焊縫自動檢測"),  # traditional query
        ("镁合金 压铸", "镁合金压铸件表面缺陷控制"),
    ],
)
def test_chinese_segmentation_subwords_and_folding(client, corpus, query, expected):
    assert expected in found(client, query)


def test_quoted_phrases_match_the_words_in_order(client, corpus):
    assert found(client, '"新能源汽车"') == ["新能源汽车电驱壳体轻量化"]
    both = found(client, "新能源 汽车")
    assert "新能源储能与汽车电子散热" in both and "新能源汽车电驱壳体轻量化" in both


def test_drafts_and_sealed_bids_are_never_searchable(client, corpus, factory: Factory, login):
    from ..bids.conftest import bid_form

    assert found(client, "钛合金") == []
    team = factory.org_user(Role.RESEARCHER)
    login(client, team)
    bid_id = int(
        client.post(f"/challenges/{corpus['mg'].id}/bid").headers["Location"].split("/")[2]
    )
    db.refresh_read_session()
    from marketplace.bids.models import Bid

    version = db.session().get(Bid, bid_id).version_id
    client.post(
        f"/bids/{bid_id}/edit",
        data={**bid_form(corpus["mg"], team, approach="密封标记 ZQX9 技术路线"),
              "action": "submit", "idempotency_key": "s", "version": version},
    )  # fmt: skip
    assert found(client, "ZQX9") == []
    assert found(client, "密封标记") == []


def test_outbox_is_applied_in_order_and_exactly_once(app, corpus, factory: Factory):
    assert service.catch_up() > 0
    assert service.catch_up() == 0
    last = db.session().exec(select(func.max(SearchOutbox.id))).one()
    assert service.current().last_applied() == last
    staff = factory.staff()
    ch.cancel_challenge(actor=staff, challenge_id=corpus["mg"].id, reason="企业撤回")
    assert service.catch_up() == 1
    hit = service.current().searcher().document(id=f"challenge:{corpus['mg'].id}")
    assert hit["status"] == "cancelled"
    assert service.verify().clean


def test_rebuild_equals_the_database(app, corpus, factory: Factory):
    teams = TeamsFactory(factory)
    teams.profile()
    teams.profile(is_public="")  # private: never indexed
    teams.achievement()
    count = service.rebuild()
    assert count == 5 + 1 + 1  # public challenges, the public profile, the achievement
    assert service.current().count() == count
    assert service.verify().clean
    runner = app.test_cli_runner()
    result = runner.invoke(args=["marketplace", "index", "verify"])
    assert result.exit_code == 0 and "index matches the database" in result.output


def test_an_index_from_an_older_text_pipeline_is_reported_until_rebuilt(
    app, corpus, factory: Factory, monkeypatch
):
    monkeypatch.setattr(ix, "FORMAT", ix.FORMAT - 1)
    service.rebuild()  # as an older version of the app built it
    monkeypatch.undo()
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer, title="旧格式索引里新增的榜单")
    assert service.catch_up() > 0  # incremental writes keep the format the index has
    runner = app.test_cli_runner()
    result = runner.invoke(args=["marketplace", "index", "verify"])
    assert result.exit_code == 1 and "index rebuild" in result.output
    assert service.verify().outdated
    assert runner.invoke(args=["marketplace", "index", "rebuild"]).exit_code == 0
    assert service.verify().clean


def test_a_change_made_while_the_index_is_locked_appears_afterwards(client, app, factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    service.catch_up()
    # Another process holds the write lock.
    holder = ix.whoosh_index.open_dir(app.config["SEARCH_INDEX_DIR"]).writer()
    try:
        challenge = factory.challenge(issuer, title="锁定期间发布的碳纤维榜单")
        assert found(client, "碳纤维") == []  # the request still works
    finally:
        holder.cancel()
    assert found(client, "碳纤维") == ["锁定期间发布的碳纤维榜单"]
    assert challenge.code


def test_a_deleted_index_loses_nothing(client, app, corpus):
    service.catch_up()
    path = Path(app.config["SEARCH_INDEX_DIR"])
    service.current().forget()
    shutil.rmtree(path)
    assert "镁合金压铸件表面缺陷控制" in found(client, "镁合金")
    assert service.verify().clean


# Whoosh leaves the corrupt table-of-contents file open when it refuses it; collect it here.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_corrupt_index_is_a_message_then_rebuild_restores_it(client, app, corpus, factory):
    service.catch_up()
    path = Path(app.config["SEARCH_INDEX_DIR"])
    service.current().forget()
    for toc in path.glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    resp = client.get("/search", query_string={"q": "合金"})
    assert resp.status_code == 200
    assert "搜索服务暂时不可用" in resp.get_data(as_text=True)
    # Writes go on while the index is broken; the database is the truth.
    factory.challenge(
        corpus["mg"] and factory.org_user(Role.ENTERPRISE), title="损坏期间的光纤榜单"
    )
    result = app.test_cli_runner().invoke(args=["marketplace", "index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert found(client, "光纤") == ["损坏期间的光纤榜单"]
    assert service.verify().clean
    gc.collect()


@pytest.mark.parametrize(
    "query",
    ["", "   ", "合金" * 1000, '"未闭合的引号', "((合金", "合金))", "*", "?",
     "title:合金", "nofield:xyz", "😀🚗", "Li-ion 电池 😀", "AND OR NOT", "\\", "%_%"],
)  # fmt: skip
def test_odd_queries_get_a_page_never_a_500(client, corpus, query):
    start = time.monotonic()
    resp = client.get("/search", query_string={"q": query})
    assert resp.status_code == 200
    assert time.monotonic() - start < 1.5
    if query.strip() in {"*", "?"}:
        assert "请输入要搜索的内容" in resp.get_data(as_text=True)
    if len(query) > 200:
        assert "查询内容过长" in resp.get_data(as_text=True)


def test_facets_filters_and_did_you_mean(client, corpus):
    html = client.get("/search", query_string={"q": "设计 OR 热管理"}).get_data(as_text=True)
    assert "找到约" in html
    assert found(client, "新能源", field="auto") == ["新能源汽车电驱壳体轻量化"]
    page = client.get("/search", query_string={"q": "新能源"}).get_data(as_text=True)
    assert "新能源环保" in page and "(1)" in page  # facet label with its count
    typo = client.get("/search", query_string={"q": "镁合全"}).get_data(as_text=True)
    assert "已显示“镁合金”的结果" in typo  # corrected at once (test_understanding.py)
    as_typed = client.get("/search", query_string={"q": "镁合全", "exact": "1"})
    assert "您是不是要找" in as_typed.get_data(as_text=True)


def test_matching_explains_itself_both_ways(client, corpus, factory: Factory, login):
    teams = TeamsFactory(factory)
    owner = teams.researcher()
    profile = teams.profile(owner)  # 轻合金成形与表面工程团队: 镁合金、压铸、涂层
    issuer_id = corpus["mg"].organisation_id
    from marketplace.accounts.models import User

    issuer = db.session().exec(select(User).where(User.organisation_id == issuer_id)).first()
    login(client, issuer)
    page = client.get(f"/challenges/{corpus['mg'].id}").get_data(as_text=True)
    section = page.split('id="matches"')[1]
    assert "轻合金成形与表面工程团队" in section and "匹配依据" in section
    assert "镁合金" in section.split("匹配依据")[1][:200]
    client.post("/logout")
    login(client, owner)
    team_page = client.get(f"/teams/{profile.id}").get_data(as_text=True)
    assert "镁合金压铸件表面缺陷控制" in team_page.split('id="matches"')[1]


def test_only_the_index_and_its_compatibility_wall_import_whoosh():
    root = Path(__file__).resolve().parents[2] / "marketplace"
    importers = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*.py")
        if re.search(r"^\s*(from|import) whoosh", p.read_text(), re.M)
    }
    assert importers == {"search/index.py", "search/whoosh_compat.py"}
    assert ix.make_schema()


def test_search_answers_from_a_worker_thread(app, corpus):
    """Web servers answer in threads: the query time limit must not rely on signals."""
    import threading

    out: list[int] = []

    def worker():
        client = app.test_client()
        html = client.get("/search", query_string={"q": "合金"}).get_data(as_text=True)
        html = re.sub(r"</?mark>", "", html)
        out.append("镁合金压铸件表面缺陷控制" in html and "暂时不可用" not in html)

    t = threading.Thread(target=worker)
    t.start()
    t.join(30)
    assert out == [True]


def test_the_search_box_markup_is_well_formed(client):
    html = client.get("/search").get_data(as_text=True)
    box = next(b for b in re.findall(r'<input type="search" name="q"[^>]*>', html) if "例如" in b)
    assert box.count('"') % 2 == 0 and "“新能源汽车”" in box


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("锂离子电池隔膜涂覆工艺", "锂"),  # one character finds the words that start with it
        ("高功率雷射焊接头", "激光"),  # a Taiwan word finds the mainland one
        ("激光切割头冷却", "雷射"),
        ("车间VOCs在线监测", "VOC"),
        ("专利ZL202310123456.7的转化", "ZL 2023 1 0123456.7"),  # as printed on a certificate
    ],
)
def test_short_terms_regional_words_and_numbers(client, factory: Factory, title, query):
    factory.challenge(factory.org_user(Role.ENTERPRISE), title=title)
    assert title in found(client, query)


def test_an_edited_document_is_found_once_with_its_new_text(client, factory: Factory):
    staff = factory.staff()
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, title="旧标题的氢能储运榜单")
    assert found(client, "氢能") == ["旧标题的氢能储运榜单"]  # the warm searcher is open
    from marketplace.challenges import amendments
    from marketplace.challenges.schemas import parse_challenge

    from ..factories import challenge_raw

    data = parse_challenge(challenge_raw(title="新标题的氢能储运榜单"), now=db.utcnow())
    amendment = amendments.propose_amendment(
        actor=issuer, challenge_id=challenge.id, data=data, reason="更名"
    )
    amendments.decide_amendment(actor=staff, amendment_id=amendment.id, approve=True)
    assert found(client, "氢能") == ["新标题的氢能储运榜单"]
