"""The rebuild's one-pass writer (segment_writer.py) writes the index Whoosh's writer writes.

The same documents go through Whoosh's own SegmentWriter and through ours: in one process the
segment files are byte for byte the same; through two writer processes (documents split
between two segments) every posting list, stored document, field length and search result is
the same per document key.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from whoosh.codec.whoosh3 import W3Codec

from marketplace.search import engine as E
from marketplace.search import index as ix
from marketplace.search import segment_writer as SW
from marketplace.search import text as T

NOW = datetime(2027, 3, 1, tzinfo=UTC)
TEXTS = [
    ("镁合金压铸件表面缺陷控制", "压铸 镁合金 气孔 缺陷 检测", "合格率≥95% 检测节拍 12 秒"),
    (
        "鋰電池包熱管理系統設計",
        "锂电池 热管理 储能 溫度均衡",
        "寿命≥3000次；180 Wh/kg",
    ),
    ("不銹鋼管件焊縫自動檢測", "ＳＵＳ３０４ 焊缝　机器视觉 检测", "漏检率＜0.1％，节拍（秒）：８"),
    ("新能源汽车电驱壳体轻量化", "6061-T6 铝合金 XK-3050 压铸", "减重 ≥ 15 %；成本不增加"),
    ("光伏组件隐裂机器视觉检测", "Li-ion IGBT 5G CAR-T ZL202310123456.7", "识别率 99.5%"),
    ("医用高分子材料生物相容性", "ΟΔΟΣ ﬁber Kelvin café PVDF 膽堿", ""),
    ("检", "检 测", "单"),
]


def _docs(n: int) -> list[ix.Doc]:
    out = []
    for i in range(n):
        title, keywords, indicators = TEXTS[i % len(TEXTS)]
        other = TEXTS[(i * 5 + 2) % len(TEXTS)]
        kind = ("challenge", "profile", "achievement")[i % 3]
        out.append(
            ix.Doc(
                kind=kind, doc_id=i // 3, title=f"{title}{i % 11}",
                keywords=keywords if i % 4 else "",
                indicators=indicators if kind == "challenge" else "",
                body=f"{other[0]}，{other[1]}：{title}。" * (1 + i % 5) + f"编号 ZL20231{i:07d}.X",
                field=("materials", "energy", "equipment")[i % 3],
                status="published" if i % 5 else "closed",
                region=("临海市", "椒江区", "黄岩区")[i % 3], band="100-500" if i % 2 else "",
                org=f"台州{i % 13}有限公司", budget=(i * 37 % 11) * 10_000 if i % 4 else None,
                deadline=NOW + timedelta(days=i % 29, seconds=i) if kind == "challenge" else None,
                published=NOW - timedelta(days=i % 40, minutes=i) if i % 2 else None,
            )
        )  # fmt: skip
    return out


META = {"id": ix.META_ID, "kind": "meta", "last_outbox_id": 7, "format": ix.FORMAT}


def _codec(blocklimit: int = 1024) -> W3Codec:
    codec = W3Codec(blocklimit=blocklimit)
    codec.length_stats = False  # as ix.rebuild writes
    return codec


def _whoosh_index(path, docs, codec):
    path.mkdir()
    index = ix._storage(path).create_index(ix.make_schema())
    writer = index.writer(codec=codec)
    for doc in docs:
        writer.add_document(**doc.fields())
    writer.add_document(**META)
    writer.commit()
    return index


def _our_index(path, docs, codec, procs: int):
    path.mkdir()
    index = ix._storage(path).create_index(ix.make_schema())
    SW.prepare()
    written = SW.write(index, codec, [*docs, META], ix._rebuild_tokens, procs=procs)
    assert written == len(docs) + 1
    return index


def _segment_files(index) -> list[dict[str, bytes]]:
    """Each segment's files by extension (the segment id taken out of the names)."""
    out = []
    for segment in index._segments():
        storage = segment.open_compound_file(index.storage)
        files = {}
        try:
            for name in storage.list():
                with storage.open_file(name) as f:
                    files[name.replace(segment.segment_id(), "")] = f.read()
        finally:
            storage.close()
        out.append(files)
    return out


def test_one_process_writes_whooshs_files_byte_for_byte(tmp_path):
    """Blocks of 7 postings, so that most posting lists have several blocks."""
    docs = _docs(150)
    theirs = _whoosh_index(tmp_path / "whoosh", docs, _codec(7))
    ours = _our_index(tmp_path / "ours", docs, _codec(7), procs=1)
    [their_files], [our_files] = _segment_files(theirs), _segment_files(ours)
    assert set(our_files) == set(their_files) and ".pst" in our_files and ".trm" in our_files
    for ext in sorted(their_files):
        assert our_files[ext] == their_files[ext], ext
    [their_segment], [our_segment] = theirs._segments(), ours._segments()
    assert our_segment.doc_count_all() == their_segment.doc_count_all() == len(docs) + 1
    assert dict(our_segment._fieldlengths) == dict(their_segment._fieldlengths)


def _by_key(index) -> dict:
    """Everything a reader sees, with documents named by their key instead of docnum."""
    with index.searcher() as searcher:
        reader = searcher.reader()
        keys = {d: f["id"] for d, f in enumerate(searcher.all_stored_fields())}
        assert len(keys) == reader.doc_count_all()
        postings = {}
        for name, term in reader.all_terms():
            m = reader.postings(name, term)
            got = []
            while m.is_active():
                got.append((keys[m.id()], m.weight(), m.value()))
                m.next()
            postings[(name, term)] = sorted(got)
        lengths = {
            (keys[d], name): reader.doc_field_length(d, name)
            for d in keys
            for name in (*ix.TEXT_FIELDS, "grams")
        }
        totals = {name: reader.field_length(name) for name in (*ix.TEXT_FIELDS, "grams")}
        stats = {
            (name, term): (reader.doc_frequency(name, term), reader.frequency(name, term))
            for name, term in postings
        }
        stored = {f["id"]: f for f in searcher.all_stored_fields()}
        columns = {
            name: sorted(
                zip(keys.values(), reader.column_reader(name, translate=False), strict=True)
            )
            for name in ("budget", "deadline", "published")
        }
        return {
            "postings": postings, "lengths": lengths, "totals": totals, "stats": stats,
            "stored": stored, "columns": columns, "count": reader.doc_count_all(),
        }  # fmt: skip


QUERIES = ["合金", "镁合金 压铸", "检测", "不锈钢", "锂", "sus304", "ZL202310123456.7", "li-ion",
           "机器视觉 缺陷", "café", "胆碱", "6061", '"热管理系统"', "检"]  # fmt: skip


def _results(path) -> dict[str, list]:
    sx = ix.SearchIndex.at(path)
    sx.store = None  # the engine's own cache: no shared array files in the test folders
    out = {}
    for q in QUERIES:
        phrase = q.startswith('"')
        node = ix.build_query([(q.strip('"'), phrase)])
        found = ix.search(sx, node, per_page=1000)
        out[q] = sorted((h.kind, h.doc_id, round(h.score, 9)) for h in found.hits)
        out[q + " facets"] = found.facets
        assert found.total == len(found.hits)
    sx.forget()
    return out


def test_two_processes_give_every_document_the_same_postings_and_scores(tmp_path, monkeypatch):
    monkeypatch.setattr(SW, "BATCH", 16)  # many batches, shared by both processes
    docs = _docs(300)
    theirs = _whoosh_index(tmp_path / "whoosh", docs, _codec())
    ours = _our_index(tmp_path / "ours", docs, _codec(), procs=2)
    assert len(ours._segments()) == 2
    mine, expected = _by_key(ours), _by_key(theirs)
    assert len(expected["postings"]) > 1000
    for part in expected:
        assert mine[part] == expected[part], part
    theirs_found, ours_found = _results(tmp_path / "whoosh"), _results(tmp_path / "ours")
    assert sum(len(v) for v in ours_found.values()) > 300
    assert ours_found == theirs_found


def test_rebuild_finds_what_whooshs_writer_found(tmp_path):
    """ix.rebuild end to end (two processes, the default batch), against Whoosh's index."""
    docs = _docs(700)
    _whoosh_index(tmp_path / "whoosh", docs, _codec())
    assert ix.rebuild(tmp_path / "ours", docs, last_outbox_id=7) == len(docs)
    sx = ix.SearchIndex.at(tmp_path / "ours")
    assert sx.last_applied() == 7 and sx.format() == ix.FORMAT and sx.count() == len(docs)
    assert len(sx.open()._segments()) == 2
    sx.forget()
    assert _results(tmp_path / "ours") == _results(tmp_path / "whoosh")


EDGE_TEXTS = [
    "", "   ", "不銹鋼管件，焊縫：自動檢測（二期）", "ＡＢＣ１２３　全角", "ΟΔΟΣ ΣΊΣΥΦΟΣ", "ﬁ ﬂ ﬀ",
    "Kelvin K and ſ long s", "café cafe\u0301", "㈱ ㎏ ① ⅷ", "\u3000\u3000缩进", "雷射 乙太網路",
    "6061-t6 SUS304 zl202310123456.7 99.5% a.b.c", "한국어 텍스트", "emoji 😀 and 𝐀𝐁",
    "膽堿 胆碱", "x", "锂", "A-", "-a", "检测。" * 50,
]  # fmt: skip


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_the_fast_tokens_are_text_pys(text):
    assert SW.fold(text) == T.fold(text)
    assert SW.words_of_folded(SW.fold(text)) == T.words(text)
    grams = SW.gram_codes(SW.fold(text))
    assert sorted(grams.texts()) == sorted(T.grams(text)) and len(grams) == len(T.grams(text))
    assert sorted(SW.Grams.of(T.grams(text)).codes.tolist()) == sorted(grams.codes.tolist())


def test_the_grams_of_joined_fields_are_the_grams_of_the_folded_fields():
    docs = [ix.Doc(kind="x", doc_id=1, title=a, body=b, keywords=b, indicators=a)
            for a, b in zip(EDGE_TEXTS, reversed(EDGE_TEXTS), strict=True)]  # fmt: skip
    for doc in [*_docs(40), *docs]:
        fields = doc.fields()
        fast, slow = ix._rebuild_tokens(fields), ix._slow_tokens(fields, codes=False)
        assert Counter(fast.pop("grams").texts()) == Counter(slow.pop("grams"))
        assert fast == slow


def test_tokens_that_ever_differ_from_text_pys_are_not_used(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(SW, "gram_codes", lambda folded: SW.Grams.of(["错"]))
    monkeypatch.setitem(ix._checked, "pid", 0)
    docs = _docs(30)
    with caplog.at_level(logging.ERROR):
        ix.rebuild(tmp_path / "ours", docs, last_outbox_id=1)
    assert "differ from text.py" in caplog.text
    _whoosh_index(tmp_path / "whoosh", docs, _codec())
    assert _results(tmp_path / "ours") == _results(tmp_path / "whoosh")


def test_a_failing_writer_process_fails_the_rebuild_and_keeps_the_index(tmp_path, monkeypatch):
    docs = _docs(60)
    ix.rebuild(tmp_path / "ix", docs[:10], last_outbox_id=1)
    monkeypatch.setattr(SW, "BATCH", 8)
    tokens = ix._rebuild_tokens

    def broken(fields):
        if fields.get("doc_id") == 15:
            raise ValueError("no tokens for this one")
        return tokens(fields)

    monkeypatch.setattr(ix, "_rebuild_tokens", broken)
    with pytest.raises(RuntimeError, match="no tokens for this one"):
        ix.rebuild(tmp_path / "ix", docs, last_outbox_id=2)
    sx = ix.SearchIndex.at(tmp_path / "ix")
    assert sx.count() == 10 and sx.last_applied() == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ix"]  # the half-built folder is gone
    sx.forget()


def test_postings_read_back_through_the_engine(tmp_path):
    """The engine's block reader on our files: the docnums ascend, the weights are counts
    times the field boost."""
    docs = _docs(120)
    ix.rebuild(tmp_path / "ix", docs, last_outbox_id=1)
    sx = ix.SearchIndex.at(tmp_path / "ix")
    sx.store = None
    with sx.reading() as view:
        reader = view.searcher.reader()
        ids, weights = E._postings(reader, "title", "合金")
        assert len(ids) and np.all(np.diff(ids) > 0) and set(weights.tolist()) == {3.0}
    sx.forget()


def test_a_failing_document_source_stops_the_writer_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(SW, "BATCH", 8)

    def docs():
        yield from _docs(40)
        raise OSError("the database went away")

    start = time.monotonic()
    with pytest.raises(OSError, match="went away"):
        ix.rebuild(tmp_path / "ix", docs(), last_outbox_id=1)
    assert time.monotonic() - start < 5 and list(tmp_path.iterdir()) == []
