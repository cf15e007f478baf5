"""The numpy query engine gives what Whoosh's own search gives: documents, scores, facets, order.

A real Whoosh index in a temporary folder, with several segments and deleted documents (an
edit is a delete plus an add), compared with ``searcher.search`` on the same index.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from whoosh import query as Q
from whoosh import sorting

from marketplace.search import engine as E
from marketplace.search import index as ix
from marketplace.search import whoosh_compat as W

TOPICS = [
    ("镁合金压铸件表面缺陷控制", "压铸 镁合金 气孔 缺陷 检测", "new_materials"),
    ("锂电池包热管理系统设计", "锂电池 热管理 储能 温度均衡", "new_energy"),
    ("不銹鋼管件焊縫自動檢測", "不锈钢 焊缝 机器视觉 检测", "equipment"),
    ("新能源汽车电驱壳体轻量化", "新能源汽车 铝合金 压铸 轻量化", "auto"),
    ("光伏组件隐裂机器视觉检测", "光伏 隐裂 机器视觉 缺陷", "optoelectronics"),
    ("医用高分子材料生物相容性", "医用 高分子 生物相容性 检测", "health"),
]


def _docs(n: int = 36) -> list[ix.Doc]:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        title, keywords, field = TOPICS[i % len(TOPICS)]
        other = TOPICS[(i * 7 + 3) % len(TOPICS)]
        kind = ("challenge", "profile", "achievement")[i % 3]
        out.append(
            ix.Doc(
                kind=kind, doc_id=i, title=f"{title}{'（二期）' if i > 5 else ''}",
                keywords=keywords, indicators=f"合格率≥{90 + i % 9}% 检测节拍 {i} 秒",
                body=f"{title}。{other[0]}的经验：{other[1]}。" * (1 + i % 4),
                field=field, status="published" if i % 5 else "closed", region="临海市",
                band="100-500" if i % 2 else "", budget=(i * 37 % 11) * 10_000 if i % 4 else None,
                deadline=now + timedelta(days=i * 13 % 29) if kind == "challenge" else None,
            )
        )  # fmt: skip
    return out


@pytest.fixture
def sx(tmp_path):
    docs = _docs()
    ix.rebuild(tmp_path / "ix", docs, last_outbox_id=1)
    sx = ix.SearchIndex.at(tmp_path / "ix")
    # Two more commits: an edit (deletes the old copy) and a new document, so the view
    # spans segments and must skip deleted documents.
    edited = dataclasses.replace(docs[4], title="光伏组件隐裂检测（改）")
    ix.write(sx, upserts=[edited], last_outbox_id=2)
    ix.write(sx, upserts=[dataclasses.replace(docs[1], doc_id=99)], last_outbox_id=3)
    yield sx
    sx.forget()


def _whoosh(node):
    """The same query in Whoosh's own query language."""
    if isinstance(node, E.Word):
        return Q.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, E.Prefix):
        return Q.Prefix(node.field, node.text, boost=node.boost)
    parts = [_whoosh(p) for p in node.parts]
    return Q.And(parts) if isinstance(node, E.AllOf) else Q.Or(parts)


NOT_META = Q.Not(Q.Term("kind", "meta"))
QUERIES = [
    "合金",
    "镁合金 压铸",
    "机器视觉 检测",
    "不锈钢",
    "锂",
    "新能源 轻量化 压铸",
]


@pytest.mark.parametrize("raw", QUERIES)
def test_the_engine_matches_and_scores_like_whoosh(sx, raw):
    from marketplace.search import service

    node = ix.build_query(service.parse(raw).terms)
    with sx.reading() as view:
        found = view.run(node, stop=1000)
        expected = view.searcher.search(Q.And([_whoosh(node), NOT_META]), limit=None)
        want = {hit.docnum: hit.score for hit in expected}
    assert found.total == len(want) > 0
    got = dict(zip(found.docnums, found.scores, strict=True))
    assert got.keys() == want.keys()
    for docnum, score in want.items():
        # Whoosh's And adds 1.0 for the kind filter (an unscored ID term)
        assert got[docnum] == pytest.approx(score - 1.0, rel=1e-6)


@pytest.mark.parametrize(
    ("raw", "phrases"),
    [
        ('"隐裂检测"', ["隐裂检测"]),
        ('"检测 节拍"', ["检测节拍"]),
        ('"机器视觉" "隐裂"', ["机器视觉", "隐裂"]),  # checked together, after the rest
    ],
)
def test_a_quoted_phrase_finds_exactly_the_texts_that_contain_it(sx, raw, phrases):
    from marketplace.search import service
    from marketplace.search import text as T

    node = ix.build_query(service.parse(raw).terms)
    with sx.reading() as view:
        found = view.run(node, stop=1000)
        searcher = view.searcher
        truth = set()
        for docnum in range(searcher.doc_count_all()):
            if searcher.reader().is_deleted(docnum):
                continue
            stored = searcher.stored_fields(docnum)
            text = "".join(str(stored.get(name) or "") for name in ix.TEXT_FIELDS)
            if all(p in T.fold(text).replace(" ", "") for p in phrases):
                truth.add(docnum)
    assert set(found.docnums) == truth and truth
    assert not found.timed_out
    with sx.reading() as view:  # the words in the other order are not the phrase
        reverse = view.run(ix.build_query(service.parse('"检测隐裂"').terms), stop=1000)
    assert reverse.total == 0


def test_facets_sorting_and_filters_agree_with_whoosh(sx):
    node = ix.build_query([("检测", False)])
    query = Q.And([_whoosh(node), NOT_META])
    with sx.reading() as view:
        searcher = view.searcher
        found = view.run(node, facets=ix.FACETS, stop=1000)
        facets = {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in ix.FACETS}
        expected = searcher.search(query, limit=None, groupedby=facets)
        for name in ix.FACETS:
            assert found.facets[name] == {k: v for k, v in expected.groups(name).items() if k}

        by_deadline = view.run(node, sort="deadline", stop=1000)
        deadlines = [searcher.stored_fields(d).get("deadline") for d in by_deadline.docnums]
        dated = [d for d in deadlines if d is not None]
        assert dated == sorted(dated) and deadlines[: len(dated)] == dated  # undated last

        by_budget = view.run(node, sort="budget", stop=1000)
        budgets = [searcher.stored_fields(d).get("budget", -1) for d in by_budget.docnums]
        assert budgets == sorted(budgets, reverse=True)

        energy = view.run(node, filters={"field": "new_energy"}, kinds=("challenge",), stop=99)
        for d in energy.docnums:
            stored = searcher.stored_fields(d)
            assert (stored["field"], stored["kind"]) == ("new_energy", "challenge")
        assert energy.total == len(
            searcher.search(
                Q.And([query, Q.Term("field", "new_energy"), Q.Term("kind", "challenge")]),
                limit=None,
            )
        )


def test_open_only_keeps_published_challenges_before_their_deadline(sx):
    node = ix.build_query([("检测", False)])
    moment = datetime(2027, 1, 10, tzinfo=UTC)
    naive = moment.replace(tzinfo=None)  # the index keeps naive UTC
    with sx.reading() as view:
        found = view.run(node, open_at=moment, stop=1000)
        everything = view.run(node, stop=1000)
        stored = [view.searcher.stored_fields(d) for d in everything.docnums]
    want = {
        d
        for d, f in zip(everything.docnums, stored, strict=True)
        if f["status"] == "published" and f.get("deadline") and f["deadline"] > naive
    }
    assert set(found.docnums) == want and 0 < len(want) < everything.total


def test_pages_follow_each_other_without_gaps_or_repeats(sx):
    node = ix.build_query([("检测", False)])
    with sx.reading() as view:
        whole = view.run(node, stop=1000).docnums
        pages = [view.run(node, start=s, stop=s + 5).docnums for s in range(0, len(whole), 5)]
    assert [d for page in pages for d in page] == whole


def test_an_edited_document_counts_once_in_the_view(sx):
    hits = ix.search(sx, ix.build_query([("光伏组件", False)]), per_page=100).hits
    keys = [f"{h.kind}:{h.doc_id}" for h in hits]
    assert len(keys) == len(set(keys))
    assert "光伏组件隐裂检测（改）" in [h.fields["title"] for h in hits]


def test_the_segment_cache_stays_within_its_budget(sx, monkeypatch):
    """Without the shared arrays (SearchIndex.shared off), each process caches its own."""
    small = E._Cache(max_bytes=4096)
    monkeypatch.setattr(E, "CACHE", small)
    monkeypatch.setattr(sx, "store", None)
    sx.forget()
    with sx.reading() as view:
        view.run(ix.build_query([("检测 压铸 锂电池 光伏", False)]), facets=ix.FACETS)
    assert small.bytes > 0 and (small.bytes <= 4096 or len(small._items) == 1)


def _postings_of(path) -> dict:
    storage_ix = ix._storage(path).open_index()
    with storage_ix.searcher() as searcher:
        reader = searcher.reader()
        out = {}
        for field_name, term in reader.all_terms():
            if field_name in (*ix.TEXT_FIELDS, "grams"):
                text = term.decode() if isinstance(term, bytes) else term
                ids, weights = E._postings(reader, field_name, text)
                out[(field_name, text)] = (ids.tolist(), weights.tolist())
    return out


def test_chunked_posting_runs_write_the_same_index_as_whoosh(tmp_path, monkeypatch):
    """limitmb=1 spills many sorted runs: ours pickles them in chunks, Whoosh one by one."""
    docs = _docs(400)
    runs = []
    monkeypatch.setattr(W.ChunkedPostingPool, "CHUNK", 7)  # many chunk boundaries
    monkeypatch.setattr(
        W.ChunkedPostingPool,
        "_add_run",
        lambda self, path: runs.append(path) or self.runs.append(path),
    )

    def build(path):
        index = ix._storage(path).create_index(ix.make_schema())
        writer = index.writer(limitmb=1, codec=ix.codec())
        for doc in docs:
            writer.add_document(**doc.fields())
        writer.commit()

    (tmp_path / "ours").mkdir()
    (tmp_path / "whoosh").mkdir()
    build(tmp_path / "ours")
    from whoosh import writing

    monkeypatch.setattr(writing, "PostingPool", W.WhooshPostingPool)
    build(tmp_path / "whoosh")
    ours, theirs = _postings_of(tmp_path / "ours"), _postings_of(tmp_path / "whoosh")
    assert len(runs) > 3 and len(ours) > 300 and ours == theirs
