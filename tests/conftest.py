"""Fixtures: an app on a real SQLite file and on a real PostgreSQL database, clients, users.

Every database-backed test runs on both SQLite and PostgreSQL (``TEST_DATABASES`` narrows it,
e.g. ``TEST_DATABASES=sqlite``). Each test run makes its own PostgreSQL database from
``TEST_POSTGRES_URL`` and drops it at the end; PostgreSQL being unreachable is an error, never
a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text

from marketplace import create_app
from marketplace.db import make_engine, refresh_read_session
from marketplace.migrate import upgrade
from marketplace.models import metadata

from .factories import Factory

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [b.strip() for b in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",")]

# Cheap hashing in tests; production uses werkzeug's default scrypt parameters.
FAST_HASH = "scrypt:1024:8:1"


def base_config(tmp_path: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        # Tests read right after writing; the settle window is for concurrent PostgreSQL writers.
        "SEARCH_OUTBOX_SETTLE_MS": 0,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # Every test reads the home figures as they are now.
        "HOME_STATS_CACHE_SECONDS": 0,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file; each test gets a copy (faster than migrating per test)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated, dropped afterwards."""
    admin_url = make_url(POSTGRES_ADMIN_URL)
    name = f"mp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise RuntimeError(
            f"PostgreSQL is required for the test suite and could not be reached at "
            f"{admin_url.render_as_string(hide_password=True)}: {exc}. Start it, set "
            f"TEST_POSTGRES_URL, or run with TEST_DATABASES=sqlite for a quick local run."
        ) from exc
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    # The data generation's one row stays (page_cache.py); each test's app has its own cache.
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name != "data_generation")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """The URL of an empty, migrated database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        _truncate_postgres(url)
        return url
    raise ValueError(f"unknown backend {request.param}")


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Flask reuses an app context that is already pushed (the test's own), which would share
    ``g`` (the request's database session, Flask-Login's cached user) between requests.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            # The test's own session must see what the request wrote.
            refresh_read_session()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(base_config(tmp_path, database_url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app) -> Factory:
    """Make organisations and users of every role through the real services."""
    return Factory(app)


@pytest.fixture
def login(app):
    """Log a test client in as ``user`` through the real login form."""

    def _login(client, user, password: str = Factory.PASSWORD):
        resp = client.post("/login", data={"email": user.email, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client

    return _login


def csrf_token_from(html: str) -> str:
    """The CSRF token a page embeds in its forms."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@contextmanager
def counting_queries():
    """Collect the SQL statements the app's engine runs inside the block."""
    from marketplace import db

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
