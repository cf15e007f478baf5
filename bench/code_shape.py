"""The shape of the application's code, as issue #10 measures it; prints one JSON line.

    .venv/bin/python bench/code_shape.py

- ``functions``: every function and method under ``marketplace/`` (nested ones included):
  their count and the median and 90th percentile of their length in lines (``def`` to the
  last line of the body, decorators not counted).
- ``views``: the route functions (decorated with a blueprint's ``route``/``get``/``post``/…)
  in views modules; how many there are and how many run over 20 lines.
- ``select_in_views``: lines of views modules that build SQL themselves (``select(``).
"""

from __future__ import annotations

import ast
import json
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "marketplace"
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
LONG_VIEW = 20


def _percentile(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0


def _is_route(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def _is_views(path: Path) -> bool:
    return path.stem == "views" or path.stem.endswith("_views")


def measure(root: Path = ROOT) -> dict:
    lengths: list[int] = []
    views: list[tuple[str, int]] = []
    selects = 0
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                lengths.append(length)
                if _is_views(path) and _is_route(node):
                    views.append((f"{path.relative_to(root.parent)}:{node.name}", length))
        if _is_views(path):
            selects += sum("select(" in line for line in text.splitlines())
    long_views = sorted(name for name, length in views if length > LONG_VIEW)
    return {
        "functions": {
            "count": len(lengths),
            "median": statistics.median(lengths) if lengths else 0,
            "p90": _percentile(lengths, 0.9),
        },
        "views": {"count": len(views), f"over_{LONG_VIEW}_lines": len(long_views)},
        "long_views": long_views,
        "select_in_views": selects,
    }


if __name__ == "__main__":
    print(json.dumps(measure(), ensure_ascii=False))
