"""Verbs on bids: start, save a draft, submit (with a receipt), withdraw. Sealed throughout.

Sealed content never leaves these tables: audit events record only ids, version numbers and
hashes, notifications only the challenge title, and nothing is written to the search outbox.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, func, select

from .. import audit, db, uploads
from ..accounts.access import organisation_blocker
from ..accounts.models import Membership, Organisation, Role, User
from ..challenges import services as challenge_services
from ..challenges.models import Challenge, ChallengeStatus
from ..errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..integrity.services import active_restriction, restriction_message
from ..notifications import NotificationKind, notify
from ..states import ensure_transition
from ..units import SHANGHAI
from .access import is_bidder, is_sealed
from .actions import BidAction
from .models import SUBMITTED_OR_LATER, Bid, BidAttachment, BidStatus, BidVersion
from .schemas import BidContent, check_for_submission

MAX_ATTACHMENTS = 10
# Challenges whose bids still count towards a leader's limit.
# A leader's bids that still count towards the limit (not out of the running).
_LEADING = (BidStatus.SUBMITTED, BidStatus.OPENED, BidStatus.SHORTLISTED)
_RUNNING = (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED, ChallengeStatus.IN_REVIEW)


def content_sha256(content: dict) -> str:
    """SHA-256 of the canonical JSON of a bid's content (printed on the receipt)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _today() -> date:
    return db.utcnow().astimezone(SHANGHAI).date()


def _load_own(s: Session, actor: User, bid_id: int, *, lock: bool = True) -> Bid:
    bid = s.get(Bid, bid_id, with_for_update=lock)
    if bid is None or not is_bidder(actor, bid):
        raise NotFound()
    return bid


def _open_challenge(s: Session, challenge_id: int) -> Challenge:
    challenge = s.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound()
    if not challenge.is_open():
        raise InvalidTransition(_("揭榜已截止（以服务器时间为准），不能再提交或修改。"))
    return challenge


def live_bid(s: Session, *, challenge_id: int, organisation_id: int) -> Bid | None:
    return s.exec(
        select(Bid).where(
            Bid.challenge_id == challenge_id,
            Bid.organisation_id == organisation_id,
            Bid.status != BidStatus.WITHDRAWN,
        )
    ).first()


@db.transactional
def start_bid(s: Session, *, actor: User, challenge_id: int) -> Bid:
    """Open the organisation's bid on a challenge (the existing live one, or a new draft)."""
    blocker = organisation_blocker(actor, role=Role.RESEARCHER)
    if blocker:
        raise PermissionDenied(blocker)
    challenge = s.get(Challenge, challenge_id)
    if challenge is None or challenge.status not in (
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.CLOSED,
    ):
        raise NotFound()
    existing = live_bid(s, challenge_id=challenge.id, organisation_id=actor.organisation_id)
    if existing is not None:
        return existing
    _open_challenge(s, challenge.id)
    org = s.get(Organisation, actor.organisation_id)
    if org.kind.value not in challenge.eligible_kinds:
        raise PermissionDenied(
            _("本榜单只接受以下类型的单位揭榜，您的单位（%(kind)s）不在其中。", kind=org.kind.label)
        )
    year = db.utcnow().astimezone(SHANGHAI).year
    bid = Bid(
        number=f"JB{year}{secrets.token_hex(4).upper()}",
        challenge_id=challenge.id,
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        leader_id=actor.id,
        content=BidContent(leader_id=str(actor.id)).as_stored(),
    )
    s.add(bid)
    s.flush()
    audit.record(
        s, actor=actor, action=BidAction.START, obj=bid, after={"challenge_id": challenge.id}
    )
    return bid


@db.transactional
def save_draft(s: Session, *, actor: User, bid_id: int, raw: dict, expected_version: int) -> Bid:
    """Keep what was typed. Unchanged content is a no-op (a double click is not a conflict)."""
    bid = _load_own(s, actor, bid_id)
    if bid.status is BidStatus.WITHDRAWN:
        raise InvalidTransition(_("该揭榜已撤回，不能再修改。"))
    _open_challenge(s, bid.challenge_id)
    indicator_ids = [i.id for i in challenge_services.indicators_of(s, bid.challenge_id)]
    content = BidContent.from_raw(raw, indicator_ids=indicator_ids).as_stored()
    if content == bid.content:
        return bid
    if bid.version_id != expected_version:
        raise Conflict(_("同事已修改并保存了这份揭榜材料。您填写的内容仍在下方，请核对后再保存。"))
    bid.content = content
    bid.updated_at = db.utcnow()
    audit.record(s, actor=actor, action=BidAction.SAVE, obj=bid)
    return bid


@dataclass(frozen=True)
class Receipt:
    bid: Bid
    version: BidVersion
    repeated: bool  # True when this request repeated an earlier submission


def _latest_version(s: Session, bid: Bid) -> BidVersion | None:
    if not bid.submitted_version:
        return None
    return s.exec(
        select(BidVersion).where(
            BidVersion.bid_id == bid.id, BidVersion.version == bid.submitted_version
        )
    ).one()


def _check_leader(s: Session, bid: Bid, content: BidContent) -> User:
    if not content.leader_id.strip():
        msg = _("请指定一名挂帅人（对项目负总责的负责人）。")
        raise ValidationFailed(msg, field_errors={"leader_id": [msg]})
    leader_id = content.leader_user_id
    leader = s.get(User, leader_id) if leader_id else None
    if (
        leader is None
        or leader.organisation_id != bid.organisation_id
        or leader.membership is not Membership.APPROVED
        or leader.role is not Role.RESEARCHER
    ):
        msg = _("挂帅人须是本单位已通过审批的科研人员。")
        raise ValidationFailed(msg, field_errors={"leader_id": [msg]})
    record = active_restriction(s, user_id=leader.id)
    if record is not None:
        raise PermissionDenied(restriction_message(record, whose=_("挂帅人 %(n)s ", n=leader.name)))
    limit = int(current_app.config["BID_LEADER_MAX_LIVE"])
    leading = s.exec(
        select(func.count())
        .select_from(Bid)
        .join(Challenge, Challenge.id == Bid.challenge_id)
        .where(
            Bid.leader_id == leader.id,
            Bid.status.in_(_LEADING),
            Bid.id != bid.id,
            Challenge.status.in_(_RUNNING),
        )
    ).one()
    if leading >= limit:
        msg = _(
            "挂帅人 %(n)s 已同时领衔 %(k)d 个有效揭榜，达到上限（%(max)d 个），请更换挂帅人。",
            n=leader.name,
            k=leading,
            max=limit,
        )
        raise ValidationFailed(msg, field_errors={"leader_id": [msg]})
    return leader


@db.transactional
def submit_bid(s: Session, *, actor: User, bid_id: int, idempotency_key: str) -> Receipt:
    """Freeze the working copy as a new submitted version and give a receipt.

    Repeating a submission (same key, or the same content again) returns the first receipt.
    """
    bid = _load_own(s, actor, bid_id)
    key = (idempotency_key or "")[:64] or secrets.token_hex(16)
    repeated = s.exec(
        select(BidVersion).where(BidVersion.bid_id == bid.id, BidVersion.idempotency_key == key)
    ).first()
    if repeated is not None:
        return Receipt(bid, repeated, True)
    if bid.status is BidStatus.WITHDRAWN:
        raise InvalidTransition(_("该揭榜已撤回，不能再提交。"))
    challenge = _open_challenge(s, bid.challenge_id)
    blocker = organisation_blocker(actor, role=Role.RESEARCHER)
    if blocker:
        raise PermissionDenied(blocker)
    record = active_restriction(s, organisation_id=bid.organisation_id)
    if record is not None:
        raise PermissionDenied(restriction_message(record, whose=_("您的单位")))
    content = BidContent.from_stored(bid.content)
    leader = _check_leader(s, bid, content)
    org = s.get(Organisation, bid.organisation_id)
    requested, _milestones = check_for_submission(
        content,
        challenge=challenge,
        indicators=challenge_services.indicators_of(s, challenge.id),
        own_org_name=org.name,
    )
    # The receipt's hash covers the attachments too (by their own SHA-256).
    frozen = {**bid.content, "attachments": _attachment_digests(s, bid.id)}
    sha = content_sha256(frozen)
    latest = _latest_version(s, bid)
    if bid.status is BidStatus.SUBMITTED and latest is not None and latest.sha256 == sha:
        return Receipt(bid, latest, True)
    number = bid.submitted_version + 1
    version = BidVersion(
        bid_id=bid.id,
        version=number,
        content=frozen,
        sha256=sha,
        idempotency_key=key,
        submitted_by_id=actor.id,
    )
    s.add(version)
    ensure_transition(bid, BidStatus.SUBMITTED, actor=actor)
    bid.submitted_version = number
    bid.submitted_at = db.utcnow()
    bid.leader_id = leader.id
    bid.requested_amount_fen = requested
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=BidAction.SUBMIT,
        obj=bid,
        after={"version": number, "sha256": sha, "challenge_id": challenge.id},
    )
    notify(
        s,
        kind=NotificationKind.BID,
        user_ids=challenge_services.org_member_ids(s, bid.organisation_id),
        title=_("揭榜材料已提交（第 %(v)d 版）：%(title)s", v=number, title=challenge.title),
        body=_("揭榜编号 %(no)s，SHA-256 %(sha)s", no=bid.number, sha=sha),
        link=f"/bids/{bid.id}",
    )
    return Receipt(bid, version, False)


def _attachment_digests(s: Session, bid_id: int) -> list[dict]:
    return [
        {"id": a.id, "name": a.original_name, "sha256": a.sha256}
        for a in working_attachments(s, bid_id)
    ]


def working_attachments(s: Session, bid_id: int) -> list[BidAttachment]:
    """Every file on the bid's working copy (what its own organisation sees)."""
    return list(
        s.exec(
            select(BidAttachment).where(BidAttachment.bid_id == bid_id).order_by(BidAttachment.id)
        ).all()
    )


def submitted_attachments(s: Session, bid: Bid) -> list[BidAttachment]:
    """The files frozen into the version that counts: all that anyone else may ever see.

    Versions record each file's id (older ones only its name and SHA-256), so a file added to
    the working copy after the last submission is never shown outside the organisation.
    """
    version = _latest_version(s, bid)
    if version is None:
        return []
    frozen = version.content.get("attachments") or []
    ids = {f["id"] for f in frozen if isinstance(f.get("id"), int)}
    pairs = {(f.get("name"), f.get("sha256")) for f in frozen if "id" not in f}
    return [
        a
        for a in working_attachments(s, bid.id)
        if a.id in ids or (a.original_name, a.sha256) in pairs
    ]


@db.transactional
def add_attachment(s: Session, *, actor: User, bid_id: int, stored) -> BidAttachment:
    """Record an uploaded PDF on the bid's working copy (the file is checked and stored)."""
    bid = _load_own(s, actor, bid_id)
    if bid.status is BidStatus.WITHDRAWN:
        raise InvalidTransition(_("该揭榜已撤回，不能再修改。"))
    _open_challenge(s, bid.challenge_id)
    attachment = uploads.add_row(
        s, BidAttachment, owner=("bid_id", bid.id), stored=stored, uploader_id=actor.id,
        limit=MAX_ATTACHMENTS, too_many=_("每份揭榜材料最多 %(n)d 个附件。", n=MAX_ATTACHMENTS),
    )  # fmt: skip
    audit.record(
        s,
        actor=actor,
        action=BidAction.ATTACH,
        obj=bid,
        after={"sha256": stored.sha256, "bytes": stored.size_bytes},
    )
    return attachment


def can_withdraw(challenge: Challenge) -> bool:
    """Before the deadline, and at any time once the challenge was cancelled while sealed."""
    if challenge.status is ChallengeStatus.CANCELLED:
        return is_sealed(challenge)
    return challenge.is_open()


@db.transactional
def withdraw_bid(s: Session, *, actor: User, bid_id: int) -> Bid:
    """Withdraw before the deadline; the organisation may then start a new bid."""
    bid = _load_own(s, actor, bid_id)
    if bid.status is BidStatus.WITHDRAWN:
        raise InvalidTransition(_("该揭榜已撤回。"))
    if not can_withdraw(s.get(Challenge, bid.challenge_id)):
        raise InvalidTransition(_("揭榜已截止（以服务器时间为准），不能再撤回。"))
    before = {"status": ensure_transition(bid, BidStatus.WITHDRAWN, actor=actor)}
    bid.withdrawn_at = db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=BidAction.WITHDRAW,
        obj=bid,
        before=before,
        after={"status": bid.status},
    )
    return bid


def submitted_count(s: Session, challenge_id: int) -> int:
    """How many bids are in: all the issuer and staff may know before the deadline."""
    return s.exec(
        select(func.count())
        .select_from(Bid)
        .where(Bid.challenge_id == challenge_id, Bid.status.in_(SUBMITTED_OR_LATER))
    ).one()


def bidder_user_ids(s: Session, challenge_id: int) -> set[int]:
    """Members of organisations with a live bid (told of amendments and cancellation)."""
    return set(
        s.exec(
            select(User.id)
            .join(Bid, Bid.organisation_id == User.organisation_id)
            .where(
                Bid.challenge_id == challenge_id,
                Bid.status != BidStatus.WITHDRAWN,
                User.membership == Membership.APPROVED,
            )
        ).all()
    )


def tell_bidders_of_cancellation(s: Session, challenge: Challenge, reason: str) -> set[int]:
    """Bidders hear of a cancellation with what becomes of their sealed bid; returns them."""
    bidders = bidder_user_ids(s, challenge.id)
    if bidders:
        notify(
            s,
            kind=NotificationKind.BID,
            user_ids=bidders,
            title=_("您揭榜的榜单已撤榜：%(title)s", title=challenge.title),
            body=(
                _(
                    "撤榜理由：%(reason)s。您单位的揭榜材料保持密封，发榜方、科技局及其他任何人"
                    "都不能查看；您仍可撤回。",
                    reason=reason,
                )
                if is_sealed(challenge)
                else _("撤榜理由：%(reason)s。", reason=reason)
            ),
            link=f"/challenges/{challenge.id}",
        )
    return bidders


# The challenges domain tells bidders of amendments and cancellation through these, and so
# never imports bids (bids is built on challenges, not the other way round).
challenge_services.FOLLOWERS.append(bidder_user_ids)
challenge_services.CANCEL_NOTICES.append(tell_bidders_of_cancellation)
