"""Bulk import of challenges collected from enterprises (需求征集): preview, then import.

Transactions: each row is written inside its own SAVEPOINT, rows are committed in chunks of
``CHUNK`` per transaction. A row (challenge, indicators, audit event and, when publishing, its
approval) is all or nothing: a row refused at write time (its deadline crossed the publication
minimum since the preview, a concurrent import took its key) rolls back to its savepoint and
takes nothing else with it. Not one transaction for the file: one refused row must not undo
the good ones, and a 2,000-row transaction would hold SQLite's only write lock for many
seconds, turning other users' writes into 503s. Not one transaction per row either: a commit
(an fsync) per row made a 500-row import take 6 s on SQLite and 15 s on PostgreSQL. Stopping
half-way is safe because importing is idempotent: each row carries an ``import_key`` (a unique
column), so importing the same file again adds only the rows still missing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from .. import audit, db
from ..accounts.models import REGISTRABLE_KINDS, Organisation, OrgStatus, User
from ..accounts.services import check_uscc
from ..errors import Conflict, PermissionDenied, ValidationFailed
from ..notifications import NotificationKind, notify
from ..states import LabelledEnum, labels
from . import services
from .access import is_staff
from .actions import ChallengeAction
from .forms import INDICATOR_PARTS
from .import_sheet import (
    COLUMNS,
    EXTRA,
    MAX_INDICATOR_COLUMNS,
    ROW,
    build_template,
    chinese_labels,
    read_rows,
)
from .models import Challenge, ChallengeStatus, Indicator, Industry
from .schemas import ChallengeInput, missing_labels, missing_parts, parse_challenge

__all__ = ["build_template", "import_rows", "preview", "read_rows"]

_HEADERS = {c.key: c.header for c in COLUMNS}  # Chinese in any language: as in the file
_SPLIT = re.compile(r"[,，;；、\s]+")
CHUNK = 50  # rows per transaction (see the module docstring)


class RowStatus(LabelledEnum):
    READY = "ready"
    IMPORTED = "imported"  # imported by an earlier upload: skipped, not an error
    INVALID = "invalid"
    __labels__ = labels({READY: _l("可导入"), IMPORTED: _l("已导入过"), INVALID: _l("有问题")})


@dataclass
class RowResult:
    """What the preview says about one spreadsheet row."""

    row: int
    title: str
    uscc: str
    status: RowStatus = RowStatus.READY
    organisation_id: int | None = None
    organisation_name: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: ChallengeInput | None = None
    import_key: str | None = None
    challenge_id: int | None = None  # the challenge an earlier import made from this row
    source_columns: dict[str, str] = field(default_factory=dict)  # kept with the draft

    @property
    def missing(self) -> list[str]:
        """What the draft will lack until its issuer completes it (labels)."""
        return self.data.missing_labels() if self.data else []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(_("%(column)s：%(message)s", column=column, message=message))
        self.status = RowStatus.INVALID


@dataclass
class ImportedRow:
    row: int
    challenge_id: int
    title: str
    organisation_name: str
    code: str | None
    missing: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    imported: list[ImportedRow] = field(default_factory=list)
    skipped: list[RowResult] = field(default_factory=list)


def count_by_status(results: list[RowResult]) -> dict[str, int]:
    return {status.value: sum(r.status is status for r in results) for status in RowStatus}


def import_key(organisation_id: int, data: ChallengeInput) -> str:
    """The same content for the same organisation gives the same key, whatever the file type."""
    content = {name: getattr(data, name) for name in services.SIMPLE_FIELDS}
    content["deadline"] = data.deadline.isoformat() if data.deadline else None
    content["indicators"] = [asdict(item) for item in data.indicators]
    text = json.dumps([organisation_id, content], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def preview(
    s: Session, rows: list[dict], *, now: datetime, publish: bool = False
) -> list[RowResult]:
    """Check every row as it would be imported; nothing is written."""
    labels = {
        "field": chinese_labels(Industry),
        "eligible_kinds": chinese_labels(REGISTRABLE_KINDS),
    }
    codes: dict[str, str | ValidationFailed] = {}
    for raw in {row.get("uscc", "") for row in rows if row.get("uscc")}:
        try:
            codes[raw] = check_uscc(raw)
        except ValidationFailed as exc:
            codes[raw] = exc
    wanted = [c for c in codes.values() if isinstance(c, str)]
    orgs = {o.uscc: o for o in s.exec(select(Organisation).where(Organisation.uscc.in_(wanted)))}
    results = []
    for row in rows:
        result = RowResult(row=row[ROW], title=row.get("title", ""), uscc=row.get("uscc", ""))
        _check_organisation(result, codes.get(result.uscc), orgs)
        _check_content(result, row, labels, now=now, publish=publish)
        results.append(result)
    _mark_repeats_and_imported(s, results)
    _warn_same_title(s, results)
    return results


def _check_organisation(result: RowResult, code, orgs: dict[str, Organisation]) -> None:
    column = _HEADERS["uscc"]
    if code is None:
        result.problem(column, _("此项为必填项。"))
    elif isinstance(code, ValidationFailed):
        result.problem(column, code.message)
    elif code not in orgs:
        result.problem(
            column, _("平台上没有统一社会信用代码为 %(code)s 的单位，请先注册。", code=code)
        )
    else:
        org = orgs[code]
        result.organisation_id, result.organisation_name = org.id, org.name
        if org.status is not OrgStatus.VERIFIED:
            result.problem(column, _("发榜单位“%(name)s”尚未通过科技局认证。", name=org.name))


def _check_content(result: RowResult, row: dict, labels: dict, *, now, publish: bool) -> None:
    raw = {key: row.get(key, "") for key in _HEADERS if key != "indicators"}
    raw["field"] = labels["field"].get(raw["field"], raw["field"])
    kinds = [k for k in _SPLIT.split(raw["eligible_kinds"]) if k]
    raw["eligible_kinds"] = [labels["eligible_kinds"].get(k, k) for k in kinds]
    raw["indicators"] = [
        {part: row.get(f"indicator{n}_{part}", "") for part in INDICATOR_PARTS}
        for n in range(1, MAX_INDICATOR_COLUMNS + 1)
    ]
    try:
        # A draft keeps what a real list lacks (面议, no deadline…); publishing needs it all.
        data = parse_challenge(raw, now=now, allow_missing=not publish)
    except ValidationFailed as exc:
        for key, messages in exc.field_errors.items():
            if key == "field" and row.get(key):
                # The form's "please choose" means nothing in a spreadsheet: say what is wrong.
                options = "、".join(labels[key])
                messages = [_("无法识别“%(v)s”，可填：%(o)s。", v=row[key], o=options)]
            elif key == "eligible_kinds" and row.get(key):
                messages = [*messages, _("可填：%(o)s。", o="、".join(labels[key]))]
            for message in messages:
                column = _("关键指标") if key == "indicators" else _HEADERS.get(key, key)
                result.problem(column, message)
        return
    days = services.min_publication_days()
    if publish and data.deadline - now < timedelta(days=days):
        result.problem(
            _HEADERS["deadline"],
            _(
                "距今不足 %(days)d 天，不能直接发布；"
                "可延后截止时间，或不勾选“直接发布”作为草稿导入。",
                days=days,
            ),
        )
    if result.status is RowStatus.READY:
        result.data = data
        result.import_key = import_key(result.organisation_id, data)
        result.source_columns = _source_columns(row, data)


def _source_columns(row: dict, data: ChallengeInput) -> dict[str, str]:
    """The row's columns the template has no place for, and the wording of cells kept empty."""
    kept = dict(row.get(EXTRA) or {})
    for key in data.missing:  # e.g. 榜单金额: 面议, 揭榜截止时间: 待定
        for name in ("contact_phone", "contact_email") if key == "contact_phone" else (key,):
            if row.get(name) and name in _HEADERS:
                kept[_HEADERS[name]] = row[name]
    return kept


def _mark_repeats_and_imported(s: Session, results: list[RowResult]) -> None:
    first_row: dict[str, int] = {}
    for result in results:
        if result.status is not RowStatus.READY:
            continue
        if result.import_key in first_row:
            first = first_row[result.import_key]
            result.import_key, result.data = None, None
            result.problem(_("整行"), _("与第 %(n)d 行内容完全相同，只导入一次。", n=first))
            continue
        first_row[result.import_key] = result.row
    keys = list(first_row)
    found = s.exec(select(Challenge.import_key, Challenge.id).where(Challenge.import_key.in_(keys)))
    existing = {key: challenge_id for key, challenge_id in found.all()}
    for result in results:
        if result.status is RowStatus.READY and result.import_key in existing:
            result.status = RowStatus.IMPORTED
            result.challenge_id = existing[result.import_key]


def _warn_same_title(s: Session, results: list[RowResult]) -> None:
    ready = [r for r in results if r.status is RowStatus.READY]
    if not ready:
        return
    found = s.exec(
        select(Challenge.organisation_id, Challenge.title).where(
            Challenge.organisation_id.in_({r.organisation_id for r in ready}),
            Challenge.title.in_({r.data.title for r in ready}),
        )
    )
    taken = {(org_id, title) for org_id, title in found.all()}
    for result in ready:
        if (result.organisation_id, result.data.title) in taken:
            result.warnings.append(
                _(
                    "该单位已有同名榜单。本行内容与之不同，将作为新榜单导入；如是修改稿，请勿重复导入。"
                )
            )


def draft_gaps(s: Session, challenge_ids: list[int]) -> dict[int, list[str]]:
    """What each of these drafts lacks before submission (labels), in two queries."""
    if not challenge_ids:
        return {}
    counts = dict(
        s.exec(
            select(Indicator.challenge_id, func.count())
            .where(Indicator.challenge_id.in_(challenge_ids))
            .group_by(Indicator.challenge_id)
        ).all()
    )
    parts = (
        Challenge.id,
        Challenge.budget_total_fen,
        Challenge.enterprise_funds_fen,
        Challenge.subsidy_requested_fen,
        Challenge.deadline,
        Challenge.deliverables,
        Challenge.eligible_kinds,
        Challenge.contact_name,
        Challenge.contact_phone,
        Challenge.contact_email,
    )
    drafts = s.exec(select(*parts).where(Challenge.id.in_(challenge_ids))).all()
    return {
        c.id: missing_labels(missing_parts(c, indicator_count=counts.get(c.id, 0))) for c in drafts
    }


def import_rows(*, actor: User, rows: list[dict], publish: bool) -> ImportReport:
    """Check the rows again (time has passed since the preview) and import the valid ones."""
    if not is_staff(actor):
        raise PermissionDenied()
    report = ImportReport()
    results = preview(db.session(), rows, now=db.utcnow(), publish=publish)
    ready = [r for r in results if r.status is RowStatus.READY]
    report.skipped = [r for r in results if r.status is not RowStatus.READY]
    for start in range(0, len(ready), CHUNK):
        outcomes = _import_chunk(actor=actor, results=ready[start : start + CHUNK], publish=publish)
        for result, outcome in zip(ready[start : start + CHUNK], outcomes, strict=True):
            if isinstance(outcome, ImportedRow):
                report.imported.append(outcome)
                continue
            if outcome is RowStatus.IMPORTED:
                result.status = RowStatus.IMPORTED
            else:
                result.problem(_("整行"), outcome)
            report.skipped.append(result)
    report.skipped.sort(key=lambda r: r.row)
    return report


@db.transactional
def _import_chunk(
    s: Session, *, actor: User, results: list[RowResult], publish: bool
) -> list[ImportedRow | RowStatus | str]:
    """Import each row in its own savepoint; returns, per row, what was made or why not.

    ``results`` is left untouched, so a retried transaction starts from scratch.
    """
    outcomes: list[ImportedRow | RowStatus | str] = []
    for result in results:
        try:
            with s.begin_nested():
                c = create_imported_challenge(
                    actor=actor,
                    organisation_id=result.organisation_id,
                    data=result.data,
                    import_key=result.import_key,
                    publish=publish,
                    source_columns=result.source_columns,
                )
                outcomes.append(
                    ImportedRow(
                        result.row,
                        c.id,
                        c.title,
                        result.organisation_name,
                        c.code,
                        result.missing,
                    )
                )
        except Conflict:
            outcomes.append(RowStatus.IMPORTED)
        except (ValidationFailed, PermissionDenied) as exc:
            outcomes.append(exc.message)
        except IntegrityError:
            # The backstop: another import saved this row between our check and our insert.
            taken = select(Challenge.id).where(Challenge.import_key == result.import_key)
            if s.exec(taken).first() is None:
                current_app.logger.exception("import of row %s refused", result.row)
                outcomes.append(_("保存失败，请稍后重新导入。"))
            else:
                outcomes.append(RowStatus.IMPORTED)
    return outcomes


@db.transactional
def create_imported_challenge(
    s: Session,
    *,
    actor: User,
    organisation_id: int,
    data: ChallengeInput,
    import_key: str,
    publish: bool = False,
    source_columns: dict[str, str] | None = None,
) -> Challenge:
    """Save one imported row for its organisation: a draft, or published when staff choose."""
    if not is_staff(actor):
        raise PermissionDenied()
    org = s.get(Organisation, organisation_id)
    if org is None or org.status is not OrgStatus.VERIFIED:
        raise ValidationFailed(_("发榜单位不存在或尚未通过科技局认证。"))
    if s.exec(select(Challenge.id).where(Challenge.import_key == import_key)).first():
        raise Conflict(_("该行已导入过。"))
    challenge = Challenge(
        organisation_id=organisation_id,
        created_by_id=actor.id,
        import_key=import_key,
        source_columns=source_columns or None,
        **{name: getattr(data, name) for name in services.SIMPLE_FIELDS},
    )
    if publish:  # submitted on the enterprise's behalf, then approved below
        challenge.status = ChallengeStatus.PENDING_REVIEW
        challenge.submitted_at = db.utcnow()
    s.add(challenge)
    s.flush()
    services.replace_indicators(s, challenge, data.indicators)
    audit.record(
        s,
        actor=actor,
        action=ChallengeAction.IMPORT,
        obj=challenge,
        after={**challenge.snapshot(), "organisation_id": organisation_id},
    )
    if publish:
        # Joins this transaction: a refusal (deadline too close) undoes the whole row.
        return services.approve_challenge(actor=actor, challenge_id=challenge.id)
    body = _("请核对内容，确认无误后提交审核。")
    if data.missing:
        parts = "、".join(data.missing_labels())
        body = _("请补充%(parts)s，核对内容后提交审核。", parts=parts)
    notify(
        s,
        kind=NotificationKind.CHALLENGE,
        user_ids=services.org_member_ids(s, organisation_id),
        title=_("科技局已为贵单位录入榜单草稿：%(title)s", title=challenge.title),
        body=body,
        link=f"/challenges/{challenge.id}",
    )
    return challenge
