"""Chinese text for search: folding, segmentation, sub-word grams, key terms, highlighting.

Pure text functions (no Whoosh here). Everything indexed and every query goes through ``fold``:
traditional → simplified (OpenCC), full-width → half-width, lower case, so 不銹鋼 finds 不锈钢.
Segmentation is jieba's search mode (rjieba, its Rust port) plus a domain dictionary
(``terms.txt``); ``grams`` adds CJK character bigrams so a term inside a longer word is still
found (合金 in 镁合金).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import Markup, escape

TERMS_FILE = Path(__file__).with_name("terms.txt")
VARIANTS_FILE = Path(__file__).with_name("variants.txt")
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


@cache
def _variants() -> tuple[dict[str, str], re.Pattern | None]:
    table = {}
    for line in VARIANTS_FILE.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            table[parts[0]] = parts[1]
    if not table:
        return table, None
    return table, re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))


def fold(text: str | None) -> str:
    """Simplified, half-width, lower-case text: the form both index and queries use.

    OpenCC converts characters, not words: a short table then maps Taiwan/HK words to the
    mainland ones (雷射 → 激光), measured by bench/search_quality.py.
    """
    if not text:
        return ""
    text = _converter().convert(unicodedata.normalize("NFKC", text)).lower()
    table, pattern = _variants()
    return pattern.sub(lambda m: table[m.group(0)], text) if pattern else text


@cache
def _segmenter():
    """rjieba (jieba-rs) with the domain dictionary: the same dictionary and search mode as
    jieba, about 8x faster (bench/README.md). rjieba has no load_userdict, so the
    jieba-format lines of terms.txt (word [freq [tag]]) go through add_word."""
    import rjieba

    seg = rjieba.Jieba()
    if TERMS_FILE.exists():
        for line in TERMS_FILE.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if not parts or line.startswith("#"):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            seg.add_word(parts[0], freq, parts[2] if len(parts) > 2 else None)
    return seg


# jieba splits ASCII at - + / and at a dot not followed by a digit (6061-t6 → 6061, t6;
# 99.5 stays); rjieba keeps such compounds whole, so split them first: same tokens as jieba.
_ASCII_JOINER = re.compile(r"(?<=[a-z0-9])(?:[\-+/]|\.(?!\d))(?=[a-z0-9])")


def words(text: str | None) -> list[str]:
    """jieba search-mode tokens of folded text (sub-words included), without punctuation."""
    folded = _ASCII_JOINER.sub(" ", fold(text))
    if not folded:
        return []
    cut = _segmenter().cut_for_search(folded)
    return [w for w in (t.strip() for t in cut) if _WORDISH.search(w)]


_LETTERS_THEN_DIGITS = re.compile(r"^[a-z]+(\d.*)$")


def grams(text: str | None) -> list[str]:
    """CJK character bigrams (a lone character stays itself) and whole ASCII words; a number
    with a letter prefix (zl202310123456.7) is also indexed without it."""
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
            digits = _LETTERS_THEN_DIGITS.match(token)
            if digits:
                out.append(digits.group(1))
    return out


_NOT_A_KEY_TERM = re.compile(r"^[\d.%]+$|^(?:\d+[a-z%]*|[a-z]{1,2})$")
# Words that say who, not what: they made generic matches (测得 with bench/search_quality.py).
_BOILERPLATE = {
    "专精", "特新", "小巨人", "高新技术", "课题组", "研究室", "团队", "创新团队", "研究中心",
    "国立", "大学", "学院", "研究院", "研究所", "有限公司", "公司", "企业", "台州", "浙江",
    "浙江省",
}  # fmt: skip


@cache
def _stop_terms() -> frozenset[str]:
    from ..accounts.models import REGIONS

    places = {r.removesuffix("市").removesuffix("区").removesuffix("县") for r in REGIONS}
    return frozenset(_BOILERPLATE | set(REGIONS) | places)


def weighted_key_terms(text: str | None, k: int = 15) -> list[tuple[str, float]]:
    """The most characteristic terms of a text with their TF-IDF weights (numbers, place
    names and organisational boilerplate left out)."""
    init_segmenter()
    import jieba.analyse

    stop = _stop_terms()
    out = []
    for term, weight in jieba.analyse.extract_tags(fold(text), topK=k + 15, withWeight=True):
        term = term.lower()
        if (
            len(term) > 1
            and term not in stop
            and not _NOT_A_KEY_TERM.match(term)
            and not term.endswith(("大学", "学院"))
        ):
            out.append((term, weight))
    return out[:k]


def key_terms(text: str | None, k: int = 15) -> list[str]:
    """The most characteristic terms of a text, for matching and explanations."""
    return [term for term, _weight in weighted_key_terms(text, k)]


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


# Elements after which a reader sees a break: their text must not run into the next one's.
_BLOCKS = frozenset(
    {"p", "br", "li", "ul", "ol", "blockquote", "pre", "hr", "table", "thead", "tbody", "tr"}
    | {"th", "td", "h1", "h2", "h3", "h4", "h5", "h6"}
)


class _TextOnly(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(markdown_source: str | None) -> str:
    """What a reader sees of a Markdown text, as plain text: rendered by the same renderer the
    pages use, then stripped of markup (no ``**``, list dashes, link targets), one line per
    block. The index stores this, so snippets quote the page, not its source."""
    from ..text import render_markdown

    if not markdown_source:
        return ""
    parser = _TextOnly()
    parser.feed(str(render_markdown(markdown_source)))
    parser.close()
    lines = (
        re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    )
    return "\n".join(line for line in lines if line)
