"""One validation layer for a challenge, shared by the web form, the spreadsheet import and the API.

Input arrives as strings (form fields, spreadsheet cells, JSON values); money is typed in 万元 and
kept as integer fen; the deadline is typed in Beijing time and kept in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from ..accounts.models import REGISTRABLE_KINDS, OrgKind
from ..errors import ValidationFailed
from .models import Industry

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEN_PER_WAN = 1_000_000
MAX_BUDGET_FEN = 100_000 * FEN_PER_WAN  # 10 亿元
MAX_INDICATORS = 30
MAX_CONSORTIUM = 10
DEFAULT_DEADLINE_TIME = time(17, 0)  # a notice's usual 截止时间 when only a date is given


@dataclass
class IndicatorInput:
    name: str
    target: str
    unit: str = ""
    verification: str = ""


@dataclass
class ChallengeInput:
    title: str
    field: Industry
    problem: str
    background: str
    deliverables: str
    budget_total_fen: int
    enterprise_funds_fen: int
    subsidy_requested_fen: int
    period_months: int
    deadline: datetime
    eligible_kinds: list[str]
    qualifications: str
    consortium_allowed: bool
    consortium_max: int
    contact_name: str
    contact_phone: str
    contact_email: str
    indicators: list[IndicatorInput] = field(default_factory=list)


def wan_to_fen(raw: Any) -> int:
    """'12.5' (万元) → 12_500_000 fen; ValueError when it is not an amount."""
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "")
    if not text:
        raise ValueError("empty")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValueError("more than two decimals")
    return int(amount * FEN_PER_WAN)


def fen_to_wan_text(fen: int | None) -> str:
    """Integer fen as the 万元 text a form shows (no grouping, up to two decimals)."""
    if fen is None:
        return ""
    value = Decimal(fen) / FEN_PER_WAN
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def parse_deadline(raw: Any) -> datetime:
    """'2026-12-31T17:00', '2026-12-31 17:00' or '2026-12-31' in Beijing time → UTC."""
    if isinstance(raw, datetime):
        local = raw if raw.tzinfo else raw.replace(tzinfo=SHANGHAI)
        return local.astimezone(ZoneInfo("UTC"))
    text = str(raw or "").strip().replace("/", "-")
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC"))
        except ValueError:
            continue
    day = datetime.strptime(text, "%Y-%m-%d").date()  # ValueError propagates
    return datetime.combine(day, DEFAULT_DEADLINE_TIME, SHANGHAI).astimezone(ZoneInfo("UTC"))


def deadline_local_text(value: datetime | None) -> str:
    """A UTC deadline as the value of a datetime-local input (Beijing time)."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") if value else ""


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value).strip()


def _truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on", "y", "是", "允许", "√"}


def parse_challenge(raw: Mapping[str, Any], *, now: datetime) -> ChallengeInput:
    """Check every rule and return clean input, or raise ValidationFailed with per-field errors."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    def required(name: str, limit: int) -> str:
        value = _text(raw, name)
        if not value:
            err(name, _("此项为必填项。"))
        elif len(value) > limit:
            err(name, _("不能超过 %(n)d 个字符（现有 %(m)d 个）。", n=limit, m=len(value)))
        return value

    def optional(name: str, limit: int) -> str:
        value = _text(raw, name)
        if len(value) > limit:
            err(name, _("不能超过 %(n)d 个字符（现有 %(m)d 个）。", n=limit, m=len(value)))
        return value

    title = required("title", 200)
    problem = required("problem", 20000)
    background = optional("background", 20000)
    deliverables = required("deliverables", 5000)
    qualifications = optional("qualifications", 2000)
    contact_name = required("contact_name", 100)
    contact_phone = optional("contact_phone", 40)
    contact_email = optional("contact_email", 254)

    industry = None
    raw_field = _text(raw, "field")
    if raw_field in Industry._value2member_map_:
        industry = Industry(raw_field)
    else:
        err("field", _("请选择所属产业领域。"))

    amounts: dict[str, int] = {}
    for name in ("budget_total", "enterprise_funds", "subsidy_requested"):
        value = _text(raw, name)
        try:
            fen = wan_to_fen(value if value else ("0" if name != "budget_total" else ""))
        except ValueError:
            err(name, _("请填写金额（万元），最多两位小数，例如 150 或 87.5。"))
            continue
        if fen < 0:
            err(name, _("金额不能为负数。"))
        elif fen > MAX_BUDGET_FEN:
            err(name, _("金额超过上限 10 亿元（100000 万元），请核对单位是否为万元。"))
        else:
            amounts[name] = fen
    if "budget_total" in amounts and amounts["budget_total"] == 0:
        err("budget_total", _("榜单金额必须大于 0。"))
    if len(amounts) == 3 and not errors.get("budget_total"):
        parts = amounts["enterprise_funds"] + amounts["subsidy_requested"]
        if parts != amounts["budget_total"]:
            err(
                "budget_total",
                _(
                    "企业出资（%(a)s 万元）加申请政府资助（%(b)s 万元）应等于榜单金额"
                    "（%(t)s 万元），目前相差 %(d)s 万元。",
                    a=fen_to_wan_text(amounts["enterprise_funds"]),
                    b=fen_to_wan_text(amounts["subsidy_requested"]),
                    t=fen_to_wan_text(amounts["budget_total"]),
                    d=fen_to_wan_text(abs(parts - amounts["budget_total"])),
                ),
            )

    period = 0
    try:
        period = int(_text(raw, "period_months"))
        if not 1 <= period <= 60:
            err("period_months", _("实施周期应在 1 到 60 个月之间。"))
    except ValueError:
        err("period_months", _("请填写实施周期（整数，单位：月）。"))

    deadline = None
    try:
        deadline = parse_deadline(raw.get("deadline"))
        if deadline <= now:
            err("deadline", _("揭榜截止时间必须晚于当前时间。"))
    except ValueError:
        err("deadline", _("请填写揭榜截止时间，例如 2026-12-31 17:00（北京时间）。"))

    kinds = raw.get("eligible_kinds") or []
    if isinstance(kinds, str):
        kinds = [k for k in re.split(r"[,，;；、\s]+", kinds) if k]
    kinds = [_kind_value(k) for k in kinds]
    if not kinds or any(k is None for k in kinds):
        err("eligible_kinds", _("请至少选择一种可揭榜的单位类型。"))
    kinds = sorted({k for k in kinds if k})

    consortium = _truthy(raw.get("consortium_allowed"))
    consortium_max = 1
    if consortium:
        try:
            consortium_max = int(_text(raw, "consortium_max") or "0")
        except ValueError:
            consortium_max = 0
        if not 2 <= consortium_max <= MAX_CONSORTIUM:
            err(
                "consortium_max",
                _("允许联合揭榜时，联合体成员数应在 2 到 %(n)d 家之间。", n=MAX_CONSORTIUM),
            )

    if not contact_phone and not contact_email:
        err("contact_phone", _("请至少填写联系电话或联系邮箱中的一项。"))
    if contact_email:
        try:
            validate_email(contact_email, check_deliverability=False)
        except EmailNotValidError:
            err("contact_email", _("请输入有效的邮箱地址。"))

    indicators = _parse_indicators(raw.get("indicators") or [], err)

    if errors:
        raise ValidationFailed(field_errors=errors)
    return ChallengeInput(
        title=title,
        field=industry,
        problem=problem,
        background=background,
        deliverables=deliverables,
        budget_total_fen=amounts["budget_total"],
        enterprise_funds_fen=amounts["enterprise_funds"],
        subsidy_requested_fen=amounts["subsidy_requested"],
        period_months=period,
        deadline=deadline,
        eligible_kinds=kinds,
        qualifications=qualifications,
        consortium_allowed=consortium,
        consortium_max=consortium_max,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        indicators=indicators,
    )


# Organisation types as people write them in a form or a spreadsheet, in either language.
_KIND_WORDS = {
    "企业": OrgKind.ENTERPRISE,
    "高等院校": OrgKind.UNIVERSITY,
    "高校": OrgKind.UNIVERSITY,
    "大学": OrgKind.UNIVERSITY,
    "科研院所": OrgKind.INSTITUTE,
    "院所": OrgKind.INSTITUTE,
    "研究院": OrgKind.INSTITUTE,
    "医疗机构": OrgKind.HOSPITAL,
    "医院": OrgKind.HOSPITAL,
    "其他": OrgKind.OTHER,
}


def _kind_value(raw: str) -> str | None:
    """An organisation type from its code or its Chinese name; None when unknown."""
    word = str(raw).strip()
    allowed = {k.value for k in REGISTRABLE_KINDS}
    if word.lower() in allowed:
        return word.lower()
    kind = _KIND_WORDS.get(word)
    return kind.value if kind else None


def _parse_indicators(rows: list, err) -> list[IndicatorInput]:
    result: list[IndicatorInput] = []
    filled = [r for r in rows if any(str(v or "").strip() for v in r.values())]
    if not filled:
        err("indicators", _("请至少填写一项可量化的关键指标。"))
        return result
    if len(filled) > MAX_INDICATORS:
        err("indicators", _("关键指标最多 %(n)d 项。", n=MAX_INDICATORS))
    for number, row in enumerate(filled, start=1):
        name = str(row.get("name") or "").strip()
        target = str(row.get("target") or "").strip()
        if not name:
            err("indicators", _("第 %(n)d 项指标缺少指标名称。", n=number))
        if not target:
            err(
                "indicators", _("第 %(n)d 项指标“%(name)s”缺少目标值。", n=number, name=name or "?")
            )
        values = [name, target, str(row.get("unit") or ""), str(row.get("verification") or "")]
        if any(len(v) > 200 for v in values[:2]) or len(values[2]) > 50 or len(values[3]) > 500:
            err("indicators", _("第 %(n)d 项指标的内容过长。", n=number))
        result.append(
            IndicatorInput(
                name=name,
                target=target,
                unit=str(row.get("unit") or "").strip(),
                verification=str(row.get("verification") or "").strip(),
            )
        )
    return result
