"""Amendments (变更) to a published challenge: proposed by the issuer, applied by staff."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.models import Role, User
from ..errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..notifications import NotificationKind, notify
from ..outbox import DocType, OutboxOp, enqueue
from ..states import check_transition, ensure_transition
from .access import is_issuer, is_staff
from .actions import AmendmentAction, ChallengeAction
from .models import Amendment, AmendmentStatus, Challenge, Indicator, Industry
from .schemas import ChallengeInput, IndicatorInput
from .services import (
    SIMPLE_FIELDS,
    indicators_of,
    interested_user_ids,
    load,
    org_member_ids,
    replace_indicators,
)

FIELD_LABELS = {
    "title": _l("榜单名称"),
    "field": _l("产业领域"),
    "problem": _l("技术难题"),
    "background": _l("背景"),
    "deliverables": _l("预期成果"),
    "budget_total_fen": _l("榜单金额"),
    "enterprise_funds_fen": _l("企业出资"),
    "subsidy_requested_fen": _l("申请政府资助"),
    "period_months": _l("实施周期（月）"),
    "deadline": _l("揭榜截止时间"),
    "eligible_kinds": _l("可揭榜单位类型"),
    "qualifications": _l("资质要求"),
    "consortium_allowed": _l("允许联合揭榜"),
    "consortium_max": _l("联合体成员上限"),
    "contact_name": _l("联系人"),
    "contact_phone": _l("联系电话"),
    "contact_email": _l("联系邮箱"),
    "indicators": _l("关键指标"),
}


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Industry):
        return value.value
    return value


def _indicator_rows(items) -> list[dict]:
    return [
        {"name": i.name, "target": i.target, "unit": i.unit, "verification": i.verification}
        for i in items
    ]


def diff(challenge: Challenge, indicators: list[Indicator], data: ChallengeInput) -> dict:
    """{field: {"old": …, "new": …}} for every field the proposal changes."""
    changes = {}
    for name in SIMPLE_FIELDS:
        old, new = _jsonable(getattr(challenge, name)), _jsonable(getattr(data, name))
        if old != new:
            changes[name] = {"old": old, "new": new}
    old_ind, new_ind = _indicator_rows(indicators), _indicator_rows(data.indicators)
    if old_ind != new_ind:
        changes["indicators"] = {"old": old_ind, "new": new_ind}
    return changes


@db.transactional
def propose_amendment(
    s: Session, *, actor: User, challenge_id: int, data: ChallengeInput, reason: str
) -> Amendment:
    """The issuer asks to change a published, still-open challenge."""
    challenge = load(s, challenge_id, lock=True)
    if not is_issuer(actor, challenge) or actor.role is not Role.ENTERPRISE:
        raise NotFound()
    if not challenge.is_open():
        raise InvalidTransition(_("只有揭榜中的榜单可以申请变更。"))
    reason = (reason or "").strip()
    if not reason:
        msg = _("请说明变更理由，变更生效后将公开显示。")
        raise ValidationFailed(msg, field_errors={"reason": [msg]})
    pending = s.exec(
        select(Amendment.id).where(
            Amendment.challenge_id == challenge.id, Amendment.status == AmendmentStatus.PENDING
        )
    ).first()
    if pending is not None:
        raise InvalidTransition(_("已有一项变更申请在审核中，请等待科技局处理。"))
    changes = diff(challenge, indicators_of(s, challenge.id), data)
    if not changes:
        raise ValidationFailed(_("您没有修改任何内容。"))
    _check_notice(changes, now=db.utcnow())
    amendment = Amendment(
        challenge_id=challenge.id, reason=reason[:2000], changes=changes, proposed_by_id=actor.id
    )
    s.add(amendment)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=AmendmentAction.PROPOSE,
        obj=amendment,
        after={"challenge_id": challenge.id, "fields": sorted(changes)},
    )
    return amendment


def _value(name: str, raw):
    if name == "deadline":
        return datetime.fromisoformat(raw)
    if name == "field":
        return Industry(raw)
    return raw


def min_notice_days() -> int:
    return int(current_app.config["AMENDMENT_MIN_NOTICE_DAYS"])


def _check_notice(changes: dict, *, now: datetime) -> None:
    """A new deadline must leave bidders the minimum notice, counted from now (approval)."""
    new_deadline = changes.get("deadline", {}).get("new")
    if not new_deadline:
        return
    earliest = now + timedelta(days=min_notice_days())
    if datetime.fromisoformat(new_deadline) < earliest:
        msg = _(
            "变更后的截止时间须在变更生效之后至少 %(days)d 天（不早于 %(t)s），"
            "给揭榜方留出准备时间。",
            days=min_notice_days(),
            t=format_datetime(earliest, "yyyy-MM-dd HH:mm"),
        )
        raise ValidationFailed(msg, field_errors={"deadline": [msg]})


@db.transactional
def decide_amendment(
    s: Session, *, actor: User, amendment_id: int, approve: bool, comment: str = ""
) -> Amendment:
    """Staff approve (the change takes effect and is announced) or reject an amendment."""
    if not is_staff(actor):
        raise PermissionDenied()
    amendment = s.get(Amendment, amendment_id, with_for_update=True)
    if amendment is None:
        raise NotFound()
    target = AmendmentStatus.APPROVED if approve else AmendmentStatus.REJECTED
    if amendment.status is not AmendmentStatus.PENDING:
        raise InvalidTransition(_("该变更申请已处理过了。"))
    check_transition(amendment, target, actor=actor)
    challenge = load(s, amendment.challenge_id, lock=True)
    now = db.utcnow()
    if approve:
        if not challenge.is_open():
            raise InvalidTransition(_("榜单已截止，变更不能再生效。"))
        _check_notice(amendment.changes, now=now)
        before = challenge.snapshot()
        for name, change in amendment.changes.items():
            if name == "indicators":
                replace_indicators(s, challenge, [IndicatorInput(**r) for r in change["new"]])
            else:
                setattr(challenge, name, _value(name, change["new"]))
        challenge.revision += 1
        challenge.updated_at = now
        amendment.revision = challenge.revision
        enqueue(s, doc_type=DocType.CHALLENGE, doc_id=challenge.id, op=OutboxOp.UPSERT)
        title = _("榜单发布变更公告：%(title)s", title=challenge.title)
        if "deadline" in amendment.changes:
            title = _(
                "榜单变更公告（截止时间改为 %(t)s）：%(title)s",
                t=format_datetime(challenge.deadline, "yyyy-MM-dd HH:mm"),
                title=challenge.title,
            )
        notify(
            s,
            kind=NotificationKind.CHALLENGE,
            user_ids=interested_user_ids(s, challenge.id)
            | set(org_member_ids(s, challenge.organisation_id)),
            title=title,
            body=amendment.reason,
            link=f"/challenges/{challenge.id}#changes",
        )
        audit.record(
            s,
            actor=actor,
            action=ChallengeAction.AMEND,
            obj=challenge,
            before=before,
            after=challenge.snapshot(),
        )
    ensure_transition(amendment, target, actor=actor)
    amendment.decided_by_id = actor.id
    amendment.decided_at = now
    amendment.decision_comment = (comment or "").strip()[:2000]
    audit.record(
        s,
        actor=actor,
        action=AmendmentAction.APPROVE if approve else AmendmentAction.REJECT,
        obj=amendment,
        after={"challenge_id": challenge.id, "comment": amendment.decision_comment},
    )
    return amendment


def change_log(s: Session, challenge_id: int) -> list[Amendment]:
    """Approved amendments, oldest first: the public change log."""
    return list(
        s.exec(
            select(Amendment)
            .where(
                Amendment.challenge_id == challenge_id,
                Amendment.status == AmendmentStatus.APPROVED,
            )
            .order_by(Amendment.revision)
        ).all()
    )
