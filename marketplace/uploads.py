"""PDF uploads: checked by content, stored under generated names, served only as attachments."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flask import abort, current_app, send_file
from flask_babel import gettext as _
from sqlmodel import Session, func, select
from werkzeug.datastructures import FileStorage

from .errors import ValidationFailed

T = TypeVar("T")
MAX_NAME = 200  # the attachment tables' original_name column


@dataclass(frozen=True)
class StoredFile:
    original_name: str
    stored_name: str
    size_bytes: int
    sha256: str


def add_row(s: Session, model, *, owner: tuple[str, int], stored: StoredFile, uploader_id: int,
            limit: int, too_many: str):  # fmt: skip
    """The attachment row for a stored file, after counting the owner's others against
    ``limit`` (``too_many`` is the message). The caller checks access and audits."""
    column, owner_id = owner
    count = s.exec(
        select(func.count()).select_from(model).where(getattr(model, column) == owner_id)
    ).one()
    if count >= limit:
        raise ValidationFailed(too_many)
    row = model(
        **{column: owner_id},
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_by_id=uploader_id,
    )
    s.add(row)
    s.flush()
    return row


def _folder(kind: str) -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def looks_like_pdf(data: bytes) -> bool:
    """A PDF starts with '%PDF-' and ends with an '%%EOF' marker; a renamed file does not."""
    return data[:1024].lstrip().startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def _readable(name: str | None) -> str:
    """The last path part of a name a browser sent, without control or format characters
    (bidi overrides such as U+202E make "报价\u202efdp.exe" read as "报价exe.pdf")."""
    text = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").split("/")[-1]
    text = "".join(ch for ch in re.sub(r"\s+", " ", text) if unicodedata.category(ch)[0] != "C")
    return re.sub(r'[<>:"|?*]', "_", text).strip()  # characters Windows refuses in names


def safe_download_name(name: str | None) -> str:
    """The name a stored PDF is listed and downloaded under, whatever the uploader called it:
    readable, and ending in .pdf because the content was checked to be one ("evil.exe" is
    served as "evil.pdf", never as an .exe that holds a PDF)."""
    text = _readable(name)
    stem, dot, extension = text.rpartition(".")
    if not dot:
        stem, extension = text, ""
    if extension.lower() != "pdf":
        # A short word after the last dot is an extension to replace; "2023.12 报告" is not.
        if not re.fullmatch(r"[0-9A-Za-z]{1,8}", extension):
            stem = text
        extension = "pdf"
    stem = stem.strip(" .")[: MAX_NAME - len(extension) - 1].rstrip(" .")
    return f"{stem or 'attachment'}.{extension}"


def store_pdf(upload: FileStorage | None, *, kind: str) -> StoredFile:
    """Check and store an uploaded PDF; raises ValidationFailed (413 when it is too big)."""
    if upload is None or not upload.filename:
        msg = _("请选择要上传的 PDF 文件。")
        raise ValidationFailed(msg, field_errors={"file": [msg]})
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        abort(413)
    name = safe_download_name(upload.filename)
    if not looks_like_pdf(data):
        msg = _(
            "“%(name)s”不是有效的 PDF 文件（按文件内容检查，而不是扩展名）。",
            name=_readable(upload.filename)[:100],
        )
        raise ValidationFailed(msg, field_errors={"file": [msg]})
    stored = secrets.token_hex(16) + ".pdf"
    (_folder(kind) / stored).write_bytes(data)
    return StoredFile(name, stored, len(data), hashlib.sha256(data).hexdigest())


def receive(upload: FileStorage | None, *, kind: str, attach: Callable[[StoredFile], T]) -> T:
    """Store an uploaded PDF and record it with ``attach`` (a service call); a file whose row
    was not written (too many files, no permission, a conflict) is removed again."""
    stored = store_pdf(upload, kind=kind)
    try:
        return attach(stored)
    except BaseException:
        discard(kind, stored.stored_name)
        raise


def discard(kind: str, stored_name: str) -> None:
    """Remove a stored file whose database row was not written."""
    (_folder(kind) / stored_name).unlink(missing_ok=True)


def send_attachment(kind: str, stored_name: str, download_name: str):
    """Serve a stored file as a download (never rendered inline), private, nosniff, under a
    safe .pdf name (also for rows stored before names were cleaned at upload)."""
    path = _folder(kind) / stored_name
    if not path.is_file():
        abort(404)
    resp = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=safe_download_name(download_name),
        max_age=0,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
