"""One validation layer for a challenge, shared by the web form, the spreadsheet import and the API.

Input arrives as strings (form fields, spreadsheet cells, JSON values); money is typed in 万元 and
kept as integer fen; the deadline is typed in Beijing time and kept in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from types import SimpleNamespace
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import REGISTRABLE_KINDS, OrgKind
from ..errors import ValidationFailed
from ..units import (
    MAX_BUDGET_FEN,
    SHANGHAI,
    UTC,
    Unreadable,
    fen_to_wan_text,
    is_number,
    tokens,
    wan_to_fen,
)
from .models import Industry

MAX_INDICATORS = 30
MAX_CONSORTIUM = 10
DEFAULT_DEADLINE_TIME = time(17, 0)  # a notice's usual 截止时间 when only a date is given


@dataclass
class IndicatorInput:
    name: str
    target: str
    unit: str = ""
    verification: str = ""


# Words a demand list (需求征集) writes where a value is not known yet: missing, not wrong.
NOT_YET = frozenset(
    {"面议", "待定", "另议", "协商", "商定", "未定", "暂无", "无", "不详", "另行通知", "长期",
     "长期有效", "-", "--", "—", "——", "/", "／"}
)  # fmt: skip

# The parts a draft may lack (an imported row kept as it came) but a submission may not.
MISSING_LABELS = {
    "budget_total": _l("榜单金额"),
    "enterprise_funds": _l("企业出资与申请政府资助"),
    "deadline": _l("揭榜截止时间"),
    "deliverables": _l("预期成果"),
    "eligible_kinds": _l("可揭榜单位类型"),
    "contact_name": _l("联系人"),
    "contact_phone": _l("联系电话或联系邮箱"),
    "indicators": _l("关键指标"),
}
_MISSING_MESSAGES = {
    "budget_total": _l("请填写金额（万元），最多两位小数，例如 150 或 87.5。"),
    "enterprise_funds": _l("请填写企业出资和申请政府资助（万元），两者之和等于榜单金额。"),
    "deadline": _l("请填写揭榜截止时间，例如 2026-12-31 17:00（北京时间）。"),
    "deliverables": _l("此项为必填项。"),
    "eligible_kinds": _l("请至少选择一种可揭榜的单位类型。"),
    "contact_name": _l("此项为必填项。"),
    "contact_phone": _l("请至少填写联系电话或联系邮箱中的一项。"),
    "indicators": _l("请至少填写一项可量化的关键指标。"),
}


def missing_parts(item: Any, *, indicator_count: int | None = None) -> list[str]:
    """The one completeness rule: what a challenge still lacks before it may be submitted.

    ``item`` is a ChallengeInput or a saved Challenge (whose indicators are counted apart).
    The form, the import, the submission and the draft pages all ask this function.
    """
    count = len(item.indicators) if indicator_count is None else indicator_count
    gaps = {
        "budget_total": item.budget_total_fen is None,
        "enterprise_funds": item.enterprise_funds_fen is None or item.subsidy_requested_fen is None,
        "deadline": item.deadline is None,
        "deliverables": not item.deliverables,
        "eligible_kinds": not item.eligible_kinds,
        "contact_name": not item.contact_name,
        "contact_phone": not item.contact_phone and not item.contact_email,
        "indicators": count == 0,
    }
    return [key for key, gap in gaps.items() if gap]


def missing_labels(keys: list[str]) -> list[str]:
    return [str(MISSING_LABELS[k]) for k in keys]


def incomplete_error(keys: list[str]) -> ValidationFailed:
    """The refusal of a submission that lacks ``keys``, per field and as one sentence."""
    message = _("请先补充：%(parts)s，再提交审核。", parts="、".join(missing_labels(keys)))
    return ValidationFailed(message, field_errors={k: [str(_MISSING_MESSAGES[k])] for k in keys})


@dataclass
class ChallengeInput:
    title: str
    field: Industry
    problem: str
    background: str
    deliverables: str
    budget_total_fen: int | None
    enterprise_funds_fen: int | None
    subsidy_requested_fen: int | None
    period_months: int
    deadline: datetime | None
    eligible_kinds: list[str]
    qualifications: str
    consortium_allowed: bool
    consortium_max: int
    contact_name: str
    contact_phone: str
    contact_email: str
    indicators: list[IndicatorInput] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # see missing_parts

    def missing_labels(self) -> list[str]:
        return missing_labels(self.missing)


_PERIOD_TOKENS = re.compile(r"[0-9]+|个月|月|年|\s+|[^0-9\s月年个]+|个")


def parse_period(raw: Any) -> int:
    """'24', '24个月', '2年' → months; Unreadable names the words that are not a period."""
    found = tokens(_PERIOD_TOKENS, str(raw if raw is not None else "").strip())
    numbers = [t for t in found if is_number(t)]
    units = [t for t in found if t in ("个月", "月", "年")]
    bad = [t for t in found if not is_number(t) and t not in ("个月", "月", "年")]
    if bad or len(numbers) > 1 or len(units) > 1:
        raise Unreadable(bad or numbers[1:] or units[1:])
    if not numbers:
        raise ValueError("empty")
    return int(numbers[0]) * (12 if units == ["年"] else 1)


_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?")


def parse_deadline(raw: Any) -> datetime:
    """'2026-12-31T17:00', '2026-12-31 17:00', '2026年12月31日' (Beijing time) → UTC.

    Only a date means 17:00 that day. Unreadable names the words around the date that cannot
    be read ("2026-12-31前" → 前), or the whole cell when there is no date in it ("下个月").
    """
    if isinstance(raw, datetime):
        local = raw if raw.tzinfo else raw.replace(tzinfo=SHANGHAI)
        return local.astimezone(UTC)
    original = str(raw or "").strip()
    text = re.sub(r"(?<=[0-9])[年月./](?=[0-9])", "-", original.replace("：", ":"))
    text = re.sub(r"(?<=[0-9])日", "", text)
    if not text:
        raise ValueError("empty")
    found = _DATE.search(text)
    if found is None:
        raise Unreadable([original])
    rest = (text[: found.start()] + " " + text[found.end() :]).split()
    if rest:
        raise Unreadable(rest)
    text = found.group(0)
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI).astimezone(UTC)
        except ValueError:
            continue
    day = datetime.strptime(text, "%Y-%m-%d").date()  # ValueError (2026-02-30) propagates
    return datetime.combine(day, DEFAULT_DEADLINE_TIME, SHANGHAI).astimezone(UTC)


def deadline_local_text(value: datetime | None) -> str:
    """A UTC deadline as the value of a datetime-local input (Beijing time)."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") if value else ""


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value).strip()


def _truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on", "y", "是", "允许", "√"}


def _given(raw: Mapping[str, Any], key: str) -> str:
    """A completable field's text; a placeholder such as 面议 or 待定 counts as not given."""
    value = _text(raw, key)
    return "" if value in NOT_YET else value


def parse_challenge(
    raw: Mapping[str, Any], *, now: datetime, allow_missing: bool = False
) -> ChallengeInput:
    """Check every rule and return clean input, or raise ValidationFailed with per-field errors.

    ``allow_missing`` (an imported draft) keeps the parts missing_parts lists empty and records
    them in ``missing``; what is given must still be right. Otherwise they are required.
    """
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    def too_long(name: str, value: str, limit: int) -> None:
        if len(value) > limit:
            err(name, _("不能超过 %(n)d 个字符（现有 %(m)d 个）。", n=limit, m=len(value)))

    def required(name: str, limit: int) -> str:
        value = _text(raw, name)
        if not value:
            err(name, _("此项为必填项。"))
        too_long(name, value, limit)
        return value

    def optional(name: str, limit: int, *, completable: bool = False) -> str:
        value = _given(raw, name) if completable else _text(raw, name)
        too_long(name, value, limit)
        return value

    title = required("title", 200)
    problem = required("problem", 20000)
    background = optional("background", 20000)
    deliverables = optional("deliverables", 5000, completable=True)
    qualifications = optional("qualifications", 2000)
    contact_name = optional("contact_name", 100, completable=True)
    contact_phone = optional("contact_phone", 40, completable=True)
    contact_email = optional("contact_email", 254, completable=True)

    industry = None
    raw_field = _text(raw, "field")
    if raw_field in Industry._value2member_map_:
        industry = Industry(raw_field)
    else:
        err("field", _("请选择所属产业领域。"))

    amounts = _parse_amounts(raw, err)

    period = 0
    try:
        period = parse_period(raw.get("period_months"))
        if not 1 <= period <= 60:
            err("period_months", _("实施周期应在 1 到 60 个月之间。"))
    except Unreadable as exc:
        err(
            "period_months",
            _("无法识别%(words)s：请填写月数（整数），例如 24。", words=exc.quoted()),
        )
    except ValueError:
        err("period_months", _("请填写实施周期（整数，单位：月）。"))

    deadline = None
    if _given(raw, "deadline"):
        try:
            deadline = parse_deadline(raw.get("deadline"))
            if deadline <= now:
                err("deadline", _("揭榜截止时间必须晚于当前时间。"))
        except Unreadable as exc:
            err(
                "deadline",
                _(
                    "无法识别%(words)s：请填写日期，例如 2026-12-31 17:00（北京时间）。",
                    words=exc.quoted(),
                ),
            )
        except ValueError:
            err("deadline", _("不是有效的日期，例如 2026-12-31 17:00（北京时间）。"))

    kinds = raw.get("eligible_kinds") or []
    if isinstance(kinds, str):
        kinds = [k for k in re.split(r"[,，;；、\s]+", kinds) if k and k not in NOT_YET]
    unknown = [str(k) for k in kinds if _kind_value(k) is None]
    if unknown:
        err("eligible_kinds", _("无法识别%(words)s。", words=Unreadable(unknown).quoted()))
    kinds = sorted({_kind_value(k) for k in kinds} - {None})

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

    if contact_email:
        try:
            validate_email(contact_email, check_deliverability=False)
        except EmailNotValidError:
            err("contact_email", _("请输入有效的邮箱地址。"))

    indicators = _parse_indicators(raw.get("indicators") or [], err)

    values = SimpleNamespace(
        budget_total_fen=amounts.get("budget_total"),
        enterprise_funds_fen=amounts.get("enterprise_funds"),
        subsidy_requested_fen=amounts.get("subsidy_requested"),
        deadline=deadline,
        deliverables=deliverables,
        eligible_kinds=kinds,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        indicators=indicators,
    )
    # A part given but wrong has its own error above; only what is absent counts as missing.
    missing = [k for k in missing_parts(values) if k not in errors]
    if not allow_missing:
        for key in missing:
            err(key, str(_MISSING_MESSAGES[key]))
    if errors:
        raise ValidationFailed(field_errors=errors)
    return ChallengeInput(
        title=title,
        field=industry,
        problem=problem,
        background=background,
        deliverables=deliverables,
        budget_total_fen=amounts.get("budget_total"),
        enterprise_funds_fen=amounts.get("enterprise_funds"),
        subsidy_requested_fen=amounts.get("subsidy_requested"),
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
        missing=missing if allow_missing else [],
    )


def _parse_amounts(raw: Mapping[str, Any], err) -> dict[str, int]:
    """The three amounts in fen; what is not given (面议) is left out.

    One blank part counts as 0 (the other carries it all); both blank is a split not given yet.
    """
    amounts: dict[str, int] = {}
    failed = False
    parts_given = any(_given(raw, n) for n in ("enterprise_funds", "subsidy_requested"))
    for name in ("budget_total", "enterprise_funds", "subsidy_requested"):
        value = _given(raw, name)
        if not value:
            if name != "budget_total" and parts_given:
                amounts[name] = 0
            continue
        try:
            fen = wan_to_fen(value)
        except Unreadable as exc:
            err(
                name,
                _(
                    "无法识别%(words)s：请只填金额数字（单位万元），例如 150 或 87.5。",
                    words=exc.quoted(),
                ),
            )
            failed = True
            continue
        except ValueError:
            err(name, _("请填写金额（万元），最多两位小数，例如 150 或 87.5。"))
            failed = True
            continue
        if fen < 0:
            err(name, _("金额不能为负数。"))
            failed = True
        elif fen > MAX_BUDGET_FEN:
            err(name, _("金额超过上限 10 亿元（100000 万元），请核对单位是否为万元。"))
            failed = True
        else:
            amounts[name] = fen
    if amounts.get("budget_total") == 0:
        err("budget_total", _("榜单金额必须大于 0。"))
    elif len(amounts) == 3 and not failed:
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
    return amounts


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
