"""The expert profile form is rendered from a dict of raw strings: nothing typed is lost."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from ..accounts.models import User
from ..challenges.models import Industry
from .models import Availability, ExpertProfile

TEXT_FIELDS = (
    "keywords",
    "organisation_name",
    "organisation_uscc",
    "title",
    "availability",
    "unavailable_until",
    "availability_note",
    "phone",
)


def raw_from_form(form: MultiDict) -> dict:
    """What the user posted, in the shape parse_expert_profile reads."""
    raw: dict = {name: form.get(name, "") for name in TEXT_FIELDS}
    raw["industries"] = form.getlist("industries")
    raw["is_finance_expert"] = form.get("is_finance_expert", "")
    return raw


def profile_raw(profile: ExpertProfile | None, industries: list[Industry], expert: User) -> dict:
    """A saved profile as form values; an empty form (phone from the account) when none."""
    if profile is None:
        raw: dict = dict.fromkeys(TEXT_FIELDS, "")
        raw.update(
            availability=Availability.AVAILABLE.value,
            phone=expert.phone or "",
            industries=[],
            is_finance_expert="",
        )
        return raw
    raw = {name: getattr(profile, name) or "" for name in TEXT_FIELDS}
    raw["availability"] = profile.availability.value
    raw["unavailable_until"] = (
        profile.unavailable_until.isoformat() if profile.unavailable_until else ""
    )
    raw["industries"] = [i.value for i in industries]
    raw["is_finance_expert"] = "on" if profile.is_finance_expert else ""
    return raw
