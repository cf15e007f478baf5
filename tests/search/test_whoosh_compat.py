"""The wall around Whoosh's internals: one module, one pinned version, and the block reader
agreeing with Whoosh's own matcher on a real index."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from marketplace.search import index as ix
from marketplace.search import whoosh_compat as W

# Names of Whoosh internals (private attributes, concrete classes) the app relies on.
PRIVATE = re.compile(
    r"\._(byteids|read_data|data|next_block|count|dbfile|basepos|fixedlen|perdoc|cached_reader"
    r"|write_run|read_run|open_run|remove_run)\b|\b(_lenfield|W3LeafMatcher|FilterMatcher"
    r"|PostingPool|LENGTHS_COLUMN)\b"
)


def test_whoosh_internals_are_read_only_in_the_compatibility_module():
    root = Path(__file__).resolve().parents[2] / "marketplace"
    readers = {
        p.relative_to(root).as_posix() for p in root.rglob("*.py") if PRIVATE.search(p.read_text())
    }
    assert readers == {"search/whoosh_compat.py"}


@pytest.mark.parametrize(
    "installed",
    [("Whoosh-Reloaded", "2.7.6"), ("Whoosh", "2.7.4"), ("Whoosh-Reloaded", "2.8.0")],
)
def test_another_whoosh_fails_loudly(installed):
    with pytest.raises(W.UnsupportedWhoosh, match=r"2\.7\.5"):
        W.check_version(installed)
    W.check_version(W.SUPPORTED)  # the pinned one passes


def _whoosh_postings(leaf, field: str, text: str) -> tuple[list[int], list[float]]:
    """Whoosh's own matcher, one posting at a time (deleted documents skipped by Whoosh)."""
    m = leaf.postings(field, text)
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return ids, weights


def test_block_by_block_postings_equal_whooshs_reader_past_1024(tmp_path):
    """2,600 documents share 检测 with varying counts: three blocks of at most 1,024 postings,
    in two segments, with deletions; every token read both ways."""
    schema_ix = ix._storage(tmp_path).create_index(ix.make_schema())
    writer = schema_ix.writer(codec=ix.codec())
    for i in range(2600):
        body = "检测 " * (1 + i % 5) + ("镁合金" if i % 3 else "光伏组件")
        writer.add_document(id=f"challenge:{i}", kind="challenge", title=f"样品{i % 7}", body=body)
    writer.commit()
    writer = schema_ix.writer(codec=ix.codec())
    for i in range(0, 2600, 97):
        writer.delete_by_term("id", f"challenge:{i}")
    writer.add_document(id="challenge:9999", kind="challenge", title="新的", body="检测 检测")
    writer.commit(merge=False)
    with schema_ix.searcher() as searcher:
        leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]
        assert len(leaves) == 2
        big = leaves[0]
        deleted = set(big.deleted_docs_set)
        assert deleted and big.doc_frequency("body", "检测") > 2 * 1024
        for leaf in leaves:
            live = ~np.isin(np.arange(leaf.doc_count_all()), list(leaf.deleted_docs_set))
            for field_name, raw in leaf.all_terms():
                text = raw.decode() if isinstance(raw, bytes) else raw
                if field_name not in ("body", "title", "grams"):
                    continue
                ids, weights = W.postings(leaf, field_name, text)
                keep = live[ids]
                theirs = _whoosh_postings(leaf, field_name, text)
                assert (ids[keep].tolist(), weights[keep].tolist()) == theirs, text
        ids, _w = W.postings(big, "body", "检测")
        assert len(ids) == 2600 and np.all(np.diff(ids) > 0)


def test_a_missing_term_is_an_empty_posting_list(tmp_path):
    schema_ix = ix._storage(tmp_path).create_index(ix.make_schema())
    with schema_ix.writer(codec=ix.codec()) as writer:
        writer.add_document(id="challenge:1", kind="challenge", title="镁合金")
    with schema_ix.searcher() as searcher:
        (leaf, _offset), *_ = searcher.reader().leaf_readers()
        ids, weights = W.postings(leaf, "body", "不存在的词")
        assert len(ids) == 0 and len(weights) == 0
        with pytest.raises(TypeError):  # anything but a missing term is not swallowed
            W.postings(leaf, "body", None)
