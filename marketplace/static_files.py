"""Static files: content-hashed names, compressed copies, served by WhiteNoise.

At start the app copies ``static/`` into a build folder, once per content: every file under
its own name and under a name carrying a hash of its content (``css/app.3f2a1b9c0d4e.css``),
each with gzip and brotli siblings (WhiteNoise's compressor). ``url_for('static', …)`` gives the
hashed name, which never changes meaning, so WhiteNoise serves it with a far-future,
``immutable`` cache header; the plain names keep a short one. Copies are written atomically, so
several workers starting at once agree.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
SHORT = 60
COMPRESSED = (".gz", ".br")


def hashed_name(relative: str, content: bytes) -> str:
    stem, dot, ext = relative.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:12]
    return f"{stem}.{digest}.{ext}" if dot else f"{relative}.{digest}"


def _write_atomically(target: Path, content: bytes) -> bool:
    """Write ``content`` to ``target`` unless it already holds it; True when written."""
    same_size = target.exists() and target.stat().st_size == len(content)
    if same_size and target.read_bytes() == content:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    os.replace(tmp, target)
    return True


def _compress(path: Path, compressor: Compressor) -> None:
    # The compressor writes ``<name>.gz``/``.br`` beside the file (only when it is worth it).
    for _ in compressor.compress(str(path)):
        pass


_BUILT: dict[tuple, dict[str, str]] = {}


def build(source: Path, target: Path) -> dict[str, str]:
    """Copy ``source`` into ``target`` with hashed twins and compressed siblings.

    Returns the manifest: original relative name → hashed relative name. A process builds a
    given state of ``source`` once (the test suite makes hundreds of apps).
    """
    files = sorted(p for p in source.rglob("*") if p.is_file())
    key = (str(target), *((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    if key not in _BUILT:
        _BUILT[key] = _build(source, target, files)
    return _BUILT[key]


def _build(source: Path, target: Path, files: list[Path]) -> dict[str, str]:
    manifest: dict[str, str] = {}
    compressor = Compressor(quiet=True)
    for path in files:
        relative = path.relative_to(source).as_posix()
        if relative.startswith(".") or "/." in relative:
            continue
        content = path.read_bytes()
        hashed = hashed_name(relative, content)
        manifest[relative] = hashed
        for name in (relative, hashed):
            out = target / name
            if _write_atomically(out, content) or not _compressed_exist(out, compressor):
                _compress(out, compressor)
    return manifest


def _compressed_exist(path: Path, compressor: Compressor) -> bool:
    if not compressor.should_compress(path.name):
        return True
    return path.with_name(path.name + ".gz").exists()


def _immutable(_path: str, url: str) -> bool:
    return bool(HASHED.search(url.removesuffix(".gz").removesuffix(".br")))


def init_app(app: Flask) -> None:
    """Serve ``app.static_folder`` through WhiteNoise with hashed URLs."""
    source = Path(app.static_folder)
    target = Path(app.config.get("STATIC_BUILD_DIR") or Path(app.instance_path) / "static-build")
    manifest = build(source, target)
    app.extensions["static_manifest"] = manifest
    url_path = (app.static_url_path or "/static").strip("/") + "/"

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(target),
        prefix=url_path,
        max_age=SHORT,
        immutable_file_test=_immutable,
    )
