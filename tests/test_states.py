"""The state-machine mechanism itself; each domain's table is tested in its own lifecycle test."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_babel import lazy_gettext as _l

from marketplace.errors import InvalidTransition, PermissionDenied
from marketplace.states import (
    MACHINES,
    STAFF,
    SYSTEM,
    LabelledEnum,
    StateMachine,
    ensure_transition,
    labels,
)


class Lamp(LabelledEnum):
    OFF = "off"
    ON = "on"
    BROKEN = "broken"
    __labels__ = labels({OFF: _l("关"), ON: _l("开"), BROKEN: _l("坏")})


LAMP = StateMachine(
    Lamp,
    [
        (Lamp.OFF, Lamp.ON, "switch_on", {"researcher"}),
        (Lamp.ON, Lamp.OFF, "switch_off", {"researcher", SYSTEM}),
        (Lamp.ON, Lamp.BROKEN, "break_lamp", STAFF),
    ],
)


def test_labels_are_declared_once_and_not_members(app):
    with app.test_request_context():
        assert [m.label for m in Lamp] == ["关", "开", "坏"]
        assert Lamp.choices()[1] == ("on", "开")
    assert "__labels__" not in Lamp.__members__


def test_only_the_table_moves_state_and_the_message_names_both_states(app):
    lamp = SimpleNamespace(status=Lamp.OFF)
    with app.test_request_context():
        assert ensure_transition(lamp, Lamp.ON) is Lamp.OFF
        assert lamp.status is Lamp.ON
        lamp.status = Lamp.OFF
        with pytest.raises(InvalidTransition, match=r"“关”.*“坏”"):
            ensure_transition(lamp, Lamp.BROKEN)
    assert lamp.status is Lamp.OFF


def test_roles_are_checked_when_an_actor_is_given(app):
    researcher = SimpleNamespace(role=SimpleNamespace(value="researcher"))
    staff = SimpleNamespace(role=SimpleNamespace(value="staff"))
    lamp = SimpleNamespace(status=Lamp.ON)
    with app.test_request_context():
        with pytest.raises(PermissionDenied):
            ensure_transition(lamp, Lamp.BROKEN, actor=researcher)
        assert lamp.status is Lamp.ON
        ensure_transition(lamp, Lamp.OFF, actor=SYSTEM)
        ensure_transition(lamp, Lamp.ON, actor=researcher)
        ensure_transition(lamp, Lamp.BROKEN, actor=staff)
    assert LAMP.targets(Lamp.ON) == {Lamp.OFF, Lamp.BROKEN}
    assert MACHINES[Lamp] is LAMP


def test_a_table_refuses_foreign_states_and_duplicates():
    class Other(LabelledEnum):
        A = "a"
        __labels__ = labels({A: "A"})

    with pytest.raises(TypeError):
        StateMachine(Other, [(Other.A, Lamp.ON, "x", STAFF)])
    with pytest.raises(ValueError, match="twice"):
        StateMachine(Other, [(Other.A, Other.A, "x", STAFF), (Other.A, Other.A, "y", STAFF)])
