"""One validation layer for expert profiles: raw strings in, clean input or every message out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from ..accounts.services import check_uscc
from ..challenges.models import Industry
from ..errors import ValidationFailed
from ..teams.schemas import normalize_keywords
from ..units import SHANGHAI
from .models import Availability

MAX_KEYWORDS = 30
LIMITS = {
    "keywords": 1000,
    "organisation_name": 200,
    "title": 100,
    "availability_note": 500,
    "phone": 30,
}
# Mobile, landline with area code and extension, or international: digits and the usual marks.
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,28}[0-9]$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # what <input type=date> sends


@dataclass
class ExpertProfileInput:
    industries: list[Industry]
    keywords: str
    organisation_name: str
    organisation_uscc: str
    title: str
    is_finance_expert: bool
    availability: Availability
    unavailable_until: date | None
    availability_note: str
    phone: str


def _clean(value: Any) -> str:
    """A typed value as text; NUL characters are dropped (PostgreSQL refuses them in text)."""
    return "" if value is None else str(value).replace("\x00", "").strip()


def _truthy(value: Any) -> bool:
    return _clean(value).lower() in {"1", "true", "yes", "on", "y", "是"}


class _Errors(dict):
    """field name → messages; ``raise_if_any`` ends the parse with all of them."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def text(self, raw: Mapping[str, Any], name: str, *, required: bool = False) -> str:
        value, limit = _clean(raw.get(name)), LIMITS[name]
        if required and not value:
            self.add(name, _("此项为必填项。"))
        elif len(value) > limit:
            self.add(name, _("不能超过 %(n)d 个字符（现有 %(m)d 个）。", n=limit, m=len(value)))
        return value

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(field_errors=dict(self))


def parse_expert_profile(raw: Mapping[str, Any], *, today: date) -> ExpertProfileInput:
    """Check every rule and return clean input, or raise ValidationFailed with per-field errors.

    ``today`` is the date in Asia/Shanghai: an unavailability may not end before it.
    """
    err = _Errors()
    industries = _industries(raw.get("industries"), err)
    keywords = _keywords(_clean(raw.get("keywords")), err)
    organisation_name = err.text(raw, "organisation_name", required=True)
    organisation_uscc = _uscc(_clean(raw.get("organisation_uscc")), err)
    title = err.text(raw, "title")
    availability, until = _availability(raw, err, today=today)
    note = err.text(raw, "availability_note")
    phone = err.text(raw, "phone")
    if phone and "phone" not in err and not _PHONE.match(phone):
        err.add("phone", _("请填写有效的电话号码，例如 13812345678 或 0576-85123456。"))
    err.raise_if_any()
    return ExpertProfileInput(
        industries=industries,
        keywords=keywords,
        organisation_name=organisation_name,
        organisation_uscc=organisation_uscc,
        title=title,
        is_finance_expert=_truthy(raw.get("is_finance_expert")),
        availability=availability,
        unavailable_until=until,
        availability_note=note,
        phone=phone,
    )


def _industries(values: Any, err: _Errors) -> list[Industry]:
    """The ticked fields in the enum's order; at least one, none unknown."""
    if isinstance(values, str):
        values = [values]
    chosen = {_clean(v) for v in values or [] if _clean(v)}
    unknown = chosen - set(Industry._value2member_map_)
    if unknown:
        err.add("industries", _("专业领域的选项无效，请从列表中选择。"))
    elif not chosen:
        err.add("industries", _("请至少选择一个专业领域。"))
    return [i for i in Industry if i.value in chosen]


def _keywords(text: str, err: _Errors) -> str:
    words = normalize_keywords(text)
    joined = "、".join(words)
    if len(words) > MAX_KEYWORDS:
        err.add(
            "keywords", _("关键词最多 %(n)d 个（现有 %(m)d 个）。", n=MAX_KEYWORDS, m=len(words))
        )
    elif len(joined) > LIMITS["keywords"]:
        err.add(
            "keywords",
            _("不能超过 %(n)d 个字符（现有 %(m)d 个）。", n=LIMITS["keywords"], m=len(joined)),
        )
    return joined


def _uscc(text: str, err: _Errors) -> str:
    """Optional; when given, checked like an organisation's (GB 32100 check digit)."""
    if not text:
        return ""
    try:
        return check_uscc(text)
    except ValidationFailed as exc:
        err.add("organisation_uscc", exc.message)
        return text


def _availability(
    raw: Mapping[str, Any], err: _Errors, *, today: date
) -> tuple[Availability, date | None]:
    """Available, or unavailable with an optional last day (today or later)."""
    value = _clean(raw.get("availability")) or Availability.AVAILABLE.value
    if value not in Availability._value2member_map_:
        err.add("availability", _("请选择是否可参加评审。"))
        return Availability.AVAILABLE, None
    availability = Availability(value)
    until_text = _clean(raw.get("unavailable_until"))
    if availability is Availability.AVAILABLE or not until_text:
        return availability, None  # a date left in the form of an available expert means nothing
    try:
        if not _ISO_DATE.match(until_text):
            raise ValueError(until_text)
        until = date.fromisoformat(until_text)
    except ValueError:
        err.add("unavailable_until", _("请按 年-月-日 填写日期，例如 2027-01-15。"))
        return availability, None
    if until < today:
        err.add(
            "unavailable_until",
            _(
                "暂停评审的截止日期 %(day)s 已经过去，请填写今天（%(today)s）或以后的日期；"
                "如已可参加评审，请选择“可参加评审”。",
                day=until.isoformat(),
                today=today.isoformat(),
            ),
        )
    return availability, until


def local_today() -> date:
    """Today's date in Asia/Shanghai, the date people type and read."""
    from ..db import utcnow

    return utcnow().astimezone(SHANGHAI).date()
