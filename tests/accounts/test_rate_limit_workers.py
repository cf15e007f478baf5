"""The login limit holds across worker processes: the counters live in a shared store (Redis)."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
import redis

from ..conftest import FAST_HASH
from ..live import Browser, gunicorn

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.slow


@pytest.fixture
def shared_store():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise RuntimeError(f"Redis is required for this test at {REDIS_URL}: {exc}") from exc
    prefix = f"mp-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_eleventh_failure_is_refused_whichever_worker_answers(
    sqlite_template, tmp_path, shared_store
):
    db_file = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, db_file)
    env = {
        "DATABASE_URL": f"sqlite:///{db_file}",
        "SECRET_KEY": uuid.uuid4().hex,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": shared_store,
    }
    with gunicorn(env, workers=2, log=tmp_path / "gunicorn.log") as (host, port):
        statuses = []
        for _ in range(11):
            tab = Browser(host, port)  # a fresh tab each time: no session affinity
            tab.get("/login")
            status, _headers, _ = tab.post(
                "/login", {"email": "victim@example.cn", "password": "guess-guess-1"}
            )
            statuses.append(status)
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
