"""Staff pages of the bulk import: template, upload and preview, confirm.

Between preview and confirm the parsed rows wait on the server under a random token, owned by
the staff member who uploaded them; the page carries only the token, so what is imported is
exactly what was previewed (checked again), never rows a browser sends back.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import db
from ..accounts.models import Role
from ..errors import DomainError, ValidationFailed
from ..security import roles_required
from . import importing
from .blueprint import bp
from .import_sheet import DRAFT_NOTE, MAX_ROWS, column_help
from .models import ChallengeStatus
from .schemas import missing_labels, missing_parts

TOKEN_TTL_SECONDS = 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportNotFound(DomainError):
    status = 400
    default_message = _l(
        "这份导入预览不存在、已过期（预览后须在 1 小时内确认）或不属于您，请重新上传文件。"
    )


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save_rows(rows: list[dict], *, publish: bool, filename: str) -> str:
    """Keep the parsed rows for the confirm step; returns the token naming them."""
    folder = _folder()
    for old in folder.glob("*.json"):  # clean up abandoned previews as we go
        if time.time() - old.stat().st_mtime > TOKEN_TTL_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    payload = {
        "user_id": current_user.id,
        "created": time.time(),
        "publish": publish,
        "filename": filename,
        "rows": rows,
    }
    partial = folder / f".{token}.tmp"
    partial.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, folder / f"{token}.json")
    return token


def _load_rows(token: str) -> dict:
    if not _TOKEN.fullmatch(token):
        raise ImportNotFound()
    path = _folder() / f"{token}.json"
    if not path.is_file():
        raise ImportNotFound()
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload["user_id"] != current_user.id:
        raise ImportNotFound()
    if time.time() - payload["created"] > TOKEN_TTL_SECONDS:
        path.unlink(missing_ok=True)
        raise ImportNotFound()
    return payload


def _upload_page(*, error: str | None = None, status: int = 200, publish: bool = False):
    return render_template(
        "challenges/import.html",
        columns=column_help(),
        error=error,
        publish=publish,
        max_rows=MAX_ROWS,
        min_days=current_app.config["CHALLENGE_MIN_DAYS"],
        draft_note=DRAFT_NOTE,
    ), status


@bp.app_template_global("draft_missing")
def draft_missing(challenge, indicators) -> list[str]:
    """What a draft lacks before it may be submitted (labels), for the pages showing drafts."""
    if challenge.status is not ChallengeStatus.DRAFT:
        return []
    return missing_labels(missing_parts(challenge, indicator_count=len(indicators)))


@bp.get("/staff/import")
@roles_required(Role.STAFF)
def import_upload():
    return _upload_page()


@bp.get("/staff/import/template.xlsx")
@roles_required(Role.STAFF)
def import_template():
    return send_file(
        io.BytesIO(importing.build_template()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="榜单导入模板.xlsx",
        max_age=0,
    )


@bp.post("/staff/import/preview")
@roles_required(Role.STAFF)
def import_preview():
    publish = bool(request.form.get("publish"))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(error=_("请选择要上传的文件。"), status=400, publish=publish)
    try:
        rows = importing.read_rows(upload.filename, upload.read())
    except ValidationFailed as exc:
        return _upload_page(error=exc.message, status=exc.status, publish=publish)
    results = importing.preview(db.session(), rows, now=db.utcnow(), publish=publish)
    counts = importing.count_by_status(results)
    token = _save_rows(rows, publish=publish, filename=upload.filename) if counts["ready"] else None
    return render_template(
        "challenges/import_preview.html",
        results=results,
        counts=counts,
        token=token,
        publish=publish,
        filename=upload.filename,
    )


@bp.post("/staff/import/confirm")
@roles_required(Role.STAFF)
def import_confirm():
    token = request.form.get("token", "")
    saved = _load_rows(token)
    report = importing.import_rows(actor=current_user, rows=saved["rows"], publish=saved["publish"])
    # Kept until the import ran through: a retry after a failure imports only what is missing.
    (_folder() / f"{token}.json").unlink(missing_ok=True)
    return render_template(
        "challenges/import_report.html",
        report=report,
        publish=saved["publish"],
        filename=saved["filename"],
    )
