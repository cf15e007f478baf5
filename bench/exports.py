"""Benchmark the staff exports at 100,000 challenges: time per format and peak memory.

Seeds a temporary SQLite database with N challenges (100,000 by default) through
``bench/list_pages.py``'s bulk seeding, then downloads ``/staff/exports/challenges.xlsx`` and
``.csv`` as a staff user through Flask's test client, reading the body as a server would.
The last line of output is one JSON object:

    .venv/bin/python bench/exports.py            # {"rows": 100000, "xlsx_100k_s": …, …}
    .venv/bin/python bench/exports.py --rows 20000

``peak_rss_mb`` is the process's peak resident memory after both exports; ``rss_before_mb``
is the peak after seeding, so the difference is what exporting added (bounded: rows are read
in batches and written by a write-only workbook or straight to the response).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import list_pages  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import Membership, Role, User  # noqa: E402
from marketplace.db import make_engine  # noqa: E402
from marketplace.migrate import upgrade  # noqa: E402

PASSWORD = secrets.token_urlsafe(16)  # a throwaway staff account in a throwaway database


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def add_staff(app) -> str:
    from werkzeug.security import generate_password_hash

    now = datetime.now(UTC)
    email = "bench-staff@kjj.example.cn"
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(
            User.__table__.insert(),
            [
                {
                    "email": email,
                    "name": "压测科技局用户",
                    "phone": "",
                    "password_hash": generate_password_hash(PASSWORD, "scrypt:1024:8:1"),
                    "role": Role.STAFF,
                    "organisation_id": None,
                    "is_org_admin": False,
                    "membership": Membership.APPROVED,
                    "is_active_account": True,
                    "locale": "",
                    "created_at": now,
                    "password_changed_at": now,
                    "last_login_at": None,
                }
            ],
        )
    return email


def download(client, url: str) -> tuple[float, int, int]:
    """Seconds to the last byte, bytes received and the largest chunk."""
    start = time.perf_counter()
    resp = client.get(url, buffered=False)
    assert resp.status_code == 200, resp.status_code
    size = largest = 0
    for chunk in resp.response:
        size += len(chunk)
        largest = max(largest, len(chunk))
    resp.close()
    return round(time.perf_counter() - start, 2), size, largest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with list_pages.bench_database(None, keep=False) as url:
        engine = make_engine(url)
        upgrade(engine)
        seeded = time.perf_counter()
        list_pages.seed(engine, args.rows, random.Random(args.seed))
        engine.dispose()
        seed_s = round(time.perf_counter() - seeded, 1)
        tmp = Path(url.removeprefix("sqlite:///")).parent
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "SEARCH_INDEX_DIR": str(tmp / "search_index"),
                "UPLOAD_DIR": str(tmp / "uploads"),
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        email = add_staff(app)
        before = peak_rss_mb()
        client = app.test_client()
        resp = client.post("/login", data={"email": email, "password": PASSWORD})
        assert resp.status_code == 302, resp.status_code
        # The streamed CSV needs its request context while the body is read: no outer one.
        csv_s, csv_bytes, csv_chunk = download(client, "/staff/exports/challenges.csv")
        xlsx_s, xlsx_bytes, xlsx_chunk = download(client, "/staff/exports/challenges.xlsx")
        app.extensions["db_engine"].dispose()
    result = {
        "rows": args.rows,
        "seed_s": seed_s,
        "xlsx_100k_s": xlsx_s,
        "csv_100k_s": csv_s,
        "xlsx_mb": round(xlsx_bytes / 2**20, 1),
        "csv_mb": round(csv_bytes / 2**20, 1),
        "largest_chunk_kb": round(max(csv_chunk, xlsx_chunk) / 1024, 1),
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
