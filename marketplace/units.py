"""Units every domain shares: money (kept as integer fen, typed and shown in 万元) and the time
zone people live in (times are stored in UTC, typed and shown in Asia/Shanghai).

One place, so a 万元 typed in a challenge, a bid or an achievement is read and shown the same way.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")

FEN_PER_WAN = 1_000_000  # 1 万元 = 10 000 元 = 1 000 000 分
MAX_BUDGET_FEN = 100_000 * FEN_PER_WAN  # 10 亿元

_AMOUNT_TOKENS = re.compile(r"-?[0-9]+(?:[,，][0-9]{3})*(?:\.[0-9]+)?|万元|万|\s+|[^0-9\s万]+")


class Unreadable(ValueError):
    """A cell with words that cannot be read; ``words`` are those words, not the whole cell."""

    def __init__(self, words: list[str]):
        super().__init__(words)
        self.words = words

    def quoted(self) -> str:
        return "、".join(f"“{w}”" for w in self.words)


def tokens(pattern: re.Pattern, text: str) -> list[str]:
    """The non-blank pieces of ``text`` that ``pattern`` cuts it into."""
    return [t for t in pattern.findall(text) if not t.isspace()]


def is_number(token: str) -> bool:
    return token[-1] in "0123456789"  # ASCII only: ５０ or ٣ is a word we cannot read


def wan_to_fen(raw: Any) -> int:
    """'12.5', '12.5万元' → 12_500_000 fen; Unreadable names the words that are not an amount."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ValueError("empty")
    found = tokens(_AMOUNT_TOKENS, text)
    numbers = [t for t in found if is_number(t)]
    bad = [t for t in found if not is_number(t) and t not in ("万元", "万")]
    if bad or len(numbers) > 1:
        raise Unreadable(bad or numbers[1:])
    if not numbers:
        raise ValueError("no number")
    try:
        amount = Decimal(numbers[0].replace(",", "").replace("，", ""))
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


def fen_to_wan(fen: int | None) -> str:
    """Integer fen shown as 万元 with two decimals: 1234500000 → '1,234.50' (the |wan filter)."""
    if fen is None:
        return ""
    wan = (Decimal(int(fen)) / FEN_PER_WAN).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{wan:,.2f}"


def money(fen: int | None) -> str:
    """Money for display with its unit, in the current language (the |money filter)."""
    if fen is None:
        return ""
    return _("%(amount)s 万元", amount=fen_to_wan(fen))
