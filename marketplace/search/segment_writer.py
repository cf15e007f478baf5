"""The full rebuild's writer: documents to Whoosh segments without Whoosh's posting machinery.

Whoosh's writer turns each token into a ``Token`` object and each posting into a tuple that its
posting pool sorts, spills to disk and merges back, then writes one call per posting: at
100,000 documents (~60 million postings) that was three quarters of a six-minute rebuild.
Here each writer process counts a document's tokens with ``collections.Counter`` over the
lists text.py returns, appends term ids and counts to flat arrays per field, and at the end
sorts each field's postings by term with numpy (a stable radix sort keeps the docnums in
order) and hands them to ``whoosh_compat.SegmentFiles``, which writes the same files Whoosh's
writer writes (tests/search/test_segment_writer.py compares them). Stored fields, lengths and
columns still go through Whoosh's per-document writer. ``REBUILD_PROCS`` processes, forked,
each write one segment of the documents they took from a shared queue.

Only the full rebuild uses this; index.write (the outbox catch-up) keeps Whoosh's own writer.

The tokens: text.words and text.grams fold their text (NFKC, OpenCC, lower case, variants)
every time, and the grams field is the four text fields joined, so each text was folded twice.
``fold`` here folds a text once and faster: the characters NFKC changes are replaced first (a
text and the text with some characters replaced by their NFKC forms have the same NFKC), so
text.fold's own normalisation finds it normalised and returns at once. ``words_of_folded`` is
text.words on folded text; ``gram_codes`` is text.grams on folded text as integer codes (numpy
over the code points: no string and no dictionary look-up per bigram). index.py checks them
against text.py on the first documents of each rebuild process and uses text.py's tokens from
the first difference on.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import multiprocessing
import queue
import re
import traceback
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator
from functools import cache

import numpy as np

from . import text as T
from . import whoosh_compat as W

log = logging.getLogger(__name__)

BATCH = 200  # documents per job handed to a writer process


# --- tokens: text.py's, each text folded once ------------------------------------------------


@cache
def _nfkc_table() -> tuple[dict[str, str], re.Pattern]:
    """Each character of the Basic Multilingual Plane that NFKC changes, with what it becomes
    (full-width punctuation, ideographic space, ligatures…), and a pattern that finds them."""
    table = {}
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        normal = unicodedata.normalize("NFKC", char)
        if normal != char:
            table[char] = normal
    return table, re.compile("[" + "".join(map(re.escape, table)) + "]")


def fold(text: str | None) -> str:
    """text.fold(text), faster. Replacing characters by their NFKC forms does not change the
    NFKC of the whole text (both have the same compatibility decomposition), and text.fold's
    own normalisation returns at once for text that is already normalised."""
    if not text:
        return ""
    table, pattern = _nfkc_table()
    return T.fold(pattern.sub(lambda m: table[m.group()], text))


class _Kept(dict):
    """jieba token → the token as text.words keeps it (stripped), or "" when dropped."""

    def __missing__(self, token: str) -> str:
        word = token.strip()
        kept = word if T._WORDISH.search(word) else ""
        if len(self) > 1_000_000:
            self.clear()
        self[token] = kept
        return kept


_KEPT = _Kept()


def words_of_folded(folded: str) -> list[str]:
    """text.words of a text whose fold is ``folded``."""
    spaced = T._ASCII_JOINER.sub(" ", folded)
    if not spaced:
        return []
    return list(filter(None, map(_KEPT.__getitem__, T._segmenter().cut_for_search(spaced))))


def prepare() -> None:
    """Load what the tokens need (rjieba's dictionary, OpenCC, the tables) in this process,
    before it forks its writers."""
    T._segmenter()
    T.fold("預熱")
    _nfkc_table()
    gram_codes("预热")


# The grams as integer codes (no string per gram, no dictionary look-up per gram): a CJK bigram
# ab is a << 21 | b, a lone CJK character a << 21 | LONE, anything else (the ASCII words) an
# entry of a table of this process. Each text has exactly one code.
_LONE = (1 << 21) - 1
_TABLE_BASE = 1 << 42
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[.\-+/][a-z0-9]+)*", re.IGNORECASE)  # as in text._TOKEN
_table_codes: dict[str, int] = {}
_table_texts: list[str] = []


def _is_cjk(char: str) -> bool:
    return (
        "\u3400" <= char <= "\u4dbf" or "\u4e00" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
    )


def code_of(text: str) -> int:
    """The code of one gram."""
    if 1 <= len(text) <= 2 and all(map(_is_cjk, text)):
        return ord(text[0]) << 21 | (ord(text[1]) if len(text) == 2 else _LONE)
    code = _table_codes.get(text)
    if code is None:
        code = _table_codes[text] = _TABLE_BASE + len(_table_texts)
        _table_texts.append(text)
    return code


def text_of(code: int) -> str:
    if code >= _TABLE_BASE:
        return _table_texts[code - _TABLE_BASE]
    second = code & _LONE
    return chr(code >> 21) + ("" if second == _LONE else chr(second))


class Grams:
    """A text's grams as codes (``len`` is the number of grams, repeats included)."""

    __slots__ = ("codes",)

    def __init__(self, codes: np.ndarray):
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def of(cls, grams: list[str]) -> Grams:
        return cls(np.array([code_of(g) for g in grams], dtype=np.int64))

    def texts(self) -> list[str]:
        return [text_of(c) for c in self.codes.tolist()]


def gram_codes(folded: str) -> Grams:
    """text.grams of a text whose fold is ``folded``, as codes (in another order: bigrams,
    lone characters, ASCII words; the postings do not depend on the order)."""
    points = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    points = points.astype(np.int64)
    cjk = (
        ((points >= 0x3400) & (points <= 0x4DBF))
        | ((points >= 0x4E00) & (points <= 0x9FFF))
        | ((points >= 0xF900) & (points <= 0xFAFF))
    )
    pair = cjk[:-1] & cjk[1:]
    alone = cjk.copy()
    alone[1:] &= ~cjk[:-1]
    alone[:-1] &= ~cjk[1:]
    parts = [(points[:-1][pair] << 21) | points[1:][pair], (points[alone] << 21) | _LONE]
    words = []
    for token in _ASCII_WORD.findall(folded):
        words.append(token)
        digits = T._LETTERS_THEN_DIGITS.match(token)
        if digits:
            words.append(digits.group(1))
    if words:
        parts.append(np.array([code_of(w) for w in words], dtype=np.int64))
    return Grams(np.concatenate(parts))


# --- postings in memory ------------------------------------------------------------------------


class _Ids(dict):
    """term → its id in one field of one segment (in the order first seen)."""

    def __missing__(self, term) -> int:
        self[term] = number = len(self)
        return number


class _Field:
    __slots__ = ("counts", "docs", "freqs", "ids", "pending", "terms", "values", "weights")

    def __init__(self):
        self.ids = _Ids()
        self.terms = array("I")  # term ids: per token (tokens), or per posting (the others)
        self.docs = array("I")  # documents with tokens or postings in this field, ascending
        self.counts = array("I")  # their number of tokens or postings
        self.freqs = array("I")  # per posting, for fields indexed by Whoosh's field.index
        self.weights = array("d")  # likewise
        self.values = None  # NUMERIC fields: the sortable value of each document in ``docs``
        self.pending: list[np.ndarray] = []  # gram codes not yet turned into term ids


class Postings:
    """The postings of one segment, per field, as flat arrays (the ``sink`` of
    ``whoosh_compat.SegmentFiles.add_document``). A document's tokens are kept as term ids
    and counted at the end, all documents at once: grouped by term with a stable sort, the
    repeats of a term in a document are neighbours."""

    def __init__(self, formats: dict[str, tuple[str, float]]):
        self.formats = formats
        self.fields = {name: _Field() for name in formats}

    def tokens(self, name: str, docnum: int, words: list[str] | Grams) -> None:
        if not len(words):
            return
        f = self.fields[name]
        if isinstance(words, Grams):
            f.pending.append(words.codes)
            f.docs.append(docnum)
            f.counts.append(len(words))
            if len(f.pending) >= BATCH:
                _flush(f)
            return
        if f.pending:
            _flush(f)
        ids = list(map(f.ids.get, words))
        if None in ids:  # new terms (a plain dict's get is faster than __missing__)
            ids = list(map(f.ids.__getitem__, words))
        f.terms.fromlist(ids)
        f.docs.append(docnum)
        f.counts.append(len(words))

    def posting(self, name: str, btext: bytes, docnum: int, freq: int, weight: float) -> None:
        f = self.fields[name]
        f.terms.append(f.ids[btext])
        f.freqs.append(freq)
        f.weights.append(weight)
        f.docs.append(docnum)
        f.counts.append(1)

    def number(self, name: str, docnum: int, value: int) -> None:
        f = self.fields[name]
        if not f.values:
            f.values = array("Q")
        f.values.append(value)
        f.docs.append(docnum)

    def write(self, files: W.SegmentFiles) -> None:
        """Every field's posting lists, fields and terms in order, to ``files``."""
        for name in sorted(self.fields):
            f = self.fields.pop(name)
            if f.pending:
                _flush(f)
            if f.values:
                docs, values = np.frombuffer(f.docs, np.uint32), np.frombuffer(f.values, np.uint64)
                terms, starts, ids = files.numeric_terms(name, docs, values)
                files.write_field(name, terms, starts, ids, np.ones(len(ids)), None)
            elif f.ids:
                files.write_field(name, *_postings(f, self.formats[name][1]))


def _flush(f: _Field) -> None:
    """The pending gram codes as term ids (one dictionary look-up per distinct code)."""
    codes = np.concatenate(f.pending)
    f.pending = []
    distinct, where = np.unique(codes, return_inverse=True)
    ids = np.fromiter(map(f.ids.__getitem__, distinct.tolist()), np.uint32, len(distinct))
    f.terms.frombytes(ids[where].astype(np.uint32).tobytes())


def _postings(f: _Field, boost: float):
    """(terms, starts, docnums, weights, freqs) of a field, for SegmentFiles.write_field: the
    terms in Whoosh's order (UTF-8 bytes; code point order is the same)."""
    keys = [text_of(k) if isinstance(k, int) else k for k in f.ids]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    terms = [k.encode("utf-8") if isinstance(k, str) else k for k in (keys[i] for i in order)]
    rank = np.empty(len(keys), dtype=np.uint32)
    rank[order] = np.arange(len(keys), dtype=np.uint32)
    del order, keys
    ranks = rank[np.frombuffer(f.terms, np.uint32)]
    by_term = _stable_order(ranks, len(rank))
    ranks = ranks[by_term]
    docs = np.repeat(np.frombuffer(f.docs, np.uint32), np.frombuffer(f.counts, np.uint32))
    docs = docs[by_term]
    if f.weights:  # one entry per posting already (Whoosh's field.index)
        freqs = np.frombuffer(f.freqs, np.uint32)[by_term]
        weights = np.frombuffer(f.weights, np.float64)[by_term]
    else:  # one entry per token: a posting per run of one term in one document
        new = np.ones(len(ranks), dtype=bool)
        new[1:] = (ranks[1:] != ranks[:-1]) | (docs[1:] != docs[:-1])
        first = np.flatnonzero(new)
        freqs = np.diff(first, append=len(ranks)).astype(np.uint32)
        ranks, docs = ranks[first], docs[first]
        del first, new
        # Frequency.word_values: the count times the format's field boost
        weights = freqs.astype(np.float64) * boost
    del by_term
    starts = np.zeros(len(rank) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ranks, minlength=len(rank)), out=starts[1:])
    return terms, starts, docs, weights, freqs


def _stable_order(keys: np.ndarray, size: int) -> np.ndarray:
    """argsort(keys, kind="stable") for keys below ``size``, in 16-bit radix passes (numpy's
    stable sort of 16-bit integers is a radix sort; of wider ones a merge sort, ~5x slower)."""
    if size <= 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while size > 1 << shift:
        digit = ((keys[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
    return order


# --- processes ---------------------------------------------------------------------------------


Tokenize = Callable[[dict], dict[str, list[str]]]


def _fields(item) -> dict:
    return item if isinstance(item, dict) else item.fields()


def _segment(index, codec, tokenize: Tokenize, batches: Iterable[list]):
    """One segment of the documents of ``batches``: (segment or None, documents)."""
    files = None
    postings = None
    for batch in batches:
        for item in batch:
            if files is None:
                files = W.SegmentFiles(index, codec)
                postings = Postings(files.formats)
            fields = _fields(item)
            files.add_document(fields, tokenize(fields), postings)
    if files is None:
        return None, 0
    postings.write(files)
    return files.finish(), files.docnum


def _keep_freed_memory() -> None:
    """glibc gives memory freed at the top of its heap back to the system at once (above 128
    KB), and zlib allocates and frees ~270 KB for every block it compresses: each of the
    rebuild's ~10^6 blocks then paid for fresh pages (100+ µs instead of ~4). A writer
    process ends when its segment is written, so it keeps them."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def _worker(index, codec, tokenize: Tokenize, jobs, results) -> None:
    _keep_freed_memory()

    def batches():
        while (batch := jobs.get()) is not None:
            yield batch

    try:
        results.put(("ok", *_segment(index, codec, tokenize, batches())))
    except BaseException:
        results.put(("error", traceback.format_exc(), 0))


def write(
    index,
    codec,
    items: Iterable,
    tokenize: Tokenize,
    *,
    procs: int = 2,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``items`` (objects with ``fields()``, or field dicts) into new segments of the
    (empty) ``index`` and commit them; returns how many were written. ``tokenize(fields)``
    gives the tokens of the fields whose analyzer it replaces. Up to ``procs`` forked
    processes write one segment each; up to one batch is written in this process."""
    batches = _batches(items, progress)
    first = next(batches, None)
    second = next(batches, None) if first is not None else None
    if second is None or procs < 2:
        rest = [] if second is None else itertools.chain([second], batches)
        segment, count = _segment(index, codec, tokenize, itertools.chain([first or []], rest))
        segments = [segment] if segment is not None else []
    else:
        segments, count = _parallel(
            index, codec, tokenize, itertools.chain([first, second], batches), procs
        )
    W.commit_segments(index, segments)
    return count


def _batches(items: Iterable, progress: Callable[[int], None] | None) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if progress:
            progress(1)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _parallel(index, codec, tokenize: Tokenize, batches: Iterator[list], procs: int):
    ctx = multiprocessing.get_context("fork")
    jobs = ctx.Queue(procs * 4)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(index, codec, tokenize, jobs, results), daemon=True)
        for _ in range(procs)
    ]
    for w in workers:
        w.start()

    def alive() -> bool:
        return any(w.is_alive() for w in workers)

    def put(job) -> None:
        while True:
            try:
                jobs.put(job, timeout=1.0)
                return
            except queue.Full:
                if not alive():
                    try:
                        why = results.get(timeout=1.0)[1]
                    except queue.Empty:
                        why = "no error reported"
                    message = f"search rebuild: every writer process died:\n{why}"
                    raise RuntimeError(message) from None

    try:
        for batch in batches:
            put(batch)
        for _ in workers:
            put(None)
        segments, count, errors = [], 0, []
        for _ in workers:
            while True:
                try:
                    status, segment, written = results.get(timeout=1.0)
                    break
                except queue.Empty:
                    if not alive():
                        try:
                            status, segment, written = results.get(timeout=1.0)
                            break
                        except queue.Empty:
                            raise RuntimeError("search rebuild: a writer process died") from None
            if status != "ok":
                errors.append(segment)
            elif segment is not None:
                segments.append(segment)
                count += written
        if errors:
            raise RuntimeError("search rebuild failed in a writer process:\n" + errors[0])
        return segments, count
    except BaseException:
        for w in workers:  # waiting for jobs that will not come, or writing for nothing
            w.kill()
        raise
    finally:
        for w in workers:
            w.join(timeout=5.0)
            if w.is_alive():
                w.kill()
                w.join()
        jobs.cancel_join_thread()
        jobs.close()
        results.close()
