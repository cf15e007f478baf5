"""The challenge form is rendered from a dict of raw strings, so nothing typed is ever lost."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from ..units import fen_to_wan_text
from .models import Challenge, Indicator
from .schemas import deadline_local_text

TEXT_FIELDS = (
    "title",
    "field",
    "problem",
    "background",
    "deliverables",
    "budget_total",
    "enterprise_funds",
    "subsidy_requested",
    "period_months",
    "deadline",
    "qualifications",
    "consortium_max",
    "contact_name",
    "contact_phone",
    "contact_email",
)
INDICATOR_PARTS = ("name", "target", "unit", "verification")


def raw_from_form(form: MultiDict) -> dict:
    """What the user posted, in the shape parse_challenge reads."""
    raw: dict = {name: form.get(name, "") for name in TEXT_FIELDS}
    raw["eligible_kinds"] = form.getlist("eligible_kinds")
    raw["consortium_allowed"] = form.get("consortium_allowed", "")
    columns = {part: form.getlist(f"indicator_{part}") for part in INDICATOR_PARTS}
    count = max((len(v) for v in columns.values()), default=0)
    raw["indicators"] = [
        {part: (columns[part][i] if i < len(columns[part]) else "") for part in INDICATOR_PARTS}
        for i in range(count)
    ]
    return raw


def raw_from_challenge(challenge: Challenge, indicators: list[Indicator]) -> dict:
    """A saved challenge as form values (money in 万元, deadline in Beijing time)."""
    return {
        "title": challenge.title,
        "field": challenge.field.value,
        "problem": challenge.problem,
        "background": challenge.background,
        "deliverables": challenge.deliverables,
        "budget_total": fen_to_wan_text(challenge.budget_total_fen),
        "enterprise_funds": fen_to_wan_text(challenge.enterprise_funds_fen),
        "subsidy_requested": fen_to_wan_text(challenge.subsidy_requested_fen),
        "period_months": str(challenge.period_months),
        "deadline": deadline_local_text(challenge.deadline),
        "eligible_kinds": list(challenge.eligible_kinds),
        "qualifications": challenge.qualifications,
        "consortium_allowed": "on" if challenge.consortium_allowed else "",
        "consortium_max": str(challenge.consortium_max) if challenge.consortium_allowed else "",
        "contact_name": challenge.contact_name,
        "contact_phone": challenge.contact_phone,
        "contact_email": challenge.contact_email,
        "indicators": [
            {"name": i.name, "target": i.target, "unit": i.unit, "verification": i.verification}
            for i in indicators
        ],
    }


def blank_raw(user) -> dict:
    """An empty form, with the contact person filled from the account."""
    raw: dict = dict.fromkeys(TEXT_FIELDS, "")
    raw.update(
        eligible_kinds=["university", "institute"],
        consortium_allowed="",
        indicators=[],
        contact_name=user.name,
        contact_phone=user.phone,
        contact_email=user.email,
    )
    return raw


def indicator_rows(raw: dict, spare: int = 2, minimum: int = 4) -> list[dict]:
    """The typed indicators plus a few empty rows to fill (the form works without script)."""
    rows = list(raw.get("indicators") or [])
    filled = [r for r in rows if any((r.get(p) or "").strip() for p in INDICATOR_PARTS)]
    blanks = max(spare, minimum - len(filled))
    return filled + [dict.fromkeys(INDICATOR_PARTS, "") for _ in range(blanks)]
