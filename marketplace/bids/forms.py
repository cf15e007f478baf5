"""The bid form: what was posted, in the shape ``schemas.BidContent.from_raw`` reads."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from .schemas import MEMBER_PARTS, MILESTONE_PARTS


def _table(form: MultiDict, prefix: str, parts: tuple[str, ...]) -> list[dict]:
    columns = {p: form.getlist(f"{prefix}_{p}") for p in parts}
    count = max((len(v) for v in columns.values()), default=0)
    return [
        {p: (columns[p][i] if i < len(columns[p]) else "") for p in parts} for i in range(count)
    ]


def raw_from_form(form: MultiDict) -> dict:
    """What the user posted, in the shape ``BidContent.from_raw`` reads."""
    return {
        "leader_id": form.get("leader_id", ""),
        "approach": form.get("approach", ""),
        "prior_results": form.get("prior_results", ""),
        "requested_amount": form.get("requested_amount", ""),
        "members": _table(form, "member", MEMBER_PARTS),
        "milestones": _table(form, "milestone", MILESTONE_PARTS),
        "answers": {
            key.removeprefix("answer_"): value
            for key, value in form.items()
            if key.startswith("answer_")
        },
        "eligibility_confirmed": form.get("eligibility_confirmed", ""),
        "integrity_confirmed": form.get("integrity_confirmed", ""),
    }


def padded(rows, blank, *, minimum: int, spare: int = 1) -> list:
    """The typed rows plus empty ones (``blank()``) to fill (the form works without script)."""
    blanks = max(spare, minimum - len(rows))
    return list(rows) + [blank() for _ in range(blanks)]
