"""Verbs and rules of 科研诚信: record a measure, ask whether someone is restricted, 信用修复.

A restriction is a fact derived on every read, never a job: a barring record restricts its
subject from ``starts_on`` to ``ends_on`` (inclusive; no end when permanent), unless an approved
repair lifted it earlier (``IntegrityRepair.lifted_on``).
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.access import is_member
from ..accounts.models import Organisation, User
from ..errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..states import ensure_transition
from ..units import SHANGHAI
from ..uploads import StoredFile
from .actions import IntegrityAction
from .models import BARRING, IntegrityRecord, IntegrityRepair, Measure, RepairStatus

MAX_TEXT = 2000
EVIDENCE_KIND = "integrity"  # the uploads folder of 信用修复 evidence


def today() -> date:
    """Today in Beijing: restrictions run by the local calendar day."""
    return db.utcnow().astimezone(SHANGHAI).date()


def bar_years() -> list[int]:
    """The graded periods staff may choose for a bar (setting ``INTEGRITY_BAR_YEARS``)."""
    return sorted({int(y) for y in current_app.config["INTEGRITY_BAR_YEARS"] if int(y) > 0})


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def end_of(measure: Measure, starts_on: date, years: int | None) -> date | None:
    """The last restricted day of a measure: none for a warning, criticism or a permanent bar."""
    if measure is not Measure.BAR or years is None:
        return None
    return add_years(starts_on, years) - timedelta(days=1)


# --- who is restricted --------------------------------------------------------------------


def _lifted_by(on: date):
    return exists().where(
        IntegrityRepair.record_id == IntegrityRecord.id,
        IntegrityRepair.status == RepairStatus.APPROVED,
        IntegrityRepair.lifted_on <= on,
    )


def in_force_conditions(on: date):
    """SQL conditions: a barring record in its period on ``on`` and not lifted by then."""
    return (
        IntegrityRecord.measure.in_(BARRING),
        IntegrityRecord.starts_on <= on,
        or_(IntegrityRecord.ends_on.is_(None), IntegrityRecord.ends_on >= on),
        ~_lifted_by(on),
    )


def active_restriction(
    s: Session,
    *,
    organisation_id: int | None = None,
    user_id: int | None = None,
    on: date | None = None,
) -> IntegrityRecord | None:
    """The record that bars the organisation or the person on ``on`` (today), if any.

    The longest restriction comes first (a permanent one before any with an end).
    """
    conditions = []
    if organisation_id is not None:
        conditions.append(IntegrityRecord.organisation_id == organisation_id)
    if user_id is not None:
        conditions.append(IntegrityRecord.user_id == user_id)
    if not conditions:
        return None
    return s.exec(
        select(IntegrityRecord)
        .where(or_(*conditions), *in_force_conditions(on or today()))
        .order_by(IntegrityRecord.ends_on.is_(None).desc(), IntegrityRecord.ends_on.desc())
    ).first()


def in_force(s: Session, record: IntegrityRecord, on: date | None = None) -> bool:
    """Whether this one record restricts its subject on ``on`` (today)."""
    query = select(IntegrityRecord.id).where(
        IntegrityRecord.id == record.id, *in_force_conditions(on or today())
    )
    return s.exec(query).first() is not None


def bars_expert_work(s: Session, *, user_id: int, on: date | None = None) -> IntegrityRecord | None:
    """The record that keeps a person out of expert panels (评审) on ``on``, if any."""
    return active_restriction(s, user_id=user_id, on=on)


def bars_new_projects(
    s: Session,
    *,
    organisation_id: int | None = None,
    user_id: int | None = None,
    on: date | None = None,
) -> IntegrityRecord | None:
    """The record that keeps an organisation or a person from a new project, if any."""
    return active_restriction(s, organisation_id=organisation_id, user_id=user_id, on=on)


def restriction_message(record: IntegrityRecord, *, whose: str) -> str:
    """Why someone may not bid, in the words bidders have always seen."""
    if record.ends_on is None:
        return _(
            "%(whose)s被列入科研诚信记录（第 %(id)d 号：%(reason)s），永久不能揭榜。",
            whose=whose,
            id=record.id,
            reason=record.finding[:100],
        )
    return _(
        "%(whose)s被列入科研诚信记录（第 %(id)d 号：%(reason)s），限制期至 %(until)s，"
        "期间不能揭榜。",
        whose=whose,
        id=record.id,
        reason=record.finding[:100],
        until=record.ends_on.isoformat(),
    )


def is_subject(user: User | None, record: IntegrityRecord) -> bool:
    """The person recorded, or an approved member of the organisation recorded."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if record.user_id is not None and record.user_id == user.id:
        return True
    return is_member(user, record.organisation_id)


def can_view(user: User | None, record: IntegrityRecord) -> bool:
    return bool(user is not None and getattr(user, "is_staff", False)) or is_subject(user, record)


# --- recording a measure ------------------------------------------------------------------


def _check_subject(s: Session, organisation_id: int | None, user_id: int | None) -> str | None:
    if (organisation_id is None) == (user_id is None):
        return _("请指定单位或个人（二者选一）。")
    if organisation_id is not None and s.get(Organisation, organisation_id) is None:
        return _("没有找到该单位。")
    if user_id is not None and s.get(User, user_id) is None:
        return _("没有找到该用户。")
    return None


def _check_record(s: Session, **kw) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if problem := _check_subject(s, kw["organisation_id"], kw["user_id"]):
        errors["subject"] = [problem]
    if not kw["finding"]:
        errors["finding"] = [_("请写明失信行为事实。")]
    if not kw["legal_basis"]:
        errors["legal_basis"] = [_("请写明处理依据。")]
    if not kw["summary"]:
        errors["summary"] = [_("请写一句公示摘要（公开，不写个人信息）。")]
    elif len(kw["summary"]) > 200:
        errors["summary"] = [_("公示摘要不能超过 200 字。")]
    if kw["measure"] is Measure.BAR and kw["period_years"] not in bar_years():
        errors["period_years"] = [_("请选择限制期限。")]
    if kw["starts_on"] > today():
        errors["starts_on"] = [_("处理决定日期不能晚于今天。")]
    elif (end := end_of(kw["measure"], kw["starts_on"], kw["period_years"])) and end < today():
        errors["starts_on"] = [_("按此日期和期限，限制已经届满，无需记录为限制。")]
    return errors


@db.transactional
def record_measure(
    s: Session,
    *,
    actor: User,
    measure: Measure,
    finding: str,
    legal_basis: str,
    summary: str,
    starts_on: date,
    period_years: int | None = None,
    organisation_id: int | None = None,
    user_id: int | None = None,
    project_id: int | None = None,
) -> IntegrityRecord:
    """Staff record a finding and the measure taken (a bar runs from the decision's date)."""
    if not actor.is_staff:
        raise PermissionDenied()
    fields = {
        "organisation_id": organisation_id,
        "user_id": user_id,
        "finding": (finding or "").strip()[:MAX_TEXT],
        "legal_basis": (legal_basis or "").strip()[:MAX_TEXT],
        "summary": " ".join((summary or "").split()),
        "measure": measure,
        "period_years": period_years if measure is Measure.BAR else None,
        "starts_on": starts_on,
    }
    if errors := _check_record(s, **fields):
        raise ValidationFailed(field_errors=errors)
    record = IntegrityRecord(
        **fields,
        ends_on=end_of(measure, starts_on, fields["period_years"]),
        project_id=project_id,
        created_by_id=actor.id,
    )
    s.add(record)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=IntegrityAction.RECORD,
        obj=record,
        after={
            "organisation_id": organisation_id,
            "user_id": user_id,
            "measure": measure.value,
            "starts_on": starts_on.isoformat(),
            "until": record.ends_on.isoformat() if record.ends_on else None,
            "project_id": project_id,
        },
    )
    return record


# --- 信用修复 -------------------------------------------------------------------------------


def earliest_repair(record: IntegrityRecord) -> date | None:
    """The first day a repair may be applied for; None when the measure cannot be repaired.

    Only a bar with an end can be repaired: a warning or criticism restricts nothing, and a
    permanent bar is meant to stay. Before ``INTEGRITY_REPAIR_MIN_PERCENT`` of the period has
    run, the measure would be a formality.
    """
    if record.measure is not Measure.BAR or record.ends_on is None:
        return None
    days = (record.ends_on - record.starts_on).days + 1
    share = int(current_app.config["INTEGRITY_REPAIR_MIN_PERCENT"])
    return record.starts_on + timedelta(days=math.ceil(days * share / 100))


def open_repair(s: Session, record_id: int) -> IntegrityRepair | None:
    return s.exec(
        select(IntegrityRepair).where(
            IntegrityRepair.record_id == record_id,
            IntegrityRepair.status == RepairStatus.PENDING,
        )
    ).first()


def repair_blocker(s: Session, record: IntegrityRecord) -> str | None:
    """Why the subject cannot apply for 信用修复 of ``record`` now (None when they can)."""
    earliest = earliest_repair(record)
    if earliest is None:
        return _("只有限期禁止揭榜和评审的处理可以申请信用修复。")
    if not in_force(s, record):
        return _("该处理已不在限制期内，无需修复。")
    if today() < earliest:
        return _(
            "限制期过去 %(p)d%% 后（%(d)s 起）才能申请信用修复。",
            p=int(current_app.config["INTEGRITY_REPAIR_MIN_PERCENT"]),
            d=earliest.isoformat(),
        )
    if open_repair(s, record.id) is not None:
        return _("该记录已有一份待审核的信用修复申请，请等待审核结果。")
    return None


@db.transactional
def apply_for_repair(
    s: Session, *, actor: User, record_id: int, statement: str, evidence: StoredFile
) -> IntegrityRepair:
    """The subject applies for 信用修复 with a statement and a PDF of evidence."""
    # Lock the record so two simultaneous applications are decided one after the other.
    record = s.get(IntegrityRecord, record_id, with_for_update=True)
    if record is None or not is_subject(actor, record):
        raise NotFound()
    if blocker := repair_blocker(s, record):
        raise InvalidTransition(blocker)
    statement = (statement or "").strip()[:MAX_TEXT]
    if not statement:
        msg = _("请写明整改情况和申请修复的理由。")
        raise ValidationFailed(msg, field_errors={"statement": [msg]})
    repair = IntegrityRepair(
        record_id=record.id,
        applicant_id=actor.id,
        statement=statement,
        evidence_name=evidence.original_name,
        evidence_stored_name=evidence.stored_name,
        evidence_size_bytes=evidence.size_bytes,
        evidence_sha256=evidence.sha256,
    )
    s.add(repair)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:  # the partial unique index: another one got in first
        raise Conflict(_("该记录已有一份待审核的信用修复申请，请等待审核结果。")) from exc
    audit.record(
        s,
        actor=actor,
        action=IntegrityAction.REPAIR_APPLY,
        obj=repair,
        after={"record_id": record.id, "file": repair.evidence_name, "sha256": evidence.sha256},
    )
    return repair


@db.transactional
def decide_repair(
    s: Session, *, actor: User, repair_id: int, approve: bool, reason: str
) -> IntegrityRepair:
    """Staff approve (the restriction ends today) or refuse an application, with a reason."""
    if not actor.is_staff:
        raise PermissionDenied()
    repair = s.get(IntegrityRepair, repair_id, with_for_update=True)
    if repair is None:
        raise NotFound()
    reason = (reason or "").strip()[:MAX_TEXT]
    if not reason:
        msg = _("请写明批准或不予批准的理由。")
        raise ValidationFailed(msg, field_errors={"reason": [msg]})
    target = RepairStatus.APPROVED if approve else RepairStatus.REFUSED
    before = ensure_transition(repair, target, actor=actor)
    repair.decided_by_id = actor.id
    repair.decided_at = db.utcnow()
    repair.decision_reason = reason
    repair.lifted_on = today() if approve else None
    s.add(repair)
    audit.record(
        s,
        actor=actor,
        action=IntegrityAction.REPAIR_APPROVE if approve else IntegrityAction.REPAIR_REFUSE,
        obj=repair,
        before={"status": before.value},
        after={
            "status": target.value,
            "reason": reason,
            "lifted_on": repair.lifted_on.isoformat() if repair.lifted_on else None,
        },
    )
    return repair
