"""The Whoosh index: with whoosh_compat.py (its private internals), the only module that
imports whoosh.

The index is derived data. It is fed only from the search outbox, in id order, and stores the
last applied outbox id in the same commit as the documents, so a change is applied exactly
once. A missing or corrupt index is rebuilt from the database; a locked one is skipped and
caught up on the next request. A failure here never fails the user's request.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import logging
import os
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import LockError

from . import engine as E
from . import segment_writer as SW
from . import shared_arrays as S
from . import text as T
from . import whoosh_compat as W

log = logging.getLogger(__name__)
META_ID = "meta:outbox"
# How documents become tokens: bump it whenever text.py, the schema or the codec change what a
# rebuild would write. 1: jieba, positions (first session); 2: rjieba, no positions; 3: Markdown
# fields (challenge texts, achievement summaries) stored and indexed as their rendered text, not
# their source; 4: variant characters folded (variants.txt, bench/folding_gaps.py) and the
# outbox gaps kept in the meta document. An index of another format keeps answering, and
# `index verify` says to rebuild it.
FORMAT = 4
WRITE_LOCK_TIMEOUT = 2.0
REBUILD_PROCS = 2  # forked writer processes in rebuild(), each writes one segment


class IndexLocked(Exception):
    """Another writer holds the index lock; try again later."""


class _ListTokenizer(Tokenizer):
    """Feeds Whoosh the tokens our own text functions produce (jieba words or bigrams)."""

    def __init__(self, split: Callable[[str], list[str]]):
        self.split = split

    def __eq__(self, other):
        return isinstance(other, _ListTokenizer) and other.split is self.split

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, word in enumerate(self.split(value)):
            token.text = token.original = word
            token.boost = 1.0
            if positions:
                token.pos = start_pos + pos
            yield token


WORDS = _ListTokenizer(T.words)
GRAMS = _ListTokenizer(T.grams)


W.install_posting_pool()


def codec() -> W3Codec:
    """Whoosh's codec with posting blocks of 1,024 instead of 128: the engine reads whole
    posting lists, and each block costs a Python round trip."""
    return W3Codec(blocklimit=1024)


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        doc_id=NUMERIC(stored=True, bits=64),
        # No positions (phrase=False): quoted phrases are checked against the stored text
        # (engine.Phrase), and positions made each posting list ~6x slower to read.
        title=TEXT(analyzer=WORDS, phrase=False, stored=True, field_boost=3.0),
        indicators=TEXT(analyzer=WORDS, phrase=False, stored=True, field_boost=2.0),
        keywords=TEXT(analyzer=WORDS, phrase=False, stored=True, field_boost=2.0),
        body=TEXT(analyzer=WORDS, phrase=False, stored=True),
        # Sub-word safety net: a term inside a longer word, and quoted phrases.
        grams=TEXT(analyzer=GRAMS, phrase=False, field_boost=0.5),
        field=ID(stored=True),
        status=ID(stored=True),
        region=ID(stored=True),
        band=ID(stored=True),
        org=STORED,
        budget=NUMERIC(stored=True, sortable=True, bits=64),
        deadline=DATETIME(stored=True, sortable=True),
        published=DATETIME(stored=True, sortable=True),
        digest=STORED,
        last_outbox_id=NUMERIC(stored=True, bits=64),
        format=STORED,
        # Outbox ids below last_outbox_id not seen yet: {id: unix time first missed}.
        gaps=STORED,
    )


TEXT_FIELDS = ("title", "indicators", "keywords", "body")


@dataclass
class Doc:
    """One searchable document, built from the database (see documents.py)."""

    kind: str
    doc_id: int
    title: str
    body: str = ""
    indicators: str = ""
    keywords: str = ""
    field: str = ""
    status: str = ""
    region: str = ""
    band: str = ""
    org: str = ""
    budget: int | None = None
    deadline: datetime | None = None
    published: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.doc_id}"

    def digest(self) -> str:
        parts = [self.title, self.body, self.indicators, self.keywords, self.field, self.status,
                 self.region, str(self.budget), str(self.deadline)]  # fmt: skip
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    def fields(self) -> dict:
        values = {
            "id": self.key, "kind": self.kind, "doc_id": self.doc_id, "title": self.title,
            "indicators": self.indicators, "keywords": self.keywords, "body": self.body,
            "grams": " ".join([self.title, self.indicators, self.keywords, self.body]),
            "field": self.field, "status": self.status, "region": self.region,
            "band": self.band, "org": self.org, "digest": self.digest(),
        }  # fmt: skip
        if self.budget is not None:
            values["budget"] = self.budget
        for name in ("deadline", "published"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value.astimezone(UTC).replace(tzinfo=None)
        return values


# --- opening, one warm searcher per process ------------------------------------------


def _storage(path: Path) -> FileStorage:
    """Plain file reads, not mmap: Whoosh-Reloaded copies each mmapped file into a BytesIO, so
    opening a reader cost 1.07 s and 2 GB at 100k documents (10 ms and no copy this way)."""
    return FileStorage(str(path), supports_mmap=False)


class SearchIndex:
    """An index folder with its warm searcher."""

    _cache: ClassVar[dict[str, SearchIndex]] = {}
    _cache_lock = threading.Lock()

    def __init__(self, path: Path):
        self.path = path
        self._ix = None
        self._searcher = None
        self._view: E.View | None = None
        self._lock = threading.RLock()
        # The engine's arrays, memory-mapped from <index>/.arrays (shared_arrays.py): one copy
        # in the page cache for every worker. None: each process reads its own (engine.CACHE).
        self.store: S.Store | None = S.Store(path) if self.shared else None

    shared: ClassVar[bool] = True

    @classmethod
    def at(cls, path: str | Path) -> SearchIndex:
        key = str(Path(path).resolve())
        with cls._cache_lock:
            if key not in cls._cache:
                cls._cache[key] = cls(Path(key))
            return cls._cache[key]

    def exists(self) -> bool:
        return self.path.is_dir() and whoosh_index.exists_in(str(self.path))

    def open(self):
        """The index, created empty when missing."""
        if self._ix is None:
            self.path.mkdir(parents=True, exist_ok=True)
            storage = _storage(self.path)
            if whoosh_index.exists_in(str(self.path)):
                self._ix = storage.open_index()
            else:
                self._ix = storage.create_index(make_schema())
        return self._ix

    def forget(self) -> None:
        """Drop the open handles (after a rebuild swapped the folder, or an error)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher, self._view, self._ix = None, None, None

    def searcher(self):
        """A searcher that sees the latest commit, reopened only when the index changed.

        Not ``searcher.refresh()``: after update_document it kept showing the old copy of an
        edited document next to the new one (bench/search_speed.py counted them).
        """
        with self._lock:
            if self._searcher is not None:
                try:
                    if self._searcher.up_to_date():
                        return self._searcher
                except Exception:
                    log.warning("search index changed under the searcher; reopening")
                self._searcher.close()
                self._searcher, self._view, self._ix = None, None, None
            self._searcher = self.open().searcher()
            return self._searcher

    @contextmanager
    def reading(self) -> Iterator[E.View]:
        """The current searcher as an engine view, one query at a time: the segment readers
        share file handles, so two threads must not read through them at once."""
        with self._lock:
            searcher = self.searcher()
            if self._view is None or self._view.searcher is not searcher:
                self._view = E.View(searcher, self.store, self._segment_leaf)
                if self.store is not None:
                    self._clean_arrays()
            yield self._view

    def _clean_arrays(self) -> None:
        """Remove the arrays of segments gone from the index: neither this searcher's nor the
        latest commit's (another worker may already search a newer commit than ours)."""
        live = {segid for _leaf, _offset, segid in self._view.leaves}
        try:
            live |= W.latest_segment_ids(self.open())
        except Exception:  # a commit in progress: clean next time
            log.warning("search index: arrays not cleaned", exc_info=True)
            return
        self.store.clean(live)

    @contextmanager
    def _segment_leaf(self, segid: str):
        """A reader of one segment of its own (its own file handles), for a thread that writes
        that segment's arrays while queries read through the warm searcher; None if gone."""
        searcher = _storage(self.path).open_index().searcher()
        try:
            yield next((leaf for leaf, _offset in searcher.reader().leaf_readers()
                        if leaf.segment().segment_id() == segid), None)  # fmt: skip
        finally:
            searcher.close()

    def last_applied(self) -> int:
        """The last outbox id in the index, read from the warm searcher (every search asks)."""
        stored = self.searcher().document(id=META_ID)
        return int(stored["last_outbox_id"]) if stored else 0

    def gaps(self) -> dict[int, float]:
        """Outbox ids skipped over by the last catch-ups, with when each was first missed:
        on PostgreSQL a transaction may commit a lower id after a higher one was applied."""
        stored = self.searcher().document(id=META_ID)
        return {int(k): float(v) for k, v in ((stored or {}).get("gaps") or {}).items()}

    def format(self) -> int:
        """The FORMAT the index was built with (1 for indexes from before it was stored)."""
        stored = self.searcher().document(id=META_ID)
        return int(stored.get("format") or 1) if stored else FORMAT

    def count(self, kind: str | None = None) -> int:
        with self.open().searcher() as s:
            if kind is None:
                return s.doc_count() - (1 if s.document(id=META_ID) else 0)
            return s.doc_frequency("kind", kind)

    def stored(self) -> dict[str, str]:
        """{document key: digest} of every document (for verify)."""
        with self.open().searcher() as s:
            return {
                f["id"]: f.get("digest", "")
                for f in s.all_stored_fields()
                if f.get("id") != META_ID
            }


# --- writing --------------------------------------------------------------------------


def write(
    sx: SearchIndex,
    *,
    upserts: Iterable[Doc] = (),
    deletes: Iterable[str] = (),
    last_outbox_id: int | None = None,
    gaps: dict[int, float] | None = None,
    timeout: float = WRITE_LOCK_TIMEOUT,
) -> None:
    """Apply changes in one commit; raises IndexLocked when another writer holds the lock.
    ``gaps`` replaces the stored outbox gaps (kept as they are when None)."""
    if gaps is None and last_outbox_id is not None:
        gaps = sx.gaps()
    built_with = sx.format()
    try:
        writer = sx.open().writer(timeout=timeout, codec=codec())
    except LockError as exc:
        raise IndexLocked() from exc
    try:
        for key in deletes:
            writer.delete_by_term("id", key)
        for doc in upserts:
            writer.update_document(**doc.fields())
        if last_outbox_id is not None:
            meta = {"id": META_ID, "kind": "meta", "last_outbox_id": last_outbox_id}
            if "format" in writer.schema:  # keep the format the index was built with
                meta["format"] = built_with
            if "gaps" in writer.schema:  # indexes of FORMAT < 4 have no such field
                meta["gaps"] = {str(k): v for k, v in (gaps or {}).items()}
            writer.update_document(**meta)
        writer.commit()
    except BaseException:
        # A failed commit (disk full…) keeps the lock until cancel(), even inside `with`.
        writer.cancel()
        raise


def rebuild(
    path: Path, docs: Iterable[Doc], *, last_outbox_id: int, progress: Callable | None = None
) -> int:
    """Build a fresh index beside ``path`` and swap it in; returns the number of documents.

    Written by segment_writer.py (REBUILD_PROCS forked processes, one segment each), not by
    Whoosh's writer: the same files, several times faster (bench/README.md)."""
    path = Path(path)
    fresh = path.with_name(path.name + f".rebuild-{int(time.time() * 1000)}")
    fresh.mkdir(parents=True)
    ix = _storage(fresh).create_index(make_schema())
    rebuild_codec = codec()
    # Skip the per-block min/max field lengths: only Whoosh's own block skipping uses them
    # (engine.py scores from the lengths column, which is still written).
    rebuild_codec.length_stats = False
    meta = {"id": META_ID, "kind": "meta", "last_outbox_id": last_outbox_id, "format": FORMAT}
    SW.prepare()  # the segmenter and tables loaded once here, shared by the forked writers
    # The writer processes fork from here and inherit this: the cycle collector finds nothing
    # to free among the postings, yet keeps walking them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        written = SW.write(
            ix, rebuild_codec, itertools.chain(_counted(docs, progress), [meta]),
            _rebuild_tokens, procs=REBUILD_PROCS,
        )  # fmt: skip
        if ix.doc_count_all() != written:
            raise RuntimeError(f"search rebuild wrote {ix.doc_count_all()} of {written} documents")
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    finally:
        if collecting:
            gc.enable()
    old = path.with_name(path.name + f".old-{int(time.time() * 1000)}")
    if path.exists():
        path.rename(old)
    fresh.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    SearchIndex.at(path).forget()
    return written - 1


def _counted(docs: Iterable[Doc], progress: Callable | None) -> Iterator[Doc]:
    for doc in docs:
        yield doc
        if progress:
            progress(1)


# The rebuild's tokens are WORDS' and GRAMS', each text folded once (segment_writer.py); they
# are compared with text.py's own on the first CHECKED documents of each process, and text.py's
# are used from the first difference on.
CHECKED = 20
_checked = {"pid": 0, "left": 0, "same": True}


def _rebuild_tokens(fields: dict) -> dict:
    """The tokens WORDS and GRAMS give the text fields of ``fields`` (Doc.fields()): lists of
    words, and the grams as SW.Grams."""
    names = [n for n in TEXT_FIELDS if isinstance(fields.get(n), str)]
    if not names and "grams" not in fields:
        return {}
    state = _checked
    if state["pid"] != os.getpid():
        state.update(pid=os.getpid(), left=CHECKED, same=True)
    if not state["same"]:
        return _slow_tokens(fields)
    folded = {n: SW.fold(fields[n]) for n in names}
    out = {n: SW.words_of_folded(folded[n]) for n in names}
    if isinstance(fields.get("grams"), str):
        joined = " ".join(fields[n] for n in TEXT_FIELDS) if len(names) == 4 else None
        if fields["grams"] == joined:  # fold(" ".join(texts)) == " ".join(fold(text)…)
            out["grams"] = SW.gram_codes(" ".join(folded[n] for n in TEXT_FIELDS))
        else:
            out["grams"] = SW.gram_codes(SW.fold(fields["grams"]))
    if state["left"] > 0:
        state["left"] -= 1
        slow = _slow_tokens(fields, codes=False)
        if "grams" in out:
            same_grams = Counter(out["grams"].texts()) == Counter(slow.pop("grams"))
            out_words = {n: v for n, v in out.items() if n != "grams"}
        else:
            same_grams, out_words = True, out
        if not same_grams or slow != out_words:
            state["same"] = False
            log.error("search rebuild: the fast tokens differ from text.py's for %s; "
                      "using text.py's", fields.get("id"))  # fmt: skip
            return _slow_tokens(fields)
    return out


def _slow_tokens(fields: dict, *, codes: bool = True) -> dict:
    """WORDS' and GRAMS' own tokens (the grams as SW.Grams codes unless ``codes`` is off)."""
    out: dict = {n: WORDS.split(fields[n]) for n in TEXT_FIELDS if isinstance(fields.get(n), str)}
    if isinstance(fields.get("grams"), str):
        grams = GRAMS.split(fields["grams"])
        out["grams"] = SW.Grams.of(grams) if codes else grams
    return out


# --- searching ------------------------------------------------------------------------


@dataclass
class Hit:
    kind: str
    doc_id: int
    score: float
    fields: dict


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    timed_out: bool = False


def _term_query(term: str, *, phrase: bool, boost: float = 1.0) -> E.Node | None:
    """One user term: its jieba words in the text fields, or its bigrams anywhere."""
    if phrase:
        parts = T.grams(term)
        if not parts:
            return None
        return E.Phrase("grams", tuple(parts), T.fold(term), TEXT_FIELDS, T.fold)
    words = T.words(term)
    alternatives = []
    if words:
        # search mode yields overlapping sub-words: the longest ones carry the meaning.
        longest = _cover(words, T.fold(term))
        # A synonym of several words counts as much as one word typed (the boost is shared),
        # so a document with the term itself still ranks first.
        share = boost if boost == 1.0 else boost / len(longest)
        for name in TEXT_FIELDS:
            alternatives.append(E.all_of(E.Word(name, w, share) for w in longest))
    parts = T.grams(term)
    if parts:
        share = boost if boost == 1.0 else boost / len(parts)
        alternatives.append(E.all_of(E.Word("grams", g, share) for g in parts))
    folded = T.fold(term).strip()
    if _ONE_CJK.match(folded):
        # 锂 alone: every bigram that starts with it (锂电, 锂离…), not just a lone 锂.
        alternatives.append(E.Prefix("grams", folded, boost))
    elif _ASCII_TERM.match(folded):
        alternatives.append(E.Prefix("grams", folded, boost))  # VOC finds VOCs
    return E.any_of(alternatives)


def _with_synonyms(term: str, phrase: bool, synonyms: dict[str, list[str]]) -> E.Node | None:
    """The term itself, or any of its thesaurus alternatives at SYNONYM_WEIGHT: a document
    with the term typed scores above one with only a synonym of it."""
    own = _term_query(term, phrase=phrase)
    others = [_term_query(alt, phrase=False, boost=SYNONYM_WEIGHT)
              for alt in synonyms.get(term, ())]  # fmt: skip
    return E.any_of([own, *others])


SYNONYM_WEIGHT = 0.5


_ONE_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$")
_ASCII_TERM = re.compile(r"^[a-z0-9][a-z0-9.\-+/]{2,}$")


def _cover(words: list[str], term: str) -> list[str]:
    """The fewest jieba words that together cover ``term`` (drop sub-words of longer words)."""
    kept = [w for w in words if not any(w != o and w in o for o in words)]
    return kept or words


def build_query(
    terms: list[tuple[str, bool]], synonyms: dict[str, list[str]] | None = None
) -> E.Node | None:
    """All terms must match (each as words, sub-words, a quoted phrase, or one of its
    ``synonyms``); None: nothing searchable was typed."""
    return E.all_of(_with_synonyms(t, p, synonyms or {}) for t, p in terms)


def partial_query(
    terms: list[tuple[str, bool]], synonyms: dict[str, list[str]] | None = None
) -> E.Node | None:
    """Any of the terms' words: for a query whose words no document holds all of. Documents
    with more of them score higher (the scores add up)."""
    parts = []
    for term, phrase in terms:
        pieces = [term] if phrase else _cover(T.words(term), T.fold(term)) or [term]
        parts += [_with_synonyms(piece, phrase, synonyms or {}) for piece in pieces]
        if not phrase and len(pieces) > 1 and term in (synonyms or {}):
            parts.append(_with_synonyms(term, phrase, synonyms or {}))
    return E.any_of(parts)


def known_spellings(sx: SearchIndex, guesses: list[str], *, limit: int = 3) -> list[str]:
    """The guesses the index can match, most documents first: every character bigram of the
    guess is indexed (a cheap look-up each), then the whole guess finds a document."""
    scored = []
    with sx.reading() as view:
        reader = view.searcher.reader()
        for guess in guesses:
            grams = T.grams(guess)
            if not grams:
                continue
            frequency = min(reader.doc_frequency("grams", g) for g in grams)
            if frequency:
                scored.append((-frequency, len(scored), guess))
        scored.sort()
        found = []
        for _f, _i, guess in scored[: limit * 4]:
            node = _term_query(guess, phrase=False)
            if node is not None and view.run(node, stop=1).total:
                found.append(guess)
                if len(found) == limit:
                    break
    return found


def key_terms_query(
    weighted: list[tuple[str, float]], synonyms: dict[str, list[str]] | None = None
) -> E.Node | None:
    """Matching: any of the key terms in any text field, each by its TF-IDF weight relative
    to the strongest one, with the field boosts meant for people's queries undone, so one
    generic word in a short team name does not decide a match. A key term's own sub-words
    count too, at SUBWORD_SHARE of its weight: 自动检测 is rarely written by the team that
    does 缺陷检测 (bench/search_quality.py: matching recall and nDCG up in both directions)."""
    if not weighted:
        return None
    top = max(w for _t, w in weighted) or 1.0
    schema = make_schema()
    parts = []
    for term, weight in weighted:
        share = max(weight, 0.1 * top) / top
        subwords = [w for w in T.words(term) if w != term and len(w) > 1]
        for name in TEXT_FIELDS:
            boost = share / schema[name].format.field_boost
            parts.append(E.Word(name, term, boost))
            parts += [E.Word(name, w, boost * SUBWORD_SHARE / len(subwords)) for w in subwords]
            for alt in (synonyms or {}).get(term, ()) if MATCH_SYNONYM_WEIGHT else ():
                alt_words = _cover(T.words(alt), T.fold(alt))
                parts += [E.Word(name, w, boost * MATCH_SYNONYM_WEIGHT / len(alt_words))
                          for w in alt_words]  # fmt: skip
    return E.any_of(parts)


SUBWORD_SHARE = 0.6
# A key term's thesaurus alternatives as extra query words in matching. Measured with
# bench/search_quality.py: 0.5 (search's weight) took challenge->profile MRR 0.9967 -> 0.9943
# and nDCG 0.985 -> 0.983; 0.1 still cost profile->challenge recall. So 0: matching explains
# its matches with the thesaurus (service.shared_terms, "光伏 → 太阳能电池") but does not
# search by it, until a data set shows a weight that helps.
MATCH_SYNONYM_WEIGHT = 0.0


FACETS = ("kind", "field", "status", "region", "band")


def search(
    sx: SearchIndex,
    query: E.Node | None,
    *,
    filters: dict[str, str] | None = None,
    kinds: tuple[str, ...] = (),
    open_at: datetime | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> Results:
    """One page of results with facet counts; ``open_at``: only published challenges whose
    deadline is after that time."""
    if query is None:
        return Results()
    with sx.reading() as view:
        found = view.run(
            query, facets=FACETS, filters=filters, kinds=kinds, open_at=open_at, sort=sort,
            start=(page - 1) * per_page, stop=page * per_page,
        )  # fmt: skip
        stored = [view.searcher.stored_fields(d) for d in found.docnums]
    hits = [
        Hit(kind=f["kind"], doc_id=int(f["doc_id"]), score=score, fields=f)
        for f, score in zip(stored, found.scores, strict=True)
    ]
    return Results(hits=hits, total=found.total, facets=found.facets, timed_out=found.timed_out)


def suggest(sx: SearchIndex, term: str, *, limit: int = 3) -> list[str]:
    """Spelling suggestions for a term with no hits, from the indexed titles and keywords."""
    seen: list[str] = []
    with sx.reading() as view:
        for name in ("title", "keywords"):
            for word in view.searcher.suggest(name, T.fold(term), limit=limit, maxdist=2, prefix=1):
                if word not in seen:
                    seen.append(word)
    return seen[:limit]
