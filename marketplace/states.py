"""Labelled enums and state machines: the one shape every stateful object copies.

A state enum declares its labels once (``__labels__``, like indico's ``__titles__``) and, beside
it, a :class:`StateMachine` lists every allowed transition with the service verb that makes it
and the roles that may ask for it. Services move state only through :func:`ensure_transition`;
tests read :data:`MACHINES` instead of keeping their own copy of the tables.

Adding a new state machine is a few lines::

    class ObjectionStatus(LabelledEnum):
        FILED = "filed"
        UPHELD = "upheld"
        DISMISSED = "dismissed"
        __labels__ = labels({FILED: _l("待处理"), UPHELD: _l("成立"), DISMISSED: _l("不成立")})

    OBJECTION_STATES = StateMachine(ObjectionStatus, [
        (ObjectionStatus.FILED, ObjectionStatus.UPHELD, "resolve_objection", STAFF),
        (ObjectionStatus.FILED, ObjectionStatus.DISMISSED, "resolve_objection", STAFF),
    ])

    # in the service:
    ensure_transition(objection, ObjectionStatus.UPHELD, actor=actor)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from flask_babel import gettext as _

from .errors import InvalidTransition, PermissionDenied

# Who may ask for a transition: role values, and SYSTEM for `tick` and other jobs.
SYSTEM = "system"
STAFF = frozenset({"staff", "admin"})


def labels(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """The read-only value → label table of a :class:`LabelledEnum` (``__labels__ = labels(…)``)."""
    return MappingProxyType(dict(mapping))


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translated label, declared once per enum.

    Subclasses set ``__labels__ = labels({VALUE: _l("…"), …})`` in the class body, beside the
    members (dunder names are not enum members). A test checks every member has a label.
    """

    @property
    def label(self) -> str:
        return str(type(self).__labels__[self.value])  # type: ignore[attr-defined]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a select box, in declaration order."""
        return [(m.value, m.label) for m in cls]


def labelled_enums() -> dict[str, type[LabelledEnum]]:
    """Every labelled enum the app defines, by class name (templates compare against these)."""
    found: dict[str, type[LabelledEnum]] = {}
    pending = list(LabelledEnum.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("marketplace."):
            found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


@dataclass(frozen=True)
class Transition:
    source: enum.Enum
    target: enum.Enum
    verb: str  # the service function that makes it
    actors: frozenset[str]  # role values (and SYSTEM) that may ask for it


# Every machine, by its state enum: what tests and the docs read.
MACHINES: dict[type[enum.Enum], StateMachine] = {}


class StateMachine:
    """The allowed transitions of one state enum, stored in the attribute ``attr``."""

    def __init__(
        self,
        states: type[enum.Enum],
        transitions: Iterable[tuple[Any, Any, str, Iterable[str]]],
        *,
        attr: str = "status",
    ):
        self.states = states
        self.attr = attr
        self.transitions: dict[tuple[enum.Enum, enum.Enum], Transition] = {}
        for source, target, verb, actors in transitions:
            if not (isinstance(source, states) and isinstance(target, states)):
                raise TypeError(f"{states.__name__}: {source!r} → {target!r} is not of this enum")
            key = (source, target)
            if key in self.transitions:
                raise ValueError(f"{states.__name__}: {source} → {target} declared twice")
            self.transitions[key] = Transition(
                source, target, verb, frozenset(str(a) for a in actors)
            )
        MACHINES[states] = self

    def get(self, source: enum.Enum, target: enum.Enum) -> Transition | None:
        return self.transitions.get((source, target))

    def targets(self, source: enum.Enum) -> set[enum.Enum]:
        """The states reachable in one step from ``source``."""
        return {t for (s, t) in self.transitions if s == source}

    def can(self, source: enum.Enum, target: enum.Enum, actor: Any = None) -> bool:
        """Whether the transition exists (and, given an actor, whether they may ask for it)."""
        transition = self.get(source, target)
        return transition is not None and (actor is None or _actor_key(actor) in transition.actors)


def _actor_key(actor: Any) -> str:
    if actor == SYSTEM:
        return SYSTEM
    role = getattr(actor, "role", None)
    return str(getattr(role, "value", role))


def _label(state: enum.Enum) -> str:
    return str(getattr(state, "label", state.value))


def check_transition(obj: Any, target: enum.Enum, *, actor: Any = None) -> Transition:
    """Raise unless ``obj`` may move to ``target`` now (for verbs that validate before moving).

    Raises ``InvalidTransition`` when the table has no such step from the current state, and
    ``PermissionDenied`` when ``actor`` (a user, or SYSTEM) may not ask for it. With no actor
    only the state is checked: the caller has checked the object-level permission itself.
    """
    machine = MACHINES[type(target)]
    current = getattr(obj, machine.attr)
    transition = machine.get(current, target)
    if transition is None:
        raise InvalidTransition(
            _(
                "当前状态为“%(current)s”，不能变为“%(target)s”。页面可能已过期，请刷新后重试。",
                current=_label(current),
                target=_label(target),
            )
        )
    if actor is not None and _actor_key(actor) not in transition.actors:
        raise PermissionDenied()
    return transition


def ensure_transition(obj: Any, target: enum.Enum, *, actor: Any = None) -> enum.Enum:
    """Move ``obj`` to ``target`` if its machine allows it (see :func:`check_transition`).

    Returns the previous state, for the audit row's ``before``.
    """
    transition = check_transition(obj, target, actor=actor)
    setattr(obj, MACHINES[type(target)].attr, target)
    return transition.source


def require_state(obj: Any, *states: enum.Enum) -> None:
    """For verbs that act on an object without moving it (e.g. editing a draft)."""
    machine_attr = MACHINES[type(states[0])].attr if type(states[0]) in MACHINES else "status"
    current = getattr(obj, machine_attr)
    if current not in states:
        raise InvalidTransition(
            _(
                "当前状态为“%(current)s”，不能执行此操作。页面可能已过期，请刷新后重试。",
                current=_label(current),
            )
        )
