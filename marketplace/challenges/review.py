"""What the bureau needs to review a resubmitted challenge: what changed since it was returned.

When staff return a challenge (退回修改) its content is recorded with the return's audit event;
when the issuer resubmits, the review page compares that record with the content now, field by
field. Challenges returned before the record existed simply have nothing to compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from ..audit import AuditEvent
from .models import Challenge, Industry

RETURN_ACTION = "challenge.return"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Industry):
        return value.value
    return value


def content_snapshot(challenge: Challenge, indicators) -> dict:
    """Everything the issuer can change in a draft, as JSON: the fields and the indicators."""
    from .services import SIMPLE_FIELDS  # services records this snapshot; import it late

    content = {name: _jsonable(getattr(challenge, name)) for name in SIMPLE_FIELDS}
    content["indicators"] = [
        {"name": i.name, "target": i.target, "unit": i.unit, "verification": i.verification}
        for i in indicators
    ]
    return content


@dataclass
class SinceReturn:
    returned_at: datetime
    comment: str
    changes: list[tuple[str, Any, Any]]  # (field, as returned, as resubmitted), in form order


def changes_since_return(s: Session, challenge: Challenge) -> SinceReturn | None:
    """How the challenge under review differs from the version staff last returned (None: it
    was never returned, or returned before returns recorded the content)."""
    from .services import indicators_of

    event = s.exec(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "challenge",
            AuditEvent.object_id == str(challenge.id),
            AuditEvent.action == RETURN_ACTION,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    returned = (event.after or {}).get("content") if event else None
    if not returned:
        return None
    now = content_snapshot(challenge, indicators_of(s, challenge.id))
    changes = [(name, returned.get(name), value) for name, value in now.items()
               if returned.get(name) != value]  # fmt: skip
    return SinceReturn(event.created_at, (event.after or {}).get("comment", ""), changes)
