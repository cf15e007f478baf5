"""The staff form for a new record: raw strings in, the service's keyword arguments out."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..parsing import parse_id, parse_int
from .models import Measure

RECORD_FIELDS = (
    "subject",
    "measure",
    "period_years",
    "starts_on",
    "finding",
    "legal_basis",
    "summary",
    "project_id",
)


def raw_from_form(form) -> dict[str, str]:
    return {key: form.get(key, "") for key in RECORD_FIELDS}


def _subject(value: str) -> tuple[dict, str | None]:
    """``org:<id>`` or ``user:<id>``, as the select box sends it."""
    kind, _sep, number = value.strip().partition(":")
    subject_id = parse_id(number)
    if kind not in ("org", "user") or subject_id is None:
        return {}, _("请从列表中选择单位或个人。")
    key = "organisation_id" if kind == "org" else "user_id"
    return {key: subject_id}, None


def parse_record(raw: dict[str, str]) -> tuple[dict, dict[str, list[str]]]:
    """Keyword arguments for ``services.record_measure`` and the errors found on the way."""
    errors: dict[str, list[str]] = {}
    data, problem = _subject(raw["subject"])
    if problem:
        errors["subject"] = [problem]
    try:
        data["measure"] = Measure(raw["measure"])
    except ValueError:
        errors["measure"] = [_("请选择处理措施。")]
    if data.get("measure") is Measure.BAR:
        data["period_years"] = parse_int(raw["period_years"], minimum=1, maximum=100)
    try:
        data["starts_on"] = date.fromisoformat(raw["starts_on"].strip())
    except ValueError:
        errors["starts_on"] = [_("请填写处理决定日期，例如 2026-12-01。")]
    if raw["project_id"].strip():
        data["project_id"] = parse_id(raw["project_id"])
        if data["project_id"] is None:
            errors["project_id"] = [_("项目编号须为正整数。")]
    for key in ("finding", "legal_basis", "summary"):
        data[key] = raw[key]
    return data, errors


def parse_decision(form) -> bool:
    """Which button staff pressed on a 信用修复 application: True to approve."""
    decision = form.get("decision")
    if decision not in ("approve", "refuse"):
        msg = _("请选择批准或不予批准。")
        raise ValidationFailed(msg, field_errors={"reason": [msg]})
    return decision == "approve"
