"""Everything that reads Whoosh's private internals, behind one wall.

engine.py reads posting lists block by block into numpy arrays, and numeric and length columns
straight from their files; index.py replaces Whoosh's posting pool so that sorted runs are
pickled in chunks. Both rely on attributes and classes Whoosh does not promise to keep
(``W3LeafMatcher._data``, ``_next_block``, ``_lenfield``, a column reader's ``_dbfile`` …).
They live here, and only here, and this module refuses to load beside any Whoosh but the one
it was written against: a silent change of a block format would give wrong scores, not an
error. A new Whoosh release means: read its codec, adjust this module, run
tests/search/test_engine.py (which compares every result with Whoosh's own reader), and only
then change ``SUPPORTED``.
"""

from __future__ import annotations

import itertools
import pickle
from importlib import metadata

import numpy as np
import whoosh
from whoosh import writing as whoosh_writing
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length
from whoosh.util.times import datetime_to_long

SUPPORTED = ("Whoosh-Reloaded", "2.7.5")  # pinned in pyproject.toml


class UnsupportedWhoosh(ImportError):
    """The installed Whoosh is not the release this module reads the internals of."""


def _installed() -> tuple[str, str]:
    for name in ("Whoosh-Reloaded", "whoosh-reloaded", "Whoosh", "whoosh"):
        try:
            return metadata.metadata(name)["Name"], metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown", whoosh.versionstring()


def check_version(installed: tuple[str, str] | None = None) -> None:
    """Raise UnsupportedWhoosh unless the installed distribution and version are SUPPORTED."""
    name, version = installed or _installed()
    if name.lower() != SUPPORTED[0].lower() or version != SUPPORTED[1]:
        raise UnsupportedWhoosh(
            f"marketplace.search reads the internals of {SUPPORTED[0]} {SUPPORTED[1]}; "
            f"{name} {version} is installed. Install the pinned version, or port "
            f"marketplace/search/whoosh_compat.py and run tests/search/test_engine.py."
        )


check_version()

__all__ = [
    "EMPTY_POSTINGS",
    "LENGTH_OF_BYTE",
    "TermNotFound",
    "UnsupportedWhoosh",
    "column_keys",
    "datetime_to_long",
    "install_posting_pool",
    "latest_segment_ids",
    "length_codes",
    "postings",
]

# Whoosh stores a field length in one byte; BM25 sees the decoded value.
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
EMPTY_POSTINGS = (np.empty(0, np.int32), np.empty(0, np.float32))
_EMPTY = EMPTY_POSTINGS


# --- reading ------------------------------------------------------------------------------


def postings(leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(segment docnums, weights) of one token in one segment, deleted documents included
    (the caller masks them). A block of up to the codec's blocklimit postings at a time:
    unpickled by Whoosh, decoded by numpy."""
    try:
        m = leaf.postings(field, text)
    except TermNotFound:
        return _EMPTY
    if isinstance(m, FilterMatcher):  # deletions: applied by the caller's live mask
        m = m.child
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        return _blocks(m)
    ids, weights = [], []
    while m.is_active():  # postings inlined in the term info
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def _blocks(m: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    ids: list = []
    weights: list = []
    while m.is_active():
        m._read_data()
        deltas, block_weights, _values = m._data
        ids.append(np.cumsum(np.array(deltas, dtype=np.int32)))
        if block_weights is None:
            weights.append(np.ones(len(deltas), dtype=np.float32))
        elif isinstance(block_weights, float):
            weights.append(np.full(len(deltas), block_weights, dtype=np.float32))
        else:
            weights.append(np.array(block_weights, dtype=np.float32))
        m._next_block()
    if not ids:
        return _EMPTY
    return np.concatenate(ids), np.concatenate(weights)


def _fixed_column(reader, n: int, itemsize: int, dtype) -> tuple[np.ndarray, int]:
    count = min(reader._count, n)
    raw = reader._dbfile.get(reader._basepos, count * itemsize)
    return np.frombuffer(raw, dtype=dtype, count=count), count


def column_keys(leaf, name: str, missing: np.uint64) -> np.ndarray:
    """A sortable numeric column as its raw unsigned keys; ``missing`` where none."""
    n = leaf.doc_count_all()
    out = np.full(n, missing, dtype=np.uint64)
    if not leaf.has_column(name):
        return out
    reader = leaf.column_reader(name, translate=False)
    values, count = _fixed_column(reader, n, reader._fixedlen, ">u8")
    out[:count] = values
    return out


def latest_segment_ids(index) -> set[str]:
    """The ids of the segments in the index's latest commit (its TOC, read again)."""
    return {segment.segment_id() for segment in index._segments()}


def length_codes(leaf, field: str) -> np.ndarray:
    """Each document's one-byte length code of ``field`` (0 where it has none)."""
    n = leaf.doc_count_all()
    codes = np.zeros(n, dtype=np.uint8)
    reader = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if reader is not None:
        values, count = _fixed_column(reader, n, 1, np.uint8)
        codes[:count] = values
    return codes


# --- writing ------------------------------------------------------------------------------

WhooshPostingPool = whoosh_writing.PostingPool


class ChunkedPostingPool(WhooshPostingPool):
    """Whoosh's posting pool, with its sorted runs pickled 8,192 postings at a time instead
    of one by one: a 100k rebuild spills ~20 runs per writer process, and pickling each
    posting alone was a third of the rebuild's CPU (bench/README.md)."""

    CHUNK = 8192

    def _write_run(self, f, items):
        items = iter(items)
        try:
            while chunk := list(itertools.islice(items, self.CHUNK)):
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        finally:
            f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)  # noqa: S301 (our own temporary run file)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def install_posting_pool() -> None:
    """SegmentWriter names the class at module level; every writer of this process (and of
    the rebuild's forked workers) then uses ours. Same postings, same order: tests compare
    the indexes."""
    whoosh_writing.PostingPool = ChunkedPostingPool
