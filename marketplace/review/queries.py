"""Finding experts (staff's 专家库 page): filters in SQL, keywords matched in Python.

A pool of a few hundred needs no index: every expert's texts are analysed with the search's own
functions (``search.text``: OpenCC folding, jieba search-mode words, CJK bigrams), cached per
text, and each query term is matched as search matches it: all its words, or all its bigrams
(合金 inside 镁合金压铸), or a quoted phrase in order. All terms must match; the rank adds, per
term, the best field weight times how it matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlmodel import Session, select

from ..accounts.models import Role, User
from ..challenges.models import Challenge, Industry
from ..search import service as search_service
from ..search import text as T
from ..teams.schemas import normalize_keywords
from .models import Availability, ExpertField, ExpertProfile
from .panel_models import Draw, Panel, PanelMember, PanelStatus
from .services import available_on_clause

MAX_QUERY = 100
MAX_SHOWN_MATCHES = 6
# Where a term is found, by weight: an expert's own keywords say most about what they review.
FIELD_WEIGHTS = {"keywords": 3.0, "name": 2.0, "title": 1.0, "organisation_name": 1.0}
WORD, GRAMS, PREFIX = 1.0, 0.6, 0.3  # how a term matched: whole words, bigrams, a prefix
_ONE_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$")
_ASCII_TERM = re.compile(r"^[a-z0-9][a-z0-9.\-+/]{2,}$")


@dataclass(frozen=True)
class ExpertFilters:
    q: str = ""
    industry: Industry | None = None
    finance: bool = False
    availability: Availability | None = None  # as of today

    @classmethod
    def from_args(cls, args) -> ExpertFilters:
        """Read filters from query arguments; unknown values are ignored, never an error."""
        industry, availability = args.get("field"), args.get("availability")
        return cls(
            q=(args.get("q") or "").replace("\x00", "").strip()[:MAX_QUERY],
            industry=Industry(industry) if industry in Industry._value2member_map_ else None,
            finance=args.get("finance") == "1",
            availability=(
                Availability(availability)
                if availability in Availability._value2member_map_
                else None
            ),
        )


@dataclass
class ExpertRow:
    user: User
    profile: ExpertProfile | None
    industries: list[Industry]
    available: bool
    score: float = 0.0
    # The expert's texts a term was found in (marked up with the terms once ranked).
    matched: list = field(default_factory=list)


@dataclass
class ExpertResults:
    rows: list[ExpertRow]
    terms: list[str]  # what was searched for, to mark in the matched texts
    notice: str = ""


@lru_cache(maxsize=8192)
def _analysed(text: str) -> tuple[frozenset[str], frozenset[str], str]:
    """A text's jieba words, its bigrams, and its folded form without spaces."""
    return frozenset(T.words(text)), frozenset(T.grams(text)), "".join(T.fold(text).split())


def _strength(term: str, is_phrase: bool, text: str) -> float:
    """How ``term`` matches ``text``: WORD, GRAMS, PREFIX or 0."""
    words, grams, squeezed = _analysed(text)
    if is_phrase:
        return WORD if "".join(T.fold(term).split()) in squeezed else 0.0
    term_words, term_grams, folded = _analysed(term)
    if term_words and term_words <= words:
        return WORD
    if term_grams and term_grams <= grams:
        return GRAMS
    # 锂 alone, or an ASCII stem (VOC in VOCs): as search does, a prefix of an indexed token.
    if (_ONE_CJK.match(folded) or _ASCII_TERM.match(folded)) and any(
        g.startswith(folded) for g in grams
    ):
        return PREFIX
    return 0.0


def _texts(row: ExpertRow) -> list[tuple[str, str]]:
    """(field, text) pairs to search: each keyword on its own, so the page can say which."""
    p = row.profile
    pairs = [("name", row.user.name)]
    if p is not None:
        pairs += [("keywords", k) for k in normalize_keywords(p.keywords)]
        pairs += [("title", p.title), ("organisation_name", p.organisation_name)]
    return [(name, text) for name, text in pairs if text]


def _score(row: ExpertRow, terms: list[tuple[str, bool]]) -> bool:
    """Rank ``row`` for ``terms`` in place; False when some term is found nowhere."""
    total, matched = 0.0, []
    texts = _texts(row)
    for term, is_phrase in terms:
        best = 0.0
        for name, text in texts:
            strength = _strength(term, is_phrase, text)
            if strength:
                best = max(best, FIELD_WEIGHTS[name] * strength)
                if text not in matched:
                    matched.append(text)
        if not best:
            return False
        total += best
    row.score, row.matched = total, matched[:MAX_SHOWN_MATCHES]
    return True


def _candidates(s: Session, filters: ExpertFilters, today: date) -> list[ExpertRow]:
    """Expert accounts passing the filters, with their profiles and fields: two queries."""
    stmt = (
        select(User, ExpertProfile)
        .join(ExpertProfile, ExpertProfile.user_id == User.id, isouter=True)
        .where(User.role == Role.EXPERT)
        .order_by(User.name, User.id)
    )
    if filters.industry is not None:
        stmt = stmt.where(
            ExpertProfile.id.in_(
                select(ExpertField.expert_id).where(ExpertField.industry == filters.industry)
            )
        )
    if filters.finance:
        stmt = stmt.where(ExpertProfile.is_finance_expert.is_(True))
    if filters.availability is Availability.AVAILABLE:
        stmt = stmt.where(User.is_active_account.is_(True), available_on_clause(today))
    elif filters.availability is Availability.UNAVAILABLE:
        # Without a profile an expert has said nothing yet: neither available nor away.
        stmt = stmt.where(ExpertProfile.id.is_not(None), ~available_on_clause(today))
    pairs = s.exec(stmt).all()
    ids = [p.id for _u, p in pairs if p is not None]
    fields: dict[int, set[Industry]] = {}
    if ids:
        for expert_id, industry in s.exec(
            select(ExpertField.expert_id, ExpertField.industry).where(
                ExpertField.expert_id.in_(ids)
            )
        ):
            fields.setdefault(expert_id, set()).add(industry)
    return [
        ExpertRow(
            user=u,
            profile=p,
            industries=[i for i in Industry if p is not None and i in fields.get(p.id, ())],
            available=p is not None and u.is_active_account and p.available_on(today),
        )
        for u, p in pairs
    ]


def find_experts(s: Session, filters: ExpertFilters, *, today: date) -> ExpertResults:
    """The experts matching the filters and keywords, best match first (by name without
    keywords), each with the texts the keywords were found in."""
    rows = _candidates(s, filters, today)
    parsed = search_service.parse(filters.q)
    if not parsed.terms:
        return ExpertResults(rows, [], parsed.notice)
    found = [row for row in rows if _score(row, parsed.terms)]
    found.sort(key=lambda r: -r.score)  # stable: equal scores stay in name order
    terms = [t for t, _p in parsed.terms]
    terms += [w for t in list(terms) for w in T.words(t) if len(w) > 1]
    for row in found:
        row.matched = [T.highlight(text, terms, width=200) for text in row.matched]
    return ExpertResults(found, terms, parsed.notice)


def draws_of(s: Session, panel_id: int) -> list[Draw]:
    """Every draw of a panel's experts, in the order they were made."""
    return list(s.exec(select(Draw).where(Draw.panel_id == panel_id).order_by(Draw.id)))


def panels_of_expert(s: Session, expert_id: int) -> list[tuple[PanelMember, Panel, Challenge]]:
    """(seat, panel, challenge) of every formed panel an expert sits on, newest seat first."""
    return list(
        s.exec(
            select(PanelMember, Panel, Challenge)
            .join(Panel, Panel.id == PanelMember.panel_id)
            .join(Challenge, Challenge.id == Panel.challenge_id)
            .where(PanelMember.expert_id == expert_id, Panel.status != PanelStatus.FORMING)
            .order_by(PanelMember.id.desc())
        ).all()
    )
