"""Search as the app uses it: catch up with the outbox, query, explain matches, rebuild, verify."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import func, select

from .. import db, page_cache
from ..outbox import DocType, SearchOutbox
from . import documents
from . import index as ix
from . import text as T
from . import thesaurus as TH
from . import understand as U

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 100
MAX_TERMS = 10
# Key terms a matching request searches with. 25 rather than 15: recall@10 and nDCG@10 up in
# both directions (bench/search_quality.py; all matching nDCG@10 0.972 -> 0.978).
MATCH_KEY_TERMS = 25
BATCH = 2000
# Outbox ids skipped while their transaction was still open: how long to keep looking for
# them (config SEARCH_OUTBOX_GAP_SECONDS) and how many at most.
GAP_SECONDS = 3600
MAX_GAPS = 1000


def current() -> ix.SearchIndex:
    return ix.SearchIndex.at(Path(current_app.config["SEARCH_INDEX_DIR"]))


def catch_up(*, limit: int = BATCH) -> int:
    """Apply pending outbox rows in id order; never raises (a failure is retried next time).

    PostgreSQL hands out ids when a row is inserted but shows it when its transaction
    commits, so a lower id can appear after a higher one was applied. Rows younger than the
    settle time wait for the next catch-up (most late commits are that quick); an id skipped
    over anyway is remembered in the index as a gap and applied whenever its row appears,
    until SEARCH_OUTBOX_GAP_SECONDS (a rolled-back transaction leaves a gap for ever).
    """
    sx = current()
    try:
        last, gaps = sx.last_applied(), sx.gaps()
        s = db.session()
        new = _new_rows(s, last, limit)
        rows = new + _late_rows(s, gaps)
        if len(new) == limit or _settles():
            _left_waiting(s, max([last, *(row.id for row in rows)]))
        if not rows:
            return 0 if not _expire(gaps) else _write_gaps(sx, last, gaps)
        rows.sort(key=lambda row: row.id)
        upserts, deletes = _changes(s, rows)
        newest = max(last, rows[-1].id)
        seen = {row.id for row in rows}
        now = time.time()
        for gap in range(last + 1, newest):
            if gap not in seen:
                gaps.setdefault(gap, now)
        for row_id in seen:
            gaps.pop(row_id, None)
        _expire(gaps)
        ix.write(sx, upserts=upserts.values(), deletes=deletes, last_outbox_id=newest, gaps=gaps)
        return len(rows)
    except ix.IndexLocked:
        log.info("search index is locked by another writer; catching up later")
    except Exception:
        log.exception("search index catch-up failed; it will be retried")
        sx.forget()
    page_cache.dont_keep()  # a page of results from behind the database is not kept
    return 0


def _left_waiting(s, newest: int) -> None:
    """Committed rows left for the next catch-up (younger than the settle time, or beyond
    this batch): the page about to be rendered is behind them, so it is not kept."""
    if s.exec(select(SearchOutbox.id).where(SearchOutbox.id > newest).limit(1)).first():
        page_cache.dont_keep()


def _settles() -> bool:
    """Young outbox rows wait for the next catch-up (PostgreSQL; SQLite has one writer)."""
    return db.engine().dialect.name != "sqlite" and bool(
        current_app.config["SEARCH_OUTBOX_SETTLE_MS"]
    )


def _new_rows(s, last: int, limit: int) -> list[SearchOutbox]:
    stmt = select(SearchOutbox).where(SearchOutbox.id > last).order_by(SearchOutbox.id)
    settle = current_app.config["SEARCH_OUTBOX_SETTLE_MS"]
    if _settles():
        stmt = stmt.where(SearchOutbox.created_at <= db.utcnow() - timedelta(milliseconds=settle))
    return list(s.exec(stmt.limit(limit)).all())


def _late_rows(s, gaps: dict[int, float]) -> list[SearchOutbox]:
    """Rows of remembered gaps that have committed since."""
    if not gaps:
        return []
    wanted = sorted(gaps)[:MAX_GAPS]
    return list(s.exec(select(SearchOutbox).where(SearchOutbox.id.in_(wanted))).all())


def _changes(s, rows) -> tuple[dict[str, ix.Doc], set[str]]:
    """What the rows ask for, from the database as it is now: a late row can be older than
    one already applied for the same document, so the row's own op is not trusted over the
    current state (a document that no longer loads is deleted, any other is re-read)."""
    upserts: dict[str, ix.Doc] = {}
    deletes: set[str] = set()
    for row in rows:  # later rows for the same document win
        key = f"{row.doc_type.value}:{row.doc_id}"
        doc = documents.load(s, row.doc_type, row.doc_id)
        if doc is None:
            upserts.pop(key, None)
            deletes.add(key)
        else:
            deletes.discard(key)
            upserts[key] = doc
    return upserts, deletes


def _expire(gaps: dict[int, float]) -> bool:
    """Forget gaps older than SEARCH_OUTBOX_GAP_SECONDS, and the oldest beyond MAX_GAPS;
    True when any went (`index verify` finds what such a row would have changed)."""
    horizon = time.time() - current_app.config.get("SEARCH_OUTBOX_GAP_SECONDS", GAP_SECONDS)
    old = [gap for gap, seen in gaps.items() if seen < horizon]
    old += sorted(set(gaps) - set(old))[: max(0, len(gaps) - len(old) - MAX_GAPS)]
    for gap in old:
        log.warning("search outbox id %d never committed; giving up on it", gap)
        del gaps[gap]
    return bool(old)


def _write_gaps(sx, last: int, gaps: dict[int, float]) -> int:
    ix.write(sx, last_outbox_id=last, gaps=gaps)
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
    synonyms: list[tuple[str, list[str]]] = field(default_factory=list)  # shown as 同义词
    corrected: str = ""  # the spelling searched instead of the query as typed
    partial: bool = False  # no document has every word: ranked partial matches


def subjects(terms: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """The terms without the words that carry no subject (有没有, 寻找, 的, 团队 …)."""
    out: list[tuple[str, bool]] = []
    for term, phrase in terms:
        out += [(term, True)] if phrase else [(p, False) for p in U.subject_pieces(term)]
    return out[:MAX_TERMS]


def run(
    raw: str | None,
    *,
    filters: dict[str, str],
    open_only: bool = False,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    exact: bool = False,
) -> SearchPage:
    """The search page: catch up, query (with the thesaurus), and when nothing matches a
    corrected spelling, then partial matches; snippets, facets and 'did you mean'."""
    parsed = parse(raw)
    terms = subjects(parsed.terms)
    if not terms:
        notice = parsed.notice or (_("请输入要搜索的内容。") if raw and raw.strip() else "")
        if parsed.terms:
            notice = _(
                "请写出要找的技术、产品或材料，例如：碳纤维 复合材料。"
                "“有没有”“寻找”这类词不参与搜索。"
            )
        return SearchPage(raw or "", [], 0, {}, notice=notice)
    catch_up()
    sx = current()
    options = dict(filters=filters, sort=sort, page=page, per_page=per_page,
                   open_at=db.utcnow() if open_only else None)  # fmt: skip
    try:
        answer = find(sx, terms, thesaurus=TH.current(), exact=exact, **options)
    except Exception:
        log.exception("search failed for %r", raw)
        sx.forget()
        page_cache.dont_keep()
        return SearchPage(raw or "", [], 0, {}, notice=_("搜索服务暂时不可用，请稍后再试。"),
                          unavailable=True)  # fmt: skip
    result, corrected, partial = answer.result, answer.corrected, answer.partial
    shown = answer.synonyms
    searched = corrected or terms
    words = [t for t, _p in searched] + [alt for alts in shown.values() for alt in alts]
    hits = [_hit(h, words) for h in result.hits]
    suggestions: list[str] = []
    if not result.total or partial:
        for word, is_phrase in terms:
            if not is_phrase:
                suggestions += [s for s in ix.suggest(sx, word) if s not in suggestions]
    notice = parsed.notice
    if result.timed_out:
        notice = _("查询耗时过长，只显示部分结果，请换用更具体的词。")
    return SearchPage(
        raw or "", hits, result.total, result.facets, notice, suggestions[:5],
        synonyms=list(shown.items()), corrected=" ".join(t for t, _p in corrected),
        partial=partial,
    )  # fmt: skip


@dataclass
class Answer:
    result: ix.Results
    synonyms: dict[str, list[str]]  # of the terms searched
    corrected: list[tuple[str, bool]]  # the terms searched instead ([]: as typed)
    partial: bool


def find(
    sx: ix.SearchIndex,
    terms: list[tuple[str, bool]],
    *,
    thesaurus: TH.Thesaurus,
    exact: bool = False,
    **options,
) -> Answer:
    """The query with the thesaurus; when nothing matches, a corrected spelling (unless
    ``exact``), then ranked partial matches. No Flask here (bench/search_quality.py)."""
    synonyms = _synonyms(terms, thesaurus)
    result = ix.search(sx, ix.build_query(terms, synonyms), **options)
    corrected: list[tuple[str, bool]] = []
    if not result.total and not exact:
        corrected = _corrected(sx, terms)
        if corrected:
            fixed_synonyms = _synonyms(corrected, thesaurus)
            fixed = ix.search(sx, ix.build_query(corrected, fixed_synonyms), **options)
            if fixed.total:
                return Answer(fixed, fixed_synonyms, corrected, False)
    partial = False
    if not result.total and _has_several_words(terms):
        result = ix.search(sx, ix.partial_query(terms, synonyms), **options)
        partial = bool(result.total)
    return Answer(result, synonyms, [], partial)


def _synonyms(terms: list[tuple[str, bool]], thesaurus: TH.Thesaurus) -> dict[str, list[str]]:
    found = {term: thesaurus.alternatives(term) for term, phrase in terms if not phrase}
    return {term: alts for term, alts in found.items() if alts}


def _has_several_words(terms: list[tuple[str, bool]]) -> bool:
    return len(terms) > 1 or any(len(ix._cover(T.words(t), T.fold(t))) > 1 for t, _p in terms)


def _corrected(sx: ix.SearchIndex, terms: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """The terms with each one that matches nothing respelt: the confusion table first, then
    the index's own corrector; [] when no term could be corrected."""
    out, changed = [], False
    for term, phrase in terms:
        if phrase or ix.known_spellings(sx, [term], limit=1):
            out.append((term, phrase))
            continue
        fixed = ix.known_spellings(sx, U.spelling_guesses(term), limit=1)
        if not fixed:
            fixed = ix.known_spellings(sx, ix.suggest(sx, term), limit=1)
        out.append((fixed[0] if fixed else term, phrase))
        changed = changed or bool(fixed)
    return out if changed else []


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
        synonyms = _synonyms([(t, False) for t in terms], TH.current())
        # Some hits are dropped below (nothing to show in common): ask for a few more.
        result = ix.search(
            sx, ix.key_terms_query(weighted, synonyms), kinds=tuple(kinds), per_page=limit * 2,
            open_at=db.utcnow() if open_only else None,
        )  # fmt: skip
    except Exception:
        log.exception("matching failed")
        return []
    out = []
    for h in result.hits:
        text_of_hit = T.fold(" ".join(str(h.fields.get(n) or "") for n in ix.TEXT_FIELDS))
        shared = shared_terms(terms, text_of_hit, synonyms)
        if not shared:  # a suggestion with nothing in common is not a suggestion
            continue
        out.append(Match(h.kind, h.doc_id, h.fields.get("title", ""), h.fields.get("org", ""),
                         h.score, shared[:6]))  # fmt: skip
        if len(out) == limit:
            break
    return out


def shared_terms(
    terms: list[str], folded_text: str, synonyms: dict[str, list[str]] | None = None
) -> list[str]:
    """What a match has in common with the text it was found for, as its explanation: the key
    terms it contains (or a thesaurus alternative of one: "光伏 → 太阳能电池"), else the
    sub-words it was found by (a team doing 农残检测 shares 检测 with 自动检测, not 自动检测
    itself, and the query counts such sub-words). Empty: nothing."""
    whole = []
    for term in terms:
        if term in folded_text:
            whole.append(term)
            continue
        alt = next((a for a in (synonyms or {}).get(term, ()) if a in folded_text), None)
        if alt:
            whole.append(f"{term} → {alt}")
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


def _kind_labels() -> dict[str, str]:
    return {
        DocType.CHALLENGE.value: _("榜单"),
        DocType.PROFILE.value: _("科研团队"),
        DocType.ACHIEVEMENT.value: _("科技成果"),
    }


def kind_label(kind: str) -> str:
    """The label of a document kind (one per hit and facet): translated once per catalogue."""
    from ..i18n import per_catalogue

    return per_catalogue("search.kind_labels", _kind_labels).get(kind, kind)
