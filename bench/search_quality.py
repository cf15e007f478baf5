"""Search and matching quality: the app's Whoosh search against SQLite FTS5 (trigram).

    .venv/bin/python bench/search_quality.py                   # the figures, JSON on the last line
    .venv/bin/python bench/search_quality.py --per-query       # plus one line per query

The evaluation set is in bench/data/ (made by bench/data/make_eval.py; see bench/README.md).

"ours" is the app's own code: Doc objects from marketplace.search.documents, a Whoosh index
built by index.rebuild in a temp dir, queries through service.parse → index.build_query →
index.search (the numpy engine over the Whoosh segments), and matching through
service.matches_for_challenge / matches_for_profile (the Flask parts, catch_up and current,
are replaced by the temp index; nothing else is).

"fts5" is the baseline: SQLite FTS5 with tokenize='trigram' over the same four text fields
(title, indicators, keywords, body; bm25 weights 3/2/2/1 like the Whoosh field boosts).

* search: every parsed term must match, as a trigram phrase. A term shorter than 3
  characters cannot match a trigram index, so it is checked with LIKE '%term%' instead.
  Ranked by bm25(); when every term is short, by how often the terms occur.
* matching: the same key terms (text.key_terms of the same text the app builds), OR-ed:
  phrases for terms of 3+ characters, LIKE for shorter ones. Ranked first by how many
  distinct key terms a document contains, then by bm25() over the phrases. (bm25 alone
  would ignore the 2-character terms, which are most Chinese key terms; it is printed too,
  as "fts5 bm25 only", and is weaker.)

Metrics per query, then averaged: recall@10 (relevant documents in the top 10 / all
relevant, grade ≥ 1), MRR (1 / rank of the first relevant document within the top
FETCH=100), nDCG@10 (gain 2^grade − 1).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from marketplace.accounts.models import Organisation, OrgKind, OrgStatus  # noqa: E402
from marketplace.challenges.models import (  # noqa: E402
    Challenge,
    ChallengeStatus,
    Indicator,
    Industry,
)
from marketplace.search import documents, service  # noqa: E402
from marketplace.search import index as ix  # noqa: E402
from marketplace.search import text as T  # noqa: E402
from marketplace.search import thesaurus as TH  # noqa: E402
from marketplace.teams.models import TeamProfile  # noqa: E402
from marketplace.units import FEN_PER_WAN  # noqa: E402

DATA = ROOT / "bench" / "data"
FETCH = 100  # results fetched per query; MRR looks this deep, the other figures at 10
AT = 10
METRICS = ("recall@10", "mrr", "ndcg@10")


# --- the evaluation set -----------------------------------------------------------------


def _jsonl(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class EvalSet:
    challenges: list[dict]
    profiles: list[dict]
    queries: list[dict]
    c2p: dict[str, dict[str, int]]
    p2c: dict[str, dict[str, int]]
    intent: list[dict] = field(default_factory=list)  # queries_intent.jsonl: issue #14

    @classmethod
    def load(cls) -> EvalSet:
        matches = json.loads((DATA / "matches.json").read_text(encoding="utf-8"))
        return cls(
            _jsonl("challenges.jsonl"),
            _jsonl("profiles.jsonl"),
            _jsonl("queries.jsonl"),
            matches["challenge_to_profiles"],
            matches["profile_to_challenges"],
            _jsonl("queries_intent.jsonl") if (DATA / "queries_intent.jsonl").exists() else [],
        )


class _IndicatorSession:
    """Stands in for the database session documents.challenge_doc reads indicators from."""

    def __init__(self, rows: list[Indicator]):
        self.rows = rows

    def exec(self, _statement):
        return self

    def all(self):
        return self.rows


@dataclass
class Models:
    """The evaluation set as the app's own model objects (never saved anywhere)."""

    challenges: list[tuple[Challenge, list[Indicator], Organisation]] = field(default_factory=list)
    profiles: list[tuple[TeamProfile, Organisation]] = field(default_factory=list)

    @classmethod
    def build(cls, data: EvalSet, now: datetime) -> Models:
        out = cls()
        for row in data.challenges:
            org = Organisation(
                id=row["id"],
                name=row["org"],
                kind=OrgKind.ENTERPRISE,
                region=row["region"],
                uscc="",
                status=OrgStatus.VERIFIED,
            )
            budget = row["budget_wan"] * FEN_PER_WAN
            c = Challenge(
                id=row["id"],
                organisation_id=org.id,
                created_by_id=1,
                status=ChallengeStatus.PUBLISHED,
                title=row["title"],
                field=Industry(row["field"]),
                problem=row["problem"],
                background=row["background"],
                deliverables=row["deliverables"],
                qualifications=row["qualifications"],
                budget_total_fen=budget,
                enterprise_funds_fen=budget,
                subsidy_requested_fen=0,
                period_months=row["period_months"],
                deadline=now + timedelta(days=60),
                published_at=now - timedelta(days=row["id"] % 30 + 1),
            )
            indicators = [
                Indicator(
                    challenge_id=c.id,
                    position=i,
                    name=ind["name"],
                    target=ind["target"],
                    unit=ind["unit"],
                )
                for i, ind in enumerate(row["indicators"])
            ]
            out.challenges.append((c, indicators, org))
        for row in data.profiles:
            org = Organisation(
                id=10_000 + row["id"],
                name=row["org"],
                kind=OrgKind.UNIVERSITY,
                region=row["region"],
                uscc="",
                status=OrgStatus.VERIFIED,
            )
            p = TeamProfile(
                id=row["id"],
                organisation_id=org.id,
                created_by_id=1,
                team_name=row["team_name"],
                leader_name=row["leader_name"],
                leader_title=row["leader_title"],
                leader_field=row["leader_field"],
                research_fields=row["research_fields"],
                keywords=row["keywords"],
                equipment=row["equipment"],
                members=row["members"],
                achievements=row["achievements"],
                is_public=True,
            )
            out.profiles.append((p, org))
        return out

    def docs(self) -> list[ix.Doc]:
        """The search documents, built by the app's documents module."""
        out = []
        for c, indicators, org in self.challenges:
            out.append(documents.challenge_doc(_IndicatorSession(indicators), c, org))
        for p, org in self.profiles:
            out.append(documents.profile_doc(None, p, org))
        return out


# --- the two engines --------------------------------------------------------------------


class Ours:
    """The app's search: a Whoosh index built with index.rebuild, queried like the app does."""

    def __init__(self, docs: list[ix.Doc], workdir: Path):
        self.path = workdir / "index"
        ix.rebuild(self.path, docs, last_outbox_id=0)
        self.sx = ix.SearchIndex.at(self.path)

    def search(self, raw: str) -> list[str]:
        # service.run without the Flask parts: parse → question words out → find (thesaurus,
        # correction, partial fallback) → search; the thesaurus is the shipped one.
        terms = service.subjects(service.parse(raw).terms)
        if not terms:
            return []
        answer = service.find(self.sx, terms, thesaurus=self.thesaurus, filters={},
                              per_page=FETCH)  # fmt: skip
        return [f"{h.kind}:{h.doc_id}" for h in answer.result.hits]

    @property
    def thesaurus(self) -> TH.Thesaurus:
        if not hasattr(self, "_thesaurus"):
            self._thesaurus = TH.Thesaurus()
            for group in TH.shipped_groups():
                self._thesaurus.add_group(list(group))
        return self._thesaurus

    @contextmanager
    def _as_app(self) -> Iterator[None]:
        saved = service.current, service.catch_up, TH.current
        service.current = lambda: self.sx
        service.catch_up = lambda **_kw: 0
        TH.current = lambda s=None: self.thesaurus
        try:
            yield
        finally:
            service.current, service.catch_up, TH.current = saved

    def match_challenge(self, c: Challenge, indicators: list[Indicator]) -> list[str]:
        with self._as_app():
            found = service.matches_for_challenge(c, indicators, limit=FETCH)
        return [f"{m.kind}:{m.doc_id}" for m in found]

    def match_profile(self, p: TeamProfile) -> list[str]:
        with self._as_app():
            found = service.matches_for_profile(p, limit=FETCH)
        return [f"{m.kind}:{m.doc_id}" for m in found]

    def close(self) -> None:
        self.sx.forget()


def match_request(call: Callable[[], object]) -> dict:
    """The text and kinds the app's matching would search with (service._match's arguments)."""
    seen: dict = {}
    saved = service._match

    def record(text, **kw):
        seen.update(text=text, **kw)
        return []

    service._match = record
    try:
        call()
    finally:
        service._match = saved
    return seen


class Fts5:
    """The baseline: SQLite FTS5, trigram tokenizer, over the same text fields."""

    COLUMNS = ("title", "indicators", "keywords", "body")
    WEIGHTS = "0, 0, 3.0, 2.0, 2.0, 1.0"  # key, kind (unindexed), then the Whoosh field boosts
    ALL = "lower(title || ' ' || indicators || ' ' || keywords || ' ' || body)"

    def __init__(self, docs: list[ix.Doc], *, fold: bool = False):
        self.fold = T.fold if fold else (lambda s: s)
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE d USING fts5(key UNINDEXED, kind UNINDEXED, title, indicators,"
            " keywords, body, tokenize='trigram')"
        )
        self.db.executemany(
            "INSERT INTO d (key, kind, title, indicators, keywords, body) VALUES (?,?,?,?,?,?)",
            [(d.key, d.kind, *(self.fold(getattr(d, c)) for c in self.COLUMNS)) for d in docs],
        )

    @staticmethod
    def _phrase(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    @staticmethod
    def _like(term: str) -> str:
        return "%" + re.sub(r"([%_\\])", r"\\\1", term.lower()) + "%"

    def search(self, raw: str) -> list[str]:
        terms = [self.fold(t) for t, _phrase in service.parse(raw).terms]
        long = [t for t in terms if len(t) >= 3]
        short = [t for t in terms if len(t) < 3]
        where, params = [], []
        if long:
            where.append("d MATCH ?")
            params.append(" AND ".join(self._phrase(t) for t in long))
        for t in short:
            where.append(f"{self.ALL} LIKE ? ESCAPE '\\'")
            params.append(self._like(t))
        if not where:
            return []
        if long:
            order, order_params = f"bm25(d, {self.WEIGHTS})", []
        else:  # only LIKE terms: rank by how often they occur
            counts = [
                f"(length({self.ALL}) - length(replace({self.ALL}, ?, ''))) / length(?)"
                for _ in short
            ]
            order = "-(" + " + ".join(counts) + ")"
            order_params = [x for t in short for x in (t.lower(), t.lower())]
        # S608: the SQL text is built from constants and "?" only; every value is a parameter
        sql = f"SELECT key FROM d WHERE {' AND '.join(where)} ORDER BY {order}, rowid LIMIT ?"  # noqa: S608
        return [k for (k,) in self.db.execute(sql, [*params, *order_params, FETCH])]

    def match(
        self, key_terms: list[str], kinds: list[str], *, bm25_only: bool = False
    ) -> list[str]:
        kind_sql = f"kind IN ({','.join('?' * len(kinds))})"
        present: Counter[str] = Counter()
        rowid: dict[str, int] = {}
        for t in key_terms:
            if len(t) >= 3:
                sql, arg = (
                    f"SELECT key, rowid FROM d WHERE d MATCH ? AND {kind_sql}",  # noqa: S608
                    self._phrase(t),
                )
            else:
                sql = f"SELECT key, rowid FROM d WHERE {self.ALL} LIKE ? ESCAPE '\\' AND {kind_sql}"  # noqa: S608
                arg = self._like(t)
            for key, rid in self.db.execute(sql, [arg, *kinds]):
                present[key] += 1
                rowid[key] = rid
        long = [t for t in key_terms if len(t) >= 3]
        bm25: dict[str, float] = {}
        if long:
            sql = f"SELECT key, bm25(d, {self.WEIGHTS}) FROM d WHERE d MATCH ? AND {kind_sql}"  # noqa: S608
            bm25 = dict(self.db.execute(sql, [" OR ".join(map(self._phrase, long)), *kinds]))
        if bm25_only:  # bm25 over the phrases; documents found only by LIKE after them
            key = lambda k: (k not in bm25, bm25.get(k, 0.0), -present[k], rowid[k])  # noqa: E731
        else:
            key = lambda k: (-present[k], bm25.get(k, 0.0), rowid[k])  # noqa: E731
        return sorted(present, key=key)[:FETCH]


# --- metrics ----------------------------------------------------------------------------


def score(ranked: list[str], relevant: dict[str, int]) -> dict[str, float]:
    hits = [relevant.get(k, 0) for k in ranked]
    n_relevant = sum(1 for g in relevant.values() if g > 0)
    recall = sum(1 for g in hits[:AT] if g > 0) / n_relevant
    rr = next((1 / (i + 1) for i, g in enumerate(hits) if g > 0), 0.0)
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(hits[:AT]))
    ideal = sorted(relevant.values(), reverse=True)[:AT]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return {"recall@10": recall, "mrr": rr, "ndcg@10": dcg / idcg}


def mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {m: round(sum(r[m] for r in rows) / len(rows), 4) for m in METRICS} if rows else {}


# --- one evaluation run -----------------------------------------------------------------


@dataclass
class Run:
    """Per-query scores of every system for search and both matching directions."""

    search: dict[str, list[dict]] = field(default_factory=dict)
    c2p: dict[str, list[dict]] = field(default_factory=dict)
    p2c: dict[str, list[dict]] = field(default_factory=dict)
    intent: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, part: str, system: str, row: dict) -> None:
        getattr(self, part).setdefault(system, []).append(row)


def evaluate(data: EvalSet, models: Models, systems: dict[str, object], run: Run) -> None:
    """Run every query and match request through each system and score it."""
    for q in data.queries:
        for name, engine in systems.items():
            ranked = engine.search(q["query"])
            run.add(
                "search",
                name,
                {
                    "id": q["id"],
                    "query": q["query"],
                    "kinds": q["kinds"],
                    "n": len(q["relevant"]),
                    "top": ranked[:AT],
                    **score(ranked, q["relevant"]),
                },
            )
    for q in data.intent:
        for name, engine in systems.items():
            ranked = engine.search(q["query"])
            run.add("intent", name, {"id": q["id"], "query": q["query"], "kinds": q["kinds"],
                                     "n": len(q["relevant"]), "top": ranked[:AT],
                                     **score(ranked, q["relevant"])})  # fmt: skip
    for c, indicators, _org in models.challenges:
        relevant = {f"profile:{p}": g for p, g in data.c2p.get(str(c.id), {}).items()}
        if not relevant:
            continue
        request = match_request(lambda c=c, i=indicators: service.matches_for_challenge(c, i))
        terms = T.key_terms(request["text"], k=service.MATCH_KEY_TERMS)
        for name, engine in systems.items():
            if isinstance(engine, Ours):
                ranked = engine.match_challenge(c, indicators)
            else:
                ranked = engine.match(terms, request["kinds"], bm25_only=name.endswith("bm25"))
            run.add(
                "c2p",
                name,
                {
                    "id": c.id,
                    "title": c.title,
                    "n": len(relevant),
                    "terms": terms,
                    **score(ranked, relevant),
                },
            )
    for p, _org in models.profiles:
        relevant = {f"challenge:{c}": g for c, g in data.p2c.get(str(p.id), {}).items()}
        if not relevant:
            continue
        request = match_request(lambda p=p: service.matches_for_profile(p))
        terms = T.key_terms(request["text"], k=service.MATCH_KEY_TERMS)
        for name, engine in systems.items():
            if isinstance(engine, Ours):
                ranked = engine.match_profile(p)
            else:
                # all challenges are published with a future deadline, so the app's
                # open_only filter keeps every one of them; the baseline needs no filter
                ranked = engine.match(terms, request["kinds"], bm25_only=name.endswith("bm25"))
            run.add(
                "p2c",
                name,
                {
                    "id": p.id,
                    "title": p.team_name,
                    "n": len(relevant),
                    "terms": terms,
                    **score(ranked, relevant),
                },
            )


# --- report -----------------------------------------------------------------------------


PARTS = (
    ("search", "search"),
    ("challenge_to_profiles", "challenge→profiles"),
    ("profile_to_challenges", "profile→challenges"),
    ("all", "matching, both ways"),
)
SHORT = {"recall@10": "R@10", "mrr": "MRR", "ndcg@10": "nDCG@10"}


def summary(run: Run) -> dict[str, dict[str, dict[str, float]]]:
    """{part: {system: {metric: value}}}"""
    return {
        "search": {s: mean(rows) for s, rows in run.search.items()},
        "challenge_to_profiles": {s: mean(rows) for s, rows in run.c2p.items()},
        "profile_to_challenges": {s: mean(rows) for s, rows in run.p2c.items()},
        "all": {s: mean(run.c2p[s] + run.p2c[s]) for s in run.c2p},
    }


def print_table(res: dict, systems: list[str], counts: dict[str, int]) -> None:
    width = 3 * 8 + 3
    print(f"{'':12}" + "".join(f"{f'{label} ({counts[part]})':>{width}}" for part, label in PARTS))
    print(f"{'':12}" + "".join("   " + "".join(f"{SHORT[m]:>8}" for m in METRICS) for _ in PARTS))
    for s in systems:
        line = f"{s:<12}"
        for part, _label in PARTS:
            line += "   " + "".join(f"{res[part][s][m]:>8.3f}" for m in METRICS)
        print(line)


def print_kinds(run: Run, systems: list[str]) -> None:
    kinds = sorted({k for r in run.search[systems[0]] for k in r["kinds"]})
    print(f"\nsearch nDCG@10 by kind of query {'':6}" + "".join(f"{s[:9]:>10}" for s in systems))
    for kind in kinds:
        n = sum(1 for r in run.search[systems[0]] if kind in r["kinds"])
        line = f"  {kind + f' ({n})':36}"
        for s in systems:
            rows = [r for r in run.search[s] if kind in r["kinds"]]
            line += f"{mean(rows)['ndcg@10']:>10.3f}"
        print(line)


def print_per_query(run: Run, systems: list[str]) -> None:
    print("\nper query, nDCG@10 for " + ", ".join(systems))
    for i, row in enumerate(run.search[systems[0]]):
        cells = " ".join(f"{run.search[s][i]['ndcg@10']:5.2f}" for s in systems)
        print(f"  {row['id']} {row['query']!r:<26} relevant {row['n']:<3} {cells}")
    for i, row in enumerate(run.intent.get(systems[0], [])):
        cells = " ".join(f"{run.intent[s][i]['ndcg@10']:5.2f}" for s in systems)
        print(f"  {row['id']} {row['query']!r:<26} relevant {row['n']:<3} {cells}")


def print_losses(run: Run, baseline: str) -> None:
    """Where the baseline does better than ours: the places to look for a fix."""
    for part, label in (
        ("search", "search"),
        ("c2p", "challenge→profiles"),
        ("p2c", "profile→challenges"),
    ):
        ours, base = getattr(run, part)["ours"], getattr(run, part)[baseline]
        pairs = list(zip(ours, base, strict=True))
        worse = [(o, b) for o, b in pairs if b["ndcg@10"] > o["ndcg@10"] or b["mrr"] > o["mrr"]]
        better = sum(1 for o, b in pairs if o["ndcg@10"] > b["ndcg@10"])
        first = {
            s: sum(1 for r in getattr(run, part)[s] if r["mrr"] < 1) for s in ("ours", baseline)
        }
        print(
            f"\n{label}: ours has the better nDCG@10 on {better} of {len(pairs)}; "
            f"{baseline} has the better nDCG@10 or RR on {len(worse)}. First result not "
            f"relevant: ours {first['ours']}, {baseline} {first[baseline]}."
        )
        for o, b in sorted(worse, key=lambda ob: ob[0]["ndcg@10"] - ob[1]["ndcg@10"])[:8]:
            name = o.get("query") or o.get("title")
            print(
                f"  {o['id']!s:>4} {name!r:<30} nDCG@10 {o['ndcg@10']:.2f} vs {b['ndcg@10']:.2f}"
                f", RR {o['mrr']:.2f} vs {b['mrr']:.2f}"
            )


INTENT_CLASSES = ("abbreviation", "synonym", "question", "partial", "typo")


def intent_summary(run: Run, systems: list[str]) -> dict:
    """{class: {system: {metric: value}}} for the queries typed as people type them."""
    out = {}
    for kind in (*INTENT_CLASSES, "all"):
        out[kind] = {
            s: mean([r for r in run.intent.get(s, []) if kind == "all" or kind in r["kinds"]])
            for s in systems
        }
    return out


def print_intent(res: dict, run: Run, systems: list[str]) -> None:
    if not run.intent:
        return
    print(f"\nqueries as people type them (queries_intent.jsonl){'':4}"
          + "".join(f"{s[:9] + ' R@10':>16}{'MRR':>7}" for s in systems))  # fmt: skip
    for kind, by_system in res.items():
        n = sum(1 for r in run.intent[systems[0]] if kind == "all" or kind in r["kinds"])
        line = f"  {kind + f' ({n})':52}"
        for s in systems:
            line += f"{by_system[s]['recall@10']:>16.3f}{by_system[s]['mrr']:>7.3f}"
        print(line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-query", action="store_true", help="print every query's nDCG@10")
    ap.add_argument("--keep", action="store_true", help="keep the temp index and print where")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    T.init_segmenter()
    data = EvalSet.load()
    models = Models.build(data, datetime.now(UTC))
    workdir = Path(tempfile.mkdtemp(prefix="mp_search_quality_"))
    run = Run()
    try:
        docs = models.docs()
        systems: dict[str, object] = {
            "ours": Ours(docs, workdir / "ours"),
            "fts5": Fts5(docs),
            "fts5_bm25": Fts5(docs),
            "fts5_fold": Fts5(docs, fold=True),
        }
        evaluate(data, models, systems, run)
        systems["ours"].close()
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    res = summary(run)
    names = list(run.search)
    counts = {
        "search": len(data.queries),
        "challenge_to_profiles": len(run.c2p["ours"]),
        "profile_to_challenges": len(run.p2c["ours"]),
    }
    counts["all"] = counts["challenge_to_profiles"] + counts["profile_to_challenges"]
    n_trad = sum(1 for r in data.challenges + data.profiles if r["script"] != "zh-Hans")
    print(
        f"Search quality: {len(data.challenges)} challenges + {len(data.profiles)} profiles "
        f"({n_trad} in traditional characters), {len(data.queries)} queries, "
        f"{counts['all']} match requests."
    )
    print(
        "ours = the app (Whoosh; jieba words + CJK bigrams; OpenCC t2s). fts5 = the baseline, "
        "SQLite FTS5 trigram (LIKE for terms under 3 characters). For information only: "
        "fts5_bm25 = baseline matching ranked by bm25 alone (search is the same as fts5); "
        "fts5_fold = the baseline over the app's folded text."
    )
    print()
    print_table(res, names, counts)
    print_kinds(run, names)
    intent = intent_summary(run, names)
    print_intent(intent, run, names)
    if args.per_query:
        print_per_query(run, names)
    print_losses(run, "fts5")

    not_beaten = [
        f"{part}.{m}"
        for part, _l in PARTS
        for m in METRICS
        if not res[part]["ours"][m] > res[part]["fts5"][m]
    ]
    figures = {part: {s: res[part][s] for s in ("ours", "fts5")} for part, _l in PARTS}
    result = {
        "search": figures["search"],
        "matching": {part: figures[part] for part, _l in PARTS[1:]},
        "understanding": {k: {s: v[s] for s in ("ours", "fts5")} for k, v in intent.items()}
        if run.intent
        else {},
        "ours_beats_baseline_everywhere": not not_beaten,
        "not_beaten": not_beaten,
        "information": {
            part: {s: res[part][s] for s in names if s not in ("ours", "fts5")}
            for part, _l in PARTS
        },
        "dataset": {
            "challenges": len(data.challenges),
            "profiles": len(data.profiles),
            "traditional_docs": n_trad,
            "queries": len(data.queries),
            "intent_queries": len(data.intent),
            "match_requests": {k: v for k, v in counts.items() if k != "search"},
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
