"""The one parser for integers taken from a request (ids, counts, versions, page numbers).

Python's ``int()`` accepts non-ASCII digits (``int("٣") == 3``) and ``str.isdigit()`` is true
for ``"²"``, which ``int()`` then refuses; ids beyond the database's integer range raise in the
driver. Everything typed or posted goes through here instead.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from .errors import ValidationFailed

# Database ids are 32-bit on both backends' INTEGER primary keys.
MAX_ID = 2**31 - 1
_ASCII_INT = re.compile(r"[+-]?[0-9]{1,18}")


def parse_int(
    value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """The integer written in ASCII digits, within bounds; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not _ASCII_INT.fullmatch(text):
            return None
        number = int(text)
    if minimum is not None and number < minimum:
        return None
    if maximum is not None and number > maximum:
        return None
    return number


def parse_id(value: object) -> int | None:
    """A database id (1 … 2³¹−1) or None."""
    return parse_int(value, minimum=1, maximum=MAX_ID)


def require_int(
    value: object,
    *,
    field: str,
    minimum: int | None = None,
    maximum: int | None = None,
    message: str | None = None,
) -> int:
    """Like :func:`parse_int`, but a bad value raises ``ValidationFailed`` on ``field``."""
    number = parse_int(value, minimum=minimum, maximum=maximum)
    if number is None:
        msg = message or _("请填写有效的整数（阿拉伯数字）。")
        raise ValidationFailed(msg, field_errors={field: [msg]})
    return number
