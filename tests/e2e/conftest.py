"""End-to-end fixtures: the real app served over HTTP, driven by Debian's chromium.

Run with ``.venv/bin/pytest tests/e2e``. Every test here is marked ``e2e`` (``-m "not e2e"``
leaves them out).

Artifacts: when a test in this folder fails, a full-page screenshot of its ``page`` is saved
to ``test-artifacts/screenshots/<test name>.png`` under the repository root (see
``pytest_runtest_makereport`` below). The folder is created on demand; nothing is written
when every test passes.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from marketplace import create_app

from ..conftest import base_config

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"

# Playwright cannot download its own browsers here; use the system chromium, quietly.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test collected from this folder ``e2e``."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture
def live_server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """The real app on a copy of the migrated SQLite file, served on 127.0.0.1:<free port>.

    CSRF protection is on, as in production: the browser submits the tokens the pages embed.
    """
    db_file = tmp_path / "e2e.sqlite3"
    shutil.copy(sqlite_template, db_file)
    app = create_app({**base_config(tmp_path, f"sqlite:///{db_file}"), "WTF_CSRF_ENABLED": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["db_engine"].dispose()


def _screenshot_name(item: pytest.Item) -> str:
    return re.sub(r"[^\w.-]+", "_", item.name).strip("_") or "test"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On a failed setup or call, save a full-page screenshot of the test's ``page``.

    This runs before the fixtures are torn down, so the page is still open.
    """
    report = yield
    if report.failed and report.when in ("setup", "call"):
        page = getattr(item, "funcargs", {}).get("page")
        if page is not None and not page.is_closed():
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            path = SCREENSHOT_DIR / f"{_screenshot_name(item)}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as exc:
                report.sections.append(("e2e screenshot", f"could not save {path}: {exc}"))
            else:
                report.sections.append(("e2e screenshot", str(path)))
    return report
