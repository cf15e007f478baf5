"""The engine's read structures as files, memory-mapped by every process that searches.

engine.py turns a segment's posting lists, numeric columns, field lengths and facet values into
numpy arrays. Kept in each process (engine._Cache), four gunicorn workers held four copies
(~840 MB each at 100,000 documents). A Whoosh segment never changes once written, so neither do
these arrays: they are written once per segment, into ``<index>/.arrays/<segment id>/`` (Whoosh
leaves names starting with a dot alone), and opened with ``numpy.load(mmap_mode="r")``. The
pages then live once in the OS page cache for all workers; a worker's private memory is what
one query computes.

A *group* is one directory of ``.npy`` files and a ``manifest.json`` (sizes and CRC-32 of
each file) written last: built in a temporary directory and renamed into place, so a reader
sees all of a group or none of it. A group whose files do not match their manifest is removed
and built again, never trusted. Whoever needs a group first builds it under an exclusive
``flock``; the others wait for it (the small ones) or read the segment through Whoosh meanwhile
(the posting lists of a field, see ``Store.postings``). The directory of a segment that is no
longer in the index is removed by ``Store.clean`` (each new searcher calls it); a process that
still maps its files keeps its pages until it lets go (POSIX unlink semantics).
"""

from __future__ import annotations

import fcntl
import json
import logging
import mmap
import multiprocessing
import os
import shutil
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import whoosh_compat as W

log = logging.getLogger(__name__)

DIRNAME = ".arrays"
VERSION = 1  # bump when what a group holds changes: older directories are then rebuilt
MISSING = np.uint64(2**64 - 1)  # engine.MISSING: Whoosh's "no value" in a numeric column
_CRC_CHUNK = 16 * 2**20
# Segments with fewer documents stay in each process's own cache (engine.CACHE): their arrays
# are small, and each commit adds such a segment; writing files for it would cost the first
# query after every commit more than the memory saved.
MIN_DOCS = 5000


class Corrupt(Exception):
    """A group's files do not match its manifest."""


def _crc(path: Path) -> int:
    """CRC-32 of a file read through a mapping of its own (unmapped after): reading it into
    16 MB buffers raised glibc's mmap threshold, and the heap of each worker kept them."""
    crc = 0
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return crc
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                for start in range(0, len(view), _CRC_CHUNK):
                    crc = zlib.crc32(view[start : start + _CRC_CHUNK], crc)
            finally:
                view.release()
    return crc


def write_group(folder: Path, arrays: dict[str, np.ndarray], meta: dict | None = None) -> None:
    """Write ``arrays`` as the group ``folder`` atomically; an existing group is kept."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".tmp-{folder.name}-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        files = {}
        for name, array in arrays.items():
            path = tmp / f"{name}.npy"
            with path.open("wb") as f:  # no fsync: after a crash, the checksums decide
                np.save(f, np.ascontiguousarray(array), allow_pickle=False)
            files[name] = {"bytes": path.stat().st_size, "crc32": _crc(path)}
        manifest = {"version": VERSION, "files": files, "meta": meta or {}}
        with (tmp / "manifest.json").open("w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False)
        try:
            tmp.rename(folder)
        except OSError:  # another process was first (the target exists): keep its copy
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_group(folder: Path) -> tuple[dict[str, np.ndarray], dict]:
    """The group's arrays, memory-mapped, and its meta; Corrupt if anything does not match,
    FileNotFoundError when there is no such group."""
    manifest = None
    for _attempt in range(2):
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            break
        except FileNotFoundError:
            # No folder: not written yet. A folder without a manifest: damaged, unless it was
            # renamed into place (manifest inside) between our two looks: look again.
            if not folder.exists():
                raise
            if _attempt and not (folder / "manifest.json").exists():
                raise Corrupt(f"{folder}: no manifest") from None
        except (OSError, ValueError) as exc:
            raise Corrupt(f"{folder}: unreadable manifest") from exc
    if not isinstance(manifest, dict) or manifest.get("version") != VERSION:
        raise Corrupt(f"{folder}: manifest of another version")
    arrays = {}
    for name, expected in manifest["files"].items():
        path = folder / f"{name}.npy"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise Corrupt(f"{path}: missing") from None
        if size != expected["bytes"] or _crc(path) != expected["crc32"]:
            raise Corrupt(f"{path}: size or checksum differs from the manifest")
        try:
            arrays[name] = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise Corrupt(f"{path}: not a numpy array file") from exc
    return arrays, manifest.get("meta") or {}


# --- what goes into the groups ---------------------------------------------------------------


def build_postings(leaf, field: str) -> tuple[dict[str, np.ndarray], dict]:
    """Every token of ``field`` in one segment: its sorted UTF-8 texts (a blob and offsets)
    and, per token, a slice of one docnum and one weight array."""
    texts, starts, ids, weights, offsets = [], [0], [], [], [0]
    for raw in leaf.lexicon(field):
        raw = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        i, w = W.postings(leaf, field, raw.decode("utf-8"))
        texts.append(raw)
        starts.append(starts[-1] + len(raw))
        ids.append(i)
        weights.append(w)
        offsets.append(offsets[-1] + len(i))
    blob = b"".join(texts)
    return {
        "terms": np.frombuffer(blob, dtype=np.uint8) if blob else np.empty(0, np.uint8),
        "term_starts": np.asarray(starts, dtype=np.int64),
        "offsets": np.asarray(offsets, dtype=np.int64),
        "ids": np.concatenate(ids).astype(np.int32) if ids else np.empty(0, np.int32),
        "weights": np.concatenate(weights).astype(np.float32) if ids else np.empty(0, np.float32),
    }, {}


def build_facet(leaf, field: str) -> tuple[dict[str, np.ndarray], dict]:
    """Each document's value of an ID field as a code into the segment's own sorted values
    (0: none); the process maps them to its vocabulary (engine._Vocabulary)."""
    values = []
    codes = np.zeros(leaf.doc_count_all(), dtype=np.int32)
    for raw in leaf.lexicon(field):
        value = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        ids, _w = W.postings(leaf, field, value)
        values.append(value)
        codes[ids] = len(values)
    return {"codes": codes}, {"values": values}


def build_column(leaf, field: str) -> tuple[dict[str, np.ndarray], dict]:
    return {"keys": W.column_keys(leaf, field, MISSING)}, {}


def build_lengths(leaf, field: str) -> tuple[dict[str, np.ndarray], dict]:
    return {"codes": W.length_codes(leaf, field)}, {}


BUILDERS: dict[str, Callable] = {
    "postings": build_postings,
    "facet": build_facet,
    "column": build_column,
    "lengths": build_lengths,
}


class Postings:
    """One field's posting lists of one segment, looked up by token text (binary search)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.terms = arrays["terms"]
        self.starts = arrays["term_starts"]
        self.offsets = arrays["offsets"]
        self.ids = arrays["ids"]
        self.weights = arrays["weights"]
        self.count = len(self.starts) - 1
        if self.count < 0 or len(self.offsets) != self.count + 1:
            raise Corrupt("postings: the tables disagree")
        if self.offsets[-1] != len(self.ids) or len(self.ids) != len(self.weights):
            raise Corrupt("postings: the offsets do not cover the arrays")
        if self.starts[-1] != len(self.terms):
            raise Corrupt("postings: the term table does not cover the texts")

    def _text(self, k: int) -> bytes:
        return self.terms[self.starts[k] : self.starts[k + 1]].tobytes()

    def get(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        wanted = text.encode("utf-8")
        lo, hi = 0, self.count
        while lo < hi:  # Whoosh's lexicon is sorted by its UTF-8 bytes
            mid = (lo + hi) // 2
            if self._text(mid) < wanted:
                lo = mid + 1
            else:
                hi = mid
        if lo < self.count and self._text(lo) == wanted:
            a, b = int(self.offsets[lo]), int(self.offsets[lo + 1])
            return self.ids[a:b], self.weights[a:b]
        return W.EMPTY_POSTINGS


class Store:
    """The ``.arrays`` folder of one index: groups per segment, opened once per process."""

    def __init__(self, index_path: Path, *, background: bool = True):
        self.root = Path(index_path) / DIRNAME
        self.background = background
        self.min_docs = MIN_DOCS
        self._open: dict[tuple[str, str, str], tuple[dict, dict]] = {}
        self._building: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()
        self.built = 0  # groups this process wrote (tests and the benchmark read it)

    def holds(self, leaf) -> bool:
        """Whether this segment's arrays are shared files (else: the process's own cache)."""
        return leaf.doc_count_all() >= self.min_docs

    def folder(self, segid: str, kind: str, field: str) -> Path:
        return self.root / segid / f"{kind}.{field}"

    def _cached(self, key):
        with self._lock:
            return self._open.get(key)

    def group(self, leaf, segid: str, kind: str, field: str, *, wait: bool = True):
        """(arrays, meta) of a group, built first if missing or corrupt. ``wait=False``:
        None instead of waiting for another builder (or building here)."""
        key = (segid, kind, field)
        found = self._cached(key)
        if found is not None:
            return found
        folder = self.folder(segid, kind, field)
        found = self._try_read(folder)
        if found is None:
            if not wait:
                return None
            found = self._build(leaf, folder, kind, field)
        with self._lock:
            self._open[key] = found
        return found

    def _try_read(self, folder: Path):
        try:
            return read_group(folder)
        except FileNotFoundError:
            return None
        except Corrupt as exc:
            log.warning("search arrays rebuilt: %s", exc)
            self._discard(folder)
            return None

    def _discard(self, folder: Path) -> None:
        bad = folder.with_name(f".bad-{folder.name}-{os.getpid()}")
        try:
            folder.rename(bad)
        except OSError:
            return
        shutil.rmtree(bad, ignore_errors=True)

    def _build(self, leaf, folder: Path, kind: str, field: str):
        folder.parent.mkdir(parents=True, exist_ok=True)
        with (folder.parent / f".{folder.name}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder; the others wait here
            try:
                found = self._try_read(folder)  # built while we waited
                if found is None:
                    arrays, meta = BUILDERS[kind](leaf, field)
                    write_group(folder, arrays, meta)
                    self.built += 1
                    found = read_group(folder)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return found

    def postings(self, leaf, segid: str, field: str, opener: Callable | None = None):
        """The field's Postings of the segment, or None while they are not written yet: a
        whole field takes seconds at 100,000 documents, so the first process to ask has them
        written by a forked child (watched by a thread; the child reads through a leaf of its
        own, from ``opener``), and the queries read their tokens through Whoosh until then.
        Without ``background`` (or an opener), the caller builds or waits."""
        key = (segid, "postings", field)
        found = self._cached(key)
        if found is None and (not self.background or opener is None):
            found = self.group(leaf, segid, "postings", field)
        elif found is None:
            found = self.group(leaf, segid, "postings", field, wait=False)
            if found is None:
                self._start(key, opener)
                return None
        arrays, meta = found
        if "reader" not in meta:
            meta["reader"] = Postings(arrays)
        return meta["reader"]

    def _start(self, key, opener: Callable) -> None:
        with self._lock:
            if key in self._building:
                return
            self._building.add(key)
        segid, kind, field = key

        def build():  # in a forked child: its peak memory (a whole field) dies with it
            with opener(segid) as leaf:
                if leaf is not None:
                    Store(self.root.parent, background=False).group(leaf, segid, kind, field)

        def run():
            try:
                child = multiprocessing.get_context("fork").Process(target=build, daemon=True)
                child.start()
                child.join()
                if child.exitcode:
                    log.error("search arrays for %s %s not written (exit %s)",
                              segid, field, child.exitcode)  # fmt: skip
            except Exception:
                log.exception("search arrays for %s %s not written", segid, field)
            finally:
                with self._lock:
                    self._building.discard(key)

        threading.Thread(target=run, name=f"arrays-{segid}-{field}", daemon=True).start()

    def wait(self, timeout: float = 60.0) -> None:
        """Until no background build of this process is running (tests, the benchmark)."""
        for thread in threading.enumerate():
            if thread.name.startswith("arrays-"):
                thread.join(timeout)

    def clean(self, live: set[str]) -> list[str]:
        """Remove the folders of segments not in ``live``; returns their ids."""
        removed = []
        try:
            entries = list(self.root.iterdir())
        except FileNotFoundError:
            return removed
        for entry in entries:
            if entry.is_dir() and not entry.name.startswith(".") and entry.name not in live:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
        with self._lock:
            for key in [k for k in self._open if k[0] not in live]:
                del self._open[key]
        return removed
