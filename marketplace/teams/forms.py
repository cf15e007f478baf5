"""Profile and achievement forms are rendered from dicts of raw strings: nothing typed is lost."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from ..units import fen_to_wan_text
from .models import Achievement, TeamProfile

PROFILE_FIELDS = (
    "team_name",
    "leader_name",
    "leader_title",
    "leader_field",
    "research_fields",
    "keywords",
    "equipment",
)
MEMBER_PARTS = ("name", "title", "role")
WORK_PARTS = ("kind", "title", "number", "year")
ACHIEVEMENT_FIELDS = (
    "title",
    "field",
    "summary",
    "trl",
    "ip_status",
    "transfer_mode",
    "asking_price",
    "team_id",
)


def _table(form: MultiDict, prefix: str, parts: tuple[str, ...]) -> list[dict]:
    """Rows posted as parallel lists (member_name, member_title, …) back into dicts."""
    columns = {part: form.getlist(f"{prefix}_{part}") for part in parts}
    count = max((len(v) for v in columns.values()), default=0)
    return [
        {part: (columns[part][i] if i < len(columns[part]) else "") for part in parts}
        for i in range(count)
    ]


def profile_raw_from_form(form: MultiDict) -> dict:
    """What the user posted, in the shape parse_profile reads."""
    raw: dict = {name: form.get(name, "") for name in PROFILE_FIELDS}
    raw["is_public"] = form.get("is_public", "")
    raw["members"] = _table(form, "member", MEMBER_PARTS)
    raw["works"] = _table(form, "work", WORK_PARTS)
    return raw


def profile_raw(profile: TeamProfile) -> dict:
    """A saved profile as form values."""
    raw: dict = {name: getattr(profile, name) or "" for name in PROFILE_FIELDS}
    raw["is_public"] = "on" if profile.is_public else ""
    raw["members"] = [{p: str(m.get(p) or "") for p in MEMBER_PARTS} for m in profile.members]
    raw["works"] = [
        {p: "" if w.get(p) is None else str(w.get(p)) for p in WORK_PARTS}
        for w in profile.achievements
    ]
    return raw


def blank_profile_raw(user) -> dict:
    """An empty profile form, public by default, with the leader filled from the account."""
    raw: dict = dict.fromkeys(PROFILE_FIELDS, "")
    raw.update(leader_name=user.name, is_public="on", members=[], works=[])
    return raw


def rows(raw: dict, key: str, parts: tuple[str, ...], spare: int = 2, minimum: int = 3):
    """The typed rows plus a few empty ones to fill (the form works without script)."""
    typed = [r for r in raw.get(key) or [] if any((r.get(p) or "").strip() for p in parts)]
    blanks = max(spare, minimum - len(typed))
    return typed + [dict.fromkeys(parts, "") for _ in range(blanks)]


def achievement_raw_from_form(form: MultiDict) -> dict:
    """What the user posted, in the shape parse_achievement reads."""
    raw: dict = {name: form.get(name, "") for name in ACHIEVEMENT_FIELDS}
    raw["is_public"] = form.get("is_public", "")
    return raw


def achievement_raw(achievement: Achievement) -> dict:
    """A saved achievement as form values (the asking price in 万元, empty for 面议)."""
    return {
        "title": achievement.title,
        "field": achievement.field.value,
        "summary": achievement.summary,
        "trl": str(achievement.trl),
        "ip_status": achievement.ip_status,
        "transfer_mode": achievement.transfer_mode.value,
        "asking_price": fen_to_wan_text(achievement.asking_price_fen),
        "team_id": str(achievement.team_id or ""),
        "is_public": "on" if achievement.is_public else "",
    }


def blank_achievement_raw(team_id: int | None = None) -> dict:
    raw: dict = dict.fromkeys(ACHIEVEMENT_FIELDS, "")
    raw.update(is_public="on", team_id=str(team_id or ""))
    return raw
