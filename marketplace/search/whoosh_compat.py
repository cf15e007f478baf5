"""Everything that reads Whoosh's private internals, behind one wall.

engine.py reads posting lists block by block into numpy arrays, and numeric and length columns
straight from their files; index.py replaces Whoosh's posting pool so that sorted runs are
pickled in chunks. Both rely on attributes and classes Whoosh does not promise to keep
(``W3LeafMatcher._data``, ``_next_block``, ``_lenfield``, a column reader's ``_dbfile`` …).
They live here, and only here, and this module refuses to load beside any Whoosh but the one
it was written against: a silent change of a block format would give wrong scores, not an
error. A new Whoosh release means: read its codec, adjust this module, run
tests/search/test_engine.py (which compares every result with Whoosh's own reader), and only
then change ``SUPPORTED``.
"""

from __future__ import annotations

import itertools
import pickle
import zlib
from importlib import metadata

import numpy as np
import whoosh
from whoosh import formats
from whoosh import writing as whoosh_writing
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3LeafMatcher,
    W3TermInfo,
    _lenfield,
)
from whoosh.fields import NUMERIC
from whoosh.filedb.filetables import _lengths as _HASH_LENGTHS
from whoosh.index import TOC, clean_files
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.times import datetime_to_long

SUPPORTED = ("Whoosh-Reloaded", "2.7.5")  # pinned in pyproject.toml


class UnsupportedWhoosh(ImportError):
    """The installed Whoosh is not the release this module reads the internals of."""


def _installed() -> tuple[str, str]:
    for name in ("Whoosh-Reloaded", "whoosh-reloaded", "Whoosh", "whoosh"):
        try:
            return metadata.metadata(name)["Name"], metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown", whoosh.versionstring()


def check_version(installed: tuple[str, str] | None = None) -> None:
    """Raise UnsupportedWhoosh unless the installed distribution and version are SUPPORTED."""
    name, version = installed or _installed()
    if name.lower() != SUPPORTED[0].lower() or version != SUPPORTED[1]:
        raise UnsupportedWhoosh(
            f"marketplace.search reads the internals of {SUPPORTED[0]} {SUPPORTED[1]}; "
            f"{name} {version} is installed. Install the pinned version, or port "
            f"marketplace/search/whoosh_compat.py and run tests/search/test_engine.py."
        )


check_version()

__all__ = [
    "EMPTY_POSTINGS",
    "LENGTH_OF_BYTE",
    "TermNotFound",
    "UnsupportedWhoosh",
    "column_keys",
    "datetime_to_long",
    "install_posting_pool",
    "latest_segment_ids",
    "length_codes",
    "postings",
]

# Whoosh stores a field length in one byte; BM25 sees the decoded value.
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
EMPTY_POSTINGS = (np.empty(0, np.int32), np.empty(0, np.float32))
_EMPTY = EMPTY_POSTINGS


# --- reading ------------------------------------------------------------------------------


def postings(leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(segment docnums, weights) of one token in one segment, deleted documents included
    (the caller masks them). A block of up to the codec's blocklimit postings at a time:
    unpickled by Whoosh, decoded by numpy."""
    try:
        m = leaf.postings(field, text)
    except TermNotFound:
        return _EMPTY
    if isinstance(m, FilterMatcher):  # deletions: applied by the caller's live mask
        m = m.child
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        return _blocks(m)
    ids, weights = [], []
    while m.is_active():  # postings inlined in the term info
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def _blocks(m: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    ids: list = []
    weights: list = []
    while m.is_active():
        m._read_data()
        deltas, block_weights, _values = m._data
        ids.append(np.cumsum(np.array(deltas, dtype=np.int32)))
        if block_weights is None:
            weights.append(np.ones(len(deltas), dtype=np.float32))
        elif isinstance(block_weights, float):
            weights.append(np.full(len(deltas), block_weights, dtype=np.float32))
        else:
            weights.append(np.array(block_weights, dtype=np.float32))
        m._next_block()
    if not ids:
        return _EMPTY
    return np.concatenate(ids), np.concatenate(weights)


def _fixed_column(reader, n: int, itemsize: int, dtype) -> tuple[np.ndarray, int]:
    count = min(reader._count, n)
    raw = reader._dbfile.get(reader._basepos, count * itemsize)
    return np.frombuffer(raw, dtype=dtype, count=count), count


def column_keys(leaf, name: str, missing: np.uint64) -> np.ndarray:
    """A sortable numeric column as its raw unsigned keys; ``missing`` where none."""
    n = leaf.doc_count_all()
    out = np.full(n, missing, dtype=np.uint64)
    if not leaf.has_column(name):
        return out
    reader = leaf.column_reader(name, translate=False)
    values, count = _fixed_column(reader, n, reader._fixedlen, ">u8")
    out[:count] = values
    return out


def latest_segment_ids(index) -> set[str]:
    """The ids of the segments in the index's latest commit (its TOC, read again)."""
    return {segment.segment_id() for segment in index._segments()}


def length_codes(leaf, field: str) -> np.ndarray:
    """Each document's one-byte length code of ``field`` (0 where it has none)."""
    n = leaf.doc_count_all()
    codes = np.zeros(n, dtype=np.uint8)
    reader = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if reader is not None:
        values, count = _fixed_column(reader, n, 1, np.uint8)
        codes[:count] = values
    return codes


# --- writing ------------------------------------------------------------------------------

WhooshPostingPool = whoosh_writing.PostingPool


class ChunkedPostingPool(WhooshPostingPool):
    """Whoosh's posting pool, with its sorted runs pickled 8,192 postings at a time instead
    of one by one: a 100k rebuild spills ~20 runs per writer process, and pickling each
    posting alone was a third of the rebuild's CPU (bench/README.md)."""

    CHUNK = 8192

    def _write_run(self, f, items):
        items = iter(items)
        try:
            while chunk := list(itertools.islice(items, self.CHUNK)):
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        finally:
            f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)  # noqa: S301 (our own temporary run file)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def install_posting_pool() -> None:
    """SegmentWriter names the class at module level; every writer of this process (and of
    the rebuild's forked workers) then uses ours. Same postings, same order: tests compare
    the indexes."""
    whoosh_writing.PostingPool = ChunkedPostingPool


# --- a whole segment in one pass (the full rebuild, segment_writer.py) ------------------------
#
# Whoosh's SegmentWriter sends every posting through a Token pipeline, its posting pool (sorted
# runs spilled to disk and merged) and W3PostingsWriter.add_posting, one Python call each: ~60
# million postings at 100,000 documents. SegmentFiles writes the same files: the per-document
# part through the codec's own per-document writer, called as SegmentWriter.add_document calls
# it, and each posting list whole, in term order, as W3PostingsWriter would have cut it into
# blocks (same pickles, same compression, same term infos), from arrays the caller built.
# tests/search/test_segment_writer.py compares the files with Whoosh's own writer's.

FREQUENCY = "frequency"  # a 4-byte count per posting (TEXT without positions)
EXISTENCE = "existence"  # no values (ID, NUMERIC, DATETIME)
_NO_LENGTH = (length_to_byte(None), length_to_byte(0))  # without length statistics


def posting_formats(schema) -> dict[str, tuple[str, float]]:
    """Each indexed field's posting values (FREQUENCY or EXISTENCE) and its format's field
    boost; a field SegmentFiles cannot write exactly (positions, vectors, a separate spelling
    field) raises ValueError."""
    out = {}
    for name, field in schema.items():
        if not field.indexed:
            continue
        kind = {formats.Frequency: FREQUENCY, formats.Existence: EXISTENCE}.get(type(field.format))
        if kind is None or field.vector or field.separate_spelling():
            raise ValueError(f"the one-pass segment writer cannot write field {name!r}")
        out[name] = (kind, field.format.field_boost)
    return out


class SegmentFiles:
    """One new segment of ``index``. ``add_document`` per document (docnums from 0, in order),
    then ``write_field`` per indexed field in name order, then ``finish``."""

    def __init__(self, index, codec):
        if codec.length_stats or codec._inlinelimit > 1:
            raise ValueError("the one-pass segment writer needs a codec without length "
                             "statistics and without inlined postings")  # fmt: skip
        self.schema = index.schema
        self.formats = posting_formats(self.schema)
        self._storage = index.storage
        self._codec = codec
        self.segment = codec.new_segment(self._storage, index.indexname)
        self._perdoc = codec.per_document_writer(self._storage, self.segment)
        self._terms = codec.field_writer(self._storage, self.segment)
        self._last_field = ""
        self._single: dict[tuple, bytes] = {}
        self._numeric = {n for n, f in self.schema.items() if f.indexed and isinstance(f, NUMERIC)}
        self._indexed: dict[str, dict] = {name: {} for name in self.formats}
        self.docnum = 0

    def _index(self, name: str, field, value) -> list:
        """field.index(value), remembered for repeated values (kind, region, status…)."""
        if not isinstance(value, str):
            return list(field.index(value))
        seen = self._indexed[name]
        found = seen.get(value)
        if found is None:
            found = list(field.index(value))
            if len(seen) < 4096:
                seen[value] = found
        return found

    def numeric_terms(self, name: str, docs: np.ndarray, values: np.ndarray):
        """The terms NUMERIC.index gives the sortable ``values`` of ``docs`` (ascending):
        (terms, starts, docnums) for ``write_field``, the weights all 1.0."""
        field = self.schema[name]
        shifts = range(0, field.bits, field.shift_step) if field.shift_step else [0]
        terms: list[bytes] = []
        starts = [np.zeros(1, np.int64)]
        ids = []
        base = 0
        for shift in shifts:
            keys = values >> np.uint64(shift)
            order = np.argsort(keys, kind="stable")
            unique, counts = np.unique(keys[order], return_counts=True)
            terms += [field.sortable_to_bytes(k << shift, shift) for k in unique.tolist()]
            starts.append(base + np.cumsum(counts))
            base += len(order)
            ids.append(docs[order])
        return terms, np.concatenate(starts), np.concatenate(ids)

    def add_document(self, fields: dict, tokens: dict[str, list[str]], sink) -> int:
        """Stored values, field lengths and columns of one document, as
        SegmentWriter.add_document writes them. The postings go to ``sink``: those of a field
        in ``tokens`` (its analyzer's tokens, given by the caller) as
        ``sink.tokens(field, docnum, tokens)``, the others (from Whoosh's ``field.index``) as
        ``sink.posting(field, btext, docnum, freq, weight)``. Returns the docnum."""
        docnum = self.docnum
        schema = self.schema
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        try:
            for name in sorted(fields):
                if name.startswith("_") or name not in schema:
                    raise ValueError(f"field {name!r}: not in the schema (or a boost)")
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    scorable = field.scorable
                    if name in tokens:
                        if not isinstance(value, str):
                            raise ValueError(f"{value!r} is not text")
                        words = tokens[name]
                        if scorable:
                            length = len(words)
                        sink.tokens(name, docnum, words)
                    elif name in self._numeric and not isinstance(value, (list, tuple)):
                        # NUMERIC.index: one term per shift of the sortable value; the sink
                        # keeps the value, numeric_terms makes the terms of all documents.
                        full = field.to_bytes(value)
                        sink.number(name, docnum, int.from_bytes(full[1:], "big"))
                    else:
                        for btext, freq, weight, _vbytes in self._index(name, field, value):
                            if scorable:
                                length += freq
                            sink.posting(name, btext, docnum, freq, weight)
                perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self.docnum += 1
        return docnum

    def write_field(self, name: str, terms: list[bytes], starts, ids, weights, freqs) -> None:
        """Every posting list of one field: ``terms`` sorted (UTF-8 bytes), the postings of
        ``terms[k]`` at ``starts[k]:starts[k + 1]`` of ``ids`` (uint32 docnums, ascending per
        term), ``weights`` (float64, the weight Whoosh's format gives each posting) and
        ``freqs`` (uint32 counts, for FREQUENCY fields)."""
        if not terms:
            return
        if name <= self._last_field:
            raise ValueError(f"fields out of order: {self._last_field!r}, {name!r}")
        self._last_field = name
        kind, _boost = self.formats[name]
        fw = self._terms
        fw.start_field(name, self.schema[name])
        limit = self._codec._blocklimit
        level = self._codec._compression
        postfile = fw._postfile
        pack_info = W3TermInfo._struct.pack
        no_min, no_max = _NO_LENGTH
        dumps, compress = pickle.dumps, zlib.compress
        repeat = itertools.repeat

        starts = np.asarray(starts, dtype=np.int64)
        ids = np.asarray(ids, dtype=np.int64)
        n = len(ids)
        counts = np.diff(starts)
        if len(counts) != len(terms) or starts[-1] != n or np.any(counts <= 0):
            raise ValueError(f"field {name!r}: the term table does not cover the postings")
        # Blocks of at most ``limit`` postings, each term's first block at its first posting;
        # W3PostingsWriter delta-encodes each block from 0.
        within = np.arange(n, dtype=np.int64) - np.repeat(starts[:-1], counts)
        first = within % limit == 0
        del within
        block_starts = np.flatnonzero(first)
        block_ends = np.append(block_starts[1:], n)
        deltas = np.diff(ids, prepend=0)
        deltas[first] = ids[first]
        del first
        w32 = np.asarray(weights, dtype=np.float32)
        low = np.minimum.reduceat(w32, block_starts).tolist()
        high = np.maximum.reduceat(w32, block_starts).tolist()
        top = np.maximum.reduceat(np.asarray(weights, dtype=np.float64), block_starts).tolist()
        last_ids = ids[block_ends - 1].tolist()
        first_ids = ids[starts[:-1]].tolist()
        values = np.asarray(freqs, dtype=">u4").tobytes() if kind == FREQUENCY else None
        block_starts, block_ends = block_starts.tolist(), block_ends.tolist()
        # Blocks of one posting (most terms of the ID and numeric fields) repeat across
        # fields: the same document, weight and value give the same bytes.
        single = self._single
        offset = postfile.tell()
        out: list[bytes] = []
        held = 0
        entries = []
        block = 0
        counts_list = counts.tolist()
        for k, btext in enumerate(terms):
            df = counts_list[k]
            total = 0.0
            term_top = 0
            if df == 1:
                a = block_starts[block]
                lo, mw = low[block], top[block]
                mw = mw if mw > 0 else 0
                value = values[4 * a : 4 * a + 4] if values is not None else None
                key = (first_ids[k], lo, mw, value)
                chunk = single.get(key)
                if chunk is None:
                    mini = None if lo == 1.0 else lo
                    data = dumps(((first_ids[k],), mini, value), 2)
                    if level:
                        data = compress(data, level)
                    info = dumps((1, first_ids[k], mw, level, no_min, no_max), 2)
                    chunk = b"".join(
                        (WHOOSH3_HEADER_MAGIC, pack_int(-(len(info) + len(data))), info, data)
                    )
                    if len(single) < 1 << 20:
                        single[key] = chunk
                total, term_top = lo, mw
                block += 1
            else:
                parts = [WHOOSH3_HEADER_MAGIC]
                remaining = df
                while remaining > 0:
                    a, b = block_starts[block], block_ends[block]
                    lo, hi, mw = low[block], high[block], top[block]
                    count = b - a
                    remaining -= count
                    if lo == hi == 1.0:
                        mini, weight_sum = None, float(count)
                    elif lo == hi:
                        mini = lo
                        weight_sum = sum(repeat(lo, count))
                    else:
                        mini = tuple(w32[a:b].tolist())
                        weight_sum = sum(mini)
                    total += weight_sum
                    mw = mw if mw > 0 else 0
                    term_top = max(term_top, mw)
                    data = dumps(
                        (tuple(deltas[a:b].tolist()), mini,
                         values[4 * a : 4 * b] if values is not None else None), 2
                    )  # fmt: skip
                    if level:
                        data = compress(data, level)
                    info = dumps((count, last_ids[block], mw, level, no_min, no_max), 2)
                    size = len(info) + len(data)
                    parts += (pack_int(-size if remaining == 0 else size), info, data)
                    block += 1
                chunk = b"".join(parts)
            head = pack_info(0, total, df, 0, no_max, term_top, first_ids[k], last_ids[block - 1])
            entries.append((btext, head + pack_long(offset) + pack_int(len(chunk))))
            offset += len(chunk)
            out.append(chunk)
            held += len(chunk)
            if held > 1 << 20:
                postfile.write(b"".join(out))
                out, held = [], 0
        postfile.write(b"".join(out))
        _add_terms(fw._tindex, pack_ushort(fw._fieldid), entries)
        fw.finish_field()

    def finish(self):
        """Close the files, assemble them as Whoosh does; returns the segment for the TOC."""
        self._perdoc.close()
        self._terms.close()
        self.segment.set_doc_count(self.docnum)
        if self.segment.should_assemble():
            self.segment.create_compound_file(self._storage)
        return self.segment


def _add_terms(tindex, prefix: bytes, entries: list[tuple[bytes, bytes]]) -> None:
    """OrderedHashWriter.add for each (term, term info) of one field, in one write."""
    dbfile = tindex.dbfile
    position = dbfile.tell()
    hashfn, buckets, positions = tindex.hashfn, tindex.buckets, tindex.index.append
    lengths = _HASH_LENGTHS.pack
    last = tindex.lastkey
    parts = []
    for text, value in entries:
        key = prefix + text
        if key <= last:
            raise ValueError(f"keys must increase: {last!r}..{key!r}")
        last = key
        positions(position)
        h = hashfn(key)
        buckets[h & 255].append((h, position))
        record = lengths(len(key), len(value)) + key + value
        parts.append(record)
        position += len(record)
    dbfile.write(b"".join(parts))
    tindex.lastkey = last


def commit_segments(index, segments: list) -> None:
    """The next generation of ``index`` with exactly ``segments`` (written by SegmentFiles in
    this or forked processes), as SegmentWriter.commit writes it, then the temporary files
    removed."""
    lock = index.lock("WRITELOCK")
    if not lock.acquire():
        raise whoosh_writing.LockError
    try:
        info = index._read_toc()
        generation = info.generation + 1
        TOC(info.schema, segments, generation).write(index.storage, index.indexname)
        clean_files(index.storage, index.indexname, generation, segments)
    finally:
        lock.release()
    temp_files(index).destroy()


def temp_files(index):
    """The storage of the per-document writers' temporary files (shared by a segment's
    writers; removed after the commit)."""
    return index.storage.temp_storage(f"{index.indexname}.tmp")
