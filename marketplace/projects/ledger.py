"""The ledger's rules: commitments, receipts (到账), releases, cancellations, recovery (追回).

Every movement is posted through :func:`_post`, which refuses a set of entries that does not
sum to zero; balances are sums of entries and nothing else. Per project and funding source:

- COMMITMENT:   SPONSOR −a, COMMITTED +a        (the 任务书 promises a)
- RECEIPT:      PAYER −a,   RECEIVED +a         (the enterprise's money arrived)
- RELEASE:      COMMITTED −a, RELEASED +a       (and for enterprise funds RECEIVED −a, PAYER +a)
- CANCELLATION: COMMITTED −a, SPONSOR +a
- RECOVERY_DUE: RELEASED −a, DUE_BACK +a
- REPAYMENT:    DUE_BACK −a, RECOVERED +a
- REVERSAL:     the negated entries of a receipt or a repayment

So committed = −SPONSOR, remaining = COMMITTED, released = RELEASED + DUE_BACK + RECOVERED, and
released never exceeds committed because COMMITTED may not go below zero. Money-moving services
lock the project row (and a release its tranche) with ``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite serialises writers with ``BEGIN IMMEDIATE``.

The functions taking ``s`` first are the API for the task book and milestone services (they
join the caller's transaction); the ``@db.transactional`` ones are staff's verbs for views.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, select

from .. import audit, db
from ..errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from ..notifications import NotificationKind, notify
from ..states import check_transition, ensure_transition
from ..units import SHANGHAI, fen_to_wan
from .actions import ProjectAction
from .ledger_models import Account, Entry, Movement, MovementKind, Tranche, TrancheKind
from .ledger_models import TrancheStatus as TS
from .milestone_models import Milestone, MilestoneStatus
from .models import CLOSED, FundingSource, Project, ProjectKind, ProjectStatus

SOURCES = (FundingSource.SUBSIDY, FundingSource.ENTERPRISE)
# Movements staff may correct by reversing them; the others follow from decisions (a release
# from an accepted milestone, a cancellation from a termination) and are not typed in.
REVERSIBLE = (MovementKind.RECEIPT, MovementKind.REPAYMENT)
# A release outside these states is refused (FINAL tranches: only once 验收 passed).
RELEASABLE = (ProjectStatus.ACTIVE, ProjectStatus.ACCEPTANCE, ProjectStatus.RECTIFYING)
MAX_VOUCHER = 100
MAX_REASON = 2000


@dataclass(frozen=True)
class Balance:
    """One source's figures in fen, derived from the entries."""

    committed: int = 0  # promised, net of cancellations
    received: int = 0  # enterprise funds arrived (到账), in total
    released: int = 0  # paid to the team, in total (some may be due back)
    remaining: int = 0  # committed and not released yet
    due_back: int = 0  # released and to be recovered (应追回)
    recovered: int = 0  # recovered (已追回)
    unreleased_received: int = 0  # arrived and not yet paid out

    @classmethod
    def of(cls, acc: dict[Account, int], source: FundingSource) -> Balance:
        released = acc[Account.RELEASED] + acc[Account.DUE_BACK] + acc[Account.RECOVERED]
        received = acc[Account.RECEIVED] + released if source is FundingSource.ENTERPRISE else 0
        return cls(
            committed=-acc[Account.SPONSOR],
            received=received,
            released=released,
            remaining=acc[Account.COMMITTED],
            due_back=acc[Account.DUE_BACK],
            recovered=acc[Account.RECOVERED],
            unreleased_received=acc[Account.RECEIVED],
        )

    def __add__(self, other: Balance) -> Balance:
        return Balance(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


# --- reading ----------------------------------------------------------------------------------


def _accounts(s: Session, project_ids: Iterable[int] | None) -> dict[FundingSource, dict]:
    query = select(Entry.source, Entry.account, func.sum(Entry.amount_fen)).group_by(
        Entry.source, Entry.account
    )
    if project_ids is not None:
        query = query.where(Entry.project_id.in_(list(project_ids)))
    acc: dict[FundingSource, dict] = {src: defaultdict(int) for src in SOURCES}
    for source, account, amount in s.exec(query):
        acc[FundingSource(source)][Account(account)] = int(amount or 0)
    return acc


def balances(s: Session, project_id: int) -> dict[FundingSource, Balance]:
    """Committed / received / released / remaining / due back / recovered per source."""
    acc = _accounts(s, [project_id])
    return {src: Balance.of(acc[src], src) for src in SOURCES}


def totals(s: Session, project_ids: Iterable[int] | None = None) -> dict[FundingSource, Balance]:
    """The same figures summed over ``project_ids`` (every project when None)."""
    acc = _accounts(s, project_ids)
    return {src: Balance.of(acc[src], src) for src in SOURCES}


def _today() -> date:
    return db.utcnow().astimezone(SHANGHAI).date()


def _wan(fen: int) -> str:
    return fen_to_wan(fen)


# --- posting ----------------------------------------------------------------------------------


def _post(
    s: Session,
    project_id: int,
    kind: MovementKind,
    legs: Iterable[tuple[FundingSource, Account, int]],
    *,
    actor,
    **fields_,
) -> Movement:
    """One balanced movement with its entries (zero legs are left out)."""
    legs = [(src, account, int(amount)) for src, account, amount in legs if amount]
    if not legs:
        raise ValueError("a movement needs entries")
    if sum(amount for _src, _acc, amount in legs) != 0:
        raise AssertionError(f"unbalanced {kind} movement: {legs}")
    fields_.setdefault("occurred_on", _today())
    movement = Movement(
        project_id=project_id, kind=kind, created_by_id=getattr(actor, "id", None), **fields_
    )
    s.add(movement)
    s.flush()
    for src, account, amount in legs:
        s.add(
            Entry(
                movement_id=movement.id,
                project_id=project_id,
                source=src,
                account=account,
                amount_fen=amount,
            )
        )
    s.flush()
    return movement


def _amounts(obj) -> dict[FundingSource, int]:
    return {FundingSource.SUBSIDY: obj.subsidy_fen, FundingSource.ENTERPRISE: obj.enterprise_fen}


def _commit_legs(amounts: dict[FundingSource, int]):
    for src, amount in amounts.items():
        yield src, Account.SPONSOR, -amount
        yield src, Account.COMMITTED, amount


def _lock_project(s: Session, project_id: int) -> Project:
    project = s.exec(
        select(Project)
        .where(Project.id == project_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if project is None:
        raise NotFound(_("项目不存在。"))
    return project


def _next_position(s: Session, project_id: int) -> int:
    last = s.exec(select(func.max(Tranche.position)).where(Tranche.project_id == project_id)).one()
    return (last or 0) + 1


# --- the API for the task book and milestone services -------------------------------------


def record_commitments(s: Session, project: Project, *, actor) -> None:
    """On 任务书 confirmation: a COMMITMENT movement per source and the project's tranches."""
    if s.exec(select(Tranche.id).where(Tranche.project_id == project.id)).first() is not None:
        raise Conflict(_("该项目的经费承诺已经记录。"))
    total = _amounts(project)
    plan: list[tuple[TrancheKind, int | None, int, int]] = []
    if project.kind is ProjectKind.RACE:
        plan.append((TrancheKind.RACE_STARTUP, None, total[SOURCES[0]], total[SOURCES[1]]))
    else:
        milestones = s.exec(
            select(Milestone).where(Milestone.project_id == project.id).order_by(Milestone.position)
        ).all()
        signing = {src: total[src] - sum(_amounts(m)[src] for m in milestones) for src in SOURCES}
        if any(v < 0 for v in signing.values()) or (
            project.first_tranche_percent <= 0 and any(signing.values())
        ):
            raise ValidationFailed(_("里程碑经费合计与项目经费不一致，请核对任务书的经费安排。"))
        if any(signing.values()):
            plan.append((TrancheKind.SIGNING, None, *signing.values()))
        for m in milestones:
            kind = TrancheKind.FINAL if m.final else TrancheKind.MILESTONE
            if m.subsidy_fen or m.enterprise_fen:
                plan.append((kind, m.id, m.subsidy_fen, m.enterprise_fen))
    for position, (kind, milestone_id, subsidy, enterprise) in enumerate(plan, start=1):
        s.add(
            Tranche(
                project_id=project.id,
                milestone_id=milestone_id,
                position=position,
                kind=kind,
                subsidy_fen=subsidy,
                enterprise_fen=enterprise,
            )
        )
    if any(total.values()):
        _post(s, project.id, MovementKind.COMMITMENT, _commit_legs(total), actor=actor)
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.RECORD_COMMITMENTS,
        obj=project,
        after={
            "subsidy_fen": total[SOURCES[0]],
            "enterprise_fen": total[SOURCES[1]],
            "tranches": len(plan),
        },
    )


def add_commitment(
    s: Session, project: Project, *, actor, subsidy_fen: int, enterprise_fen: int, kind
) -> Tranche:
    """A further commitment with its tranche (the 赛马 winner's remainder)."""
    if subsidy_fen < 0 or enterprise_fen < 0 or not (subsidy_fen or enterprise_fen):
        raise ValidationFailed(_("追加的经费须为正数。"))
    tranche = Tranche(
        project_id=project.id,
        position=_next_position(s, project.id),
        kind=kind,
        subsidy_fen=subsidy_fen,
        enterprise_fen=enterprise_fen,
    )
    s.add(tranche)
    s.flush()
    _post(
        s,
        project.id,
        MovementKind.COMMITMENT,
        _commit_legs(_amounts(tranche)),
        actor=actor,
        tranche_id=tranche.id,
    )
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.ADD_COMMITMENT,
        obj=tranche,
        after={"subsidy_fen": subsidy_fen, "enterprise_fen": enterprise_fen},
    )
    return tranche


def _cancel(s: Session, tranche: Tranche, *, actor, reason: str) -> None:
    ensure_transition(tranche, TS.CANCELLED, actor=actor)
    remaining = balances(s, tranche.project_id)
    legs = []
    for src, amount in _amounts(tranche).items():
        amount = min(amount, remaining[src].remaining)
        legs += [(src, Account.COMMITTED, -amount), (src, Account.SPONSOR, amount)]
    if any(amount for _s, _a, amount in legs):
        _post(
            s,
            tranche.project_id,
            MovementKind.CANCELLATION,
            legs,
            actor=actor,
            tranche_id=tranche.id,
            reason=reason[:MAX_REASON],
        )
    s.flush()


def cancel_tranche(s: Session, tranche: Tranche, *, actor, reason: str) -> None:
    """One pending tranche cancelled with its commitment (e.g. FINAL when 验收 fails)."""
    _cancel(s, tranche, actor=actor, reason=reason)
    audit.record(
        s, actor=actor, action=ProjectAction.CANCEL_TRANCHE, obj=tranche, after={"reason": reason}
    )


def cancel_remaining(s: Session, project: Project, *, actor, reason: str) -> None:
    """Termination or a lost race: pending tranches cancelled, and what is left committed."""
    pending = s.exec(
        select(Tranche)
        .where(Tranche.project_id == project.id, Tranche.status == TS.PENDING)
        .order_by(Tranche.position)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for tranche in pending:
        _cancel(s, tranche, actor=actor, reason=reason)
    left = balances(s, project.id)
    legs = []
    for src in SOURCES:
        legs += [
            (src, Account.COMMITTED, -left[src].remaining),
            (src, Account.SPONSOR, left[src].remaining),
        ]
    if any(amount for _s, _a, amount in legs):
        _post(
            s, project.id, MovementKind.CANCELLATION, legs, actor=actor, reason=reason[:MAX_REASON]
        )
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.CANCEL_REMAINING,
        obj=project,
        after={"tranches": [t.id for t in pending], "reason": reason},
    )


def record_recovery_due(s: Session, project: Project, *, actor, reason: str) -> Movement | None:
    """Everything released (and not yet due back) recorded as due back (追回)."""
    now = balances(s, project.id)
    legs = []
    for src in SOURCES:
        paid = now[src].released - now[src].due_back - now[src].recovered
        legs += [(src, Account.RELEASED, -paid), (src, Account.DUE_BACK, paid)]
    if not any(amount for _s, _a, amount in legs):
        return None
    movement = _post(
        s, project.id, MovementKind.RECOVERY_DUE, legs, actor=actor, reason=reason[:MAX_REASON]
    )
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.RECORD_RECOVERY_DUE,
        obj=movement,
        after={"reason": reason},
    )
    return movement


# --- staff's verbs ------------------------------------------------------------------------------


def _clean_voucher(voucher: str | None) -> str:
    text = (voucher or "").strip()
    if not text:
        msg = _("请填写凭证号。")
        raise ValidationFailed(msg, field_errors={"voucher": [msg]})
    if len(text) > MAX_VOUCHER:
        msg = _("凭证号不能超过 %(n)d 个字符。", n=MAX_VOUCHER)
        raise ValidationFailed(msg, field_errors={"voucher": [msg]})
    return text


def _check_amount(amount_fen: int | None) -> int:
    if amount_fen is None or amount_fen <= 0:
        msg = _("请填写大于零的金额（万元，最多两位小数）。")
        raise ValidationFailed(msg, field_errors={"amount": [msg]})
    return amount_fen


def _check_date(day: date | None, field: str) -> date:
    if day is None:
        msg = _("请填写日期（年-月-日）。")
        raise ValidationFailed(msg, field_errors={field: [msg]})
    if day > _today():
        msg = _("日期不能晚于今天。")
        raise ValidationFailed(msg, field_errors={field: [msg]})
    return day


def _check_started(project: Project) -> None:
    if project.status is ProjectStatus.TASK_BOOK:
        raise InvalidTransition(_("任务书尚未确认，还没有经费承诺。"))


@db.transactional
def record_receipt(
    s: Session,
    *,
    actor,
    project_id: int,
    amount_fen: int | None,
    received_on: date | None,
    voucher: str | None,
) -> Movement:
    """Enterprise funds arrived (到账): date, amount, voucher number."""
    project = _lock_project(s, project_id)
    _check_started(project)
    amount = _check_amount(amount_fen)
    day = _check_date(received_on, "received_on")
    voucher = _clean_voucher(voucher)
    now = balances(s, project.id)[FundingSource.ENTERPRISE]
    open_ = now.committed - now.received
    if amount > open_:
        msg = _("到账金额超过企业尚未到账的承诺金额（尚可到账 %(wan)s 万元）。", wan=_wan(open_))
        raise ValidationFailed(msg, field_errors={"amount": [msg]})
    movement = _post(
        s,
        project.id,
        MovementKind.RECEIPT,
        [
            (FundingSource.ENTERPRISE, Account.PAYER, -amount),
            (FundingSource.ENTERPRISE, Account.RECEIVED, amount),
        ],
        actor=actor,
        occurred_on=day,
        voucher=voucher,
    )
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.RECORD_RECEIPT,
        obj=movement,
        after={"amount_fen": amount, "voucher": voucher, "on": day.isoformat()},
    )
    return movement


@db.transactional
def record_repayment(
    s: Session,
    *,
    actor,
    project_id: int,
    source: FundingSource,
    amount_fen: int | None,
    repaid_on: date | None,
    voucher: str | None,
) -> Movement:
    """Money due back was repaid (追回到账), up to what is due back from that source."""
    project = _lock_project(s, project_id)
    amount = _check_amount(amount_fen)
    day = _check_date(repaid_on, "repaid_on")
    voucher = _clean_voucher(voucher)
    due = balances(s, project.id)[source].due_back
    if amount > due:
        msg = _(
            "追回金额超过%(source)s应追回的余额（%(wan)s 万元）。",
            source=source.label,
            wan=_wan(due),
        )
        raise ValidationFailed(msg, field_errors={"amount": [msg]})
    movement = _post(
        s,
        project.id,
        MovementKind.REPAYMENT,
        [(source, Account.DUE_BACK, -amount), (source, Account.RECOVERED, amount)],
        actor=actor,
        occurred_on=day,
        voucher=voucher,
    )
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.RECORD_REPAYMENT,
        obj=movement,
        after={"amount_fen": amount, "source": source.value, "voucher": voucher},
    )
    return movement


@db.transactional
def reverse_movement(s: Session, *, actor, project_id: int, movement_id: int, reason: str | None):
    """A correction: the negated entries of a receipt or repayment, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        msg = _("请填写冲正原因。")
        raise ValidationFailed(msg, field_errors={"reason": [msg]})
    if len(reason) > MAX_REASON:
        msg = _("冲正原因不能超过 %(n)d 个字符。", n=MAX_REASON)
        raise ValidationFailed(msg, field_errors={"reason": [msg]})
    _lock_project(s, project_id)
    original = s.get(Movement, movement_id)
    if original is None or original.project_id != project_id:
        raise NotFound(_("这条账目不存在。"))
    if original.kind not in REVERSIBLE:
        raise ValidationFailed(
            _(
                "只有到账和追回到账记录可以冲正；%(kind)s记录由审核决定产生，不能冲正。",
                kind=original.kind.label,
            )
        )
    if s.exec(select(Movement.id).where(Movement.reverses_id == original.id)).first():
        raise Conflict(_("这条账目已经冲正过，不能再次冲正。"))
    entries = s.exec(select(Entry).where(Entry.movement_id == original.id)).all()
    now = balances(s, project_id)
    for e in entries:
        left = {
            Account.RECEIVED: now[e.source].unreleased_received,
            Account.RECOVERED: now[e.source].recovered,
        }.get(e.account)
        if left is not None and left < e.amount_fen:
            raise ValidationFailed(
                _("这笔资金已经拨付或使用（余额 %(wan)s 万元），不能冲正。", wan=_wan(left))
            )
    movement = _post(
        s,
        project_id,
        MovementKind.REVERSAL,
        [(e.source, e.account, -e.amount_fen) for e in entries],
        actor=actor,
        reverses_id=original.id,
        reason=reason,
    )
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.REVERSE_MOVEMENT,
        obj=movement,
        before={"movement_id": original.id},
        after={"reason": reason},
    )
    return movement


def _refuse_unreleasable(s: Session, project: Project, tranche: Tranche) -> None:
    if project.status is ProjectStatus.SUSPENDED:
        raise InvalidTransition(_("项目已暂停拨付（里程碑审核未通过，整改中），不能拨付。"))
    if tranche.kind is TrancheKind.FINAL:
        if project.status is not ProjectStatus.COMPLETED:
            raise InvalidTransition(_("项目尚未通过验收，验收后拨付的经费暂不能拨付。"))
    elif project.status in CLOSED and project.status is not ProjectStatus.COMPLETED:
        # A passed project may still be paid what its accepted milestones earned.
        raise InvalidTransition(
            _("项目已结束（%(status)s），不能拨付。", status=project.status.label)
        )
    elif project.status not in (*RELEASABLE, ProjectStatus.COMPLETED):
        raise InvalidTransition(_("任务书尚未确认，不能拨付。"))
    if tranche.milestone_id is not None and tranche.kind is TrancheKind.MILESTONE:
        milestone = s.get(Milestone, tranche.milestone_id)
        if milestone.status is not MilestoneStatus.ACCEPTED:
            raise InvalidTransition(
                _(
                    "里程碑 %(n)d 尚未通过审核（%(status)s），不能拨付。",
                    n=milestone.position,
                    status=milestone.status.label,
                )
            )
    now = balances(s, project.id)
    for src, amount in _amounts(tranche).items():
        if amount > now[src].remaining:
            raise ValidationFailed(
                _(
                    "拨付金额超过尚未拨付的承诺金额：%(source)s尚余 %(wan)s 万元。",
                    source=src.label,
                    wan=_wan(now[src].remaining),
                )
            )
    missing = tranche.enterprise_fen - now[FundingSource.ENTERPRISE].unreleased_received
    if missing > 0:
        raise ValidationFailed(_("企业资金尚未到账：还需到账 %(wan)s 万元。", wan=_wan(missing)))


def _by_key(s: Session, key: str | None, tranche_id: int) -> Movement | None:
    if not key:
        return None
    movement = s.exec(select(Movement).where(Movement.idempotency_key == key)).first()
    if movement is not None and movement.tranche_id != tranche_id:
        raise Conflict(_("该操作编号已用于其他操作，请刷新页面后重试。"))
    return movement


@db.transactional
def release_tranche(s: Session, *, actor, tranche_id: int, idempotency_key: str | None) -> Movement:
    """Pay a tranche once: a repeated key returns the first movement, a second pay is refused."""
    key = (idempotency_key or "").strip()[:100] or None
    first = _by_key(s, key, tranche_id)
    if first is not None:
        return first
    tranche = s.get(Tranche, tranche_id)
    if tranche is None:
        raise NotFound(_("这笔拨付不存在。"))
    project = _lock_project(s, tranche.project_id)
    tranche = s.exec(
        select(Tranche)
        .where(Tranche.id == tranche_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    # Whoever held the lock before us may have used the same key: that was this very click.
    first = _by_key(s, key, tranche_id)
    if first is not None:
        return first
    if tranche.status is TS.RELEASED:
        raise InvalidTransition(_("这笔经费已经拨付，不会重复拨付。"))
    check_transition(tranche, TS.RELEASED, actor=actor)
    _refuse_unreleasable(s, project, tranche)
    legs = []
    for src, amount in _amounts(tranche).items():
        legs += [(src, Account.COMMITTED, -amount), (src, Account.RELEASED, amount)]
    legs += [
        (FundingSource.ENTERPRISE, Account.RECEIVED, -tranche.enterprise_fen),
        (FundingSource.ENTERPRISE, Account.PAYER, tranche.enterprise_fen),
    ]
    movement = _post(
        s,
        project.id,
        MovementKind.RELEASE,
        legs,
        actor=actor,
        tranche_id=tranche.id,
        idempotency_key=key,
    )
    ensure_transition(tranche, TS.RELEASED, actor=actor)
    tranche.released_at = db.utcnow()
    tranche.released_by_id = actor.id
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ProjectAction.RELEASE_TRANCHE,
        obj=tranche,
        before={"status": TS.PENDING.value},
        after={
            "status": TS.RELEASED.value,
            "movement_id": movement.id,
            "subsidy_fen": tranche.subsidy_fen,
            "enterprise_fen": tranche.enterprise_fen,
        },
    )
    if project.leader_id:
        notify(
            s,
            user_ids=[project.leader_id],
            title=_("项目 %(no)s 已拨付经费", no=project.number),
            body=_(
                "%(kind)s：%(wan)s 万元。",
                kind=tranche.kind.label,
                wan=_wan(tranche.subsidy_fen + tranche.enterprise_fen),
            ),
            link=f"/projects/{project.id}",
            kind=NotificationKind.PROJECT_PAYMENT,
        )
    return movement
