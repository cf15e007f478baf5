"""States and roles are compared through their enums, never as string literals.

A literal ('pending_review', "admin") compiles and renders whatever the enum says, so a renamed
or added state silently stops matching. Templates get every labelled enum as a global
(``Role.ADMIN``, ``ChallengeStatus.DRAFT``); Python imports them; SQL in models is built with
``models_base.sql``. Migrations are frozen history and may spell values out.
"""

from __future__ import annotations

import re
from pathlib import Path

from marketplace.states import MACHINES, labelled_enums

ROOT = Path(__file__).resolve().parent.parent
# Besides every enum with a state machine: roles, and the derived public phase.
ALSO = ("Role", "Phase")


def _values(app) -> set[str]:
    enums = [*MACHINES, *(labelled_enums()[name] for name in ALSO)]
    return {m.value for enum in enums for m in enum}


def _offences(pattern: re.Pattern, files) -> list[str]:
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_templates_compare_states_with_the_enums(app):
    words = "|".join(sorted(_values(app)))
    # x.value == 'draft', x.status != "open", role in ('staff', …)
    pattern = re.compile(
        rf"""(\.value|\.status|\.role|\.membership|phase|\bph)\s*(==|!=|\bin\b|\bnot in\b)\s*"""
        rf"""[\(\[]?\s*['"]({words})['"]"""
    )
    offences = _offences(pattern, sorted((ROOT / "templates").rglob("*.html")))
    assert not offences, "compare with the enum instead:\n" + "\n".join(offences)


def test_python_compares_states_with_the_enums(app):
    words = "|".join(sorted(_values(app)))
    # == "draft", != 'open', {"status": "closed"}, and SQL fragments like status != 'withdrawn'
    pattern = re.compile(
        rf"""(==|!=|\bin\s*[\(\[{{]|"status":|status\s*(=|!=|IN))\s*[\(]?\s*['"]({words})['"]"""
    )
    files = [
        p
        for p in sorted((ROOT / "marketplace").rglob("*.py"))
        if "demo" not in p.parts  # demo data names states as data, checked against the enum
    ]
    offences = _offences(pattern, files)
    assert not offences, "use the enum (or models_base.sql in SQL):\n" + "\n".join(offences)


def test_every_labelled_enum_has_a_label_for_every_member(app):
    with app.test_request_context():
        for name, enum in labelled_enums().items():
            for member in enum:
                assert member.label, f"{name}.{member.name} has no label"
