"""The domain thesaurus: groups of terms that mean the same thing (光伏 = 太阳能电池 = PV).

The shipped groups are data (thesaurus.txt, read once per process); staff add groups on the
settings page (ThesaurusEntry rows, read again whenever the table changed, so no rebuild and
no restart). Both search and matching ask :func:`current` for the alternatives of a term; the
index itself never changes, so an added group works at once on every existing document.

Bad data cannot hurt a query: terms are folded and checked when added, a group that repeats
itself (A = B = A) is just a set, and a term never gets more than MAX_ALTERNATIVES
alternatives however many groups name it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlmodel import Session, func, select

from .. import audit, db
from ..errors import NotFound, PermissionDenied, ValidationFailed
from . import text as T
from .actions import ThesaurusAction
from .thesaurus_models import ThesaurusEntry

SOURCE = Path(__file__).with_name("thesaurus.txt")
SEPARATOR = re.compile(r"\s*[=＝]\s*")
# An alternative counts this much of the term typed: a document with the term itself ranks
# first (bench/search_quality.py, class "synonym").
WEIGHT = 0.5
MAX_ALTERNATIVES = 6
MAX_TERM_CHARS = 40
MAX_GROUP_TERMS = 12
# Letters of any script, digits, and the joiners of technical names (CAR-T, R&D, Si3N4, 5-axis);
# nothing that means markup or a query operator.
_TERM = re.compile(r"^[\w\u00b7\-+/&.()（）' ]+$")


@dataclass
class Thesaurus:
    """Alternatives by folded term, in the order the groups name them."""

    alternatives_of: dict[str, list[str]] = field(default_factory=dict)
    overflow: set[str] = field(default_factory=set)  # terms cut to MAX_ALTERNATIVES

    def add_group(self, terms: list[str]) -> None:
        folded = list(dict.fromkeys(k for k in (key(t) for t in terms) if k))
        for term in folded:
            known = self.alternatives_of.setdefault(term, [])
            for other in folded:
                if other != term and other not in known:
                    if len(known) < MAX_ALTERNATIVES:
                        known.append(other)
                    else:
                        self.overflow.add(term)

    def alternatives(self, term: str) -> list[str]:
        return list(self.alternatives_of.get(key(term), ()))

    def __len__(self) -> int:
        return len(self.alternatives_of)


def key(term: str) -> str:
    """The form a term is looked up by: folded, inner spaces kept single."""
    return " ".join(T.fold(term).split())


def parse_line(line: str) -> list[str]:
    line = line.split("#", 1)[0].strip()
    return [t.strip() for t in SEPARATOR.split(line) if t.strip()] if line else []


@cache
def shipped_groups() -> tuple[tuple[str, ...], ...]:
    """The groups of thesaurus.txt."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    return tuple(tuple(g) for g in (parse_line(line) for line in lines) if len(g) > 1)


_cached: tuple[tuple, Thesaurus] | None = None
_lock = threading.Lock()


def current(s: Session | None = None) -> Thesaurus:
    """The shipped groups plus staff's, rebuilt when the table changed (one small query)."""
    global _cached
    s = s or db.session()
    generation = tuple(s.exec(select(func.count(), func.max(ThesaurusEntry.id))).one())
    with _lock:
        if _cached is not None and _cached[0] == generation:
            return _cached[1]
    thesaurus = Thesaurus()
    for group in shipped_groups():
        thesaurus.add_group(list(group))
    for entry in s.exec(select(ThesaurusEntry).order_by(ThesaurusEntry.id)).all():
        thesaurus.add_group(entry.term_list)
    with _lock:
        _cached = (generation, thesaurus)
    return thesaurus


# --- staff verbs ----------------------------------------------------------------------------


def clean_terms(raw: str) -> list[str]:
    """The terms of one group as staff typed them, checked; raises ValidationFailed."""
    terms = list(dict.fromkeys(" ".join(t.split()) for t in parse_line(raw.replace("\n", "="))))
    problem = ""
    if len(terms) < 2:
        problem = _("请至少填写两个词语，用“=”分隔，例如：光伏 = 太阳能电池。")
    elif len(terms) > MAX_GROUP_TERMS:
        problem = _("一组最多 %(n)d 个词语。", n=MAX_GROUP_TERMS)
    else:
        for term in terms:
            if len(term) > MAX_TERM_CHARS:
                problem = _("每个词语最多 %(n)d 个字符。", n=MAX_TERM_CHARS)
            elif not _TERM.match(term) or not T.words(term):
                problem = _("“%(term)s”含有不能用于搜索的字符。", term=term)
            if problem:
                break
    if not problem and len({key(t) for t in terms}) < 2:
        problem = _("这些词语统一写法后是同一个词，无需添加。")
    if problem:
        raise ValidationFailed(field_errors={"terms": [problem]})
    return terms


def entries(s: Session | None = None) -> list[ThesaurusEntry]:
    s = s or db.session()
    return list(s.exec(select(ThesaurusEntry).order_by(ThesaurusEntry.id.desc())).all())


@db.transactional
def add_entry(s: Session, *, actor, terms: str) -> ThesaurusEntry:
    """Staff add a group of synonyms; it applies to the next search."""
    if not actor.is_staff:
        raise PermissionDenied()
    entry = ThesaurusEntry(terms=" = ".join(clean_terms(terms or "")), created_by_id=actor.id)
    s.add(entry)
    audit.record(s, actor=actor, action=ThesaurusAction.ADD, obj=entry, after=entry.audit_fields())
    return entry


@db.transactional
def remove_entry(s: Session, *, actor, entry_id: int) -> ThesaurusEntry:
    """Staff remove a group they added (the shipped file is changed in the repository)."""
    if not actor.is_staff:
        raise PermissionDenied()
    entry = s.get(ThesaurusEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound()
    audit.record(
        s, actor=actor, action=ThesaurusAction.REMOVE, obj=entry, before=entry.audit_fields()
    )
    s.delete(entry)
    return entry
