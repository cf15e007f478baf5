"""The award proposal form, parsed into clean input (money in fen) or per-field errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..challenges.schemas import wan_to_fen
from ..errors import ValidationFailed
from ..parsing import parse_id
from .models import AwardKind

MAX_RACERS = 3  # 赛马: two or three teams
MIN_RACERS = 2
REASON_MAX = 2000
STATEMENT_MAX = 2000


@dataclass(frozen=True)
class ShareInput:
    bid_id: int
    amount_fen: int


@dataclass(frozen=True)
class AwardInput:
    kind: AwardKind
    shares: list[ShareInput]
    statement: str


def parse_proposal(raw: Mapping[str, Any]) -> AwardInput:
    """``kind``; ``bid_id`` and ``amount`` as parallel lists (万元); ``statement``.

    Rows with neither a bid nor an amount are ignored. Budget and shortlist checks need the
    database and live in the service.
    """
    errors: dict[str, list[str]] = {}
    try:
        kind = AwardKind(str(raw.get("kind") or ""))
    except ValueError:
        kind = None
        errors["kind"] = [_("请选择揭榜方式：单一揭榜方或赛马制。")]
    bids = list(raw.get("bid_id") or [])
    amounts = list(raw.get("amount") or [])
    shares: list[ShareInput] = []
    for i in range(max(len(bids), len(amounts))):
        bid_text = str(bids[i] if i < len(bids) else "").strip()
        amount_text = str(amounts[i] if i < len(amounts) else "").strip()
        if not bid_text and not amount_text:
            continue
        bid_id = parse_id(bid_text)
        if bid_id is None:
            errors.setdefault("bid_id", []).append(_("第 %(n)d 行：请选择入围的揭榜。", n=i + 1))
            continue
        try:
            amount = wan_to_fen(amount_text)
        except ValueError:
            amount = 0
        if amount <= 0:
            errors.setdefault("amount", []).append(
                _("第 %(n)d 行：请填写大于 0 的金额（万元，最多两位小数）。", n=i + 1)
            )
            continue
        shares.append(ShareInput(bid_id, amount))
    if kind is AwardKind.SINGLE and len(shares) != 1 and "bid_id" not in errors:
        errors.setdefault("bid_id", []).append(_("单一揭榜方须且只能选择一个入围揭榜。"))
    if kind is AwardKind.PARALLEL and not (MIN_RACERS <= len(shares) <= MAX_RACERS):
        errors.setdefault("bid_id", []).append(
            _("赛马制须选择 %(a)d 至 %(b)d 个入围团队。", a=MIN_RACERS, b=MAX_RACERS)
        )
    if len({sh.bid_id for sh in shares}) != len(shares):
        errors.setdefault("bid_id", []).append(_("同一揭榜不能重复选择。"))
    statement = str(raw.get("statement") or "").strip()
    if len(statement) > STATEMENT_MAX:
        errors["statement"] = [_("说明最多 %(n)d 个字。", n=STATEMENT_MAX)]
    if errors:
        raise ValidationFailed(field_errors=errors)
    return AwardInput(kind=kind, shares=shares, statement=statement)


def required_reason(value: Any, *, field: str, message: str) -> str:
    """A reason that must be given (流榜, revocation, an objection, its resolution)."""
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(message, field_errors={field: [message]})
    if len(text) > REASON_MAX:
        msg = _("最多 %(n)d 个字（现有 %(m)d 个）。", n=REASON_MAX, m=len(text))
        raise ValidationFailed(msg, field_errors={field: [msg]})
    return text
