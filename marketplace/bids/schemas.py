"""Validation of a bid at submission; drafts are kept as typed, whatever their state."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
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
TEXT_FIELDS = ("approach", "prior_results", "requested_amount", "leader_id")


@dataclass(frozen=True)
class Milestone:
    deliverable: str
    month: int
    percent: int


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


def clean_draft(raw: Mapping[str, Any], *, indicator_ids: Collection[int] | None = None) -> dict:
    """What a draft stores: the typed values, trimmed and bounded, nothing validated.

    ``indicator_ids`` are the challenge's indicators: answers to anything else are dropped.
    """
    content: dict[str, Any] = {k: str(raw.get(k) or "")[:MAX_TEXT] for k in TEXT_FIELDS}
    content["members"] = _rows(raw, "members", ("name", "title", "role", "organisation"))[:50]
    content["milestones"] = _rows(raw, "milestones", ("deliverable", "month", "percent"))[:20]
    content["answers"] = _answers(raw.get("answers"), indicator_ids)
    content["eligibility_confirmed"] = bool(raw.get("eligibility_confirmed"))
    content["integrity_confirmed"] = bool(raw.get("integrity_confirmed"))
    return content


def check_for_submission(
    content: Mapping[str, Any],
    *,
    challenge: Challenge,
    indicators: list[Indicator],
    own_org_name: str,
) -> tuple[int, list[Milestone]]:
    """Every rule a submitted bid must meet; returns (requested fen, milestones)."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not str(content.get("leader_id") or "").strip():
        err("leader_id", _("请指定一名挂帅人（对项目负总责的负责人）。"))
    if not str(content.get("approach") or "").strip():
        err("approach", _("请填写技术路线与实施方案。"))

    for number, indicator in enumerate(indicators, start=1):
        answer = str((content.get("answers") or {}).get(str(indicator.id)) or "").strip()
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

    members = content.get("members") or []
    if len(members) > MAX_MEMBERS:
        err("members", _("团队成员最多 %(n)d 人。", n=MAX_MEMBERS))
    for number, m in enumerate(members, start=1):
        if not m.get("name"):
            err("members", _("第 %(n)d 位成员缺少姓名。", n=number))
    partners = {m["organisation"] for m in members if m.get("organisation")} - {own_org_name}
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

    milestones = _check_milestones(content.get("milestones") or [], challenge, err)

    requested = 0
    try:
        requested = wan_to_fen(content.get("requested_amount"))
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

    if not content.get("eligibility_confirmed"):
        err("eligibility_confirmed", _("请确认本单位符合揭榜条件。"))
    if not content.get("integrity_confirmed"):
        err("integrity_confirmed", _("请阅读并签署科研诚信承诺。"))
    if errors:
        raise ValidationFailed(field_errors=errors)
    return requested, milestones


def _check_milestones(rows: list, challenge: Challenge, err) -> list[Milestone]:
    result: list[Milestone] = []
    if len(rows) < MIN_MILESTONES:
        err("milestones", _("里程碑计划至少需要 %(n)d 个节点。", n=MIN_MILESTONES))
    if len(rows) > MAX_MILESTONES:
        err("milestones", _("里程碑最多 %(n)d 个。", n=MAX_MILESTONES))
    total = 0
    previous = 0
    for number, row in enumerate(rows, start=1):
        month = parse_int(row.get("month"), minimum=-(10**6), maximum=10**6)
        percent = parse_int(row.get("percent"), minimum=-(10**6), maximum=10**6)
        if month is None or percent is None:
            err("milestones", _("第 %(n)d 个里程碑的月份和拨付比例须为整数。", n=number))
            continue
        if not row.get("deliverable"):
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
        result.append(Milestone(row.get("deliverable", ""), month, percent))
    if rows and total != 100:
        err("milestones", _("各里程碑拨付比例之和应为 100%%，目前为 %(t)d%%。", t=total))
    return result
