"""Chinese text for search: folding, segmentation, sub-word grams, key terms, highlighting.

Pure text functions (no Whoosh here). Everything indexed and every query goes through ``fold``:
traditional → simplified (OpenCC), full-width → half-width, lower case, so 不銹鋼 finds 不锈钢.
Segmentation is jieba's search mode plus a domain dictionary (``terms.txt``); ``grams`` adds
CJK character bigrams so a term inside a longer word is still found (合金 in 镁合金).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape

TERMS_FILE = Path(__file__).with_name("terms.txt")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:[.\-+/][a-z0-9]+)*", re.IGNORECASE)
_WORDISH = re.compile(rf"[{_CJK}a-z0-9]", re.IGNORECASE)
_init_lock = threading.Lock()
_ready = False


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def init_segmenter(cache_dir: str | None = None) -> None:
    """Load jieba and the domain dictionary once per process (≈0.5 s, ≈60 MB)."""
    global _ready
    if _ready:
        return
    with _init_lock:
        if _ready:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        if cache_dir:
            jieba.dt.tmp_dir = cache_dir
        jieba.initialize()
        if TERMS_FILE.exists():
            with TERMS_FILE.open("rb") as fh:  # jieba leaves a path's file open
                jieba.load_userdict(fh)
        _ready = True


def fold(text: str | None) -> str:
    """Simplified, half-width, lower-case text: the form both index and queries use."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return _converter().convert(text).lower()


def words(text: str | None) -> list[str]:
    """jieba search-mode tokens of folded text (sub-words included), without punctuation."""
    init_segmenter()
    import jieba

    folded = fold(text)
    return [w for w in (t.strip() for t in jieba.cut_for_search(folded)) if _WORDISH.search(w)]


def grams(text: str | None) -> list[str]:
    """CJK character bigrams (a lone character stays itself) and whole ASCII words."""
    out: list[str] = []
    for match in _TOKEN.finditer(fold(text)):
        token = match.group(0)
        if re.match(rf"[{_CJK}]", token):
            if len(token) == 1:
                out.append(token)
            else:
                out.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            out.append(token)
    return out


def key_terms(text: str | None, k: int = 15) -> list[str]:
    """The most characteristic terms of a text (TF-IDF), for matching and explanations."""
    init_segmenter()
    import jieba.analyse

    return [t.lower() for t in jieba.analyse.extract_tags(fold(text), topK=k) if len(t) > 1]


def highlight(text: str | None, terms: list[str], *, width: int = 120) -> Markup:
    """A snippet of ``text`` around the first match, with matched terms in <mark>."""
    text = text or ""
    folded = fold(text)
    if len(folded) != len(text):  # NFKC changed the length; fall back to no offsets
        folded = text.lower()
    wanted = sorted({fold(t) for t in terms if t and len(fold(t)) >= 1}, key=len, reverse=True)
    first = min((folded.find(t) for t in wanted if folded.find(t) >= 0), default=0)
    start = max(0, first - width // 4)
    piece, low = text[start : start + width], folded[start : start + width]
    spans: list[tuple[int, int]] = []
    for term in wanted:
        pos = low.find(term)
        while pos >= 0:
            if not any(a < pos + len(term) and pos < b for a, b in spans):
                spans.append((pos, pos + len(term)))
            pos = low.find(term, pos + len(term))
    out, last = [], 0
    for a, b in sorted(spans):
        out += [str(escape(piece[last:a])), "<mark>", str(escape(piece[a:b])), "</mark>"]
        last = b
    out.append(str(escape(piece[last:])))
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(text) else ""
    return Markup(prefix + "".join(out) + suffix)  # noqa: S704  (every piece escaped above)
