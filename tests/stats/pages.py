"""Reading the statistics pages as a browser without JavaScript would: tables and data blocks."""

from __future__ import annotations

import json
from html.parser import HTMLParser


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []  # (attributes, text)
        self.tables: dict[str, list[list[tuple[str, dict]]]] = {}  # testid → rows of cells
        self._script: dict | None = None
        self._script_text: list[str] = []
        self._table: str | None = None
        self._cell: dict | None = None
        self._cell_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self._script, self._script_text = a, []
        elif tag == "table" and a.get("data-testid"):
            self._table = a["data-testid"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell, self._cell_text = a, []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table:
            text = " ".join("".join(self._cell_text).split())
            self.tables[self._table][-1].append((text, self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)
        if self._cell is not None:
            self._cell_text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def rows(page: _Page, testid: str) -> dict[str, list[str]]:
    """A table's body rows keyed by their first cell, the other cells as text."""
    return {r[0][0]: [text for text, _a in r[1:]] for r in page.tables[testid][1:] if r}


def fen_rows(page: _Page, testid: str) -> dict[str, list[int]]:
    """A money table's rows keyed by their first cell: the exact fen of each money cell."""
    return {
        r[0][0]: [int(a["data-fen"]) for _t, a in r[1:] if "data-fen" in a]
        for r in page.tables[testid][1:]
        if r
    }


def data_blocks(page: _Page) -> dict[str, object]:
    """Every JSON data block, parsed (a block that is not JSON fails here)."""
    return {
        a["id"]: json.loads(text) for a, text in page.scripts if a.get("type") == "application/json"
    }


def inline_scripts(page: _Page) -> list[str]:
    """Scripts a browser would run that are not files from static/."""
    return [
        text
        for a, text in page.scripts
        if a.get("type") != "application/json"
        and not (a.get("src", "").startswith("/static/") and not text.strip())
    ]
