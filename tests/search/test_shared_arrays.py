"""The engine's arrays as memory-mapped files shared by every search process (shared_arrays.py).

A real Whoosh index in a temporary folder (several segments, an edited document), a second
real process (multiprocessing), and files damaged on purpose.
"""

from __future__ import annotations

import dataclasses
import multiprocessing

import numpy as np
import pytest

from marketplace.search import engine as E
from marketplace.search import index as ix
from marketplace.search import shared_arrays as S

from .test_engine import QUERIES, _docs


@pytest.fixture(autouse=True)
def _share_small_segments(monkeypatch):
    """The test index is small: share its segments anyway (MIN_DOCS is for real sizes)."""
    monkeypatch.setattr(S, "MIN_DOCS", 0)


@pytest.fixture
def sx(tmp_path):
    docs = _docs()
    ix.rebuild(tmp_path / "ix", docs, last_outbox_id=1)
    sx = ix.SearchIndex.at(tmp_path / "ix")
    ix.write(sx, upserts=[dataclasses.replace(docs[4], title="光伏组件隐裂检测（改）")],
             last_outbox_id=2)  # fmt: skip
    yield sx
    sx.forget()


def _read_all(path: str) -> tuple[int, dict]:
    """Every group of every segment through a Store of this process: (groups it wrote,
    values read)."""
    store = S.Store(path, background=False)
    store.min_docs = 0
    sx = ix.SearchIndex(ix.Path(path))
    out = {}
    with sx.open().searcher() as searcher:
        for leaf, _offset in searcher.reader().leaf_readers():
            segid = leaf.segment().segment_id()
            postings = store.postings(leaf, segid, "grams")
            ids, weights = postings.get("压铸")
            facet, meta = store.group(leaf, segid, "facet", "kind")
            column = store.group(leaf, segid, "column", "deadline")[0]["keys"]
            out[segid] = {
                "ids": ids.tolist(),
                "weights": weights.tolist(),
                "kinds": [meta["values"][c - 1] if c else "" for c in facet["codes"]],
                "deadline": column.tolist(),
                "mapped": isinstance(postings.ids, np.memmap) and isinstance(column, np.memmap),
            }
    return store.built, out


def _child(path: str, queue) -> None:
    queue.put(_read_all(path))


def _in_another_process(path) -> tuple[int, dict]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(str(path), queue))
    process.start()
    result = queue.get(timeout=120)
    process.join(30)
    assert process.exitcode == 0
    return result


def test_arrays_written_by_one_process_are_mapped_by_another_without_rebuilding(sx):
    built_there, there = _in_another_process(sx.path)
    assert built_there == 2 * 3  # two segments, three groups each
    built_here, here = _read_all(str(sx.path))
    assert built_here == 0
    assert here == there
    assert all(seg["mapped"] for seg in here.values())
    assert sum(len(seg["ids"]) for seg in here.values()) > 5  # 压铸 is in many documents


def test_a_new_segment_gets_its_own_files_and_a_removed_one_loses_them(sx):
    node = ix.build_query([("压铸", False)])
    with sx.reading() as view:
        view.run(node, facets=ix.FACETS)
        first = {segid for _leaf, _o, segid in view.leaves}
    sx.store.wait()
    root = sx.path / S.DIRNAME
    assert {p.name for p in root.iterdir() if not p.name.startswith(".")} == first

    ix.write(sx, upserts=[dataclasses.replace(_docs()[1], doc_id=99)], last_outbox_id=3)
    with sx.reading() as view:
        view.run(node, facets=ix.FACETS)
        second = {segid for _leaf, _o, segid in view.leaves}
    sx.store.wait()
    new = second - first
    assert len(new) == 1 and (root / new.pop() / "facet.kind" / "manifest.json").exists()

    # Merge everything into one segment: the folders of the merged-away ones go.
    (root / "MAIN_gone0000000000").mkdir()  # a stale folder left by a crashed process
    writer = sx.open().writer(codec=ix.codec())
    writer.commit(optimize=True)
    with sx.reading() as view:
        view.run(node, facets=ix.FACETS)
        merged = {segid for _leaf, _o, segid in view.leaves}
    sx.store.wait()
    assert len(merged) == 1 and not merged & second
    assert {p.name for p in root.iterdir() if not p.name.startswith(".")} == merged


@pytest.mark.parametrize("damage", ["flipped", "truncated", "no_manifest", "garbage_manifest"])
def test_a_damaged_group_is_rebuilt_not_trusted(sx, damage):
    _built, good = _read_all(str(sx.path))
    segid = next(iter(good))
    folder = sx.path / S.DIRNAME / segid / "postings.grams"
    ids = folder / "ids.npy"
    if damage == "flipped":  # same size, other content
        raw = bytearray(ids.read_bytes())
        raw[-4:] = b"\xff\xff\xff\x7f"
        ids.write_bytes(bytes(raw))
    elif damage == "truncated":
        ids.write_bytes(ids.read_bytes()[:-8])
    elif damage == "no_manifest":
        (folder / "manifest.json").unlink()
    else:
        (folder / "manifest.json").write_text("{not json")
    with pytest.raises((S.Corrupt, FileNotFoundError)):
        S.read_group(folder)
    built, again = _read_all(str(sx.path))
    assert built == 1 and again == good
    S.read_group(folder)  # whole again


def test_search_results_are_the_same_with_and_without_the_mapped_arrays(sx, tmp_path):
    searcher = sx.searcher()
    private = E.View(searcher)
    shared = E.View(searcher, S.Store(sx.path, background=False))
    open_at = _docs()[0].deadline
    for text in QUERIES:
        node = ix.build_query([(text, False)])
        for kw in ({}, {"sort": "deadline", "open_at": open_at}, {"filters": {"kind": "profile"}}):
            expected = private.run(node, facets=ix.FACETS, stop=50, **kw)
            assert shared.run(node, facets=ix.FACETS, stop=50, **kw) == expected, text
    assert shared.store.built > 0


def test_queries_while_the_postings_are_written_in_the_background_find_the_same(sx):
    node = ix.build_query([("机器视觉 检测", False)])
    with sx.reading() as view:
        during = view.run(node, facets=ix.FACETS)  # read through Whoosh, files being written
    sx.store.wait()
    with sx.reading() as view:
        after = view.run(node, facets=ix.FACETS)
    assert after == during and after.total > 0
    assert (sx.path / S.DIRNAME / view.leaves[0][2] / "postings.title" / "manifest.json").exists()


def test_segments_below_min_docs_stay_in_the_process_cache(sx, monkeypatch):
    monkeypatch.setattr(sx.store, "min_docs", 10_000)
    sx.forget()
    node = ix.build_query([("压铸", False)])
    with sx.reading() as view:
        found = view.run(node, facets=ix.FACETS)
    sx.store.wait()
    assert found.total > 0 and found.facets["kind"]
    assert sx.store.built == 0 and not (sx.path / S.DIRNAME).exists()
