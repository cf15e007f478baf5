"""A page of rows and the numbers the pagination macro needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request

from .parsing import parse_int


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_arg(default: int = 1, *, last: int = 500, name: str = "page") -> int:
    """The ?page= argument (or ?<name>=), clamped to 1..last (deep offsets are slow and nobody
    reads them)."""
    page = parse_int(request.args.get(name, default))
    if page is None:  # "²", "٣", "abc": not a page number anyone typed on purpose
        return default
    return min(max(page, 1), last)
