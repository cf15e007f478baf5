"""Verbs on challenges. Each is one transaction: check actor and state, change, audit, outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from .. import audit, db, uploads
from ..accounts.access import organisation_blocker
from ..accounts.models import Role, User
from ..errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..notifications import NotificationKind, notify
from ..outbox import DocType, OutboxOp, enqueue
from ..states import SYSTEM, check_transition, ensure_transition
from ..units import SHANGHAI
from . import review
from .access import can_answer, can_edit, can_view, is_issuer, is_staff
from .actions import ChallengeAction, QuestionAction
from .models import (
    Challenge,
    ChallengeAttachment,
    ChallengeStatus,
    CodeCounter,
    Indicator,
    Question,
)
from .schemas import ChallengeInput, IndicatorInput, incomplete_error, missing_parts

MAX_ATTACHMENTS = 10

SIMPLE_FIELDS = (
    "title",
    "field",
    "problem",
    "background",
    "deliverables",
    "budget_total_fen",
    "enterprise_funds_fen",
    "subsidy_requested_fen",
    "period_months",
    "deadline",
    "eligible_kinds",
    "qualifications",
    "consortium_allowed",
    "consortium_max",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def load(s: Session, challenge_id: int, *, lock: bool = False) -> Challenge:
    challenge = s.get(Challenge, challenge_id, with_for_update=lock)
    if challenge is None:
        raise NotFound()
    return challenge


def _load_visible(s: Session, actor: User | None, challenge_id: int, *, lock=True) -> Challenge:
    """Load for an actor; what they may not see is indistinguishable from what does not exist."""
    challenge = load(s, challenge_id, lock=lock)
    if not can_view(actor, challenge):
        raise NotFound()
    return challenge


def replace_indicators(s: Session, challenge: Challenge, items: list[IndicatorInput]) -> None:
    """Replace the challenge's indicators with ``items``, in order."""
    s.exec(delete(Indicator).where(Indicator.challenge_id == challenge.id))
    for position, item in enumerate(items, start=1):
        s.add(
            Indicator(
                challenge_id=challenge.id,
                position=position,
                name=item.name,
                target=item.target,
                unit=item.unit,
                verification=item.verification,
            )
        )


def _apply(challenge: Challenge, data: ChallengeInput) -> None:
    for name in SIMPLE_FIELDS:
        setattr(challenge, name, getattr(data, name))
    challenge.updated_at = db.utcnow()


def indicators_of(s: Session, challenge_id: int) -> list[Indicator]:
    return list(
        s.exec(
            select(Indicator)
            .where(Indicator.challenge_id == challenge_id)
            .order_by(Indicator.position)
        ).all()
    )


@db.transactional
def create_challenge(
    s: Session, *, actor: User, data: ChallengeInput, import_key: str | None = None
) -> Challenge:
    """Save a new draft for the actor's (verified) organisation."""
    blocker = organisation_blocker(actor, role=Role.ENTERPRISE)
    if blocker:
        raise PermissionDenied(blocker)
    challenge = Challenge(
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        import_key=import_key,
        **{name: getattr(data, name) for name in SIMPLE_FIELDS},
    )
    s.add(challenge)
    s.flush()
    replace_indicators(s, challenge, data.indicators)
    audit.record(
        s, actor=actor, action=ChallengeAction.CREATE, obj=challenge, after=challenge.snapshot()
    )
    return challenge


@db.transactional
def update_challenge(
    s: Session, *, actor: User, challenge_id: int, data: ChallengeInput, expected_version: int
) -> Challenge:
    """Save changes to a draft; a stale form (someone saved in between) is a Conflict."""
    challenge = _load_visible(s, actor, challenge_id)
    if not is_issuer(actor, challenge):
        raise NotFound()
    if not can_edit(actor, challenge):
        raise InvalidTransition(_("只有草稿可以直接修改；已发布的榜单请提交变更申请。"))
    if challenge.version_id != expected_version:
        raise Conflict(_("该榜单已被他人修改并保存。您填写的内容仍在下方，请核对后重新保存。"))
    before = challenge.snapshot()
    _apply(challenge, data)
    replace_indicators(s, challenge, data.indicators)
    audit.record(
        s,
        actor=actor,
        action=ChallengeAction.UPDATE,
        obj=challenge,
        before=before,
        after=challenge.snapshot(),
    )
    return challenge


@db.transactional
def submit_challenge(s: Session, *, actor: User, challenge_id: int) -> Challenge:
    """Send a draft to the bureau for review."""
    challenge = _load_visible(s, actor, challenge_id)
    if not is_issuer(actor, challenge) or actor.role is not Role.ENTERPRISE:
        raise NotFound()
    blocker = organisation_blocker(actor, role=Role.ENTERPRISE)
    if blocker:
        raise PermissionDenied(blocker)
    check_transition(challenge, ChallengeStatus.PENDING_REVIEW, actor=actor)
    # An imported draft may be incomplete (面议, no deadline): the schema's one rule decides.
    missing = missing_parts(challenge, indicator_count=len(indicators_of(s, challenge.id)))
    if missing:
        raise incomplete_error(missing)
    if challenge.deadline <= db.utcnow():
        msg = _("揭榜截止时间已过，请先修改截止时间再提交。")
        raise ValidationFailed(msg, field_errors={"deadline": [msg]})
    before = challenge.snapshot()
    ensure_transition(challenge, ChallengeStatus.PENDING_REVIEW, actor=actor)
    challenge.submitted_at = db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=ChallengeAction.SUBMIT,
        obj=challenge,
        before=before,
        after=challenge.snapshot(),
    )
    return challenge


def min_publication_days() -> int:
    return int(current_app.config["CHALLENGE_MIN_DAYS"])


def _next_code(s: Session, now: datetime) -> str:
    year = now.astimezone(SHANGHAI).year
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    s.exec(insert(CodeCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    counter = s.exec(select(CodeCounter).where(CodeCounter.year == year).with_for_update()).one()
    counter.last_number += 1
    prefix = current_app.config["CHALLENGE_CODE_PREFIX"]
    return f"{prefix}-{year}-{counter.last_number:04d}"


def _staff(actor: User) -> None:
    if not is_staff(actor):
        raise PermissionDenied()


@db.transactional
def approve_challenge(s: Session, *, actor: User, challenge_id: int) -> Challenge:
    """Publish a challenge under review: it gets its public code and publication time."""
    _staff(actor)
    challenge = load(s, challenge_id, lock=True)
    check_transition(challenge, ChallengeStatus.PUBLISHED, actor=actor)
    now = db.utcnow()
    days = min_publication_days()
    if challenge.deadline - now < timedelta(days=days):
        left = max(0, (challenge.deadline - now).days)
        raise ValidationFailed(
            _(
                "揭榜截止时间距发布不足 %(days)d 天（现在只剩 %(left)d 天），"
                "请退回企业修改截止时间。",
                days=days,
                left=left,
            )
        )
    before = challenge.snapshot()
    # Code first: a public status without its code is refused by ck_challenge_public_has_code.
    challenge.code = _next_code(s, now)
    challenge.published_at = now
    ensure_transition(challenge, ChallengeStatus.PUBLISHED, actor=actor)
    challenge.review_comment = ""
    audit.record(
        s,
        actor=actor,
        action=ChallengeAction.APPROVE,
        obj=challenge,
        before=before,
        after=challenge.snapshot(),
    )
    enqueue(s, doc_type=DocType.CHALLENGE, doc_id=challenge.id, op=OutboxOp.UPSERT)
    notify(
        s,
        kind=NotificationKind.CHALLENGE,
        user_ids=org_member_ids(s, challenge.organisation_id),
        title=_("榜单已发布：%(title)s", title=challenge.title),
        body=_("编号 %(code)s", code=challenge.code),
        link=f"/challenges/{challenge.id}",
    )
    return challenge


def org_member_ids(s: Session, organisation_id: int) -> list[int]:
    from ..accounts.models import Membership

    return list(
        s.exec(
            select(User.id).where(
                User.organisation_id == organisation_id, User.membership == Membership.APPROVED
            )
        ).all()
    )


def _need_comment(comment: str, message: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(message, field_errors={"comment": [message]})
    if len(comment) > 2000:
        msg = _("意见不能超过 2000 个字符。")
        raise ValidationFailed(msg, field_errors={"comment": [msg]})
    return comment


def _send_back(
    s: Session,
    *,
    actor: User,
    challenge_id: int,
    comment: str,
    target: ChallengeStatus,
    action: ChallengeAction,
    title: str,
) -> Challenge:
    """A staff decision on a challenge under review that the issuer must read (return, reject)."""
    challenge = load(s, challenge_id, lock=True)
    check_transition(challenge, target, actor=actor)
    # The content as sent back, so the review of a resubmission can show what changed; the
    # same on both sides, so the audit trail does not list it as a change.
    content = review.content_snapshot(challenge, indicators_of(s, challenge.id))
    before = {**challenge.snapshot(), "content": content}
    ensure_transition(challenge, target, actor=actor)
    challenge.review_comment = comment
    audit.record(
        s,
        actor=actor,
        action=action,
        obj=challenge,
        before=before,
        after={**challenge.snapshot(), "content": content, "comment": comment},
    )
    notify(
        s,
        kind=NotificationKind.CHALLENGE,
        user_ids=org_member_ids(s, challenge.organisation_id),
        title=title % {"title": challenge.title},
        body=comment,
        link=f"/challenges/{challenge.id}",
    )
    return challenge


@db.transactional
def return_challenge(s: Session, *, actor: User, challenge_id: int, comment: str) -> Challenge:
    """Send a challenge back to its issuer as a draft, with comments they must address."""
    _staff(actor)
    comment = _need_comment(comment, _("退回修改时请写明修改意见，企业将看到这段话。"))
    return _send_back(
        s,
        actor=actor,
        challenge_id=challenge_id,
        comment=comment,
        target=ChallengeStatus.DRAFT,
        action=ChallengeAction.RETURN,
        title=_("榜单被退回修改：%(title)s"),
    )


@db.transactional
def reject_challenge(s: Session, *, actor: User, challenge_id: int, comment: str) -> Challenge:
    """Refuse a challenge under review for good, with the reason."""
    _staff(actor)
    comment = _need_comment(comment, _("不予发布时请写明理由。"))
    return _send_back(
        s,
        actor=actor,
        challenge_id=challenge_id,
        comment=comment,
        target=ChallengeStatus.REJECTED,
        action=ChallengeAction.REJECT,
        title=_("榜单未通过审核：%(title)s"),
    )


# Domains built on challenges add who else follows one, and tell their own people of a
# cancellation in their own words (bids: the bidders, whose bids may stay sealed). Registered
# when they are imported, so this module never imports them.
Followers = Callable[[Session, int], set[int]]
FOLLOWERS: list[Followers] = []
# Returns the user ids it told, who then get no general notice.
CancelNotice = Callable[[Session, Challenge, str], set[int]]
CANCEL_NOTICES: list[CancelNotice] = []


def interested_user_ids(s: Session, challenge_id: int) -> set[int]:
    """Who is told about amendments and cancellation: askers and the followers (bidders)."""
    askers = set(s.exec(select(Question.asker_id).where(Question.challenge_id == challenge_id)))
    return askers.union(*(followers(s, challenge_id) for followers in FOLLOWERS))


@db.transactional
def cancel_challenge(s: Session, *, actor: User, challenge_id: int, reason: str) -> Challenge:
    """Staff withdraw a published challenge (撤榜) with a public reason."""
    _staff(actor)
    reason = _need_comment(reason, _("撤榜必须公开说明理由。"))
    challenge = load(s, challenge_id, lock=True)
    before = challenge.snapshot()
    ensure_transition(challenge, ChallengeStatus.CANCELLED, actor=actor)
    challenge.cancel_reason = reason
    # When bidding stopped: before the deadline, the bids stay sealed for good (bids.access).
    challenge.closed_at = challenge.closed_at or db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=ChallengeAction.CANCEL,
        obj=challenge,
        before=before,
        after={**challenge.snapshot(), "reason": reason},
    )
    enqueue(s, doc_type=DocType.CHALLENGE, doc_id=challenge.id, op=OutboxOp.UPSERT)
    told: set[int] = set()
    for tell in CANCEL_NOTICES:
        told |= tell(s, challenge, reason)
    notify(
        s,
        kind=NotificationKind.CHALLENGE,
        user_ids=(interested_user_ids(s, challenge.id) - told)
        | set(org_member_ids(s, challenge.organisation_id)),
        title=_("榜单已撤榜：%(title)s", title=challenge.title),
        body=reason,
        link=f"/challenges/{challenge.id}",
    )
    return challenge


@db.transactional
def close_expired(s: Session, *, now: datetime | None = None) -> list[int]:
    """Materialise 'closed' for published challenges past their deadline (idempotent)."""
    now = now or db.utcnow()
    # One UPDATE for every row, so the table is consulted once for all of them.
    check_transition(SimpleNamespace(status=ChallengeStatus.PUBLISHED), ChallengeStatus.CLOSED,
                     actor=SYSTEM)  # fmt: skip
    ids = list(
        s.exec(
            select(Challenge.id).where(
                Challenge.status == ChallengeStatus.PUBLISHED, Challenge.deadline <= now
            )
        ).all()
    )
    if not ids:
        return []
    s.exec(
        update(Challenge)
        .where(Challenge.id.in_(ids), Challenge.status == ChallengeStatus.PUBLISHED)
        .values(
            status=ChallengeStatus.CLOSED,
            closed_at=now,
            version_id=Challenge.version_id + 1,
        )
        .execution_options(synchronize_session=False)
    )
    for challenge_id in ids:
        audit.record(
            s,
            actor="system",
            action=ChallengeAction.CLOSE,
            obj=(Challenge, challenge_id),
            before={"status": ChallengeStatus.PUBLISHED},
            after={"status": ChallengeStatus.CLOSED},
        )
        enqueue(s, doc_type=DocType.CHALLENGE, doc_id=challenge_id, op=OutboxOp.UPSERT)
    return ids


# --- questions and answers (答疑) -----------------------------------------------------


@db.transactional
def ask_question(s: Session, *, actor: User, challenge_id: int, body: str) -> Question:
    """A researcher asks the issuer a question while the challenge is open."""
    challenge = _load_visible(s, actor, challenge_id, lock=False)
    if actor.role is not Role.RESEARCHER:
        raise PermissionDenied(_("只有科研团队用户可以提问。"))
    if not challenge.is_open():
        raise InvalidTransition(_("该榜单已截止，答疑已关闭。"))
    body = (body or "").strip()
    if not body or len(body) > 2000:
        msg = _("请填写问题（不超过 2000 个字符）。")
        raise ValidationFailed(msg, field_errors={"body": [msg]})
    question = Question(challenge_id=challenge.id, asker_id=actor.id, body=body)
    s.add(question)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=QuestionAction.ASK,
        obj=question,
        after={"challenge_id": challenge.id},
    )
    notify(
        s,
        kind=NotificationKind.CHALLENGE,
        user_ids=org_member_ids(s, challenge.organisation_id),
        title=_("榜单收到新的提问：%(title)s", title=challenge.title),
        link=f"/challenges/{challenge.id}#qa",
    )
    return question


@db.transactional
def answer_question(s: Session, *, actor: User, question_id: int, answer: str) -> Question:
    """The issuer or staff answer; the answer becomes public, the asker stays anonymous."""
    question = s.get(Question, question_id, with_for_update=True)
    if question is None:
        raise NotFound()
    challenge = _load_visible(s, actor, question.challenge_id, lock=False)
    if not can_answer(actor, challenge):
        raise NotFound()
    if not challenge.is_open():
        raise InvalidTransition(_("该榜单已截止，答疑已关闭。"))
    if question.answered_at is not None:
        raise InvalidTransition(_("该问题已经回答过了。"))
    answer = (answer or "").strip()
    if not answer or len(answer) > 4000:
        msg = _("请填写回答（不超过 4000 个字符）。")
        raise ValidationFailed(msg, field_errors={"answer": [msg]})
    question.answer = answer
    question.answered_by_id = actor.id
    question.answered_at = db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=QuestionAction.ANSWER,
        obj=question,
        after={"challenge_id": challenge.id},
    )
    notify(
        s,
        kind=NotificationKind.CHALLENGE,
        user_ids=[question.asker_id],
        title=_("您的提问已有回复：%(title)s", title=challenge.title),
        link=f"/challenges/{challenge.id}#qa",
    )
    return question


# --- attachments ----------------------------------------------------------------------


@db.transactional
def add_attachment(s: Session, *, actor: User, challenge_id: int, stored) -> ChallengeAttachment:
    """Record an uploaded PDF on a draft (the file is already checked and stored)."""
    challenge = _load_visible(s, actor, challenge_id)
    if not is_issuer(actor, challenge):
        raise NotFound()
    if not can_edit(actor, challenge):
        raise InvalidTransition(_("只有草稿可以添加或删除附件。"))
    attachment = uploads.add_row(
        s, ChallengeAttachment, owner=("challenge_id", challenge.id), stored=stored,
        uploader_id=actor.id, limit=MAX_ATTACHMENTS,
        too_many=_("每个榜单最多 %(n)d 个附件。", n=MAX_ATTACHMENTS),
    )  # fmt: skip
    audit.record(
        s,
        actor=actor,
        action=ChallengeAction.ATTACH,
        obj=challenge,
        after={"file": stored.original_name, "sha256": stored.sha256, "bytes": stored.size_bytes},
    )
    return attachment


@db.transactional
def remove_attachment(s: Session, *, actor: User, attachment_id: int) -> ChallengeAttachment:
    attachment = s.get(ChallengeAttachment, attachment_id, with_for_update=True)
    if attachment is None:
        raise NotFound()
    challenge = _load_visible(s, actor, attachment.challenge_id)
    if not is_issuer(actor, challenge):
        raise NotFound()
    if not can_edit(actor, challenge):
        raise InvalidTransition(_("只有草稿可以添加或删除附件。"))
    s.delete(attachment)
    audit.record(
        s,
        actor=actor,
        action=ChallengeAction.DETACH,
        obj=challenge,
        before={"file": attachment.original_name},
    )
    return attachment


def attachments_of(s: Session, challenge_id: int) -> list[ChallengeAttachment]:
    return list(
        s.exec(
            select(ChallengeAttachment)
            .where(ChallengeAttachment.challenge_id == challenge_id)
            .order_by(ChallengeAttachment.id)
        ).all()
    )
