"""Benchmark the app's pages under gunicorn with wrk, against a minimal Flask "hello" app.

Builds (once, then cached) a copy of the demo data scaled to 10,000 challenges, 1,000 team
profiles and their bids; starts ``gunicorn -w 2`` on a copy of it and a "hello" app under the
same settings; drives each page with wrk for a fixed time and connections, alternating with
hello; reports per page requests/s, p50/p95/p99, the share of hello, the SQL statements per
request and each worker's RSS. The last line of output is one JSON object (keys carry units).

    .venv/bin/python bench/pages.py                 # ~4 min (+ 2–3 min once: the database)
    .venv/bin/python bench/pages.py --quick         # small data, 2 s runs: a smoke test
    .venv/bin/python bench/pages.py --seconds 20 --connections 10

Needs wrk (Debian package ``wrk``; ``make bench-pages`` installs it). See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, event, func, select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import Membership, Organisation, OrgKind, Role, User  # noqa: E402
from marketplace.bids.models import Bid, BidVersion  # noqa: E402
from marketplace.bids.services import content_sha256  # noqa: E402
from marketplace.challenges.models import (  # noqa: E402
    Amendment,
    Challenge,
    ChallengeStatus,
    CodeCounter,
    Indicator,
    Question,
)
from marketplace.db import make_engine, optimize  # noqa: E402
from marketplace.demo import DEMO_PASSWORD, make_uscc  # noqa: E402
from marketplace.teams.models import Achievement, TeamProfile  # noqa: E402

# Bump when the scaling below changes, so cached databases are rebuilt.
SCALE_VERSION = 1
CACHE_MAX_AGE = timedelta(days=7)  # demo deadlines are relative to the day of loading
VENV_BIN = Path(sys.executable).parent

COMMON_TERM = "合金"
# A patent number of one demo team (teams.toml); copies get other numbers, so it stays rare.
RARE_TERM = "ZL202210736418.3"
# Patent/publication numbers in copied text (ZL + 12 digits, CN + 9 digits).
PATENT = re.compile(r"(ZL|CN)(\d{9,12})")

# Targets of issue 15, as shares of hello in the same run.
RATIO_TARGETS = {
    "list": 0.25,
    "list_filtered": 0.25,
    "list_page50": 0.25,
    "home": 0.25,
    "team": 0.25,
    "detail": 0.20,
    "my_bids": 0.20,
    "staff_queue": 0.20,
    "search_common": 0.15,
    "search_rare": 0.15,
}
TARGET_P95_MS = 50
TARGET_RSS_MB = 250

HELLO_APP = '''"""The ceiling: the smallest Flask app, under the same gunicorn settings."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"connect\\": %d, \\"read\\": %d, "
    .. "\\"write\\": %d, \\"status\\": %d, \\"timeout\\": %d, \\"p50_us\\": %d, "
    .. "\\"p95_us\\": %d, \\"p99_us\\": %d, \\"max_us\\": %d}\\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


# --------------------------------------------------------------------------------------------
# The scaled demo database (built once, cached)


def _fingerprint(challenges: int, teams: int) -> str:
    """What the cached database depends on: schema, demo data, this scaling, the sizes."""
    h = hashlib.sha256(f"{SCALE_VERSION}/{challenges}/{teams}".encode())
    files = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    demo = ROOT / "marketplace" / "demo"
    files += sorted([*demo.glob("*.py"), *demo.glob("*.toml")])  # the loader and its data
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "marketplace-bench"


def _flask(env: dict, *args: str) -> None:
    """Run ``flask --app wsgi marketplace …`` (the app's own CLI) on ``env``'s database."""
    cmd = [str(VENV_BIN / "flask"), "--app", "wsgi", "marketplace", *args]
    done = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **env}, capture_output=True)
    if done.returncode:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise SystemExit(f"{' '.join(args)} failed")


def _app_env(folder: Path) -> dict:
    return {
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "SEARCH_INDEX_DIR": str(folder / "search_index"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "SECRET_KEY": "bench-pages",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def scaled_database(challenges: int, teams: int, rebuild: bool) -> tuple[Path, dict]:
    """The cache folder holding the scaled database and its search index (built if missing)."""
    kind = f"pages-{challenges}x{teams}"
    folder = _cache_root() / f"{kind}-{_fingerprint(challenges, teams)}"
    stamp = folder / "built.json"
    if stamp.exists() and not rebuild:
        info = json.loads(stamp.read_text())
        if datetime.now(UTC) - datetime.fromisoformat(info["built_at"]) < CACHE_MAX_AGE:
            print(f"cached database: {folder}")
            return folder, info
    for stale in _cache_root().glob(f"{kind}-*"):  # built for another schema or demo
        shutil.rmtree(stale, ignore_errors=True)
    folder.mkdir(parents=True)
    env = _app_env(folder)
    timings = {}
    start = time.perf_counter()
    _flask(env, "migrate")
    _flask(env, "demo")  # the demo data through the real services
    timings["demo_s"] = time.perf_counter() - start
    start = time.perf_counter()
    engine = make_engine(env["DATABASE_URL"])
    counts = scale(engine, challenges=challenges, teams=teams)
    optimize(engine)  # what `marketplace migrate` and every `marketplace tick` run
    engine.dispose()
    timings["scale_s"] = time.perf_counter() - start
    start = time.perf_counter()
    _flask(env, "index", "rebuild")  # the app's own rebuild
    timings["index_s"] = time.perf_counter() - start
    info = {
        "built_at": datetime.now(UTC).isoformat(),
        **counts,
        **{k: round(v, 1) for k, v in timings.items()},
    }
    stamp.write_text(json.dumps(info))
    print(
        f"built {folder}: demo {info['demo_s']} s, scaled by bulk insert in "
        f"{info['scale_s']} s, index rebuild {info['index_s']} s"
    )
    return folder, info


def _renumber(text: str, copy: int) -> str:
    """Give a copy its own patent numbers (real ones are unique), so RARE_TERM stays rare."""
    if copy == 0:
        return text

    def shift(m: re.Match) -> str:
        digits = m[2]
        return m[1] + f"{(int(digits) + copy * 7919) % 10 ** len(digits):0{len(digits)}d}"

    return PATENT.sub(shift, text)


def _retext(value, copy: int):
    """``_renumber`` every string inside a column value (JSON lists and dicts too)."""
    if isinstance(value, str):
        return _renumber(value, copy)
    if isinstance(value, list):
        return [_retext(v, copy) for v in value]
    if isinstance(value, dict):
        return {k: _retext(v, copy) for k, v in value.items()}
    return value


@dataclass
class Source:
    """The demo rows that are copied, and the id span of each table (copy k adds k × span)."""

    rows: dict[str, list[dict]]
    span: dict[str, int]

    def ids(self, name: str) -> set[int]:
        return {r["id"] for r in self.rows[name]}


def _read_source(conn) -> Source:
    tables = {
        "organisation": Organisation,
        "user_account": User,
        "challenge": Challenge,
        "challenge_indicator": Indicator,
        "challenge_question": Question,
        "challenge_amendment": Amendment,
        "team_profile": TeamProfile,
        "achievement": Achievement,
        "bid": Bid,
        "bid_version": BidVersion,
    }
    rows, span = {}, {}
    for name, model in tables.items():
        table = model.__table__
        rows[name] = [dict(r._mapping) for r in conn.execute(table.select().order_by(table.c.id))]
        span[name] = conn.execute(select(func.max(table.c.id))).scalar() or 0
    # The bureau, its staff, the admin and the experts are one of a kind: never copied.
    rows["organisation"] = [r for r in rows["organisation"] if r["kind"] != OrgKind.GOVERNMENT]
    orgs = {r["id"] for r in rows["organisation"]}
    rows["user_account"] = [r for r in rows["user_account"] if r["organisation_id"] in orgs]
    return Source(rows, span)


def scale(engine: Engine, *, challenges: int, teams: int) -> dict:
    """Copy the demo world until there are ``teams`` profiles and ``challenges`` challenges.

    Bulk inserts in one transaction, every constraint checked by the database (SQLite with
    foreign keys on). World ``w`` is a copy of the demo's organisations, people, profiles,
    achievements and bids; each world's enterprises post the demo challenges ``variants``
    times, so the challenges scale further than the teams. Users keep the demo password hash.
    """
    with engine.begin() as conn:
        src = _read_source(conn)
        demo_teams, demo_challenges = len(src.rows["team_profile"]), len(src.rows["challenge"])
        worlds = max(1, math.ceil(teams / demo_teams))
        variants = max(1, math.ceil(challenges / (worlds * demo_challenges)))
        counters = {r.year: r.last_number for r in conn.execute(CodeCounter.__table__.select())}
        users = src.ids("user_account")
        out: dict[str, list[dict]] = {name: [] for name in src.rows}

        def new(name: str, old_id: int | None, copy: int) -> int | None:
            return None if old_id is None else old_id + copy * src.span[name]

        def user(old_id: int | None, world: int) -> int | None:
            return new("user_account", old_id, world) if old_id in users else old_id

        for w in range(1, worlds):
            for r in src.rows["organisation"]:
                out["organisation"].append(
                    {
                        **r,
                        "id": new("organisation", r["id"], w),
                        "name": f"{r['name']}（{w}）",
                        "uscc": make_uscc(r["uscc"][:2], r["region"], f"{r['name']}#{w}"),
                    }
                )
            for r in src.rows["user_account"]:
                local, domain = r["email"].split("@", 1)
                out["user_account"].append(
                    {
                        **r,
                        "id": new("user_account", r["id"], w),
                        "email": f"{local}.w{w}@{domain}",
                        "organisation_id": new("organisation", r["organisation_id"], w),
                    }
                )
            for name in ("team_profile", "achievement"):
                for r in src.rows[name]:
                    row = {k: _retext(v, w) for k, v in r.items()}
                    row.update(
                        id=new(name, r["id"], w),
                        organisation_id=new("organisation", r["organisation_id"], w),
                        created_by_id=user(r["created_by_id"], w),
                    )
                    if name == "achievement":
                        row["team_id"] = new("team_profile", r["team_id"], w)
                    out[name].append(row)
        for w in range(worlds):
            for v in range(variants):
                copy = w * variants + v
                if copy == 0:
                    continue
                _copy_challenges(src, out, copy, w, counters, new, user)
            if w:
                _copy_bids(src, out, w, variants, new, user)
        for name, model in (
            ("organisation", Organisation),
            ("user_account", User),
            ("challenge", Challenge),
            ("challenge_indicator", Indicator),
            ("challenge_question", Question),
            ("challenge_amendment", Amendment),
            ("team_profile", TeamProfile),
            ("achievement", Achievement),
            ("bid", Bid),
            ("bid_version", BidVersion),
        ):
            for start in range(0, len(out[name]), 2_000):
                conn.execute(model.__table__.insert(), out[name][start : start + 2_000])
        table = CodeCounter.__table__
        for year, last in counters.items():
            conn.execute(table.update().where(table.c.year == year).values(last_number=last))
        return {
            name: conn.execute(select(func.count()).select_from(model.__table__)).scalar()
            for name, model in (
                ("challenges", Challenge),
                ("teams", TeamProfile),
                ("achievements", Achievement),
                ("bids", Bid),
                ("organisations", Organisation),
                ("users", User),
            )
        } | {"worlds": worlds, "variants": variants}


def _copy_challenges(src: Source, out, copy: int, world: int, counters, new, user) -> None:
    """Copy ``copy`` of the demo challenges (of world ``world``'s enterprises)."""
    for r in src.rows["challenge"]:
        row = {k: _retext(v, copy) for k, v in r.items()}
        row.update(
            id=new("challenge", r["id"], copy),
            organisation_id=new("organisation", r["organisation_id"], world),
            created_by_id=user(r["created_by_id"], world),
        )
        if r["code"]:
            year = int(r["code"].split("-")[1])
            counters[year] = counters.get(year, 0) + 1
            row["code"] = f"{r['code'].rsplit('-', 2)[0]}-{year}-{counters[year]:04d}"
        out["challenge"].append(row)
    for name in ("challenge_indicator", "challenge_question", "challenge_amendment"):
        for r in src.rows[name]:
            row = {**r, "id": new(name, r["id"], copy)}
            row["challenge_id"] = new("challenge", r["challenge_id"], copy)
            for key in ("asker_id", "answered_by_id", "proposed_by_id", "decided_by_id"):
                if key in row:
                    row[key] = user(r[key], world)
            out[name].append(row)


def _bid_content(content: dict, world: int, variants: int, new, user) -> dict:
    """A bid's content in world ``world``: its leader and indicator ids are that world's."""
    content = _retext(content, world)
    if content.get("leader_id"):
        content["leader_id"] = str(user(int(content["leader_id"]), world))
    if "answers" in content:
        content["answers"] = {
            str(new("challenge_indicator", int(k), world * variants)): a
            for k, a in content["answers"].items()
        }
    return content


def _copy_bids(src: Source, out, world: int, variants: int, new, user) -> None:
    """World ``world``'s teams bid on its first copy of the challenges, as the demo's do."""
    for r in src.rows["bid"]:
        number = hashlib.sha256(f"{r['number']}/{world}".encode()).hexdigest()[:8].upper()
        out["bid"].append(
            {
                **r,
                "id": new("bid", r["id"], world),
                "number": r["number"][:6] + number,
                "challenge_id": new("challenge", r["challenge_id"], world * variants),
                "organisation_id": new("organisation", r["organisation_id"], world),
                "created_by_id": user(r["created_by_id"], world),
                "leader_id": user(r["leader_id"], world),
                "content": _bid_content(r["content"], world, variants, new, user),
            }
        )
    for r in src.rows["bid_version"]:
        content = _bid_content(r["content"], world, variants, new, user)
        out["bid_version"].append(
            {
                **r,
                "id": new("bid_version", r["id"], world),
                "bid_id": new("bid", r["bid_id"], world),
                "submitted_by_id": user(r["submitted_by_id"], world),
                "content": content,
                "sha256": content_sha256(content),
            }
        )


# --------------------------------------------------------------------------------------------
# The pages


def pick_targets(url: str) -> dict:
    """The ids and accounts the pages use, all from the original demo world."""
    engine = make_engine(url)
    with engine.connect() as conn:
        ch = Challenge.__table__
        q = Question.__table__
        detail = conn.execute(
            select(ch.c.id)
            .outerjoin(q, q.c.challenge_id == ch.c.id)
            .where(ch.c.status == ChallengeStatus.PUBLISHED)
            .group_by(ch.c.id)
            .order_by(func.count(q.c.id).desc(), ch.c.id)
            .limit(1)
        ).scalar()
        tp = TeamProfile.__table__
        team = conn.execute(
            select(tp.c.id).where(tp.c.is_public.is_(True)).order_by(tp.c.id).limit(1)
        ).scalar()
        u, b = User.__table__, Bid.__table__
        researcher = conn.execute(
            select(u.c.email)
            .join(b, b.c.organisation_id == u.c.organisation_id)
            .where(u.c.role == Role.RESEARCHER, u.c.membership == Membership.APPROVED)
            .group_by(u.c.id)
            .order_by(func.count(b.c.id).desc(), u.c.id)
            .limit(1)
        ).scalar()
        staff = conn.execute(
            select(u.c.email).where(u.c.role == Role.STAFF).order_by(u.c.id).limit(1)
        ).scalar()
    engine.dispose()
    return {"detail": detail, "team": team, "researcher": researcher, "staff": staff}


def pages(t: dict) -> list[tuple[str, str, str | None]]:
    """(name, path, account) of every page the issue names; account None = anonymous."""
    q = urllib.parse.quote
    return [
        ("list", "/challenges", None),
        ("list_filtered", "/challenges?field=materials&status=open&sort=deadline", None),
        ("list_page50", "/challenges?page=50", None),
        ("detail", f"/challenges/{t['detail']}", None),
        ("home", "/", None),
        ("search_common", f"/search?q={q(COMMON_TERM)}", None),
        ("search_rare", f"/search?q={q(RARE_TERM)}", None),
        ("team", f"/teams/{t['team']}", None),
        ("my_bids", "/my/bids", "researcher"),
        ("staff_queue", "/staff/challenges", "staff"),
    ]


# --------------------------------------------------------------------------------------------
# gunicorn and wrk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    base: str

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def worker_rss_mb(self) -> list[float]:
        out = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(round(int(line.split()[1]) / 1024, 1))
        return out


@contextmanager
def gunicorn(name: str, chdir: Path, module: str, env: dict, workers: int):
    """``gunicorn -w N`` (sync workers) on a free loopback port; stopped afterwards."""
    port = free_port()
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--chdir",
        str(chdir),
        "--log-level",
        "warning",
        module,
    ]
    proc = subprocess.Popen(cmd, env={**os.environ, **env})
    server = Server(name, proc, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(server.base + "/", timeout=10).read()  # noqa: S310
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{name}: gunicorn did not start") from None
                time.sleep(0.3)
        while len(server.worker_pids()) < workers:
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker still finishing (see bench/README.md)
            print(f"{name}: gunicorn did not stop within 30 s; killed", file=sys.stderr)
            proc.kill()
            proc.wait(timeout=30)


def login_cookie(base: str, email: str) -> str:
    """Log in through the real login form (GET for the CSRF token, then POST)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]
    form = urllib.parse.urlencode(
        {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    ).encode()
    try:
        opener.open(base + "/login", data=form)
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise SystemExit(f"login as {email} failed: HTTP {exc.code}") from exc
    else:
        raise SystemExit(f"login as {email} failed: the form came back")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_page(url: str, cookie: str | None) -> int:
    """The page's status without following redirects (a 302 to the login form is an error)."""
    headers = {"Cookie": cookie} if cookie else {}
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
        resp = opener.open(request, timeout=30)
        resp.read()
        return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@dataclass
class Run:
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def wrk(url: str, *, seconds: float, connections: int, threads: int, script: Path, cookie=None):
    cmd = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
    ]
    cmd += ["--latency", "--timeout", "10s", "-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    data = json.loads(out.split("WRK_JSON ", 1)[1].splitlines()[0])
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Run(
        requests=data["requests"],
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
    )


# --------------------------------------------------------------------------------------------
# SQL statements per page, in-process


def query_counts(env: dict, targets: dict, page_list, *, kept: bool) -> dict[str, int]:
    """Statements per request of each page, through Flask's test client on the same database.

    Counted like tests/conftest.py::counting_queries (a ``before_cursor_execute`` listener on
    the app's engine); each page is requested once first so only steady-state work counts.
    ``kept``: with the page cache on, so the counted request is served from it; off: what
    rendering the page costs.
    """
    app = create_app(
        {
            "DATABASE_URL": env["DATABASE_URL"],
            "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"],
            "UPLOAD_DIR": env["UPLOAD_DIR"],
            "SECRET_KEY": "bench-pages-count",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PAGE_CACHE_SECONDS": 60 if kept else 0,
        }
    )
    engine = app.extensions["db_engine"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    clients = {None: app.test_client()}
    for account in ("researcher", "staff"):
        client = app.test_client()
        resp = client.post("/login", data={"email": targets[account], "password": DEMO_PASSWORD})
        if resp.status_code != 302:
            raise SystemExit(f"in-process login as {targets[account]} failed")
        clients[account] = client
    counts = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for name, path, account in page_list:
            clients[account].get(path)
            statements.clear()
            status = clients[account].get(path).status_code
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status} in-process")
            counts[name] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
    return counts


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=10, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--challenges", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk per page first")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached database")
    parser.add_argument(
        "--page-cache",
        choices=("on", "off"),
        default="on",
        help="kept pages (marketplace/page_cache.py) as deployed, or every page rendered",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small data (200 challenges), 2 s runs: smoke test"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.challenges, args.teams = 200, 40
        args.seconds, args.warmup = min(args.seconds, 2), min(args.warmup, 1)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench-pages` or `apt-get install wrk`")
    load_before = os.getloadavg()
    cached, info = scaled_database(args.challenges, args.teams, args.rebuild)

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mp_bench_pages_")))
        shutil.copy(cached / "bench.sqlite3", work / "bench.sqlite3")
        shutil.copytree(cached / "search_index", work / "search_index")
        (work / "hello.py").write_text(HELLO_APP)
        script = work / "report.lua"
        script.write_text(WRK_SCRIPT)
        env = _app_env(work)
        env["PAGE_CACHE_SECONDS"] = "60" if args.page_cache == "on" else "0"
        targets = pick_targets(env["DATABASE_URL"])
        page_list = pages(targets)
        # First, so that a broken page stops the run before minutes of wrk.
        counts = query_counts(env, targets, page_list, kept=False)
        counts_kept = query_counts(env, targets, page_list, kept=True)

        site = stack.enter_context(gunicorn("app", ROOT, "wsgi:app", env, args.workers))
        hello = stack.enter_context(gunicorn("hello", work, "hello:app", {}, args.workers))
        cookies = {None: None}
        for account in ("researcher", "staff"):
            cookies[account] = login_cookie(site.base, targets[account])
        for name, path, account in page_list:
            status = check_page(site.base + path, cookies[account])
            if status != 200:
                raise SystemExit(f"{name}: {path} answered {status}")
        opts = {"connections": args.connections, "threads": args.threads, "script": script}
        if args.warmup:
            wrk(hello.base + "/", seconds=args.warmup, **opts)
            for _name, path, account in page_list:
                wrk(site.base + path, seconds=args.warmup, cookie=cookies[account], **opts)
        results: dict[str, tuple[Run, Run]] = {}
        for name, path, account in page_list:
            ceiling = wrk(hello.base + "/", seconds=args.seconds, **opts)
            run = wrk(site.base + path, seconds=args.seconds, cookie=cookies[account], **opts)
            results[name] = (run, ceiling)
            print(
                f"  {name:<14} {run.rps:8.1f} req/s  (hello {ceiling.rps:7.0f})  "
                f"p95 {run.p95_ms:6.1f} ms",
                flush=True,
            )
        rss = site.worker_rss_mb()
        hello_rss = hello.worker_rss_mb()

    load_after = os.getloadavg()
    print()
    print(
        f"{info['challenges']:,} challenges, {info['teams']:,} teams, {info['bids']:,} bids, "
        f"{info['organisations']:,} organisations; gunicorn -w {args.workers}, wrk "
        f"-c{args.connections} -t{min(args.threads, args.connections)} {args.seconds:g} s a run"
    )
    header = f"{'page':<15}{'req/s':>9}{'hello':>9}{'share':>8}"
    print(header + f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'queries':>9}{'kept':>6}")
    for name, (run, ceiling) in results.items():
        share = run.rps / ceiling.rps
        print(
            f"{name:<15}{run.rps:>9.1f}{ceiling.rps:>9.0f}{share:>7.1%} "
            f"{run.p50_ms:>8.1f}{run.p95_ms:>9.1f}{run.p99_ms:>9.1f}{run.errors:>8}"
            f"{counts[name]:>9}{counts_kept[name]:>6}"
        )
    for name, path, account in page_list:
        print(f"  {name:<14} {path}" + (f"  (logged in as {targets[account]})" if account else ""))
    print(f"page cache {args.page_cache}; queries: rendering the page, and serving it kept")
    print(f"worker RSS after the run: app {rss} MB, hello {hello_rss} MB")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")

    summary: dict[str, object] = {
        "challenges": info["challenges"],
        "teams": info["teams"],
        "bids": info["bids"],
        "seconds": args.seconds,
        "connections": args.connections,
        "workers": args.workers,
        "page_cache": args.page_cache,
        "hello_rps_median": round(statistics.median(c.rps for _r, c in results.values()), 1),
    }
    missed = []
    for name, (run, ceiling) in results.items():
        ratio = run.rps / ceiling.rps
        summary[f"{name}_ratio"] = round(ratio, 4)
        summary[f"{name}_rps"] = round(run.rps, 1)
        summary[f"{name}_p50_ms"] = round(run.p50_ms, 2)
        summary[f"{name}_p95_ms"] = round(run.p95_ms, 2)
        summary[f"{name}_p99_ms"] = round(run.p99_ms, 2)
        summary[f"{name}_queries"] = counts[name]
        summary[f"{name}_queries_kept"] = counts_kept[name]
        summary[f"{name}_errors"] = run.errors
        if ratio < RATIO_TARGETS[name]:
            missed.append(f"{name}_ratio")
        if run.p95_ms >= TARGET_P95_MS:
            missed.append(f"{name}_p95_ms")
    summary["worker_rss_mb"] = rss
    summary["worker_rss_mb_max"] = max(rss)
    summary["hello_worker_rss_mb_max"] = max(hello_rss)
    if max(rss) >= TARGET_RSS_MB:
        missed.append("worker_rss_mb_max")
    summary["load_avg_before"] = round(load_before[0], 2)
    summary["load_avg_after"] = round(load_after[0], 2)
    summary["targets_missed"] = missed
    summary["targets_met"] = not missed
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
