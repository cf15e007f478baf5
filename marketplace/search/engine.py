"""Query evaluation over the Whoosh index: Whoosh stores, numpy counts.

Whoosh's own matchers walk the postings one document at a time in Python. At 100,000
documents an AND of common terms with five facet counts took 0.8–2.5 s (bench/search_speed.py).
The index here is still Whoosh's, written by its writer and read through its segment readers.
But each posting list is read block by block into numpy arrays and kept per segment: a
segment never changes once written, so a later commit does not throw the cache away; with the
index's shared arrays (shared_arrays.py, the default) they are files written once per segment
and memory-mapped, one copy in the page cache for every worker process. A query
is then a handful of vector operations over all documents: BM25F with Whoosh's own formula
and statistics (the same scores as ``searcher.search``), masks for all-of/any-of, ``bincount``
for the facets and a partial sort for the page.

Whoosh-Reloaded is pinned (pyproject.toml); what reads its block and column formats lives in
whoosh_compat.py, which refuses any other version. tests/search/test_engine.py compares the
results with Whoosh's own search.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from . import shared_arrays as S
from . import whoosh_compat as W

K1, B = 1.2, 0.75  # whoosh.scoring.BM25F defaults, which the index was tuned with
MISSING = np.uint64(2**64 - 1)  # what Whoosh writes in a numeric column for "no value"
PREFIX_EXPANSIONS = 64  # 锂 as a prefix of bigrams: the most frequent 64 are plenty
PHRASE_TIME_LIMIT = 0.5  # seconds of checking stored texts for a quoted phrase
PHRASE_CHECKS = 3000  # candidates checked at most (best scores first); the rest: partial
SCORED_BYTES = 64 * 2**20  # scores of the tokens one searcher has seen, until the next commit


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One indexed token in one text field."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    """Every token of a field that starts with ``text`` (the most frequent ones)."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase: documents with all its tokens whose stored text, folded with
    ``fold``, contains ``text`` (spaces ignored). The index keeps no positions: they made
    every posting list about six times slower to read."""

    field: str
    texts: tuple[str, ...]
    text: str
    stored: tuple[str, ...]
    fold: Callable[[str], str]


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


Node = Word | Prefix | Phrase | AllOf | AnyOf


def all_of(parts) -> Node | None:
    parts = tuple(p for p in parts if p is not None)
    return None if not parts else parts[0] if len(parts) == 1 else AllOf(parts)


def any_of(parts) -> Node | None:
    parts = tuple(p for p in parts if p is not None)
    return None if not parts else parts[0] if len(parts) == 1 else AnyOf(parts)


def _squeeze(text: str) -> str:
    return "".join(text.split())


# --- what never changes in a segment, cached across searchers ----------------------------


class _Cache:
    """Arrays read from immutable segments, least recently used out first, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple, tuple[np.ndarray, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, load):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                return value
        value = load()
        size = sum(a.nbytes for a in value)
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self.bytes += size
                while self.bytes > self.max_bytes and len(self._items) > 1:
                    _key, old = self._items.popitem(last=False)
                    self.bytes -= sum(a.nbytes for a in old)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


CACHE = _Cache(256 * 2**20)


def _postings(leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(segment docnums, weights) of one token, deleted documents included."""
    return W.postings(leaf, field, text)


def _column(leaf, name: str) -> np.ndarray:
    """A sortable numeric column as raw unsigned keys; MISSING where a document has none."""
    return W.column_keys(leaf, name, MISSING)


def _lengths(leaf, field: str) -> np.ndarray:
    """Each document's length of ``field`` as Whoosh's BM25 sees it (its one-byte encoding)."""
    return W.LENGTH_OF_BYTE[W.length_codes(leaf, field)]


class _Vocabulary:
    """Codes for the values of a facet field, shared by every segment of the process."""

    def __init__(self):
        self.values: list[str] = [""]
        self.codes: dict[str, int] = {"": 0}
        self._lock = threading.Lock()

    def code(self, value: str) -> int:
        with self._lock:
            if value not in self.codes:
                self.codes[value] = len(self.values)
                self.values.append(value)
            return self.codes[value]


VOCABULARIES: dict[str, _Vocabulary] = {}


def _facet_codes(leaf, field: str) -> np.ndarray:
    vocabulary = VOCABULARIES.setdefault(field, _Vocabulary())
    codes = np.zeros(leaf.doc_count_all(), dtype=np.int32)
    for value in leaf.lexicon(field):
        value = value.decode("utf-8") if isinstance(value, bytes) else value
        ids, _w = _postings(leaf, field, value)
        codes[ids] = vocabulary.code(value)
    return codes


# --- one searcher's view: its segments side by side ---------------------------------------


@dataclass
class Found:
    """The documents a query matched, ordered for the page asked for."""

    total: int
    docnums: list[int]
    scores: list[float]
    facets: dict[str, dict[str, int]]
    timed_out: bool = False


class View:
    """All documents of one Whoosh searcher as numpy arrays, global docnums as indexes."""

    def __init__(self, searcher, store: S.Store | None = None, opener=None):
        """``store``: the index's shared arrays (shared_arrays.py), memory-mapped; without
        one, this process's own CACHE. ``opener(segid)``: a context manager giving a leaf
        reader of that segment of its own, for writing posting files in the background."""
        self.searcher = searcher
        self.store = store
        self.opener = opener
        reader = searcher.reader()
        self.leaves = [
            (leaf, offset, leaf.segment().segment_id()) for leaf, offset in reader.leaf_readers()
        ]
        self.n = reader.doc_count_all()
        self.live = np.ones(self.n, dtype=bool)
        for leaf, offset, _segid in self.leaves:
            deleted = leaf.deleted_docs_set
            if deleted:
                self.live[np.fromiter(deleted, dtype=np.int64) + offset] = False
        self._joined: dict[tuple, np.ndarray] = {}
        self._scored: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._scored_bytes = 0
        self.deadline_passed = False

    def _join(self, kind: str, field: str, load) -> np.ndarray:
        key = (kind, field)
        if key not in self._joined:
            parts = [self._part(leaf, segid, kind, field, load)
                     for leaf, _offset, segid in self.leaves]  # fmt: skip
            self._joined[key] = np.concatenate(parts) if parts else np.empty(0)
        return self._joined[key]

    def _part(self, leaf, segid: str, kind: str, field: str, load) -> np.ndarray:
        if self.store is None or not self.store.holds(leaf):
            return CACHE.get((segid, kind, field), lambda: (load(leaf, field),))[0]
        if kind == "codes":  # the segment's own value codes, as this process's codes
            arrays, meta = self.store.group(leaf, segid, "facet", field)
            vocabulary = VOCABULARIES.setdefault(field, _Vocabulary())
            mapping = np.array([0, *(vocabulary.code(v) for v in meta["values"])], np.int32)
            return mapping[arrays["codes"]]
        if kind == "column":
            return self.store.group(leaf, segid, "column", field)[0]["keys"]
        return W.LENGTH_OF_BYTE[self.store.group(leaf, segid, "lengths", field)[0]["codes"]]

    def codes(self, field: str) -> np.ndarray:
        return self._join("codes", field, _facet_codes)

    def column(self, field: str) -> np.ndarray:
        return self._join("column", field, _column)

    def lengths(self, field: str) -> np.ndarray:
        return self._join("lengths", field, _lengths)

    def _segment_postings(self, leaf, segid: str, field: str, text: str):
        if self.store is None or not self.store.holds(leaf):
            return CACHE.get((segid, "postings", field, text), lambda: _postings(leaf, field, text))
        shared = self.store.postings(leaf, segid, field, self.opener)
        if shared is None:  # being written (by this process or another): read it from Whoosh
            return _postings(leaf, field, text)
        return shared.get(text)

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids, weights = [], []
        for leaf, offset, segid in self.leaves:
            i, w = self._segment_postings(leaf, segid, field, text)
            if len(i):
                ids.append(i.astype(np.int64) + offset)
                weights.append(w)
        if not ids:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        return np.concatenate(ids), np.concatenate(weights)

    # --- scoring ------------------------------------------------------------------------

    def word(self, field: str, text: str, boost: float) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25F scores) of one token, as Whoosh's BM25F scorer computes them."""
        scored = self._scored.get((field, text))
        if scored is None:
            scored = self._score(field, text)
            if self._scored_bytes > SCORED_BYTES:  # this searcher's own small cache
                self._scored.clear()
                self._scored_bytes = 0
            self._scored[(field, text)] = scored
            self._scored_bytes += scored[0].nbytes + scored[1].nbytes
        ids, scores = scored
        return ids, scores * boost if boost != 1.0 else scores

    def _score(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids, weights = self.postings(field, text)
        if not len(ids):
            return ids, weights.astype(np.float64)
        tf = weights.astype(np.float64)
        idf = math.log(self.n / (len(ids) + 1)) + 1  # whoosh.scoring.WeightingModel.idf
        avgfl = self.searcher.avg_field_length(field) or 1
        dl = self.lengths(field)[ids]
        return ids, idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * dl / avgfl))

    def evaluate(self, node: Node) -> tuple[np.ndarray, np.ndarray]:
        """(score, matched) over all documents; the score is 0 where not matched."""
        if isinstance(node, Word):
            score, hit = np.zeros(self.n), np.zeros(self.n, dtype=bool)
            ids, s = self.word(node.field, node.text, node.boost)
            score[ids], hit[ids] = s, True
            return score, hit
        if isinstance(node, Prefix):
            return self.evaluate(
                any_of(Word(node.field, t, node.boost) for t in self._expand(node)) or AnyOf(())
            )
        if isinstance(node, Phrase):
            return self._phrase(node)
        score, hit = np.zeros(self.n), None
        words = [p for p in node.parts if isinstance(p, Word)]
        others = [p for p in node.parts if not isinstance(p, Word)]
        if isinstance(node, AllOf):
            count = np.zeros(self.n, dtype=np.int16)
            for w in words:
                ids, s = self.word(w.field, w.text, w.boost)
                score[ids] += s
                count[ids] += 1
            hit = count == len(words) if words else np.ones(self.n, dtype=bool)
            for part in others:
                s, h = self.evaluate(part)
                score += s
                hit &= h
            score[~hit] = 0.0
            return score, hit
        hit = np.zeros(self.n, dtype=bool)
        for w in words:
            ids, s = self.word(w.field, w.text, w.boost)
            score[ids] += s
            hit[ids] = True
        for part in others:
            s, h = self.evaluate(part)
            score += s
            hit |= h
        return score, hit

    def _expand(self, node: Prefix) -> list[str]:
        reader = self.searcher.reader()
        found = []
        for raw in reader.expand_prefix(node.field, node.text):
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            found.append((reader.doc_frequency(node.field, text), text))
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        return [text for _df, text in found[:PREFIX_EXPANSIONS]]

    def _phrase(self, node: Phrase) -> tuple[np.ndarray, np.ndarray]:
        """A phrase that is not one of the query's AND-ed terms (run() checks those once,
        after every other condition): its candidates, confirmed right away."""
        score, hit = self._candidates(node)
        return score, self._confirm((node,), score, hit)

    def _candidates(self, node: Phrase) -> tuple[np.ndarray, np.ndarray]:
        return self.evaluate(AllOf(tuple(Word(node.field, t) for t in node.texts)))

    def _confirm(self, phrases, score: np.ndarray, hit: np.ndarray) -> np.ndarray:
        """The candidates whose stored text contains every phrase, best scores first, until
        PHRASE_CHECKS or PHRASE_TIME_LIMIT; unchecked ones are left out (partial results)."""
        candidates = np.flatnonzero(hit & self.live)
        candidates = candidates[np.argsort(-score[candidates], kind="stable")]
        wanted = [_squeeze(p.text) for p in phrases]
        fields, fold = phrases[0].stored, phrases[0].fold
        confirmed = np.zeros(self.n, dtype=bool)
        deadline = time.monotonic() + PHRASE_TIME_LIMIT
        for checked, docnum in enumerate(candidates):
            if checked >= PHRASE_CHECKS or (checked % 64 == 0 and time.monotonic() > deadline):
                self.deadline_passed = True
                break
            stored = self.searcher.stored_fields(int(docnum))
            text = _squeeze(fold("\n".join(str(stored.get(name) or "") for name in fields)))
            confirmed[docnum] = all(w in text for w in wanted)
        score[~confirmed] = 0.0
        return confirmed

    # --- the page -----------------------------------------------------------------------

    def run(
        self,
        node: Node,
        *,
        facets: tuple[str, ...] = (),
        filters: dict[str, str] | None = None,
        kinds: tuple[str, ...] = (),
        open_at: datetime | None = None,
        sort: str = "relevance",
        start: int = 0,
        stop: int = 20,
    ) -> Found:
        """Match, filter, count facets and order one page (docnums [start, stop))."""
        self.deadline_passed = False
        if self.n == 0:
            return Found(0, [], [], {name: {} for name in facets})
        # Quoted phrases among the AND-ed terms are checked last, on what all else left.
        parts = node.parts if isinstance(node, AllOf) else (node,)
        phrases = tuple(p for p in parts if isinstance(p, Phrase))
        rest = all_of(p for p in parts if not isinstance(p, Phrase))
        score, hit = self.evaluate(rest) if rest else (np.zeros(self.n), np.ones(self.n, bool))
        for phrase in phrases:
            s, h = self._candidates(phrase)
            score += s
            hit &= h
        hit &= self.live
        hit &= self.codes("kind") != VOCABULARIES["kind"].codes.get("meta", -1)
        for name, value in (filters or {}).items():
            if value:
                hit &= self.codes(name) == VOCABULARIES[name].codes.get(value, -1)
        if kinds:
            wanted = [VOCABULARIES["kind"].codes.get(k, -1) for k in kinds]
            hit &= np.isin(self.codes("kind"), wanted)
        if open_at is not None:
            if open_at.tzinfo is not None:  # the index keeps naive UTC
                open_at = open_at.astimezone(UTC).replace(tzinfo=None)
            deadline = self.column("deadline")
            hit &= self.codes("status") == VOCABULARIES["status"].codes.get("published", -1)
            hit &= (deadline != MISSING) & (deadline > np.uint64(W.datetime_to_long(open_at)))
        if phrases:
            hit = self._confirm(phrases, score, hit)
        matched = np.flatnonzero(hit)
        counts = {}
        for name in facets:
            vocabulary = VOCABULARIES.setdefault(name, _Vocabulary())
            tally = np.bincount(self.codes(name)[matched], minlength=len(vocabulary.values))
            counts[name] = {
                vocabulary.values[code]: int(c) for code, c in enumerate(tally) if c and code
            }
        order = self._order(matched, score[matched], sort, stop)
        page = matched[order[start:stop]]
        return Found(
            total=len(matched),
            docnums=[int(d) for d in page],
            scores=[float(score[d]) for d in page],
            facets=counts,
            timed_out=self.deadline_passed,
        )

    def _order(self, matched: np.ndarray, scores: np.ndarray, sort: str, stop: int):
        """Positions into ``matched`` for the first ``stop`` results (ties: lower docnum first,
        as Whoosh orders them)."""
        if sort == "deadline":
            key = self.column("deadline")[matched]  # MISSING (no deadline) sorts last
            primary = key
        elif sort == "budget":
            raw = self.column("budget")[matched]
            value = np.where(raw == MISSING, -1, (raw - np.uint64(2**63)).astype(np.int64))
            primary = -value
        else:
            primary = -scores
        if len(matched) > 4 * stop + 64:  # the page's candidates, then an exact sort
            cut = np.argpartition(primary, stop)[: stop + 1]
            bound = primary[cut].max()
            candidates = np.flatnonzero(primary <= bound)
        else:
            candidates = np.arange(len(matched))
        ordered = np.lexsort((matched[candidates], primary[candidates]))
        return candidates[ordered]
