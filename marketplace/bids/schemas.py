"""A bid's content, typed once: what a draft keeps, what a version freezes, what is checked.

:class:`BidContent` is the one description of the content's fields. The stored JSON
(``Bid.content``, ``BidVersion.content``) is its :meth:`BidContent.as_stored` form; everything
that reads content (the form, the detail page, submission, review) goes through
:meth:`BidContent.from_stored`, so no other module spells its keys. Drafts are kept as typed,
whatever their state; :func:`check_for_submission` holds the rules a submission must meet.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..challenges.models import Challenge, Indicator
from ..challenges.schemas import MAX_INDICATORS
from ..errors import ValidationFailed
from ..parsing import parse_id, parse_int
from ..units import fen_to_wan_text, wan_to_fen

MAX_TEXT = 20000
MAX_ANSWER = 4000
MAX_MEMBERS = 30
MIN_MILESTONES = 2
MAX_MILESTONES = 12
MAX_MEMBER_ROWS = 50  # what a draft keeps (submission allows MAX_MEMBERS)
MAX_MILESTONE_ROWS = 20


@dataclass(frozen=True)
class Milestone:
    """A checked milestone of a submitted bid."""

    deliverable: str
    month: int
    percent: int


@dataclass(frozen=True)
class MemberRow:
    """A team member as typed."""

    name: str = ""
    title: str = ""
    role: str = ""
    organisation: str = ""


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone as typed (month and percent are checked at submission)."""

    deliverable: str = ""
    month: str = ""
    percent: str = ""


MEMBER_PARTS = tuple(MemberRow.__dataclass_fields__)
MILESTONE_PARTS = tuple(MilestoneRow.__dataclass_fields__)


@dataclass(frozen=True)
class BidContent:
    """What a bid says, as typed: trimmed and bounded, nothing validated."""

    approach: str = ""
    prior_results: str = ""
    requested_amount: str = ""  # 万元, as typed
    leader_id: str = ""  # the chosen leader's user id, as the select box sent it
    members: tuple[MemberRow, ...] = ()
    milestones: tuple[MilestoneRow, ...] = ()
    answers: Mapping[str, str] = field(default_factory=dict)  # indicator id → answer
    eligibility_confirmed: bool = False
    integrity_confirmed: bool = False

    @classmethod
    def from_raw(
        cls, raw: Mapping[str, Any], *, indicator_ids: Collection[int] | None = None
    ) -> BidContent:
        """The content of a posted form (``forms.raw_from_form``) or of stored JSON.

        ``indicator_ids`` are the challenge's indicators: answers to anything else are dropped.
        """

        def text(name: str) -> str:
            return str(raw.get(name) or "")[:MAX_TEXT]

        members = _rows(raw, "members", MEMBER_PARTS)[:MAX_MEMBER_ROWS]
        milestones = _rows(raw, "milestones", MILESTONE_PARTS)[:MAX_MILESTONE_ROWS]
        return cls(
            approach=text("approach"),
            prior_results=text("prior_results"),
            requested_amount=text("requested_amount"),
            leader_id=text("leader_id"),
            members=tuple(MemberRow(**row) for row in members),
            milestones=tuple(MilestoneRow(**row) for row in milestones),
            answers=_answers(raw.get("answers"), indicator_ids),
            eligibility_confirmed=bool(raw.get("eligibility_confirmed")),
            integrity_confirmed=bool(raw.get("integrity_confirmed")),
        )

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> BidContent:
        """The content of a draft or a submitted version (its frozen attachment digests are
        not content: see ``BidVersion.content``)."""
        return cls.from_raw(stored or {})

    def as_stored(self) -> dict[str, Any]:
        """The JSON kept in ``Bid.content`` (and frozen into a version); its keys and their
        order are what receipts were hashed over, so they never change."""
        return {
            "approach": self.approach,
            "prior_results": self.prior_results,
            "requested_amount": self.requested_amount,
            "leader_id": self.leader_id,
            "members": [asdict(m) for m in self.members],
            "milestones": [asdict(m) for m in self.milestones],
            "answers": dict(self.answers),
            "eligibility_confirmed": self.eligibility_confirmed,
            "integrity_confirmed": self.integrity_confirmed,
        }

    @property
    def leader_user_id(self) -> int | None:
        """The chosen leader's id, or None when none (or nonsense) was chosen."""
        return parse_id(self.leader_id)

    def answer(self, indicator_id: int) -> str:
        return self.answers.get(str(indicator_id), "")


def _rows(raw: Mapping[str, Any], key: str, parts: tuple[str, ...]) -> list[dict]:
    rows = raw.get(key) or []
    return [
        {p: str(row.get(p) or "").strip() for p in parts}
        for row in rows
        if isinstance(row, Mapping) and any(str(row.get(p) or "").strip() for p in parts)
    ]


def _answers(raw: Any, indicator_ids: Collection[int] | None) -> dict[str, str]:
    """One answer per indicator of the challenge. Keys come from posted field names
    (``answer_<id>``), so without this bound one save could store any number of them."""
    if not isinstance(raw, Mapping):
        return {}
    allowed = None if indicator_ids is None else {int(i) for i in indicator_ids}
    answers: dict[str, str] = {}
    for key, value in raw.items():
        indicator_id = parse_id(key)
        if indicator_id is None or (allowed is not None and indicator_id not in allowed):
            continue
        answers[str(indicator_id)] = str(value or "")[:MAX_ANSWER]
        if len(answers) == MAX_INDICATORS:
            break
    return answers


def check_for_submission(
    content: BidContent,
    *,
    challenge: Challenge,
    indicators: list[Indicator],
    own_org_name: str,
) -> tuple[int, list[Milestone]]:
    """Every rule of the content a submitted bid must meet; returns (requested fen,
    milestones). Who the leader is (and may be) is checked by the service, which knows them."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not content.approach.strip():
        err("approach", _("请填写技术路线与实施方案。"))

    for number, indicator in enumerate(indicators, start=1):
        answer = content.answer(indicator.id).strip()
        if not answer:
            err(
                "answers",
                _(
                    "第 %(n)d 项指标“%(name)s”（目标 %(target)s）缺少应答：请说明如何达到。",
                    n=number,
                    name=indicator.name,
                    target=indicator.target,
                ),
            )

    members = content.members
    if len(members) > MAX_MEMBERS:
        err("members", _("团队成员最多 %(n)d 人。", n=MAX_MEMBERS))
    for number, m in enumerate(members, start=1):
        if not m.name:
            err("members", _("第 %(n)d 位成员缺少姓名。", n=number))
    partners = {m.organisation for m in members if m.organisation} - {own_org_name}
    if partners and not challenge.consortium_allowed:
        err("members", _("本榜单不允许联合揭榜，成员须来自本单位。"))
    elif len(partners) + 1 > challenge.consortium_max and challenge.consortium_allowed:
        err(
            "members",
            _(
                "联合体共 %(n)d 家单位，超过本榜单允许的 %(max)d 家。",
                n=len(partners) + 1,
                max=challenge.consortium_max,
            ),
        )

    milestones = _check_milestones(content.milestones, challenge, err)

    requested = 0
    try:
        requested = wan_to_fen(content.requested_amount)
        if requested <= 0:
            err("requested_amount", _("申请金额必须大于 0。"))
        elif requested > challenge.budget_total_fen:
            err(
                "requested_amount",
                _(
                    "申请金额（%(a)s 万元）不能超过榜单金额（%(b)s 万元）。",
                    a=fen_to_wan_text(requested),
                    b=fen_to_wan_text(challenge.budget_total_fen),
                ),
            )
    except ValueError:
        err("requested_amount", _("请填写申请金额（万元），最多两位小数。"))

    if not content.eligibility_confirmed:
        err("eligibility_confirmed", _("请确认本单位符合揭榜条件。"))
    if not content.integrity_confirmed:
        err("integrity_confirmed", _("请阅读并签署科研诚信承诺。"))
    if errors:
        raise ValidationFailed(field_errors=errors)
    return requested, milestones


def _check_milestones(rows: tuple[MilestoneRow, ...], challenge: Challenge, err) -> list[Milestone]:
    result: list[Milestone] = []
    if len(rows) < MIN_MILESTONES:
        err("milestones", _("里程碑计划至少需要 %(n)d 个节点。", n=MIN_MILESTONES))
    if len(rows) > MAX_MILESTONES:
        err("milestones", _("里程碑最多 %(n)d 个。", n=MAX_MILESTONES))
    total = 0
    previous = 0
    for number, row in enumerate(rows, start=1):
        month = parse_int(row.month, minimum=-(10**6), maximum=10**6)
        percent = parse_int(row.percent, minimum=-(10**6), maximum=10**6)
        if month is None or percent is None:
            err("milestones", _("第 %(n)d 个里程碑的月份和拨付比例须为整数。", n=number))
            continue
        if not row.deliverable:
            err("milestones", _("第 %(n)d 个里程碑缺少交付成果。", n=number))
        if not 1 <= percent <= 100:
            err("milestones", _("第 %(n)d 个里程碑的拨付比例应在 1%% 到 100%% 之间。", n=number))
        if month <= previous:
            err("milestones", _("第 %(n)d 个里程碑的月份应晚于上一个节点。", n=number))
        if month > challenge.period_months:
            err(
                "milestones",
                _(
                    "第 %(n)d 个里程碑在第 %(m)d 个月，超出了榜单的实施周期（%(p)d 个月）。",
                    n=number,
                    m=month,
                    p=challenge.period_months,
                ),
            )
        previous = max(previous, month)
        total += percent
        result.append(Milestone(row.deliverable, month, percent))
    if rows and total != 100:
        err("milestones", _("各里程碑拨付比例之和应为 100%%，目前为 %(t)d%%。", t=total))
    return result
