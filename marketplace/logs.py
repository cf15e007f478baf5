"""Operational logs: one stderr handler, in gunicorn's format, every line with its request id.

gunicorn writes ``2026-12-01 10:00:00 +0800 [4242] [INFO] message``; our lines look the same
with the request id and the logger's name after the level, so one grep follows a request
through gunicorn's lines and ours.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, g, has_request_context

FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] [%(request_id)s] %(name)s: %(message)s"
DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"  # gunicorn's own


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request it was logged in ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (test runners and gunicorn replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(app: Flask) -> logging.Handler:
    """Install the one handler on the root logger, once per process.

    ``create_app`` runs once per gunicorn worker and many times in tests: a second call finds
    the handler it installed and adds none. gunicorn's own loggers do not propagate to the
    root, so its lines are not written twice either.
    """
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", logging.INFO))
    return handler
