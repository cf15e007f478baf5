"""Glue between service errors and forms, and the refilling of a form that was sent again."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from html import escape
from html.parser import HTMLParser
from typing import Any

from flask import flash, request
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from .errors import Conflict, PermissionDenied, ValidationFailed
from .parsing import parse_int


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


# --- a form sent again after its token expired ------------------------------------------------

_NOT_REFILLED = {"password", "file", "submit", "button", "image", "reset"}


def refill(page: str, posted: MultiDict, *, action: str, keep: Collection[str] = ()) -> str:
    """``page`` with every form that posts to ``action`` filled with ``posted``, as the browser
    had it: text, hidden fields, text areas, selects, check boxes and radio buttons, the n-th
    field of a name from the n-th posted value. Passwords and files never come back, and the
    names in ``keep`` (the fresh CSRF token) keep the page's own value."""
    filler = _Refill(page, posted, action=action, keep=set(keep))
    filler.feed(page)
    filler.close()
    return filler.result(page)


class _Refill(HTMLParser):
    def __init__(self, page: str, posted: MultiDict, *, action: str, keep: set[str]):
        super().__init__(convert_charrefs=True)
        self.posted, self.action, self.keep = posted, action, keep
        self.edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the page
        # Where each line starts: getpos() counts "\n" only (str.splitlines knows more breaks).
        self.lines = [0] + [m.end() for m in re.finditer("\n", page)]
        self.in_form = False
        self.seen: dict[str, int] = {}
        self.selected: set[str] | None = None  # the posted values of the open <select>
        self.textarea: tuple[int, str] | None = None  # where its text starts, its new text

    def result(self, page: str) -> str:
        out, last = [], 0
        for start, end, text in sorted(self.edits):
            out.append(page[last:start])
            out.append(text)
            last = end
        out.append(page[last:])
        return "".join(out)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def _next_value(self, name: str) -> str | None:
        values = self.posted.getlist(name)
        index = self.seen.get(name, 0)
        self.seen[name] = index + 1
        return values[index] if index < len(values) else None

    def _replace_tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        original = self.get_starttag_text() or ""
        start = self._offset()
        parts = [tag]
        for key, value in attrs:
            parts.append(key if value is None else f'{key}="{escape(value, quote=True)}"')
        closing = " />" if original.rstrip().endswith("/>") else ">"
        self.edits.append((start, start + len(original), "<" + " ".join(parts) + closing))

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "form":
            self.in_form = (found.get("method") or "get").lower() == "post" and (
                found.get("action") or self.action
            ) == self.action
            return
        if not self.in_form:
            return
        name = found.get("name")
        if tag == "input" and name and name not in self.keep:
            kind = (found.get("type") or "text").lower()
            if kind in _NOT_REFILLED:
                return
            if kind in ("checkbox", "radio"):
                on = (found.get("value") or "on") in self.posted.getlist(name)
                attrs = [(k, v) for k, v in attrs if k != "checked"] + [("checked", None)] * on
            else:
                value = self._next_value(name)
                if value is None:
                    return
                attrs = [(k, v) for k, v in attrs if k != "value"] + [("value", value)]
            self._replace_tag(tag, attrs)
        elif tag == "textarea" and name and name not in self.keep:
            value = self._next_value(name)
            if value is not None:
                # A browser drops one newline right after <textarea>: give it one to drop.
                text = "\n" + value if value.startswith("\n") else value
                self.textarea = (self._offset() + len(self.get_starttag_text() or ""), text)
        elif tag == "select":
            chosen = name and name not in self.keep and name in self.posted
            self.selected = set(self.posted.getlist(name)) if chosen else None
        elif tag == "option" and self.selected is not None and "value" in found:
            on = found["value"] in self.selected
            attrs = [(k, v) for k, v in attrs if k != "selected"] + [("selected", None)] * on
            self._replace_tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.selected = None
        elif tag == "textarea" and self.textarea is not None:
            start, text = self.textarea
            self.edits.append((start, self._offset(), escape(text, quote=False)))
            self.textarea = None


def expected_version() -> int:
    """The ``version`` a form was rendered with (optimistic locking); 0 when absent or bad."""
    return parse_int(request.form.get("version"), minimum=0) or 0


def edit_flow(
    *,
    render: Callable[..., ResponseReturnValue],
    initial: Callable[[], dict],
    read: Callable[[MultiDict], dict],
    save: Callable[[dict], Any],
    done: Callable[[Any], ResponseReturnValue],
    saved: str | Callable[[Any], str] | None = None,
    message_field: str = "_form",
    keep_form_when_refused: bool = False,
) -> ResponseReturnValue:
    """The one shape of an edit page: GET shows it, POST reads, saves through one service.

    ``render(raw=…, errors=…, status=…)`` draws the page; ``initial()`` gives the values a GET
    shows; ``read(form)`` turns the posted form into the raw dict the page and the schema share;
    ``save(raw)`` calls the service (which parses and validates); ``done(result)`` is the
    redirect after success, flashed with ``saved`` (or ``saved(result)``). A stale form
    (``Conflict``) comes back as 409 and invalid input (``ValidationFailed``) as 422, both with
    the user's input; a refusal that names no field is shown under ``message_field``. With
    ``keep_form_when_refused``, a ``PermissionDenied`` the service raises (e.g. an integrity
    bar found at submission) comes back as 403 on the same form instead of the error page.
    """
    if request.method == "GET":
        return render(raw=initial(), errors={}, status=200)
    raw = read(request.form)
    try:
        result = save(raw)
    except Conflict as exc:
        return render(raw=raw, errors={"_form": [exc.message]}, status=409)
    except ValidationFailed as exc:
        errors = exc.field_errors or {message_field: [exc.message]}
        return render(raw=raw, errors=errors, status=422)
    except PermissionDenied as exc:
        if not keep_form_when_refused:
            raise
        return render(raw=raw, errors={message_field: [exc.message]}, status=403)
    if saved:
        flash(saved(result) if callable(saved) else saved, "success")
    return done(result)


def fields_of(names: Collection[str]) -> Callable[[MultiDict], dict]:
    """A ``read`` for :func:`edit_flow` that takes these fields of the form as text."""
    return lambda form: {name: form.get(name, "") for name in names}
