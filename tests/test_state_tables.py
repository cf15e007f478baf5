"""Every state machine of the app, read from its own table: each step allowed exactly to the
roles the table names, every other step refused — without a copy of the tables here."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from flask import Flask
from flask_babel import Babel

import marketplace.models  # noqa: F401  (imports every domain's tables and their machines)
from marketplace.accounts.models import Role
from marketplace.errors import InvalidTransition, PermissionDenied
from marketplace.states import MACHINES, SYSTEM, ensure_transition

APP_MACHINES = {
    enum: machine
    for enum, machine in MACHINES.items()
    if enum.__module__.startswith("marketplace.")
}
ACTORS = [*(SimpleNamespace(role=role) for role in Role), SYSTEM]


def _key(actor) -> str:
    return SYSTEM if actor == SYSTEM else actor.role.value


@pytest.fixture(autouse=True)
def _babel_context():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def test_every_domain_with_states_has_its_table():
    names = {enum.__name__ for enum in APP_MACHINES}
    assert {
        "ChallengeStatus",
        "BidStatus",
        "AwardStatus",
        "ProjectStatus",
        "MilestoneStatus",
        "TrancheStatus",
        "ExtensionStatus",
    } <= names


@pytest.mark.parametrize("enum", list(APP_MACHINES), ids=lambda e: e.__name__)
def test_tables_name_only_real_roles(enum):
    known = {role.value for role in Role} | {SYSTEM}
    for transition in APP_MACHINES[enum].transitions.values():
        assert transition.actors, transition
        assert transition.actors <= known, transition


@pytest.mark.parametrize("enum", list(APP_MACHINES), ids=lambda e: e.__name__)
def test_each_step_is_allowed_to_its_roles_and_refused_otherwise(enum):
    machine = APP_MACHINES[enum]
    for source, target, actor in itertools.product(enum, enum, ACTORS):
        obj = SimpleNamespace(**{machine.attr: source})
        step = machine.get(source, target)
        if step is None:
            with pytest.raises(InvalidTransition):
                ensure_transition(obj, target, actor=actor)
            assert getattr(obj, machine.attr) is source
        elif _key(actor) not in step.actors:
            with pytest.raises(PermissionDenied):
                ensure_transition(obj, target, actor=actor)
            assert getattr(obj, machine.attr) is source
        else:
            assert ensure_transition(obj, target, actor=actor) is source
            assert getattr(obj, machine.attr) is target
