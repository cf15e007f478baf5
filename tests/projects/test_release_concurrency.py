"""Eight simultaneous release clicks on each of 50 accepted milestones, against a 4-worker
gunicorn, on a file SQLite database and on PostgreSQL: exactly 50 payments."""

from __future__ import annotations

import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.projects.ledger_models import (
    Movement,
    MovementKind,
    Tranche,
    TrancheKind,
    TrancheStatus,
)

from ..conftest import FAST_HASH
from ..factories import Factory
from ..live import Browser, gunicorn
from .ledger_world import WAN, LedgerWorld

pytestmark = pytest.mark.slow

TRANCHES = 50
CLICKS = 8


def _first_page(tab: Browser) -> None:
    """The port opens before a worker has booted; on a busy machine the first connection can
    be reset while workers start. Wait for a real answer (at most a minute)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            tab.get("/login")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_eight_simultaneous_releases_of_fifty_milestones_pay_fifty_times(
    app, factory, database_url, tmp_path
):
    world = LedgerWorld(factory)
    # One project, 50 accepted milestones with pending tranches (and the final one, on 验收).
    project = world.project(
        subsidy=(TRANCHES + 1) * WAN,
        enterprise=0,
        percent=0,
        milestones=[(WAN, 0)] * (TRANCHES + 1),
    )
    for milestone in world.milestones(project.id)[:TRANCHES]:
        world.accept(milestone.id)
    targets = [
        (project.id, t.id) for t in world.tranches(project.id) if t.kind is TrancheKind.MILESTONE
    ]
    assert len(targets) == TRANCHES

    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": uuid.uuid4().hex,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    with gunicorn(env, workers=4, log=tmp_path / "gunicorn.log") as (host, port):
        tab = Browser(host, port)
        _first_page(tab)
        status, _, _ = tab.post(
            "/login", {"email": world.staff.email, "password": Factory.PASSWORD}
        )
        assert status == 302
        status, _, html = tab.get(f"/projects/{project.id}/ledger")
        assert status == 200
        keys = {}
        for _project_id, tranche_id in targets:
            form = re.search(rf'tranches/{tranche_id}/release".*?</form>', html, re.S)
            keys[tranche_id] = re.search(
                r'name="idempotency_key" value="([0-9a-f]+)"', form.group(0)
            ).group(1)
        results: list[int] = []
        lock = threading.Lock()

        def click(project_id: int, tranche_id: int, n: int, barrier: threading.Barrier) -> None:
            clone = Browser(host, port)
            clone.cookie, clone.token = tab.cookie, tab.token
            # Most repeat the page's key (a double click, a retry); some come from other tabs.
            key = keys[tranche_id] if n % 4 else f"tab-{n}-{uuid.uuid4().hex}"
            barrier.wait()
            status, _, _ = clone.post(
                f"/projects/{project_id}/tranches/{tranche_id}/release",
                {"idempotency_key": key, "next": f"/projects/{project_id}/ledger"},
            )
            with lock:
                results.append(status)

        with ThreadPoolExecutor(max_workers=CLICKS) as pool:
            for project_id, tranche_id in targets:
                barrier = threading.Barrier(CLICKS)
                futures = [
                    pool.submit(click, project_id, tranche_id, n, barrier) for n in range(CLICKS)
                ]
                for f in futures:
                    f.result(timeout=60)
    assert len(results) == TRANCHES * CLICKS
    assert all(status < 500 for status in results), sorted(set(results))
    # Everyone lands back on the page: the paying click, the repeats, the other tabs.
    assert results.count(302) == TRANCHES * CLICKS, sorted(set(results))
    db.refresh_read_session()
    s = db.session()
    ids = [tid for _p, tid in targets]
    releases = s.exec(
        select(Movement).where(Movement.kind == MovementKind.RELEASE, Movement.tranche_id.in_(ids))
    ).all()
    assert len(releases) == TRANCHES
    assert sorted(m.tranche_id for m in releases) == sorted(ids)
    assert {s.get(Tranche, tid).status for tid in ids} == {TrancheStatus.RELEASED}
