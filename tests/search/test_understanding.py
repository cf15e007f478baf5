"""Search understands what people type: abbreviations and English names, synonyms, questions,
partial matches, typos and variant characters; staff extend the thesaurus; bad input is a
clear page, never a 500, and never slow."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.search import service
from marketplace.search import text as T
from marketplace.search import thesaurus as TH
from marketplace.search import understand as U
from marketplace.search.thesaurus_models import ThesaurusEntry

from ..factories import Factory
from .test_search import found

TITLES = {
    "pvdf": "聚偏氟乙烯中空纤维膜耐污染改性",
    "iot": "物联网设备远程运维平台开发",
    "solar_word": "太阳能电池片隐裂在线识别",
    "solar_exact": "光伏支架抗风结构优化",
    "recycle": "废旧锂电池回收中的有价金属提取",
    "carbon": "碳纤维复合材料无人机机臂轻量化",
    "mg": "镁合金压铸件表面缺陷控制",
    "choline": "膽堿類飼料添加劑穩定性提升",
    "cnc": "数控机床主轴热误差补偿",
}


@pytest.fixture
def corpus(factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    return {
        key: factory.challenge(issuer, title=title, problem=f"{title}。", background="",
                               deliverables="技术报告一份。", qualifications="有相关经验")
        for key, title in TITLES.items()
    }  # fmt: skip


def page(client, q: str, **args) -> str:
    return client.get("/search", query_string={"q": q, **args}).get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PVDF", TITLES["pvdf"]),  # abbreviation of a material named in Chinese
        ("pvdf 改性", TITLES["pvdf"]),
        ("IoT", TITLES["iot"]),  # English abbreviation
        ("CNC", TITLES["cnc"]),
        ("锂电 回收", TITLES["recycle"]),  # short form of 锂电池
    ],
)
def test_abbreviations_and_english_names_find_the_chinese_text(client, corpus, query, expected):
    assert expected in found(client, query)


def test_a_synonym_finds_the_other_word_and_the_exact_word_ranks_first(client, corpus):
    titles = found(client, "光伏")
    assert titles[0] == TITLES["solar_exact"]  # the word as typed
    assert TITLES["solar_word"] in titles  # 光伏 = 太阳能电池
    html = page(client, "光伏")
    assert "同义词：光伏 → " in html and "太阳能电池" in html.split("同义词：光伏 → ")[1][:80]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("有没有锂电池回收的需求", TITLES["recycle"]),
        ("寻找做碳纤维复合材料的团队", TITLES["carbon"]),
        ("关于镁合金压铸方面的榜单", TITLES["mg"]),
        ("请问有没有做数控机床的任务", TITLES["cnc"]),
    ],
)
def test_questions_lose_their_question_words(client, corpus, query, expected):
    assert found(client, query)[:1] == [expected]
    assert "部分匹配" not in page(client, query)


def test_a_word_no_document_has_falls_back_to_partial_matches_and_says_so(client, corpus):
    assert found(client, "镁合金 区块链")[:1] == [TITLES["mg"]]
    assert "没有同时包含全部词语的结果，以下为部分匹配" in page(client, "镁合金 区块链")
    assert "部分匹配" not in page(client, "镁合金 压铸")


@pytest.mark.parametrize(
    ("typo", "corrected", "expected"),
    [
        ("聚偏弗乙烯", "聚偏氟乙烯", TITLES["pvdf"]),  # same sound
        ("碳纤堆", "碳纤维", TITLES["carbon"]),  # index corrector (维/堆 look alike)
        ("镁合金压祷", "镁合金压铸", TITLES["mg"]),  # same shape
    ],
)
def test_a_typo_is_corrected_at_once_and_the_page_says_so(
    client, corpus, typo, corrected, expected
):
    html = page(client, typo)
    assert f"已显示“{corrected}”的结果" in html and f"仍搜索“{typo}”" in html
    assert found(client, typo)[:1] == [expected]
    as_typed = page(client, typo, exact="1")
    assert "已显示" not in as_typed


def test_the_confusion_table_guesses_one_and_two_swaps():
    guesses = U.spelling_guesses("聚偏弗乙稀")
    assert "聚偏氟乙烯" in guesses
    assert len(U.spelling_guesses("氟" * 40)) <= U.MAX_GUESSES


def test_variant_characters_fold_so_choline_finds_its_traditional_form(client, corpus):
    assert T.fold("膽堿") == "胆碱"
    assert found(client, "胆碱") == [TITLES["choline"]]


def test_every_variant_in_the_table_folds_and_opencc_leaves_no_gap_in_the_dictionary():
    bench = Path(__file__).resolve().parents[2] / "bench"
    sys.path.insert(0, str(bench))
    try:
        import folding_gaps
    finally:
        sys.path.remove(str(bench))
    chars = folding_gaps.dictionary_characters()
    assert len(chars) > 500
    assert folding_gaps.gaps(chars, tables=False) == {}
    lines = T.VARIANTS_FILE.read_text(encoding="utf-8").splitlines()
    pairs = [line.split() for line in lines if line and not line.startswith("#")]
    assert len(pairs) > 60
    for variant, simple in pairs:
        assert T.fold(variant) == simple, variant


def test_the_shipped_thesaurus_has_hundreds_of_groups_in_every_field():
    groups = TH.shipped_groups()
    assert len(groups) >= 300 and sum(len(g) for g in groups) >= 800
    source = TH.SOURCE.read_text(encoding="utf-8")
    for field in ("新材料", "医疗器械", "人工智能", "新能源", "农业"):
        assert field in source
    for term in ("光伏", "聚偏氟乙烯", "物联网", "锂电", "数控机床"):
        assert TH.Thesaurus.alternatives(_shipped(), term), term


def _shipped() -> TH.Thesaurus:
    thesaurus = TH.Thesaurus()
    for group in TH.shipped_groups():
        thesaurus.add_group(list(group))
    return thesaurus


# --- staff extend it ------------------------------------------------------------------------


def test_staff_add_a_synonym_audited_and_search_uses_it_at_once(client, corpus, factory, login):
    assert found(client, "飞控支臂") == []
    staff = factory.staff()
    login(client, staff)
    resp = client.post("/staff/settings/thesaurus", data={"terms": "飞控支臂 = 无人机机臂"})
    assert resp.status_code == 302
    assert found(client, "飞控支臂") == [TITLES["carbon"]]  # no rebuild
    listing = client.get("/staff/settings/thesaurus").get_data(as_text=True)
    assert "飞控支臂 = 无人机机臂" in listing
    s = db.session()
    entry = s.exec(select(ThesaurusEntry)).one()
    events = s.exec(
        select(AuditEvent).where(AuditEvent.object_type == "search_thesaurus_entry")
    ).all()
    assert [(e.action, e.actor_id, e.after) for e in events] == [
        ("thesaurus.add", staff.id, {"terms": "飞控支臂 = 无人机机臂"})
    ]
    assert client.post(f"/staff/settings/thesaurus/{entry.id}/delete").status_code == 302
    assert found(client, "飞控支臂") == []
    actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions[-1] == "thesaurus.remove"


def test_only_staff_reach_the_thesaurus_page(client, factory, login):
    assert client.get("/staff/settings/thesaurus").status_code == 302  # to the login page
    login(client, factory.org_user(Role.ENTERPRISE))
    assert client.get("/staff/settings/thesaurus").status_code == 403
    assert client.post("/staff/settings/thesaurus", data={"terms": "甲 = 乙"}).status_code == 403


@pytest.mark.parametrize(
    "terms",
    [
        "<script>alert(1)</script> = 光伏",
        "光伏",
        "光伏 = 光伏",
        "PV = pv",
        'a"onmouseover=x = 光伏',
    ],
)
def test_a_bad_staff_entry_is_refused_with_a_message(client, factory, login, terms):
    login(client, factory.staff())
    resp = client.post("/staff/settings/thesaurus", data={"terms": terms})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "<script>alert" not in html
    assert not db.session().exec(select(ThesaurusEntry)).all()


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["有没有", "寻找 团队", "关于的需求", "请问 有没有 什么 任务"])
def test_a_query_of_only_question_words_gets_a_clear_message(client, corpus, query):
    resp = client.get("/search", query_string={"q": query})
    assert resp.status_code == 200
    assert "请写出要找的技术、产品或材料" in resp.get_data(as_text=True)


def test_loops_and_explosions_in_the_thesaurus_stay_fast_and_bounded(
    app, client, corpus, factory, login
):
    login(client, factory.staff())
    groups = ["镁合金 = 轻合金 = 镁合金", "轻合金 = 镁合金"]  # loops
    groups += [" = ".join(["镁合金"] + [f"镁材料{i}{j}" for j in range(10)]) for i in range(30)]
    for terms in groups:
        assert client.post("/staff/settings/thesaurus", data={"terms": terms}).status_code == 302
    alternatives = TH.current().alternatives("镁合金")
    assert len(alternatives) == TH.MAX_ALTERNATIVES and "镁合金" not in alternatives
    started = time.monotonic()
    assert found(client, "镁合金")[:1] == [TITLES["mg"]]
    assert found(client, "镁合金 " * 12)[:1] == [TITLES["mg"]]
    assert page(client, "镁合金 钛合金 聚偏弗乙烯 碳纤堆 光伏 物联网 数控机床 胆碱 锂电 PVDF")
    assert time.monotonic() - started < 3.0  # three queries, each well under a second


def test_matching_explains_a_match_by_the_thesaurus(app, corpus):
    """Matching names a synonym as what a match shares ("光伏 → 太阳能电池"); it does not
    search by it (index.MATCH_SYNONYM_WEIGHT: it cost matching quality)."""
    synonyms = TH.current().alternatives_of
    shared = service.shared_terms(["光伏", "隐裂"], T.fold(TITLES["solar_word"]), synonyms)
    assert shared == ["光伏 → 太阳能电池", "隐裂"]
