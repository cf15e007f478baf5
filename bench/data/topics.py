"""The hand-written building blocks of the search-quality evaluation set, read from topics.toml.

make_eval.py turns them into the evaluation files; topics.toml explains what a topic is and how
its concepts are graded. This module only gives the data its Python shape: an indicator is a
(name, target, unit) tuple, a variant a (title, product context, concepts) tuple, and an implied
concept a (broader concept, highest grade) tuple. Order is kept as written.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "topics.toml"


def _topic(raw: dict) -> dict:
    """One [[topic]] table in the shape make_eval.py reads."""
    return {
        "key": raw["key"],
        "field": raw["field"],
        "tags": raw["tags"],
        "variants": [(v["title"], v["context"], v["tags"]) for v in raw["variant"]],
        "symptoms": raw["symptoms"],
        "tried": raw["tried"],
        "goals": raw["goals"],
        "indicators": [(i["name"], i["target"], i["unit"]) for i in raw["indicators"]],
        "deliver": raw["deliver"],
        "team": raw["team"],
    }


def load(path: Path = DATA_FILE) -> tuple[dict, dict, list[dict]]:
    """(IMPLIES, INDUSTRY_LABELS, TOPICS) from the data file."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    implies = {
        concept: [(broader["concept"], broader["max_grade"]) for broader in implied]
        for concept, implied in data["implies"].items()
    }
    return implies, data["industry_labels"], [_topic(raw) for raw in data["topic"]]


# Concepts that imply broader ones: concept → [(broader concept, highest grade it can get)].
IMPLIES: dict[str, list[tuple[str, int]]]
INDUSTRY_LABELS: dict[str, str]
TOPICS: list[dict]
IMPLIES, INDUSTRY_LABELS, TOPICS = load()
