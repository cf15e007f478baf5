"""The Whoosh index: the only module that imports whoosh.

The index is derived data. It is fed only from the search outbox, in id order, and stores the
last applied outbox id in the same commit as the documents, so a change is applied exactly
once. A missing or corrupt index is rebuilt from the database; a locked one is skipped and
caught up on the next request. A failure here never fails the user's request.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import sorting
from whoosh.analysis import Token, Tokenizer
from whoosh.collectors import TimeLimitCollector
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.searching import TimeLimit
from whoosh.writing import LockError

from . import text as T

log = logging.getLogger(__name__)
META_ID = "meta:outbox"
WRITE_LOCK_TIMEOUT = 2.0
QUERY_TIME_LIMIT = 0.8  # seconds; a query never takes more than a second


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


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        doc_id=NUMERIC(stored=True, bits=64),
        title=TEXT(analyzer=WORDS, stored=True, field_boost=3.0),
        indicators=TEXT(analyzer=WORDS, stored=True, field_boost=2.0),
        keywords=TEXT(analyzer=WORDS, stored=True, field_boost=2.0),
        body=TEXT(analyzer=WORDS, stored=True),
        # Sub-word safety net: a term inside a longer word, and quoted phrases.
        grams=TEXT(analyzer=GRAMS, phrase=True, field_boost=0.5),
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


class SearchIndex:
    """An index folder with its warm searcher."""

    _cache: ClassVar[dict[str, SearchIndex]] = {}
    _cache_lock = threading.Lock()

    def __init__(self, path: Path):
        self.path = path
        self._ix = None
        self._searcher = None
        self._lock = threading.Lock()

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
            if whoosh_index.exists_in(str(self.path)):
                self._ix = whoosh_index.open_dir(str(self.path))
            else:
                self._ix = whoosh_index.create_in(str(self.path), make_schema())
        return self._ix

    def forget(self) -> None:
        """Drop the open handles (after a rebuild swapped the folder, or an error)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._ix = None

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
                self._searcher, self._ix = None, None
            self._searcher = self.open().searcher()
            return self._searcher

    def last_applied(self) -> int:
        with self.open().searcher() as s:
            stored = s.document(id=META_ID)
        return int(stored["last_outbox_id"]) if stored else 0

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
    timeout: float = WRITE_LOCK_TIMEOUT,
) -> None:
    """Apply changes in one commit; raises IndexLocked when another writer holds the lock."""
    try:
        writer = sx.open().writer(timeout=timeout)
    except LockError as exc:
        raise IndexLocked() from exc
    try:
        for key in deletes:
            writer.delete_by_term("id", key)
        for doc in upserts:
            writer.update_document(**doc.fields())
        if last_outbox_id is not None:
            writer.update_document(id=META_ID, kind="meta", last_outbox_id=last_outbox_id)
        writer.commit()
    except BaseException:
        # A failed commit (disk full…) keeps the lock until cancel(), even inside `with`.
        writer.cancel()
        raise


def rebuild(
    path: Path, docs: Iterable[Doc], *, last_outbox_id: int, progress: Callable | None = None
) -> int:
    """Build a fresh index beside ``path`` and swap it in; returns the number of documents."""
    path = Path(path)
    fresh = path.with_name(path.name + f".rebuild-{int(time.time() * 1000)}")
    ix = whoosh_index.create_in(str(fresh.mkdir(parents=True) or fresh), make_schema())
    count = 0
    writer = ix.writer(procs=1, limitmb=256)
    try:
        for doc in docs:
            writer.add_document(**doc.fields())
            count += 1
            if progress:
                progress(1)
        writer.add_document(id=META_ID, kind="meta", last_outbox_id=last_outbox_id)
        writer.commit()
    except BaseException:
        writer.cancel()
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    old = path.with_name(path.name + f".old-{int(time.time() * 1000)}")
    if path.exists():
        path.rename(old)
    fresh.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    SearchIndex.at(path).forget()
    return count


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


def _term_query(term: str, *, phrase: bool) -> Q.Query:
    """One user term: its jieba words in the text fields, or its bigrams anywhere."""
    if phrase:
        parts = T.grams(term)
        if not parts:
            return Q.NullQuery
        return Q.Phrase("grams", parts) if len(parts) > 1 else Q.Term("grams", parts[0])
    words = T.words(term)
    alternatives = []
    if words:
        # search mode yields overlapping sub-words: the longest ones carry the meaning.
        longest = _cover(words, T.fold(term))
        for name in TEXT_FIELDS:
            alternatives.append(Q.And([Q.Term(name, w) for w in longest]))
    parts = T.grams(term)
    if parts:
        alternatives.append(Q.And([Q.Term("grams", g) for g in parts]))
    folded = T.fold(term).strip()
    if _ONE_CJK.match(folded):
        # 锂 alone: every bigram that starts with it (锂电, 锂离…), not just a lone 锂.
        alternatives.append(Q.Prefix("grams", folded))
    elif _ASCII_TERM.match(folded):
        alternatives.append(Q.Prefix("grams", folded))  # VOC finds VOCs
    if not alternatives:
        return Q.NullQuery
    return Q.Or(alternatives)


_ONE_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$")
_ASCII_TERM = re.compile(r"^[a-z0-9][a-z0-9.\-+/]{2,}$")


def _cover(words: list[str], term: str) -> list[str]:
    """The fewest jieba words that together cover ``term`` (drop sub-words of longer words)."""
    kept = [w for w in words if not any(w != o and w in o for o in words)]
    return kept or words


def build_query(terms: list[tuple[str, bool]]) -> Q.Query:
    """All terms must match (each as words, sub-words or a quoted phrase)."""
    parts = [_term_query(t, phrase=p) for t, p in terms]
    parts = [p for p in parts if p is not Q.NullQuery]
    if not parts:
        return Q.NullQuery
    return Q.And(parts) if len(parts) > 1 else parts[0]


FACETS = ("kind", "field", "status", "region", "band")


def search(
    sx: SearchIndex,
    query: Q.Query,
    *,
    filters: dict[str, str] | None = None,
    extra: Q.Query | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> Results:
    """Run a query with facet counts, filters, sorting and a time limit."""
    if query is Q.NullQuery:
        return Results()
    conditions = [query, Q.Not(Q.Term("kind", "meta"))]
    for name, value in (filters or {}).items():
        if value:
            conditions.append(Q.Term(name, value))
    if extra is not None:
        conditions.append(extra)
    full = Q.And(conditions)
    searcher = sx.searcher()
    sortedby = {"deadline": "deadline", "budget": "budget"}.get(sort)
    reverse = sort == "budget"
    limit = page * per_page
    collector = searcher.collector(
        limit=limit, sortedby=sortedby, reverse=reverse,
        groupedby={name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS},
    )  # fmt: skip
    # use_alarm=False: SIGALRM works only in the main thread; web servers answer in others.
    timed = TimeLimitCollector(collector, timelimit=QUERY_TIME_LIMIT, use_alarm=False)
    timed_out = False
    try:
        searcher.search_with_collector(full, timed)
    except TimeLimit:
        timed_out = True
    results = timed.results()
    hits = [
        Hit(kind=r["kind"], doc_id=int(r["doc_id"]), score=r.score or 0.0, fields=dict(r))
        for r in results[(page - 1) * per_page : limit]
    ]
    facets = {}
    for name in FACETS:
        try:
            facets[name] = {k: v for k, v in results.groups(name).items() if k}
        except KeyError:
            facets[name] = {}
    return Results(hits=hits, total=results.estimated_length(), facets=facets,
                   timed_out=timed_out)  # fmt: skip


def suggest(sx: SearchIndex, term: str, *, limit: int = 3) -> list[str]:
    """Spelling suggestions for a term with no hits, from the indexed titles and keywords."""
    searcher = sx.searcher()
    seen: list[str] = []
    for name in ("title", "keywords"):
        for word in searcher.suggest(name, T.fold(term), limit=limit, maxdist=2, prefix=1):
            if word not in seen:
                seen.append(word)
    return seen[:limit]
