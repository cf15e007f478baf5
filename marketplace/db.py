"""Database engine, sessions and the one way services write: ``@transactional``.

Reads in a request use one session per request (``db.session()``). Writes happen only inside
service functions decorated with ``@transactional``: each call is one transaction, begun with
``BEGIN IMMEDIATE`` on SQLite (a deferred transaction that reads then writes fails with
"database is locked" under concurrent workers, and the busy handler does not help), retried on
PostgreSQL serialization failures and deadlocks, and answered with ``DatabaseBusy`` (503) when
the database stays locked.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

from .errors import DatabaseBusy

P = ParamSpec("P")
R = TypeVar("R")

_current_write: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "current_write_session", default=None
)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC; returns aware datetimes on SQLite too (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, busy_timeout_ms: int = 5000) -> Engine:
    """Create the engine with the SQLite settings DESIGN.md §5 asks for."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    # The same bound on waiting for a lock as SQLite's busy_timeout: past it, 503 not a hang.
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"options": f"-c lock_timeout={int(busy_timeout_ms)}"},
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app: Flask) -> None:
    """Attach an engine to the app and close the request session at teardown."""
    engine = make_engine(
        app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
    )
    app.extensions["db_engine"] = engine

    @app.teardown_appcontext
    def _close_session(_exc):
        s = g.pop("db_session", None)
        if s is not None:
            s.close()


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["db_engine"]


def session() -> Session:
    """The read session of this request (or app context)."""
    s = _current_write.get()
    if s is not None:
        return s
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def _write_bind(eng: Engine) -> Engine:
    return eng.execution_options(sqlite_immediate=True) if eng.dialect.name == "sqlite" else eng


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    if code in {"40001", "40P01", "55P03"}:  # serialization, deadlock, lock timeout (PostgreSQL)
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service in one write transaction; nested services join the outer one.

    The wrapped function receives the session as its first argument; callers omit it.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        outer = _current_write.get()
        if outer is not None:
            return fn(outer, *args, **kwargs)
        attempts = 3
        for attempt in range(attempts):
            s = Session(_write_bind(engine()), expire_on_commit=False)
            token = _current_write.set(s)
            try:
                with s.begin():
                    result = fn(s, *args, **kwargs)
                refresh_read_session()
                return result
            except DBAPIError as exc:
                if not _retryable(exc):
                    raise
                if attempt == attempts - 1:
                    raise DatabaseBusy() from exc
                time.sleep(0.05 * (attempt + 1))
            finally:
                _current_write.reset(token)
                s.close()
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def refresh_read_session() -> None:
    # The request's read session may hold a snapshot from before this write: end it so the
    # page rendered next shows what was just written.
    if has_app_context() and "db_session" in g:
        g.db_session.rollback()
        g.db_session.expire_all()


def optimize(eng: Engine) -> None:
    """Refresh SQLite's planner statistics (a bounded ANALYZE); run by tick and after migrations.

    Without statistics SQLite picked a full sort for the default list page at 100k challenges
    (~250 ms instead of ~25 ms, bench/list_pages.py). PostgreSQL's autovacuum does this itself.
    """
    if eng.dialect.name != "sqlite":
        return
    with eng.connect() as conn:
        # A full ANALYZE (0.12 s at 100k challenges); a sampled one (analysis_limit) misjudged
        # how unselective the status filter is and brought the 250 ms sort back.
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def in_write_transaction() -> bool:
    """True inside a ``@transactional`` service."""
    return has_app_context() and _current_write.get() is not None
