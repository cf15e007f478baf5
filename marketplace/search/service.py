"""Search as the app uses it: catch up with the outbox, query, explain matches, rebuild, verify."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import func, select

from .. import db
from . import documents
from . import index as ix
from . import text as T
from .outbox import DocType, OutboxOp, SearchOutbox

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 100
MAX_TERMS = 10
# Key terms a matching request searches with. 25 rather than 15: recall@10 and nDCG@10 up in
# both directions (bench/search_quality.py; all matching nDCG@10 0.972 -> 0.978).
MATCH_KEY_TERMS = 25
BATCH = 2000


def current() -> ix.SearchIndex:
    return ix.SearchIndex.at(Path(current_app.config["SEARCH_INDEX_DIR"]))


def catch_up(*, limit: int = BATCH) -> int:
    """Apply pending outbox rows in id order; never raises (a failure is retried next time)."""
    sx = current()
    try:
        last = sx.last_applied()
        s = db.session()
        stmt = select(SearchOutbox).where(SearchOutbox.id > last).order_by(SearchOutbox.id)
        # PostgreSQL may commit a lower outbox id after a higher one: rows younger than the
        # settle time wait for the next catch-up so none is skipped. SQLite has one writer.
        settle = current_app.config["SEARCH_OUTBOX_SETTLE_MS"]
        if db.engine().dialect.name != "sqlite" and settle:
            stmt = stmt.where(
                SearchOutbox.created_at <= db.utcnow() - timedelta(milliseconds=settle)
            )
        rows = s.exec(stmt.limit(limit)).all()
        if not rows:
            return 0
        upserts: dict[str, ix.Doc] = {}
        deletes: set[str] = set()
        for row in rows:  # later rows for the same document win
            key = f"{row.doc_type.value}:{row.doc_id}"
            doc = documents.load(s, row.doc_type, row.doc_id) if row.op is OutboxOp.UPSERT else None
            if doc is None:
                upserts.pop(key, None)
                deletes.add(key)
            else:
                deletes.discard(key)
                upserts[key] = doc
        ix.write(sx, upserts=upserts.values(), deletes=deletes, last_outbox_id=rows[-1].id)
        return len(rows)
    except ix.IndexLocked:
        log.info("search index is locked by another writer; catching up later")
    except Exception:
        log.exception("search index catch-up failed; it will be retried")
        sx.forget()
    return 0


def pending() -> int:
    """Outbox rows not yet in the index."""
    try:
        last = current().last_applied()
    except Exception:
        return -1
    return (
        db.session()
        .exec(select(func.count()).select_from(SearchOutbox).where(SearchOutbox.id > last))
        .one()
    )


def rebuild(progress=None) -> int:
    """Rebuild the whole index from the database; returns the document count."""
    s = db.session()
    last = s.exec(select(func.coalesce(func.max(SearchOutbox.id), 0))).one()
    return ix.rebuild(
        Path(current_app.config["SEARCH_INDEX_DIR"]),
        documents.all_documents(s),
        last_outbox_id=int(last),
        progress=progress,
    )


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    outdated: bool = False  # built by an older text pipeline (index.FORMAT)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.outdated)


def verify() -> Drift:
    """Compare the index with the database: documents missing, stale or not allowed there."""
    want = {d.key: d.digest() for d in documents.all_documents(db.session())}
    have = current().stored()
    return Drift(
        outdated=current().format() != ix.FORMAT,
        missing=sorted(k for k in want if k not in have),
        stale=sorted(k for k in want if k in have and have[k] != want[k]),
        extra=sorted(k for k in have if k not in want),
    )


# --- queries from people ----------------------------------------------------------------

_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”')
# 'ZL 2022 1 0123456.7' as printed on a certificate is one number, not four terms.
_SPACED_PATENT = re.compile(
    r"\b((?:ZL|CN)?\s*\d{4}\s*[12389]\s*\d{7}\s*[.。]\s*[\dXx])", re.IGNORECASE
)


@dataclass
class ParsedQuery:
    terms: list[tuple[str, bool]]  # (term, is_phrase)
    notice: str = ""


def parse(raw: str | None) -> ParsedQuery:
    """Read what people type: words, "quoted phrases"; any other syntax is just text."""
    raw = (raw or "").strip()
    notice = ""
    if len(raw) > MAX_QUERY_CHARS:
        raw = raw[:MAX_QUERY_CHARS]
        notice = _("查询内容过长，只按前 %(n)d 个字符搜索。", n=MAX_QUERY_CHARS)
    raw = _SPACED_PATENT.sub(lambda m: re.sub(r"\s+", "", m.group(1)), raw)
    terms: list[tuple[str, bool]] = []
    for match in _QUOTED.finditer(raw):
        phrase = (match.group(1) or match.group(2)).strip()
        if phrase:
            terms.append((phrase, True))
    rest = _QUOTED.sub(" ", raw)
    for word in re.split(r"[\s,，;；、:：()（）\[\]{}<>\"'“”*?!！？]+", rest):
        if word and re.search(r"\w", word) and word.upper() not in {"AND", "OR", "NOT"}:
            terms.append((word, False))
    if len(terms) > MAX_TERMS:
        terms = terms[:MAX_TERMS]
        notice = _("查询词过多，只按前 %(n)d 个词搜索。", n=MAX_TERMS)
    return ParsedQuery(terms, notice)


@dataclass
class SearchPage:
    query: str
    hits: list[dict]
    total: int
    facets: dict[str, dict[str, int]]
    notice: str = ""
    suggestions: list[str] = field(default_factory=list)
    unavailable: bool = False


def run(
    raw: str | None,
    *,
    filters: dict[str, str],
    open_only: bool = False,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """The search page: catch up, query, snippets, facets, and 'did you mean'."""
    parsed = parse(raw)
    if not parsed.terms:
        notice = parsed.notice or (_("请输入要搜索的内容。") if raw and raw.strip() else "")
        return SearchPage(raw or "", [], 0, {}, notice=notice)
    catch_up()
    sx = current()
    try:
        result = ix.search(
            sx, ix.build_query(parsed.terms), filters=filters, sort=sort, page=page,
            per_page=per_page, open_at=db.utcnow() if open_only else None,
        )  # fmt: skip
    except Exception:
        log.exception("search failed for %r", raw)
        sx.forget()
        return SearchPage(raw or "", [], 0, {}, notice=_("搜索服务暂时不可用，请稍后再试。"),
                          unavailable=True)  # fmt: skip
    words = [t for t, _p in parsed.terms]
    hits = [_hit(h, words) for h in result.hits]
    suggestions: list[str] = []
    if not result.total:
        for word, is_phrase in parsed.terms:
            if not is_phrase:
                suggestions += [s for s in ix.suggest(sx, word) if s not in suggestions]
    notice = parsed.notice
    if result.timed_out:
        notice = _("查询耗时过长，只显示部分结果，请换用更具体的词。")
    return SearchPage(raw or "", hits, result.total, result.facets, notice, suggestions[:5])


def _hit(h: ix.Hit, words: list[str]) -> dict:
    f = h.fields
    source = f.get("body") or f.get("keywords") or f.get("indicators") or ""
    terms = list(words) + [w for word in words for w in T.words(word)]
    return {
        "kind": h.kind,
        "id": h.doc_id,
        "title": T.highlight(f.get("title", ""), terms, width=200),
        "snippet": T.highlight(source, terms, width=120),
        "org": f.get("org", ""),
        "field": f.get("field", ""),
        "status": f.get("status", ""),
        "region": f.get("region", ""),
        "budget": f.get("budget"),
        "deadline": f.get("deadline"),
    }


# --- matching both ways -----------------------------------------------------------------


@dataclass
class Match:
    kind: str
    doc_id: int
    title: str
    org: str
    score: float
    shared: list[str]


def _match(text: str, *, kinds: list[str], open_only: bool, limit: int) -> list[Match]:
    weighted = T.weighted_key_terms(text, k=MATCH_KEY_TERMS)
    if not weighted:
        return []
    terms = [t for t, _w in weighted]
    catch_up()
    sx = current()
    try:
        # Some hits are dropped below (nothing to show in common): ask for a few more.
        result = ix.search(
            sx, ix.key_terms_query(weighted), kinds=tuple(kinds), per_page=limit * 2,
            open_at=db.utcnow() if open_only else None,
        )  # fmt: skip
    except Exception:
        log.exception("matching failed")
        return []
    out = []
    for h in result.hits:
        text_of_hit = T.fold(" ".join(str(h.fields.get(n) or "") for n in ix.TEXT_FIELDS))
        shared = shared_terms(terms, text_of_hit)
        if not shared:  # a suggestion with nothing in common is not a suggestion
            continue
        out.append(Match(h.kind, h.doc_id, h.fields.get("title", ""), h.fields.get("org", ""),
                         h.score, shared[:6]))  # fmt: skip
        if len(out) == limit:
            break
    return out


def shared_terms(terms: list[str], folded_text: str) -> list[str]:
    """What a match has in common with the text it was found for, as its explanation: the key
    terms it contains, else the sub-words it was found by (a team doing 农残检测 shares 检测
    with 自动检测, not 自动检测 itself, and the query counts such sub-words). Empty: nothing."""
    whole = [t for t in terms if t in folded_text]
    if whole:
        return whole
    parts = []
    for term in terms:
        for word in T.words(term):
            if word != term and len(word) > 1 and word in folded_text and word not in parts:
                parts.append(word)
    return parts


def matches_for_challenge(challenge, indicators, *, limit: int = 10) -> list[Match]:
    """Teams and achievements most likely to solve a challenge, with the shared terms."""
    text = " ".join([challenge.title] * 2 + [i.name for i in indicators] + [challenge.problem])
    return _match(text, kinds=[DocType.PROFILE.value, DocType.ACHIEVEMENT.value],
                  open_only=False, limit=limit)  # fmt: skip


def matches_for_profile(profile, *, limit: int = 10) -> list[Match]:
    """Open challenges a team could win, with the shared terms."""
    text = " ".join([profile.team_name, profile.keywords, profile.research_fields,
                     profile.leader_field, profile.equipment])  # fmt: skip
    return _match(text, kinds=[DocType.CHALLENGE.value], open_only=True, limit=limit)


def kind_label(kind: str) -> str:
    return {
        DocType.CHALLENGE.value: _("榜单"),
        DocType.PROFILE.value: _("科研团队"),
        DocType.ACHIEVEMENT.value: _("科技成果"),
    }.get(kind, kind)
