"""Glue between service errors and WTForms forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from .errors import ValidationFailed


def apply_errors(form: FlaskForm, exc: ValidationFailed) -> list[str]:
    """Attach a service's per-field errors to the form; return the messages with no field."""
    loose: list[str] = []
    for name, messages in exc.field_errors.items():
        field = getattr(form, name, None)
        if field is None:
            loose.extend(messages)
        else:
            field.errors = [*list(field.errors or []), *messages]
    if not exc.field_errors:
        loose.append(exc.message)
    return loose


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(str(value), str(label)) for value, label in pairs]
