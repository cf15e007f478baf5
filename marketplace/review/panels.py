"""Review panels: forming (pick, draw, conflict screen), declarations, rubric, scoring, ranking,
defence and shortlist. Verbs are re-exported from ``review.services`` (the awards' contract).

Rules, where they live:
- composition (odd, ≥3, a finance expert when PANEL_REQUIRE_FINANCE): :func:`_check_composition`
- conflicts of interest: :func:`screen` (each hit names its :class:`ConflictRule`)
- the draw, reproducible from its seed: :func:`draw_experts`
- who may open a bid: :func:`expert_may_open` (registered in ``bids.access.READERS``)
- blind scoring: :func:`can_see_scores`
- a bid is not qualified when any seated expert's current score marks it so; a staff
  correction of that expert's score without the mark overrules it (:func:`ranking`).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import audit, db
from ..accounts.access import member_org_id
from ..accounts.models import Organisation, Role, User
from ..bids.access import READERS, is_sealed
from ..bids.models import BID_STATES, Bid, BidStatus, BidVersion
from ..bids.schemas import BidContent
from ..challenges.access import is_issuer, is_staff
from ..challenges.models import Challenge, ChallengeStatus, Indicator
from ..errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..notifications import NotificationKind, notify
from ..parsing import parse_int
from ..states import check_transition, ensure_transition
from . import ranking as R
from .actions import ReviewAction
from .models import ExpertProfile
from .panel_models import (
    DECLARED_OR_LATER,
    SEATED,
    ConflictRule,
    Defence,
    Draw,
    MemberSource,
    MemberStatus,
    Opinion,
    Panel,
    PanelMember,
    PanelStatus,
    Score,
    ScoreKind,
)

# Bids the panel reviews: opened at formation, and every state the review moves them to.
REVIEWED = (
    BidStatus.OPENED,
    BidStatus.SHORTLISTED,
    BidStatus.NOT_QUALIFIED,
    BidStatus.AWARDED,
    BidStatus.NOT_AWARDED,
)
MAX_POINTS = 10
MAX_TEXT = 4000


def _fail(field: str, message: str):
    return ValidationFailed(message, field_errors={field: [message]})


# --- settings and reads -------------------------------------------------------------------


def panel_size() -> int:
    return int(current_app.config["PANEL_SIZE"])


def default_rubric() -> list[dict]:
    return [
        {"key": f"c{n}", "name": name, "weight": int(weight)}
        for n, (name, weight) in enumerate(current_app.config["REVIEW_RUBRIC"], start=1)
    ]


def panel_of(s: Session, challenge_id: int) -> Panel | None:
    return s.exec(select(Panel).where(Panel.challenge_id == challenge_id)).first()


def members_of(s: Session, panel_id: int, *, seated: bool = False) -> list[PanelMember]:
    query = select(PanelMember).where(PanelMember.panel_id == panel_id)
    if seated:
        query = query.where(PanelMember.status.in_(SEATED))
    return list(s.exec(query.order_by(PanelMember.id)).all())


def member_of(s: Session, panel_id: int, expert_id: int) -> PanelMember | None:
    """The expert's current seat on the panel (None when not seated)."""
    return s.exec(
        select(PanelMember).where(
            PanelMember.panel_id == panel_id,
            PanelMember.expert_id == expert_id,
            PanelMember.status.in_(SEATED),
        )
    ).first()


def reviewed_bids(s: Session, challenge_id: int) -> list[Bid]:
    """The bids a formed panel reviews, in the order they were submitted."""
    return list(
        s.exec(
            select(Bid)
            .where(Bid.challenge_id == challenge_id, Bid.status.in_(REVIEWED))
            .order_by(Bid.submitted_at, Bid.id)
        ).all()
    )


def submitted_content(s: Session, bid: Bid) -> BidContent:
    """The version that counts (what the panel reads), never the working copy."""
    version = s.exec(
        select(BidVersion).where(
            BidVersion.bid_id == bid.id, BidVersion.version == bid.submitted_version
        )
    ).first()
    return BidContent.from_stored(version.content if version else None)


def _norm(name: str | None) -> str:
    return "".join((name or "").split()).replace("（", "(").replace("）", ")").lower()


# --- conflicts of interest ------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    rule: ConflictRule
    detail: str  # which organisation, bid or record matched

    @property
    def text(self) -> str:
        return f"{self.rule.label}（{self.detail}）"


def screen(s: Session, challenge: Challenge, expert_id: int) -> list[Hit]:
    """Every automatic conflict rule the expert matches for this challenge (empty: none)."""
    expert = s.get(User, expert_id)
    profile = s.exec(select(ExpertProfile).where(ExpertProfile.user_id == expert_id)).first()
    uscc = (profile.organisation_uscc if profile else "") or ""
    employer = _norm(profile.organisation_name if profile else "")
    own_org = member_org_id(_Authed(expert)) if expert else None
    hits: list[Hit] = []
    issuer = s.get(Organisation, challenge.organisation_id)
    if _belongs(issuer, uscc, employer, own_org):
        hits.append(Hit(ConflictRule.ISSUER, issuer.name))
    bids = s.exec(
        select(Bid).where(Bid.challenge_id == challenge.id, Bid.submitted_version > 0)
    ).all()
    for bid in bids:
        if bid.status is BidStatus.WITHDRAWN:
            continue
        org = s.get(Organisation, bid.organisation_id)
        if _belongs(org, uscc, employer, own_org):
            hits.append(Hit(ConflictRule.BIDDER, f"{bid.number} {org.name}"))
        members = submitted_content(s, bid).members
        partners = {_norm(m.organisation) for m in members} - {"", _norm(org.name)}
        if employer and employer in partners:
            hits.append(Hit(ConflictRule.CONSORTIUM, f"{bid.number} {profile.organisation_name}"))
        names = {_norm(m.name) for m in members}
        if expert is not None and _norm(expert.name) in names:
            hits.append(Hit(ConflictRule.TEAM, f"{bid.number} {expert.name}"))
    from ..integrity.services import bars_expert_work

    record = bars_expert_work(s, user_id=expert_id)
    if record is not None:
        hits.append(Hit(ConflictRule.INTEGRITY, _("第 %(id)d 号记录", id=record.id)))
    return hits


class _Authed:
    """member_org_id reads ``is_authenticated``; a stored account is one."""

    is_authenticated = True

    def __init__(self, user: User):
        self.membership = user.membership
        self.organisation_id = user.organisation_id


def _belongs(org: Organisation | None, uscc: str, employer: str, own_org: int | None) -> bool:
    if org is None:
        return False
    if uscc and uscc == org.uscc:
        return True
    return own_org == org.id or bool(employer and employer == _norm(org.name))


# --- forming the panel ----------------------------------------------------------------------


def _challenge_after_deadline(s: Session, challenge_id: int) -> Challenge:
    challenge = s.get(Challenge, challenge_id, with_for_update=True)
    if challenge is None:
        raise NotFound()
    if challenge.status not in (
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.CLOSED,
        ChallengeStatus.IN_REVIEW,
    ):
        raise InvalidTransition(_("该榜单当前不能组建评审专家组。"))
    if is_sealed(challenge):
        raise InvalidTransition(_("揭榜截止前不能组建评审专家组。"))
    return challenge


def _open_panel(s: Session, actor: User, challenge: Challenge) -> Panel:
    """The challenge's panel, created (with the default rubric) on the first assignment."""
    panel = panel_of(s, challenge.id)
    if panel is None:
        panel = Panel(challenge_id=challenge.id, rubric=default_rubric(), created_by_id=actor.id)
        s.add(panel)
        s.flush()
        audit.record(
            s,
            actor=actor,
            action=ReviewAction.PANEL_CREATE,
            obj=panel,
            after={"challenge_id": challenge.id, "rubric": panel.rubric},
        )
    if panel.status is PanelStatus.SHORTLISTED:
        raise InvalidTransition(_("入围名单已确定，评审专家组不能再调整。"))
    return panel


def _left_ids(s: Session, panel_id: int) -> set[int]:
    """Experts who left this panel (declared a conflict or removed): never seated again."""
    return {m.expert_id for m in members_of(s, panel_id) if m.status not in SEATED}


def _expert_profile(s: Session, expert_id: int) -> tuple[User, ExpertProfile]:
    expert = s.get(User, expert_id)
    if expert is None or expert.role is not Role.EXPERT or not expert.is_active_account:
        raise _fail("expert_id", _("请选择专家库中的专家。"))
    profile = s.exec(select(ExpertProfile).where(ExpertProfile.user_id == expert_id)).first()
    if profile is None:
        raise _fail("expert_id", _("该专家尚未填写专家信息，不能加入评审专家组。"))
    return expert, profile


def _seat(
    s: Session,
    *,
    actor: User,
    panel: Panel,
    challenge: Challenge,
    expert_id: int,
    source: MemberSource,
    draw_id: int | None = None,
) -> PanelMember:
    expert, profile = _expert_profile(s, expert_id)
    if member_of(s, panel.id, expert_id) is not None:
        raise _fail("expert_id", _("%(name)s 已在评审专家组中。", name=expert.name))
    if expert_id in _left_ids(s, panel.id):
        message = _("%(name)s 已申报回避或被移出本专家组，不能再加入。", name=expert.name)
        raise _fail("expert_id", message)
    hits = screen(s, challenge, expert_id)
    if hits:
        raise _fail(
            "expert_id",
            _(
                "%(name)s 存在利益冲突，不能加入评审专家组：%(rules)s。",
                name=expert.name,
                rules="；".join(h.text for h in hits),
            ),
        )
    member = PanelMember(
        panel_id=panel.id,
        expert_id=expert_id,
        source=source,
        draw_id=draw_id,
        is_finance=profile.is_finance_expert,
        assigned_by_id=actor.id,
    )
    s.add(member)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.MEMBER_ASSIGN,
        obj=panel,
        after={"expert_id": expert_id, "source": source.value, "draw_id": draw_id},
    )
    if panel.status is PanelStatus.REVIEWING:
        _tell_assigned(s, challenge, [expert_id])
    return member


def _tell_assigned(s: Session, challenge: Challenge, expert_ids: Iterable[int]) -> None:
    notify(
        s,
        kind=NotificationKind.PANEL,
        user_ids=expert_ids,
        title=_("您已被选为评审专家：%(title)s", title=challenge.title),
        body=_("请先在系统中声明有无利益冲突，声明后方可查看揭榜方案并评分。"),
        link="/expert/reviews",
    )


@db.transactional
def assign_expert(s: Session, *, actor: User, challenge_id: int, expert_id: int) -> PanelMember:
    """Staff pick one expert; a conflicted expert is refused with the rule that matched."""
    challenge = _challenge_after_deadline(s, challenge_id)
    panel = _open_panel(s, actor, challenge)
    return _seat(
        s,
        actor=actor,
        panel=panel,
        challenge=challenge,
        expert_id=expert_id,
        source=MemberSource.PICKED,
    )


def draw_experts(
    pool: Sequence[int], finance_pool: Sequence[int], *, seed: str, count: int, need_finance: bool
) -> list[int]:
    """Who a draw picks: reproducible from ``seed`` over the same ordered pools.

    With ``need_finance`` the first expert is drawn from the finance experts, the rest from
    everyone left; otherwise all from ``pool``.
    """
    rng = random.Random(seed)  # noqa: S311 (reproducible on purpose; the seed is secret-random)
    drawn: list[int] = []
    if need_finance and count > 0:
        drawn.append(rng.choice(list(finance_pool)))
    rest = [e for e in pool if e not in drawn]
    return drawn + rng.sample(rest, count - len(drawn))


def draw_pool(s: Session, challenge: Challenge, panel: Panel | None) -> tuple[list, list[Hit]]:
    """The eligible experts of the challenge's field not seated, not left and not conflicted
    (profiles in account order), and the screen results of those left out as conflicted."""
    from .services import eligible_experts

    taken = set()
    if panel is not None:
        taken = {m.expert_id for m in members_of(s, panel.id)}
    pool, conflicted = [], []
    for profile in eligible_experts(s, industry=challenge.field):
        if profile.user_id in taken:
            continue
        hits = screen(s, challenge, profile.user_id)
        if hits:
            conflicted.append((profile, hits))
        else:
            pool.append(profile)
    return pool, conflicted


@db.transactional
def draw_members(
    s: Session, *, actor: User, challenge_id: int, count: int, seed: str | None = None
) -> Draw:
    """Draw ``count`` experts at random from the eligible pool, recorded with its seed."""
    challenge = _challenge_after_deadline(s, challenge_id)
    panel = _open_panel(s, actor, challenge)
    if count < 1:
        raise _fail("count", _("请填写要抽取的专家人数（至少 1 人）。"))
    seated = members_of(s, panel.id, seated=True)
    need_finance = bool(current_app.config["PANEL_REQUIRE_FINANCE"]) and not any(
        m.is_finance for m in seated
    )
    pool, _conflicted = draw_pool(s, challenge, panel)
    ids = [p.user_id for p in pool]
    finance = [p.user_id for p in pool if p.is_finance_expert]
    if len(ids) < count:
        message = _("可抽取的专家只有 %(n)d 人，不足 %(count)d 人。", n=len(ids), count=count)
        raise _fail("count", message)
    if need_finance and not finance:
        raise _fail("count", _("本领域专家库中没有可抽取的财务专家，请先指定一位财务专家。"))
    seed = seed or secrets.token_hex(16)
    drawn = draw_experts(ids, finance, seed=seed, count=count, need_finance=need_finance)
    draw = Draw(
        panel_id=panel.id,
        seed=seed,
        pool=ids,
        finance_pool=finance,
        need_finance=need_finance,
        count=count,
        drawn=drawn,
        drawn_by_id=actor.id,
    )
    s.add(draw)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.PANEL_DRAW,
        obj=panel,
        after={
            "draw_id": draw.id,
            "seed": seed,
            "pool": ids,
            "finance_pool": finance,
            "need_finance": need_finance,
            "drawn": drawn,
        },
    )
    for expert_id in drawn:
        _seat(
            s,
            actor=actor,
            panel=panel,
            challenge=challenge,
            expert_id=expert_id,
            source=MemberSource.DRAWN,
            draw_id=draw.id,
        )
    return draw


@db.transactional
def remove_member(s: Session, *, actor: User, member_id: int, reason: str) -> PanelMember:
    member = s.get(PanelMember, member_id, with_for_update=True)
    if member is None:
        raise NotFound()
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise _fail("reason", _("请填写移出该专家的原因。"))
    panel = s.get(Panel, member.panel_id)
    if panel.status is PanelStatus.SHORTLISTED:
        raise InvalidTransition(_("入围名单已确定，评审专家组不能再调整。"))
    if s.exec(
        select(Score.id).where(Score.panel_id == panel.id, Score.expert_id == member.expert_id)
    ).first():
        raise InvalidTransition(_("该专家已提交评分，不能移出；如评分有误，请录入更正。"))
    before = ensure_transition(member, MemberStatus.REMOVED, actor=actor)
    member.left_reason = reason
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.MEMBER_REMOVE,
        obj=panel,
        before={"expert_id": member.expert_id, "status": before.value},
        after={"expert_id": member.expert_id, "status": member.status.value, "reason": reason},
    )
    return member


def _check_composition(members: list[PanelMember]) -> None:
    n = len(members)
    if n < 3 or n % 2 == 0:
        raise ValidationFailed(_("评审专家组须为不少于 3 人的单数（现有 %(n)d 人）。", n=n))
    if current_app.config["PANEL_REQUIRE_FINANCE"] and not any(m.is_finance for m in members):
        raise ValidationFailed(_("评审专家组中至少须有一位财务专家。"))


@db.transactional
def form_panel(s: Session, *, actor: User, challenge_id: int) -> Panel:
    """Confirm the panel: composition and conflicts checked again, the submitted bids opened
    (submitted → opened), the challenge in review, the experts told to declare."""
    challenge = _challenge_after_deadline(s, challenge_id)
    panel = panel_of(s, challenge_id)
    if panel is None:
        raise ValidationFailed(_("请先指定或抽取评审专家。"))
    check_transition(panel, PanelStatus.REVIEWING, actor=actor)
    members = members_of(s, panel.id, seated=True)
    _check_composition(members)
    for member in members:
        hits = screen(s, challenge, member.expert_id)
        if hits:
            name = s.get(User, member.expert_id).name
            raise ValidationFailed(
                _(
                    "%(name)s 存在利益冲突：%(rules)s。请先移出。",
                    name=name,
                    rules="；".join(h.text for h in hits),
                )
            )
    bids = s.exec(
        select(Bid).where(Bid.challenge_id == challenge.id, Bid.status == BidStatus.SUBMITTED)
    ).all()
    if not bids:
        raise ValidationFailed(_("该榜单没有已提交的揭榜方案，无需组建评审专家组。"))
    for bid in bids:
        ensure_transition(bid, BidStatus.OPENED, actor=actor)
    before = ensure_transition(challenge, ChallengeStatus.IN_REVIEW, actor=actor)
    ensure_transition(panel, PanelStatus.REVIEWING, actor=actor)
    panel.formed_at = db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.PANEL_FORM,
        obj=challenge,
        before={"status": before.value},
        after={
            "status": challenge.status.value,
            "panel_id": panel.id,
            "experts": [m.expert_id for m in members],
            "bids": [b.id for b in bids],
        },
    )
    _tell_assigned(s, challenge, [m.expert_id for m in members])
    return panel


# --- declarations ---------------------------------------------------------------------------


@db.transactional
def declare(
    s: Session, *, actor: User, panel_id: int, no_conflict: bool, conflict: str = ""
) -> PanelMember:
    """No other conflict (may open the bids), or a declared conflict (leaves the panel)."""
    panel = s.get(Panel, panel_id)
    member = member_of(s, panel_id, actor.id) if panel else None
    if member is None or panel.status is PanelStatus.FORMING:
        raise NotFound()
    if member.status is not MemberStatus.ASSIGNED:
        raise InvalidTransition(_("您已提交过利益冲突声明，不能再次声明。"))
    conflict = (conflict or "").strip()[:2000]
    if no_conflict == bool(conflict):
        message = (
            _("请选择“无其他利益冲突”或填写利益冲突情况，二者只能选其一。")
            if conflict
            else _("请声明无其他利益冲突，或填写存在的利益冲突情况。")
        )
        raise _fail("conflict", message)
    target = MemberStatus.DECLARED if no_conflict else MemberStatus.CONFLICTED
    before = ensure_transition(member, target, actor=actor)
    member.declared_at = db.utcnow()
    member.left_reason = conflict
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.MEMBER_DECLARE,
        obj=panel,
        before={"status": before.value},
        after={"status": member.status.value, "conflict": conflict},
    )
    if conflict:
        challenge = s.get(Challenge, panel.challenge_id)
        notify(
            s,
            kind=NotificationKind.PANEL,
            user_ids=_staff_ids(s),
            title=_("评审专家申报回避，请补充专家：%(title)s", title=challenge.title),
            body=conflict,
            link=f"/staff/challenges/{challenge.id}/panel",
        )
    return member


def _staff_ids(s: Session) -> list[int]:
    return list(
        s.exec(
            select(User.id).where(
                User.role.in_((Role.STAFF, Role.ADMIN)), User.is_active_account.is_(True)
            )
        )
    )


# --- rubric ---------------------------------------------------------------------------------


def scoring_started(s: Session, panel_id: int) -> bool:
    return s.exec(select(Score.id).where(Score.panel_id == panel_id)).first() is not None


@db.transactional
def set_rubric(s: Session, *, actor: User, challenge_id: int, raw: dict) -> Panel:
    """Staff change the criteria and weights before the first score (weights sum to 100)."""
    panel = panel_of(s, challenge_id)
    if panel is None:
        raise NotFound()
    if scoring_started(s, panel.id) or panel.status is PanelStatus.SHORTLISTED:
        raise InvalidTransition(_("评分已经开始，评分细则不能再修改。"))
    rubric = parse_rubric(raw)
    before = panel.rubric
    panel.rubric = rubric
    s.add(panel)
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.PANEL_RUBRIC,
        obj=panel,
        before={"rubric": before},
        after={"rubric": rubric},
    )
    return panel


def parse_rubric(raw: dict) -> list[dict]:
    names, weights = raw.get("names") or [], raw.get("weights") or []
    rows, errors = [], []
    for n, (name, weight) in enumerate(zip(names, weights, strict=False), start=1):
        name = (name or "").strip()[:100]
        if not name and not (weight or "").strip():
            continue
        value = parse_int(weight, minimum=0, maximum=100)
        if not name:
            errors.append(_("第 %(n)d 项缺少评分项名称。", n=n))
        if value is None:
            errors.append(_("第 %(n)d 项的权重须为 0 到 100 的整数。", n=n))
        rows.append({"key": f"c{len(rows) + 1}", "name": name, "weight": value or 0})
    if not rows:
        errors.append(_("请至少填写一个评分项。"))
    total = sum(r["weight"] for r in rows)
    if not errors and total != 100:
        errors.append(_("各评分项权重之和须为 100（现为 %(total)d）。", total=total))
    if errors:
        raise ValidationFailed(errors[0], field_errors={"rubric": errors})
    return rows


# --- scoring --------------------------------------------------------------------------------


def _scoring_seat(s: Session, actor: User, bid: Bid | None) -> tuple[Panel, PanelMember]:
    """The actor's seat for scoring ``bid``: assigned (else 404) and declared (else refused)."""
    panel = panel_of(s, bid.challenge_id) if bid else None
    member = member_of(s, panel.id, actor.id) if panel else None
    if member is None or bid.status not in REVIEWED or panel.status is PanelStatus.FORMING:
        raise NotFound(_("该揭榜方案未分配给您评审。"))
    if member.status is MemberStatus.ASSIGNED:
        raise PermissionDenied(_("请先声明有无利益冲突，声明后方可查看方案并评分。"))
    return panel, member


def parse_points(raw: dict, rubric: list[dict]) -> dict[str, int]:
    points, errors = {}, {}
    for c in rubric:
        value = parse_int(raw.get(f"points_{c['key']}"), minimum=0, maximum=MAX_POINTS)
        if value is None:
            errors[f"points_{c['key']}"] = [
                _("“%(name)s”的得分须为 0 到 10 的整数。", name=c["name"])
            ]
        points[c["key"]] = value
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], field_errors=errors)
    return points


def _score_fields(raw: dict, rubric: list[dict]) -> dict:
    points = parse_points(raw, rubric)
    comment = (raw.get("comment") or "").strip()[:MAX_TEXT]
    if not comment:
        raise _fail("comment", _("请填写评审意见。"))
    not_qualified = bool(raw.get("not_qualified"))
    reason = (raw.get("not_qualified_reason") or "").strip()[:2000]
    if not_qualified and not reason:
        raise _fail("not_qualified_reason", _("判定不合格时请填写理由。"))
    return {
        "points": points,
        "comment": comment,
        "not_qualified": not_qualified,
        "not_qualified_reason": reason if not_qualified else "",
    }


@db.transactional
def submit_score(s: Session, *, actor: User, bid_id: int, raw: dict) -> Score:
    """An expert's final score of one assigned bid; the last one submits their review."""
    bid = s.get(Bid, bid_id)
    panel, member = _scoring_seat(s, actor, bid)
    s.get(PanelMember, member.id, with_for_update=True)
    if panel.status is not PanelStatus.REVIEWING:
        raise InvalidTransition(_("评审已结束，不能再评分。"))
    if current_score(s, bid.id, actor.id) is not None:
        raise InvalidTransition(
            _("您已提交对该方案的评分，提交后不能修改；如需更正，请联系工作人员。")
        )
    score = Score(
        panel_id=panel.id,
        bid_id=bid.id,
        expert_id=actor.id,
        recorded_by_id=actor.id,
        **_score_fields(raw, panel.rubric),
    )
    s.add(score)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.SCORE_SUBMIT,
        obj=panel,
        after={"score_id": score.id, "bid_id": bid.id},
    )
    challenge = s.get(Challenge, panel.challenge_id)
    scored = {sc.bid_id for sc in current_scores(s, panel.id) if sc.expert_id == actor.id}
    if scored >= {b.id for b in reviewed_bids(s, challenge.id)}:
        ensure_transition(member, MemberStatus.SUBMITTED, actor=actor)
        member.submitted_at = db.utcnow()
        audit.record(
            s,
            actor=actor,
            action=ReviewAction.MEMBER_SUBMIT,
            obj=panel,
            after={"expert_id": actor.id},
        )
    return score


@db.transactional
def correct_score(
    s: Session, *, actor: User, bid_id: int, expert_id: int, raw: dict, reason: str
) -> Score:
    """Staff record a corrected score (a new row, with the reason); the old one stays."""
    bid = s.get(Bid, bid_id)
    panel = panel_of(s, bid.challenge_id) if bid else None
    if panel is None or current_score(s, bid_id, expert_id) is None:
        raise NotFound()
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise _fail("reason", _("请填写更正评分的原因。"))
    if panel.status is PanelStatus.SHORTLISTED:
        raise InvalidTransition(_("入围名单已确定，评分不能再更正。"))
    score = Score(
        panel_id=panel.id,
        bid_id=bid_id,
        expert_id=expert_id,
        kind=ScoreKind.CORRECTION,
        reason=reason,
        recorded_by_id=actor.id,
        **_score_fields(raw, panel.rubric),
    )
    s.add(score)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.SCORE_CORRECT,
        obj=panel,
        after={"score_id": score.id, "bid_id": bid_id, "expert_id": expert_id, "reason": reason},
    )
    return score


def current_scores(s: Session, panel_id: int) -> list[Score]:
    """The latest row per (bid, expert): what counts."""
    latest: dict[tuple[int, int], Score] = {}
    for score in s.exec(select(Score).where(Score.panel_id == panel_id).order_by(Score.id)):
        latest[(score.bid_id, score.expert_id)] = score
    return list(latest.values())


def current_score(s: Session, bid_id: int, expert_id: int) -> Score | None:
    return s.exec(
        select(Score)
        .where(Score.bid_id == bid_id, Score.expert_id == expert_id)
        .order_by(Score.id.desc())
    ).first()


# --- visibility -----------------------------------------------------------------------------


def expert_may_open(user: User, bid: Bid, challenge: Challenge) -> bool:
    """READERS entry: a seated expert who declared no conflict opens the panel's bids (after
    the deadline: bids.access checks that first)."""
    if user.role is not Role.EXPERT or bid.status not in REVIEWED:
        return False
    s = db.session()
    panel = panel_of(s, challenge.id)
    if panel is None or panel.status is PanelStatus.FORMING:
        return False
    member = member_of(s, panel.id, user.id)
    return member is not None and member.status in DECLARED_OR_LATER


READERS.append(expert_may_open)


def scoring_closed(s: Session, challenge_id: int) -> bool:
    """All seated panel members have submitted all their scores."""
    panel = panel_of(s, challenge_id)
    if panel is None or panel.status is PanelStatus.FORMING:
        return False
    members = members_of(s, panel.id, seated=True)
    return bool(members) and all(m.status is MemberStatus.SUBMITTED for m in members)


def can_see_scores(s: Session, user: User | None, challenge_id: int) -> bool:
    """Blind scoring: staff always; a seated expert only once everyone has submitted."""
    if is_staff(user):
        return True
    panel = panel_of(s, challenge_id)
    if user is None or not getattr(user, "is_authenticated", False) or panel is None:
        return False
    member = member_of(s, panel.id, user.id)
    return member is not None and scoring_closed(s, challenge_id)


# --- ranking and shortlist ------------------------------------------------------------------


def ranking(s: Session, challenge_id: int) -> list[R.RankedBid]:
    """The bids ranked from the current scores of the seated experts (see module docstring)."""
    panel = panel_of(s, challenge_id)
    if panel is None:
        return []
    seated = {m.expert_id for m in members_of(s, panel.id, seated=True)}
    per_bid: dict[int, dict[int, Score]] = {}
    for score in current_scores(s, panel.id):
        if score.expert_id in seated:
            per_bid.setdefault(score.bid_id, {})[score.expert_id] = score
    margin = int(current_app.config["SCORE_SPREAD_FLAG"])
    summaries = [
        R.summarise(
            bid_id,
            {e: R.weighted_total(sc.points, panel.rubric) for e, sc in scores.items()},
            not_qualified=any(sc.not_qualified for sc in scores.values()),
            margin=margin,
        )
        for bid_id, scores in per_bid.items()
    ]
    return R.rank(summaries)


def shortlisted_bid_ids(s: Session, challenge_id: int) -> list[int]:
    return list(
        s.exec(
            select(Bid.id)
            .where(Bid.challenge_id == challenge_id, Bid.status == BidStatus.SHORTLISTED)
            .order_by(Bid.id)
        )
    )


@db.transactional
def shortlist_bids(s: Session, *, actor: User, challenge_id: int, bid_ids: Iterable[int]) -> Panel:
    """When all scores are in: the chosen qualified bids shortlisted, every other opened bid
    not qualified."""
    panel = panel_of(s, challenge_id)
    if panel is None:
        raise NotFound()
    check_transition(panel, PanelStatus.SHORTLISTED, actor=actor)
    if not scoring_closed(s, challenge_id):
        raise InvalidTransition(_("尚有专家未提交评分，不能确定入围名单。"))
    chosen = set(bid_ids)
    rows = {r.bid_id: r for r in ranking(s, challenge_id)}
    bids = [b for b in reviewed_bids(s, challenge_id) if b.status is BidStatus.OPENED]
    unknown = chosen - {b.id for b in bids}
    if unknown:
        raise _fail("bid_ids", _("所选方案不在本次评审范围内。"))
    for bid in bids:
        if bid.id in chosen and not rows[bid.id].qualified:
            raise _fail(
                "bid_ids", _("方案 %(number)s 已被专家判定不合格，不能入围。", number=bid.number)
            )
    for bid in bids:
        target = BidStatus.SHORTLISTED if bid.id in chosen else BidStatus.NOT_QUALIFIED
        if BID_STATES.can(bid.status, target):
            ensure_transition(bid, target, actor=actor)
    ensure_transition(panel, PanelStatus.SHORTLISTED, actor=actor)
    panel.shortlisted_at = db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.PANEL_SHORTLIST,
        obj=(Challenge, challenge_id),
        after={"shortlisted": sorted(chosen)},
    )
    return panel


@dataclass(frozen=True)
class PanelExpert:
    expert_id: int
    name: str
    title: str
    organisation: str


@dataclass(frozen=True)
class BidTotals:
    bid_id: int
    number: str
    organisation: str
    totals: tuple[tuple[int, float], ...]  # (expert id, total)
    mean: float
    trimmed_mean: float | None
    rank: int


@dataclass(frozen=True)
class PanelSummary:
    experts: tuple[PanelExpert, ...]
    bids: tuple[BidTotals, ...]  # in rank order


def panel_summary(s: Session, challenge_id: int) -> PanelSummary | None:
    """The seated experts and each bid's totals, for the public notice (when shown at all)."""
    panel = panel_of(s, challenge_id)
    if panel is None or panel.status is PanelStatus.FORMING:
        return None
    experts = []
    for m in members_of(s, panel.id, seated=True):
        user = s.get(User, m.expert_id)
        profile = s.exec(select(ExpertProfile).where(ExpertProfile.user_id == m.expert_id)).first()
        experts.append(
            PanelExpert(
                m.expert_id,
                user.name,
                profile.title if profile else "",
                profile.organisation_name if profile else "",
            )
        )
    bids = []
    for row in ranking(s, challenge_id):
        bid = s.get(Bid, row.bid_id)
        org = s.get(Organisation, bid.organisation_id)
        bids.append(
            BidTotals(
                bid.id, bid.number, org.name, row.totals, row.mean, row.trimmed_mean, row.rank
            )
        )
    return PanelSummary(tuple(experts), tuple(bids))


# --- issuer opinion and defence -------------------------------------------------------------


def opinion_of(s: Session, bid_id: int) -> Opinion | None:
    return s.exec(select(Opinion).where(Opinion.bid_id == bid_id)).first()


@db.transactional
def save_opinion(
    s: Session, *, actor: User, bid_id: int, body: str, expected_version: int
) -> Opinion:
    """企业评价: the issuer writes (and may rework) an opinion on an opened bid; no score."""
    bid = s.get(Bid, bid_id)
    challenge = s.get(Challenge, bid.challenge_id) if bid else None
    if bid is None or not is_issuer(actor, challenge) or bid.status not in REVIEWED:
        raise NotFound()
    body = (body or "").strip()[:MAX_TEXT]
    if not body:
        raise _fail("body", _("请填写企业评价。"))
    opinion = opinion_of(s, bid_id)
    if (opinion.version_id if opinion else 0) != expected_version:
        from ..errors import Conflict

        raise Conflict(_("企业评价已被他人修改并保存。您填写的内容仍在下方，请核对后重新保存。"))
    before = {"body": opinion.body} if opinion else None
    if opinion is None:
        opinion = Opinion(bid_id=bid_id, body=body, author_id=actor.id)
    opinion.body, opinion.author_id, opinion.updated_at = body, actor.id, db.utcnow()
    s.add(opinion)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.OPINION_SAVE,
        obj=bid,
        before=before,
        after={"body": body},
    )
    return opinion


def defences_of(s: Session, panel_id: int) -> list[Defence]:
    return list(
        s.exec(select(Defence).where(Defence.panel_id == panel_id).order_by(Defence.position))
    )


@db.transactional
def schedule_defence(
    s: Session, *, actor: User, challenge_id: int, slots: list[tuple[int, datetime, str]]
) -> list[Defence]:
    """答辩 for shortlisted bids: (bid id, start, place or link) in presentation order; the
    teams are told. Rescheduling replaces a bid's slot, keeping the panel's notes."""
    panel = panel_of(s, challenge_id)
    if panel is None:
        raise NotFound()
    shortlisted = set(shortlisted_bid_ids(s, challenge_id))
    if not shortlisted:
        raise InvalidTransition(_("确定入围名单后才能安排答辩。"))
    if not slots:
        raise _fail("slots", _("请至少为一个入围方案安排答辩时间。"))
    existing = {d.bid_id: d for d in defences_of(s, panel.id)}
    out = []
    for position, (bid_id, starts_at, place) in enumerate(slots, start=1):
        if bid_id not in shortlisted:
            raise _fail("slots", _("只能为入围方案安排答辩。"))
        if not place.strip():
            raise _fail("slots", _("请填写答辩地点或线上会议链接。"))
        row = existing.get(bid_id) or Defence(
            panel_id=panel.id,
            bid_id=bid_id,
            position=position,
            starts_at=starts_at,
            scheduled_by_id=actor.id,
        )
        row.position, row.starts_at, row.place = position, starts_at, place.strip()[:300]
        row.scheduled_by_id, row.updated_at = actor.id, db.utcnow()
        s.add(row)
        out.append(row)
        bid = s.get(Bid, bid_id)
        from ..challenges.services import org_member_ids

        notify(
            s,
            kind=NotificationKind.DEFENCE,
            user_ids=org_member_ids(s, bid.organisation_id),
            title=_("答辩安排：%(number)s", number=bid.number),
            body=_(
                "时间：%(when)s；地点：%(place)s；顺序：第 %(n)d 位。",
                when=_local(starts_at),
                place=row.place,
                n=position,
            ),
            link=f"/bids/{bid.id}",
        )
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.DEFENCE_SCHEDULE,
        obj=panel,
        after={"slots": [[d.bid_id, d.starts_at.isoformat(), d.place] for d in out]},
    )
    return out


def _local(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


@db.transactional
def save_defence_notes(s: Session, *, actor: User, defence_id: int, notes: str) -> Defence:
    row = s.get(Defence, defence_id)
    if row is None:
        raise NotFound()
    before = row.notes
    row.notes, row.updated_at = (notes or "").strip()[:MAX_TEXT], db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=ReviewAction.DEFENCE_NOTES,
        obj=(Panel, row.panel_id),
        before={"notes": before},
        after={"notes": row.notes},
    )
    return row


# --- reminders (tick) -----------------------------------------------------------------------


@db.transactional
def send_reminders(s: Session, *, now: datetime | None = None) -> int:
    """Once per member: a declaration reminder when not declared, a scoring reminder when not
    submitted, REVIEW_REMINDER_HOURS after assignment (or after declaring)."""
    now = now or db.utcnow()
    wait = timedelta(hours=int(current_app.config["REVIEW_REMINDER_HOURS"]))
    sent = 0
    rows = s.exec(
        select(PanelMember, Panel)
        .join(Panel, Panel.id == PanelMember.panel_id)
        .where(
            Panel.status == PanelStatus.REVIEWING,
            PanelMember.status.in_((MemberStatus.ASSIGNED, MemberStatus.DECLARED)),
        )
    ).all()
    for member, panel in rows:
        since = max(member.assigned_at, panel.formed_at or member.assigned_at)
        if member.status is MemberStatus.ASSIGNED and member.declaration_reminded_at is None:
            if now - since >= wait:
                member.declaration_reminded_at = now
                sent += _remind(s, member, panel, _("提醒：请声明有无利益冲突"))
        elif (
            member.status is MemberStatus.DECLARED
            and member.scoring_reminded_at is None
            and now - (member.declared_at or since) >= wait
        ):
            member.scoring_reminded_at = now
            sent += _remind(s, member, panel, _("提醒：请完成评分"))
    return sent


def _remind(s: Session, member: PanelMember, panel: Panel, title: str) -> int:
    challenge = s.get(Challenge, panel.challenge_id)
    s.add(member)
    return notify(
        s,
        user_ids=[member.expert_id],
        title=f"{title}：{challenge.title}",
        link="/expert/reviews",
        kind=NotificationKind.PANEL,
    )


# --- review aid -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    key_terms: tuple[str, ...]
    covered_terms: tuple[str, ...]
    indicators: tuple[tuple[str, tuple[str, ...], bool], ...]  # (name, shared terms, addressed)

    @property
    def share(self) -> int:
        """Per cent of the challenge's key terms the bid's text contains."""
        return round(100 * len(self.covered_terms) / len(self.key_terms)) if self.key_terms else 0

    @property
    def unaddressed(self) -> list[str]:
        return [name for name, _terms, addressed in self.indicators if not addressed]


def coverage(challenge: Challenge, indicators: list[Indicator], content: BidContent) -> Coverage:
    """How a bid's text covers the challenge's key terms and each indicator, by the search's
    analysis (``search.text``): an aid for experts, never a score."""
    from ..search import service as search
    from ..search import text as T

    bid_text = T.fold(
        " ".join(
            [content.approach, content.prior_results]
            + [str(v) for v in content.answers.values()]
            + [m.deliverable for m in content.milestones]
        )
    )
    terms = T.key_terms(
        " ".join([challenge.title] * 2 + [challenge.problem, challenge.deliverables])
    )
    covered = search.shared_terms(terms, bid_text) if terms else []
    rows = []
    for ind in indicators:
        own = T.fold(content.answer(ind.id)) + " " + bid_text
        ind_terms = T.key_terms(f"{ind.name} {ind.target} {ind.unit}", k=8)
        shared = search.shared_terms(ind_terms, own) if ind_terms else []
        rows.append((ind.name, tuple(shared), bool(shared)))
    return Coverage(tuple(terms), tuple(t for t in terms if t in covered), tuple(rows))
