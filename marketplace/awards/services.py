"""Verbs on awards: propose (opening 公示), object, resolve, confirm or revoke; 流榜 and re-post.

The review domain (``review.services``) says when scoring is closed and which bids are
shortlisted; this module decides what happens to them. Every state moves through the tables
beside the enums (``AWARD_STATES``, ``OBJECTION_STATES``, ``CHALLENGE_STATES``,
``BID_STATES``). Objectors are named in the database and the audit trail (staff only), never
in a notification or on a public page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, func, select

from .. import audit, db, uploads
from ..accounts.access import member_org_id
from ..accounts.models import Organisation, Role, User
from ..bids.models import Bid, BidStatus
from ..challenges import services as challenge_services
from ..challenges.access import is_issuer, is_staff
from ..challenges.models import Challenge, ChallengeStatus
from ..challenges.schemas import ChallengeInput, IndicatorInput, fen_to_wan_text
from ..errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..notifications import NotificationKind, notify
from ..review import services as review
from ..states import check_transition, ensure_transition
from ..workdays.services import publicity_window
from .actions import AwardAction
from .models import (
    Award,
    AwardKind,
    AwardShare,
    AwardStatus,
    ChallengeFailure,
    Objection,
    ObjectionAttachment,
    ObjectionStatus,
)
from .schemas import AwardInput, required_reason

MAX_EVIDENCE = 5


def _staff(actor: User) -> None:
    if not is_staff(actor):
        raise PermissionDenied()


def _challenge(s: Session, challenge_id: int, *, lock: bool = True) -> Challenge:
    challenge = s.get(Challenge, challenge_id, with_for_update=lock)
    if challenge is None:
        raise NotFound()
    return challenge


def _award(s: Session, award_id: int, *, lock: bool = True) -> Award:
    award = s.get(Award, award_id, with_for_update=lock)
    if award is None:
        raise NotFound()
    return award


def shares_of(s: Session, award_id: int) -> list[AwardShare]:
    return list(
        s.exec(
            select(AwardShare).where(AwardShare.award_id == award_id).order_by(AwardShare.position)
        ).all()
    )


def live_award(s: Session, challenge_id: int) -> Award | None:
    """The award in publicity or confirmed (at most one, by a partial unique index)."""
    return s.exec(
        select(Award).where(
            Award.challenge_id == challenge_id,
            Award.status.in_((AwardStatus.PUBLICITY, AwardStatus.CONFIRMED)),
        )
    ).first()


def staff_user_ids(s: Session) -> list[int]:
    return list(
        s.exec(
            select(User.id).where(
                User.role.in_((Role.STAFF, Role.ADMIN)), User.is_active_account.is_(True)
            )
        ).all()
    )


def _bidding_orgs(s: Session, challenge_id: int) -> dict[int, Bid]:
    """Organisation id → its bid, for every bid that was submitted and is still live."""
    rows = s.exec(
        select(Bid).where(
            Bid.challenge_id == challenge_id,
            Bid.status.not_in((BidStatus.DRAFT, BidStatus.WITHDRAWN)),
        )
    ).all()
    return {b.organisation_id: b for b in rows}


# --- proposing --------------------------------------------------------------------------------


def _check_shares(s: Session, challenge: Challenge, data: AwardInput) -> int:
    """Refuse bids that are not shortlisted and amounts over the budget; the remainder (赛马)."""
    shortlisted = set(review.shortlisted_bid_ids(s, challenge.id))
    for share in data.shares:
        if share.bid_id not in shortlisted:
            msg = _("只能选择本榜单入围的揭榜（所选揭榜未入围或不属于本榜单）。")
            raise ValidationFailed(msg, field_errors={"bid_id": [msg]})
    budget = challenge.budget_total_fen or 0
    total = sum(sh.amount_fen for sh in data.shares)
    if total > budget:
        msg = (
            _(
                "各团队启动资金合计 %(sum)s 万元，超过榜单总预算 %(budget)s 万元。",
                sum=fen_to_wan_text(total),
                budget=fen_to_wan_text(budget),
            )
            if data.kind is AwardKind.PARALLEL
            else _(
                "揭榜金额 %(sum)s 万元超过榜单总预算 %(budget)s 万元。",
                sum=fen_to_wan_text(total),
                budget=fen_to_wan_text(budget),
            )
        )
        raise ValidationFailed(msg, field_errors={"amount": [msg]})
    return budget - total if data.kind is AwardKind.PARALLEL else 0


@db.transactional
def settle_bids(s: Session, *, actor: User, challenge_id: int, winner_ids: set[int]) -> dict:
    """The outcome of every bid still in the running: the winners awarded, the others not.

    Returns bid id → the state it was in, so :func:`reopen_review` can put back exactly those.
    """
    _staff(actor)
    bids = s.exec(
        select(Bid)
        .where(
            Bid.challenge_id == challenge_id,
            Bid.status.in_((BidStatus.SHORTLISTED, BidStatus.OPENED)),
        )
        .order_by(Bid.id)
        .with_for_update()
    ).all()
    settled: dict[str, str] = {}
    for bid in bids:
        target = BidStatus.AWARDED if bid.id in winner_ids else BidStatus.NOT_AWARDED
        settled[str(bid.id)] = ensure_transition(bid, target, actor=actor).value
    audit.record(
        s,
        actor=actor,
        action=AwardAction.SETTLE_BIDS,
        obj=(Challenge, challenge_id),
        after={"awarded": sorted(winner_ids), "settled": settled},
    )
    return settled


@db.transactional
def propose_award(s: Session, *, actor: User, challenge_id: int, data: AwardInput) -> Award:
    """Staff propose the award once scoring is closed; the 公示 window opens at once."""
    _staff(actor)
    challenge = _challenge(s, challenge_id)
    check_transition(challenge, ChallengeStatus.AWARDED, actor=actor)
    if not review.scoring_closed(s, challenge.id):
        raise InvalidTransition(_("专家评分尚未全部提交，评分结束后才能提出揭榜结果。"))
    remainder = _check_shares(s, challenge, data)
    now = db.utcnow()
    window = publicity_window(now)
    award = Award(
        challenge_id=challenge.id,
        kind=data.kind,
        amount_fen=sum(sh.amount_fen for sh in data.shares) + remainder,
        remainder_fen=remainder,
        statement=data.statement,
        opened_at=now,
        last_day=window.last_day,
        ends_at=window.ends_at,
        working_days=window.working_days,
        proposed_by_id=actor.id,
    )
    s.add(award)
    s.flush()
    for position, share in enumerate(data.shares, 1):
        bid = s.get(Bid, share.bid_id)
        s.add(
            AwardShare(
                award_id=award.id,
                bid_id=bid.id,
                organisation_id=bid.organisation_id,
                position=position,
                amount_fen=share.amount_fen,
            )
        )
    award.settled = settle_bids(
        actor=actor, challenge_id=challenge.id, winner_ids={sh.bid_id for sh in data.shares}
    )
    ensure_transition(challenge, ChallengeStatus.AWARDED, actor=actor)
    challenge.updated_at = now
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=AwardAction.PROPOSE,
        obj=award,
        after={
            "challenge_id": challenge.id,
            "kind": data.kind.value,
            "shares": {str(sh.bid_id): sh.amount_fen for sh in data.shares},
            "remainder_fen": remainder,
            "last_day": window.last_day.isoformat(),
        },
    )
    _tell_outcome(s, challenge, award, proposed=True)
    return award


def _tell_outcome(s: Session, challenge: Challenge, award: Award, *, proposed: bool) -> None:
    """Bidders learn their own outcome, the issuer the result (public facts only)."""
    winners = {sh.bid_id for sh in shares_of(s, award.id)}
    link = f"/notices/{award.id}"
    for org_id, bid in _bidding_orgs(s, challenge.id).items():
        if proposed:
            title = (
                _("您的揭榜拟入选，正在公示：%(t)s", t=challenge.title)
                if bid.id in winners
                else _("揭榜结果公示：%(t)s（您的揭榜未中选）", t=challenge.title)
            )
        else:
            title = _("揭榜结果已确认：%(t)s", t=challenge.title)
        notify(
            s,
            user_ids=challenge_services.org_member_ids(s, org_id),
            title=title,
            link=link,
            kind=NotificationKind.BID,
        )
    notify(
        s,
        kind=NotificationKind.AWARD,
        user_ids=challenge_services.org_member_ids(s, challenge.organisation_id),
        title=(
            _("榜单揭榜结果公示中：%(t)s", t=challenge.title)
            if proposed
            else _("榜单揭榜结果已确认，项目已创建：%(t)s", t=challenge.title)
        ),
        body=_("公示期至 %(day)s", day=award.last_day.isoformat()) if proposed else "",
        link=link,
    )


# --- 流榜 and re-posting ------------------------------------------------------------------


@db.transactional
def fail_challenge(s: Session, *, actor: User, challenge_id: int, reason: str) -> Challenge:
    """流榜: no bid qualifies (or none came). The reason is public."""
    _staff(actor)
    reason = required_reason(reason, field="reason", message=_("请填写流榜的理由（将公开）。"))
    challenge = _challenge(s, challenge_id)
    check_transition(challenge, ChallengeStatus.FAILED, actor=actor)
    if challenge.is_open():
        raise InvalidTransition(_("揭榜尚未截止，不能流榜；如需终止请撤榜。"))
    if challenge.status is ChallengeStatus.IN_REVIEW:
        if review.shortlisted_bid_ids(s, challenge.id):
            raise InvalidTransition(_("已有入围的揭榜，不能流榜；请提出揭榜结果。"))
    elif _bidding_orgs(s, challenge.id):
        raise InvalidTransition(_("本榜单已收到揭榜，请先组建专家组评审，评审后才能流榜。"))
    before = challenge.snapshot()
    settle_bids(actor=actor, challenge_id=challenge.id, winner_ids=set())
    ensure_transition(challenge, ChallengeStatus.FAILED, actor=actor)
    challenge.updated_at = db.utcnow()
    s.add(ChallengeFailure(challenge_id=challenge.id, reason=reason, failed_by_id=actor.id))
    audit.record(
        s,
        actor=actor,
        action=AwardAction.FAIL,
        obj=challenge,
        before=before,
        after={**challenge.snapshot(), "reason": reason},
    )
    bidders = {
        uid
        for org_id in _bidding_orgs(s, challenge.id)
        for uid in challenge_services.org_member_ids(s, org_id)
    }
    issuer = challenge_services.org_member_ids(s, challenge.organisation_id)
    notify(
        s,
        kind=NotificationKind.AWARD,
        user_ids=bidders | set(issuer),
        title=_("榜单流榜：%(t)s", t=challenge.title),
        body=reason,
        link=f"/challenges/{challenge.id}",
    )
    return challenge


def failure_of(s: Session, challenge_id: int) -> ChallengeFailure | None:
    return s.exec(
        select(ChallengeFailure).where(ChallengeFailure.challenge_id == challenge_id)
    ).first()


def can_repost(user: User | None, challenge: Challenge) -> bool:
    return (
        challenge.status is ChallengeStatus.FAILED
        and is_issuer(user, challenge)
        and user.role is Role.ENTERPRISE
    )


@db.transactional
def repost_challenge(s: Session, *, actor: User, challenge_id: int) -> Challenge:
    """A failed challenge again, as a new draft of its issuer, pre-filled (a new deadline to
    set). Repeating it returns the draft made the first time."""
    challenge = _challenge(s, challenge_id)
    if not can_repost(actor, challenge):
        raise NotFound()
    failure = s.exec(
        select(ChallengeFailure)
        .where(ChallengeFailure.challenge_id == challenge.id)
        .with_for_update()
    ).one()
    if failure.reposted_challenge_id is not None:
        return s.get(Challenge, failure.reposted_challenge_id)
    indicators = [
        IndicatorInput(name=i.name, target=i.target, unit=i.unit, verification=i.verification)
        for i in challenge_services.indicators_of(s, challenge.id)
    ]
    data = ChallengeInput(
        title=challenge.title,
        field=challenge.field,
        problem=challenge.problem,
        background=challenge.background,
        deliverables=challenge.deliverables,
        budget_total_fen=challenge.budget_total_fen,
        enterprise_funds_fen=challenge.enterprise_funds_fen,
        subsidy_requested_fen=challenge.subsidy_requested_fen,
        period_months=challenge.period_months,
        deadline=None,  # the old one has passed: the issuer sets a new one
        eligible_kinds=list(challenge.eligible_kinds),
        qualifications=challenge.qualifications,
        consortium_allowed=challenge.consortium_allowed,
        consortium_max=challenge.consortium_max,
        contact_name=challenge.contact_name,
        contact_phone=challenge.contact_phone,
        contact_email=challenge.contact_email,
        indicators=indicators,
    )
    draft = challenge_services.create_challenge(actor=actor, data=data)
    failure.reposted_challenge_id = draft.id
    audit.record(
        s,
        actor=actor,
        action=AwardAction.REPOST,
        obj=draft,
        after={"challenge_id": challenge.id},
    )
    return draft


# --- objections -----------------------------------------------------------------------------


def objection_blocker(s: Session, user: User | None) -> str | None:
    """Why ``user`` may not object (None when they may). Objections are under a real name:
    nothing marks a phone as verified yet, so for now only an approved member of a verified
    organisation may file one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return _("不受理匿名异议：请登录后以实名提出异议。")
    org_id = member_org_id(user)
    org = s.get(Organisation, org_id) if org_id else None
    if org is None or not org.is_verified:
        return _(
            "异议须实名提出：目前只受理已认证单位的成员账号提出的异议"
            "（手机号验证上线后，个人账号也可提出）。"
        )
    return None


def in_window(award: Award) -> bool:
    return award.status is AwardStatus.PUBLICITY and db.utcnow() < award.ends_at


@db.transactional
def file_objection(
    s: Session, *, actor: User | None, award_id: int, reasons: str, stored=None
) -> Objection:
    """异议 during the window, with reasons and, optionally, one PDF of evidence."""
    award = _award(s, award_id)
    blocker = objection_blocker(s, actor)
    if blocker:
        raise PermissionDenied(blocker)
    if not in_window(award):
        raise InvalidTransition(_("公示期已结束，不再受理异议。"))
    reasons = required_reason(reasons, field="reasons", message=_("请写明异议的事实和理由。"))
    objection = Objection(
        award_id=award.id,
        objector_id=actor.id,
        organisation_id=member_org_id(actor),
        reasons=reasons,
    )
    s.add(objection)
    s.flush()
    if stored is not None:
        add_evidence(s, actor=actor, objection=objection, stored=stored)
    audit.record(
        s,
        actor=actor,
        action=AwardAction.FILE_OBJECTION,
        obj=objection,
        after={"award_id": award.id},
    )
    challenge = s.get(Challenge, award.challenge_id)
    notify(
        s,
        kind=NotificationKind.AWARD,
        user_ids=staff_user_ids(s),
        title=_("收到揭榜结果异议：%(t)s", t=challenge.title),
        link=f"/staff/awards/{award.id}",
    )
    return objection


def add_evidence(s: Session, *, actor: User, objection: Objection, stored) -> ObjectionAttachment:
    return uploads.add_row(
        s, ObjectionAttachment, owner=("objection_id", objection.id), stored=stored,
        uploader_id=actor.id, limit=MAX_EVIDENCE,
        too_many=_("每份异议最多 %(n)d 个附件。", n=MAX_EVIDENCE),
    )  # fmt: skip


def open_objections(s: Session, award_id: int) -> int:
    return s.exec(
        select(func.count())
        .select_from(Objection)
        .where(Objection.award_id == award_id, Objection.status == ObjectionStatus.FILED)
    ).one()


@db.transactional
def resolve_objection(
    s: Session, *, actor: User, objection_id: int, upheld: bool, resolution: str
) -> Objection:
    """Staff decide an objection with reasons; an upheld one sends the award back to review."""
    _staff(actor)
    objection = s.get(Objection, objection_id, with_for_update=True)
    if objection is None:
        raise NotFound()
    resolution = required_reason(
        resolution, field="resolution", message=_("请填写处理意见（将告知异议人）。")
    )
    award = _award(s, objection.award_id)
    target = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    ensure_transition(objection, target, actor=actor)
    objection.resolution = resolution
    objection.resolved_by_id = actor.id
    objection.resolved_at = db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=AwardAction.RESOLVE_OBJECTION,
        obj=objection,
        before={"status": ObjectionStatus.FILED.value},
        after={"status": target.value, "reason": resolution},
    )
    if upheld and award.status is AwardStatus.PUBLICITY:
        ensure_transition(award, AwardStatus.RETURNED, actor=actor)
        award.decided_by_id, award.decided_at = actor.id, db.utcnow()
        award.decision_reason = resolution
        reopen_review(actor=actor, award_id=award.id)
    challenge = s.get(Challenge, award.challenge_id)
    notify(
        s,
        kind=NotificationKind.AWARD,
        user_ids=[objection.objector_id],
        title=_(
            "您对“%(t)s”揭榜结果的异议已处理：%(result)s", t=challenge.title, result=target.label
        ),
        body=resolution,
        link=f"/notices/{award.id}",
    )
    return objection


# --- confirming, revoking, reopening ----------------------------------------------------------


@db.transactional
def reopen_review(s: Session, *, actor: User, award_id: int) -> Challenge:
    """An award that no longer stands: the challenge and the bids it settled back to review."""
    _staff(actor)
    award = _award(s, award_id)
    if award.status not in (AwardStatus.REVOKED, AwardStatus.RETURNED):
        raise InvalidTransition(_("该揭榜结果仍然有效，不能退回评审。"))
    challenge = _challenge(s, award.challenge_id)
    ensure_transition(challenge, ChallengeStatus.IN_REVIEW, actor=actor)
    challenge.updated_at = db.utcnow()
    restored = []
    for bid_id, before in sorted(award.settled.items()):
        bid = s.get(Bid, int(bid_id), with_for_update=True)
        if before == BidStatus.SHORTLISTED.value:
            ensure_transition(bid, BidStatus.SHORTLISTED, actor=actor)
            restored.append(bid.id)
    audit.record(
        s,
        actor=actor,
        action=AwardAction.REOPEN_REVIEW,
        obj=challenge,
        after={"award_id": award.id, "shortlisted": restored},
    )
    notify(
        s,
        kind=NotificationKind.AWARD,
        user_ids=challenge_services.org_member_ids(s, challenge.organisation_id),
        title=_("揭榜结果已退回重新评审：%(t)s", t=challenge.title),
        link=f"/challenges/{challenge.id}",
    )
    return challenge


@db.transactional
def revoke_award(s: Session, *, actor: User, award_id: int, reason: str) -> Award:
    """Staff withdraw a proposed award with a reason; the challenge goes back to review."""
    _staff(actor)
    reason = required_reason(reason, field="reason", message=_("请填写撤销的理由。"))
    award = _award(s, award_id)
    ensure_transition(award, AwardStatus.REVOKED, actor=actor)
    award.decided_by_id, award.decided_at, award.decision_reason = actor.id, db.utcnow(), reason
    audit.record(
        s,
        actor=actor,
        action=AwardAction.REVOKE,
        obj=award,
        before={"status": AwardStatus.PUBLICITY.value},
        after={"status": award.status.value, "reason": reason},
    )
    reopen_review(actor=actor, award_id=award.id)
    return award


# A confirmed award becomes a project: the projects domain registers the function that makes
# it (projects depend on awards, never the other way round).
PROJECT_MAKERS: list[Callable[..., Any]] = []


@db.transactional
def confirm_award(s: Session, *, actor: User, award_id: int) -> Any:
    """After the window, with no open objection: the award stands and becomes a project.

    The award row is locked, so of two staff confirming at once the second waits and then
    finds it confirmed; the unique award on ``project`` backs this up.
    """
    _staff(actor)
    award = _award(s, award_id)
    check_transition(award, AwardStatus.CONFIRMED, actor=actor)
    if db.utcnow() < award.ends_at:
        raise InvalidTransition(
            _(
                "公示期至 %(day)s 结束（北京时间当日 24 时），届满后才能确认。",
                day=award.last_day.isoformat(),
            )
        )
    pending = open_objections(s, award.id)
    if pending:
        raise InvalidTransition(
            _("还有 %(n)d 件异议未处理，处理完毕后才能确认揭榜结果。", n=pending)
        )
    ensure_transition(award, AwardStatus.CONFIRMED, actor=actor)
    award.decided_by_id, award.decided_at = actor.id, db.utcnow()
    (make_projects,) = PROJECT_MAKERS
    # One project per awarded team (a 赛马 award: one per racing team).
    projects = make_projects(actor=actor, award_id=award.id)
    project = projects[0]
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=AwardAction.CONFIRM,
        obj=award,
        before={"status": AwardStatus.PUBLICITY.value},
        after={"status": award.status.value, "project_ids": [p.id for p in projects]},
    )
    _tell_outcome(s, s.get(Challenge, award.challenge_id), award, proposed=False)
    return project
