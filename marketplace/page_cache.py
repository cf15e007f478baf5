"""Rendered pages kept per process until the data they show changes.

Every commit that changed a table a page can show bumps one counter, ``data_generation``, as
the last statement of the same transaction (``Session`` events below; every write goes through
``db.transactional``, which commits through a ``Session``), so the change and the new
generation become visible together. A page in
``CACHED_ENDPOINTS`` is looked up under (endpoint, host, path and query string, language, the
viewer's user id, the generation, the minute); on a miss the view runs as always and its HTML
is kept. So a request that starts after a write has returned sees that write on every worker:
it reads the new generation, and no page was ever kept under it before the write was visible.
A page can be a minute behind the clock (a deadline that has just passed), never behind the
data.

Only what is the same for every request of that key is kept:
- the CSRF token is a placeholder in the kept HTML, replaced with this session's token on
  every answer; a page that takes a token another way (a WTForms form's own field) is not kept;
- a page with flashed messages is neither served from nor put into the cache;
- only a view's plain HTML (a ``str``) is kept, never a response with its own status, headers
  or cookies; errors, redirects and downloads are never kept;
- access checks are part of the view, and their outcome depends only on the user and the data,
  both in the key; a user whose session ended is anonymous, with the anonymous key.

Writes to tables no page shows (the login session's last-seen time, the e-mail outbox's
delivery state, reminder bookkeeping) do not bump the generation, so a logged-in user's
page views do not empty everyone's cache.
"""

from __future__ import annotations

import functools
import secrets
import threading
import time as clock
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import BigInteger, event, inspect, update
from sqlmodel import Field, Session, SQLModel

from . import db

# The pages people browse most, public and logged-in (bench/pages.py drives each of them).
CACHED_ENDPOINTS = (
    "dashboard.home",
    "challenges.index",
    "challenges.detail",
    "search.search",
    "teams.index",
    "teams.detail",
    "teams.achievements",
    "bids.mine",
    "challenges.review_queue",
)

# Tables whose rows no page in CACHED_ENDPOINTS shows: writing them does not change a page.
QUIET_TABLES = frozenset(
    {"login_session", "notification_mail", "reminder_sent", "digest_run", "data_generation"}
)

_SENTINEL = "pagecache-csrf-" + secrets.token_hex(12)


class DataGeneration(SQLModel, table=True):
    """One row: how many committed writes have changed what pages show."""

    __tablename__ = "data_generation"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_type=BigInteger)


class PageStore:
    """A bounded LRU of rendered pages, per process; thread-safe."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._pages: OrderedDict[tuple, tuple[str, float | None]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> str | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is not None and entry[1] is not None and clock.time() >= entry[1]:
                self._bytes -= len(self._pages.pop(key)[0])
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: tuple, body: str, until: float | None = None) -> None:
        """Keep ``body``; ``until``: a Unix time after which it is stale (None: the key's
        generation and minute decide alone)."""
        size = len(body)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._pages[key] = (body, until)
            self._bytes += size
            while len(self._pages) > self.max_entries or self._bytes > self.max_bytes:
                _key, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped[0])

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._pages)


def store() -> PageStore:
    return current_app.extensions["page_cache"]


# --- the generation -----------------------------------------------------------------------


def generation(s: Session) -> int | None:
    """The current data generation (None: no row, so nothing is cached). Read through the
    request's own session, so on SQLite it belongs to the same snapshot as the page's data."""
    row = s.connection().exec_driver_sql(_READ_GENERATION).first()
    return None if row is None else row[0]


_READ_GENERATION = "SELECT value FROM data_generation WHERE id = 1"


def bump(engine) -> None:
    """Count one more change in a transaction of its own: for a write that does not go through
    a ``Session`` (the app's own commits count themselves, ``_bump_with_the_commit``)."""
    with engine.begin() as conn:
        conn.execute(_BUMP)


def _changes_pages(objects) -> bool:
    return any(getattr(o, "__tablename__", None) not in QUIET_TABLES for o in objects)


@event.listens_for(Session, "before_flush")
def _note_flush(s, _context, _instances) -> None:
    if _changes_pages((*s.new, *s.dirty, *s.deleted)):
        s.info["page_cache_dirty"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        tables = {m.local_table.name for m in state.all_mappers if m.local_table is not None}
        if not tables or tables - QUIET_TABLES:
            state.session.info["page_cache_dirty"] = True


@event.listens_for(Session, "before_commit")
def _bump_with_the_commit(s) -> None:
    if s.get_nested_transaction() is not None:  # a SAVEPOINT released; the rest goes on
        return
    if not (s.info.get("page_cache_dirty") or _changes_pages((*s.new, *s.dirty, *s.deleted))):
        return
    # Everything else first, so the generation row is the last lock the transaction takes
    # (two writers cannot then wait for each other), and the commit makes both visible at once.
    s.flush()
    s.info.pop("page_cache_dirty", None)
    conn = s.connection()
    known = conn.connection.info  # kept with the database connection while it lives
    if not known.get("has_data_generation"):
        if not inspect(conn).has_table(DataGeneration.__tablename__):
            return  # a database not yet migrated this far (an upgrade in steps)
        known["has_data_generation"] = True
    conn.execute(_BUMP)


_BUMP = update(DataGeneration).where(DataGeneration.id == 1).values(value=DataGeneration.value + 1)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(s) -> None:
    if s.get_nested_transaction() is None:
        s.info.pop("page_cache_dirty", None)


# --- the views ------------------------------------------------------------------------------


def keep_until(when: float) -> None:
    """Called by a view whose page shows figures cached until ``when`` (a Unix time): the
    page is not kept past them."""
    if g.get("_page_cache_rendering"):
        g._page_cache_until = min(when, g.get("_page_cache_until") or when)


def dont_keep() -> None:
    """Called while rendering a page that shows something provisional (the search index could
    not catch up): this page is served but not kept."""
    if g.get("_page_cache_rendering"):
        g._page_cache_provisional = True


def csrf_token() -> str:
    """The templates' ``csrf_token()``: a placeholder while a page is rendered to be kept."""
    if g.get("_page_cache_rendering"):
        return _SENTINEL
    return generate_csrf()


def _csrf_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _answer(body: str) -> str:
    return body.replace(_SENTINEL, generate_csrf()) if _SENTINEL in body else body


def _key(endpoint: str, gen: int) -> tuple:
    minute = int(db.utcnow().timestamp()) // current_app.config["PAGE_CACHE_SECONDS"]
    user = current_user.get_id() if current_user.is_authenticated else None
    return (endpoint, request.host, request.full_path, str(get_locale()), user, gen, minute)


def cached(endpoint: str, view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if (
            current_app.config["PAGE_CACHE_SECONDS"] <= 0
            or request.method not in ("GET", "HEAD")
            or session.get("_flashes")
        ):
            return view(*args, **kwargs)
        gen = generation(db.session())
        if gen is None:
            return view(*args, **kwargs)
        key = _key(endpoint, gen)
        body = store().get(key)
        if body is not None:
            return _answer(body)
        field = _csrf_field()
        token_before = field in g
        g._page_cache_rendering, g._page_cache_until = True, None
        g._page_cache_provisional = False
        try:
            result = view(*args, **kwargs)
        finally:
            g._page_cache_rendering = False
        if not isinstance(result, str):
            return result
        keepable = (
            (field in g) == token_before
            and not g.get("private_page")
            and not g._page_cache_provisional
        )
        if keepable:
            store().put(key, result, g._page_cache_until)
        return _answer(result)

    return wrapped


def init_app(app: Flask) -> None:
    """Wrap the cached endpoints (after every blueprint is registered)."""
    app.extensions["page_cache"] = PageStore(
        app.config["PAGE_CACHE_MAX_PAGES"], app.config["PAGE_CACHE_MAX_MB"] * 2**20
    )
    # Flask-WTF puts its generate_csrf in both places; ours comes after and wins.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    for endpoint in CACHED_ENDPOINTS:
        app.view_functions[endpoint] = cached(endpoint, app.view_functions[endpoint])
