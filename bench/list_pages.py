"""Benchmark the public challenge list and detail pages on a large database.

Seeds N challenges (100,000 by default) with bulk inserts, then requests the pages through
Flask's test client and reports, per scenario, the median and p95 time and the number of SQL
statements each request ran. The last line of output is one JSON object (keys carry units).

    .venv/bin/python bench/list_pages.py                       # fresh SQLite file in a temp dir
    .venv/bin/python bench/list_pages.py --database-url \\
        postgresql+psycopg://postgres@127.0.0.1:5432/postgres  # fresh database on that server

With a PostgreSQL URL the database named in it is only used to CREATE (and afterwards DROP) a
fresh ``mp_bench_…`` database. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, make_url, select, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import (  # noqa: E402
    REGIONS,
    Membership,
    Organisation,
    OrgKind,
    OrgStatus,
    Role,
    User,
)
from marketplace.challenges.models import (  # noqa: E402
    PUBLIC_STATUSES,
    Amendment,
    AmendmentStatus,
    Challenge,
    ChallengeStatus,
    CodeCounter,
    Indicator,
    Industry,
    Question,
)
from marketplace.challenges.queries import BUDGET_BANDS  # noqa: E402
from marketplace.db import make_engine, optimize  # noqa: E402
from marketplace.migrate import upgrade  # noqa: E402
from marketplace.units import FEN_PER_WAN  # noqa: E402

ORGANISATIONS = 200
BATCH = 5_000

# Stored status → share of the seeded challenges.
STATUS_WEIGHTS = {
    ChallengeStatus.PUBLISHED: 70,
    ChallengeStatus.CLOSED: 6,
    ChallengeStatus.IN_REVIEW: 5,
    ChallengeStatus.AWARDED: 7,
    ChallengeStatus.FAILED: 3,
    ChallengeStatus.CANCELLED: 3,
    ChallengeStatus.DRAFT: 4,
    ChallengeStatus.PENDING_REVIEW: 1,
    ChallengeStatus.REJECTED: 1,
}
TOPICS = {
    Industry.PHARMA: ["原料药连续流合成", "手性药物拆分", "制剂缓释工艺", "医用高分子材料"],
    Industry.AUTO: ["新能源汽车电驱总成", "轻量化底盘", "汽车线束检测", "制动系统降噪"],
    Industry.FASHION: ["户外休闲家具耐候", "眼镜架钛合金加工", "智能缝制", "功能面料"],
    Industry.MATERIALS: ["高性能氟硅材料", "特种工程塑料改性", "石墨烯导热膜", "陶瓷基复合材料"],
    Industry.ENERGY: ["光伏组件回收", "储能电池热管理", "工业废水零排放", "VOCs 治理"],
    Industry.EQUIPMENT: ["精密数控机床", "工业机器人减速器", "智能泵阀", "缝制设备伺服"],
    Industry.PHOTONICS: ["激光精密切割", "光学镀膜", "红外成像模组", "光纤传感"],
    Industry.DIGITAL: ["工业互联网平台", "机器视觉质检", "数字孪生产线", "供应链大数据"],
    Industry.SERVICES: ["检验检测服务", "工业设计", "知识产权运营", "科技金融"],
    Industry.OTHER: ["农产品保鲜", "海洋渔业装备", "文旅数字化", "智慧水务"],
}
VERBS = ["关键技术攻关", "工艺优化与产业化", "国产化替代研发", "性能提升研究", "集成应用示范"]
PARAGRAPH = (
    "企业在实际生产中面临{topic}方面的瓶颈，现有工艺良品率偏低、能耗偏高，核心部件依赖进口。"
    "希望通过揭榜挂帅方式，联合高校院所在两年内突破关键技术，形成可量产的工艺路线，"
    "并在本企业生产线完成中试验证，指标达到国内领先水平。"
)
INDICATORS = [
    ("产品良品率", "≥ 98", "%"),
    ("单位能耗降低", "≥ 15", "%"),
    ("关键尺寸精度", "≤ 0.01", "mm"),
    ("连续运行时间", "≥ 2000", "小时"),
    ("成本降低", "≥ 20", "%"),
    ("申请发明专利", "≥ 2", "件"),
    ("纯度", "≥ 99.5", "%"),
    ("响应时间", "≤ 50", "ms"),
]
VERIFY = ["第三方检测报告", "企业现场测试", "专家现场验收", "用户使用报告"]
QUESTIONS = [
    ("联合体成员是否可以跨省？", "可以，牵头单位须为浙江省内注册单位。"),
    ("中试场地由谁提供？", "由发榜企业提供中试线及配套检测条件。"),
    ("知识产权归属如何约定？", "原则上归双方共有，具体在揭榜协议中约定。"),
    ("经费是否分期拨付？", "按合同约定分三期拨付，首期 30%。"),
]
TARGET_P95_MS = 50


# --------------------------------------------------------------------------------------------
# Database set-up


@contextmanager
def bench_database(url: str | None, keep: bool) -> Iterator[str]:
    """Yield the URL of a fresh, empty database; remove it afterwards unless ``keep``."""
    if url is None or url.startswith("sqlite"):
        tmp_dir = None
        if url is None:
            tmp_dir = Path(tempfile.mkdtemp(prefix="mp_bench_"))
            path = tmp_dir / "bench.sqlite3"
            url = f"sqlite:///{path}"
        else:
            path = Path(make_url(url).database or "")
            if path.exists():
                raise SystemExit(f"{path} exists: give a new file, the benchmark seeds it")
        try:
            yield url
        finally:
            if keep:
                print(f"kept SQLite database: {path}", file=sys.stderr)
            elif tmp_dir is not None:
                shutil.rmtree(tmp_dir, ignore_errors=True)
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if not url.startswith("postgresql"):
        raise SystemExit(f"unsupported database URL: {url}")
    admin_url = make_url(url)
    name = f"mp_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept PostgreSQL database: {name}", file=sys.stderr)
        else:
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


# --------------------------------------------------------------------------------------------
# Seeding


def _uscc(i: int) -> str:
    return f"91331082{i:010d}"[:18]


def _organisations(now: datetime) -> list[dict]:
    kinds = [OrgKind.ENTERPRISE] * 8 + [OrgKind.UNIVERSITY, OrgKind.INSTITUTE]
    return [
        {
            "id": i,
            "name": f"台州{REGIONS[i % len(REGIONS)][:2]}{i:03d}科技股份有限公司",
            "kind": kinds[i % len(kinds)],
            "region": REGIONS[i % len(REGIONS)],
            "uscc": _uscc(i),
            "status": OrgStatus.VERIFIED,
            "review_note": "",
            "created_at": now - timedelta(days=800),
            "reviewed_at": now - timedelta(days=790),
            "reviewed_by_id": None,
        }
        for i in range(1, ORGANISATIONS + 1)
    ]


def _budget_fen(rng: random.Random) -> int:
    """10–5000 万元, log-uniform (many small challenges, few large), whole 元."""
    wan = math.exp(rng.uniform(math.log(10), math.log(5000)))
    return max(10 * FEN_PER_WAN, min(5000 * FEN_PER_WAN, round(wan * 100) * 10_000))


@dataclass
class Batch:
    challenges: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    questions: list[dict] = field(default_factory=list)
    amendments: list[dict] = field(default_factory=list)


def _extras(rng: random.Random, batch: Batch, row: dict, user_id: int, now: datetime) -> None:
    """Answered questions on ~20% and an approved amendment on ~5% of public challenges."""
    published = row["published_at"]
    if rng.random() < 0.2:
        for body, answer in rng.sample(QUESTIONS, rng.randint(1, 4)):
            asked = published + timedelta(days=rng.uniform(1, 20))
            batch.questions.append(
                {
                    "challenge_id": row["id"],
                    "asker_id": user_id,
                    "body": body,
                    "answer": answer,
                    "answered_by_id": user_id,
                    "created_at": asked,
                    "answered_at": asked + timedelta(days=2),
                }
            )
    if rng.random() < 0.05:
        old, new = row["deadline"] - timedelta(days=30), row["deadline"]
        row["revision"] = 1
        batch.amendments.append(
            {
                "challenge_id": row["id"],
                "status": AmendmentStatus.APPROVED,
                "revision": 1,
                "reason": "延长揭榜截止时间，便于更多团队组队揭榜。",
                "changes": {"deadline": {"old": old.isoformat(), "new": new.isoformat()}},
                "proposed_by_id": user_id,
                "proposed_at": published + timedelta(days=5),
                "decided_by_id": user_id,
                "decided_at": published + timedelta(days=6),
                "decision_comment": "",
            }
        )


def _challenge_rows(
    rng: random.Random, n: int, now: datetime, user_id: int, counters: dict[int, int]
) -> Iterator[Batch]:
    """Batches of challenges with their indicators, questions and amendments.

    ``counters`` receives the last public code number given out per year.
    """
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    industries = list(Industry)
    indicator_id = 0
    paragraphs = {
        (ind, t): PARAGRAPH.format(topic=t) for ind, topics in TOPICS.items() for t in topics
    }
    kinds_choices = [
        ["university", "institute"],
        ["university", "institute", "enterprise"],
        ["university", "institute", "hospital", "enterprise", "other"],
    ]
    batch = Batch()
    for cid in range(1, n + 1):
        status = rng.choices(statuses, weights)[0]
        industry = industries[cid % len(industries)] if cid <= 10 else rng.choice(industries)
        topic = rng.choice(TOPICS[industry])
        total = _budget_fen(rng)
        enterprise = round(total * rng.uniform(0.5, 1.0) / 10_000) * 10_000
        public = status in PUBLIC_STATUSES
        # Finished challenges are up to three years old; published ones are more recent, so
        # that about a third of them are still open (deadline in the future).
        if status is ChallengeStatus.PUBLISHED:
            created = now - timedelta(days=rng.uniform(20, 500))
        else:
            created = now - timedelta(days=rng.uniform(30, 1100))
        if public:
            published = created + timedelta(days=rng.uniform(1, 20))
            # Deadlines 30–240 days after publication: past for old challenges, future for new.
            deadline = published + timedelta(days=rng.uniform(30, 240))
            if status is not ChallengeStatus.PUBLISHED:
                deadline = min(deadline, now - timedelta(days=1))
            year = published.year
            counters[year] = counters.get(year, 0) + 1
            code = f"LH-{year}-{counters[year]:04d}"
        else:
            published = None
            deadline = now + timedelta(days=rng.uniform(45, 200))
            code = None
        consortium = rng.random() < 0.3
        row = {
            "id": cid,
            "code": code,
            "organisation_id": rng.randint(1, ORGANISATIONS),
            "created_by_id": user_id,
            "status": status,
            "title": f"{topic}{rng.choice(VERBS)}（{cid}）",
            "field": industry,
            "problem": paragraphs[(industry, topic)] * 2,
            "background": paragraphs[(industry, topic)],
            "deliverables": "样机一套、工艺文件一套、检测报告、发明专利申请。",
            "budget_total_fen": total,
            "enterprise_funds_fen": enterprise,
            "subsidy_requested_fen": total - enterprise,
            "period_months": rng.randint(6, 36),
            "deadline": deadline,
            "eligible_kinds": rng.choice(kinds_choices),
            "qualifications": "具有相关领域研发基础，近三年承担过省级以上科研项目。",
            "consortium_allowed": consortium,
            "consortium_max": rng.randint(2, 5) if consortium else 1,
            "contact_name": "王工",
            "contact_phone": f"0576-85{cid % 1_000_000:06d}",
            "contact_email": f"rd{cid}@example.cn",
            "review_comment": "",
            "cancel_reason": "企业战略调整" if status is ChallengeStatus.CANCELLED else "",
            "import_key": None,
            "created_at": created,
            "updated_at": published or created,
            "submitted_at": created + timedelta(hours=6)
            if status is not ChallengeStatus.DRAFT
            else None,
            "published_at": published,
            "closed_at": deadline if public and status is not ChallengeStatus.PUBLISHED else None,
            "version_id": 1,
            "revision": 0,
        }
        batch.challenges.append(row)
        if public:
            _extras(rng, batch, row, user_id, now)
        for position, (name, target, unit) in enumerate(
            rng.sample(INDICATORS, rng.randint(2, 5)), start=1
        ):
            indicator_id += 1
            batch.indicators.append(
                {
                    "id": indicator_id,
                    "challenge_id": cid,
                    "position": position,
                    "name": name,
                    "target": target,
                    "unit": unit,
                    "verification": rng.choice(VERIFY),
                }
            )
        if len(batch.challenges) >= BATCH:
            yield batch
            batch = Batch()
    if batch.challenges:
        yield batch


def seed(engine: Engine, n: int, rng: random.Random) -> dict:
    """Insert organisations, one user and ``n`` challenges with indicators in one transaction."""
    now = datetime.now(UTC)
    counts = dict.fromkeys(("challenges", "indicators", "questions", "amendments"), 0)
    counts["organisations"] = ORGANISATIONS
    with engine.begin() as conn:
        conn.execute(Organisation.__table__.insert(), _organisations(now))
        conn.execute(
            User.__table__.insert(),
            [
                {
                    "id": 1,
                    "email": "bench@example.cn",
                    "name": "压测企业用户",
                    "phone": "",
                    "password_hash": "!",  # cannot log in
                    "role": Role.ENTERPRISE,
                    "organisation_id": 1,
                    "is_org_admin": True,
                    "membership": Membership.APPROVED,
                    "is_active_account": True,
                    "locale": "",
                    "created_at": now,
                    "password_changed_at": now,
                    "last_login_at": None,
                }
            ],
        )
        counters: dict[int, int] = {}
        tables = {
            "challenges": Challenge.__table__,
            "indicators": Indicator.__table__,
            "questions": Question.__table__,
            "amendments": Amendment.__table__,
        }
        for batch in _challenge_rows(rng, n, now, 1, counters):
            for name, table in tables.items():
                rows = getattr(batch, name)
                if rows:
                    conn.execute(table.insert(), rows)
                    counts[name] += len(rows)
        conn.execute(
            CodeCounter.__table__.insert(),
            [{"year": y, "last_number": k} for y, k in sorted(counters.items())],
        )
        if engine.dialect.name == "postgresql":
            # Explicit ids were inserted: move the sequences past them.
            for table in (Organisation, User, Challenge, Indicator):
                t = table.__table__
                conn.execute(
                    select(
                        func.setval(
                            func.pg_get_serial_sequence(t.name, "id"),
                            select(func.max(t.c.id)).scalar_subquery(),
                        )
                    )
                )
    return counts


def analyze(engine: Engine) -> None:
    """Give the planner statistics, as a deployment has them: autovacuum on PostgreSQL, the
    app's own db.optimize() on SQLite (run by `marketplace migrate` and every `tick`)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        optimize(engine)


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Result:
    name: str
    example_url: str = ""
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)  # of the last request

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class QueryCounter:
    """Counts SQL statements on an engine (not the BEGIN SQLite's begin hook sends)."""

    def __init__(self, engine: Engine):
        self.count = 0
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn, _cursor, statement, _params, _context, _many):
        if statement.strip().upper().startswith("BEGIN"):
            return
        self.count += 1
        self.statements.append(statement)

    def reset(self) -> None:
        self.count = 0
        self.statements = []


def measure(
    client, counter: QueryCounter, name: str, urls: Callable[[], str], requests: int, warmup: int
) -> Result:
    result = Result(name)
    for i in range(warmup + requests):
        url = urls()
        result.example_url = url
        counter.reset()
        start = time.perf_counter()
        resp = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        if resp.status_code != 200:
            raise SystemExit(f"{url} answered {resp.status_code}")
        if i >= warmup:
            result.times_ms.append(elapsed)
            result.queries.append(counter.count)
    result.statements = counter.statements
    return result


def scenarios(rng: random.Random, public_ids: list[int]) -> list[tuple[str, Callable[[], str]]]:
    fields = [i.value for i in Industry]
    bands = [b[0] for b in BUDGET_BANDS]
    return [
        # The brief's scenarios: default list, field + open by deadline, budget band by
        # budget, a deep page of a filter, detail; plus two more that the filter form offers.
        ("list", lambda: "/challenges"),
        (
            "list_filtered",
            lambda: f"/challenges?field={rng.choice(fields)}&status=open&sort=deadline",
        ),
        ("list_budget", lambda: f"/challenges?budget={rng.choice(bands)}&sort=budget"),
        ("list_deep_page", lambda: f"/challenges?field={rng.choice(fields)}&page=50"),
        ("list_closed", lambda: f"/challenges?status=closed&field={rng.choice(fields)}"),
        ("list_sort_budget", lambda: "/challenges?sort=budget"),
        ("detail", lambda: f"/challenges/{rng.choice(public_ids)}"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--challenges", type=int, default=100_000, help="challenges to seed")
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLite URL of a new file, or a PostgreSQL admin URL (a fresh database is "
        "created on that server and dropped afterwards); default: SQLite in a temp dir",
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per scenario")
    parser.add_argument("--seed", type=int, default=20261127, help="random seed")
    parser.add_argument(
        "--analyze",
        choices=("auto", "yes", "no"),
        default="auto",
        help="gather planner statistics after seeding: auto (default) = what a deployment "
        "gets (autovacuum on PostgreSQL; on SQLite the app's db.optimize(), which "
        "`marketplace migrate` and every `marketplace tick` run); no = a database that was "
        "never analysed",
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of one request per scenario"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    with (
        bench_database(args.database_url, args.keep) as url,
        tempfile.TemporaryDirectory(prefix="mp_bench_app_") as app_dir,
    ):
        engine = make_engine(url)
        backend = engine.dialect.name
        start = time.perf_counter()
        upgrade(engine)
        migrate_s = time.perf_counter() - start
        start = time.perf_counter()
        counts = seed(engine, args.challenges, rng)
        seed_s = time.perf_counter() - start
        start = time.perf_counter()
        analyzed = args.analyze in ("yes", "auto")
        if analyzed:
            analyze(engine)
        analyze_s = time.perf_counter() - start
        with engine.connect() as conn:
            public_ids = list(
                conn.execute(
                    Challenge.__table__.select()
                    .with_only_columns(Challenge.__table__.c.id)
                    .where(Challenge.__table__.c.status.in_(PUBLIC_STATUSES))
                ).scalars()
            )
        engine.dispose()
        print(
            f"{backend}: seeded {counts['challenges']:,} challenges, "
            f"{counts['indicators']:,} indicators, {counts['questions']:,} questions, "
            f"{counts['amendments']:,} amendments, {counts['organisations']} organisations "
            f"in {seed_s:.1f} s (migrate {migrate_s:.1f} s, "
            + (f"ANALYZE {analyze_s:.1f} s)" if analyzed else "no ANALYZE)")
        )

        app = create_app(
            {
                "DATABASE_URL": url,
                "TESTING": True,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_STORAGE_URI": "memory://",
                "SEARCH_INDEX_DIR": str(Path(app_dir) / "search_index"),
                "UPLOAD_DIR": str(Path(app_dir) / "uploads"),
                "SERVER_NAME": None,
            }
        )
        app_engine = app.extensions["db_engine"]
        counter = QueryCounter(app_engine)
        client = app.test_client()
        results = [
            measure(client, counter, name, urls, args.requests, args.warmup)
            for name, urls in scenarios(rng, public_ids)
        ]
        app_engine.dispose()

    print()
    print(f"{'scenario':<18}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'queries':>10}")
    for r in results:
        q = f"{min(r.queries)}" if min(r.queries) == max(r.queries) else f"{min(r.queries)}–"
        q += "" if min(r.queries) == max(r.queries) else f"{max(r.queries)}"
        print(f"{r.name:<18}{r.p50:>10.1f}{r.p95:>10.1f}{max(r.times_ms):>10.1f}{q:>10}")
    print(f"({args.requests} requests per scenario after {args.warmup} warm-up requests)")
    for r in results:
        print(f"  {r.name:<18}e.g. {r.example_url}")
        if args.show_queries:
            for statement in r.statements:
                print("      " + " ".join(statement.split()))

    by_name = {r.name: r for r in results}
    summary: dict[str, object] = {
        "backend": backend,
        "challenges": counts["challenges"],
        "indicators": counts["indicators"],
        "requests_per_scenario": args.requests,
        "seed_s": round(seed_s, 2),
        "analyzed": analyzed,
    }
    for r in results:
        summary[f"{r.name}_p50_ms"] = round(r.p50, 2)
        summary[f"{r.name}_p95_ms"] = round(r.p95, 2)
    list_queries = sorted({q for r in results if r.name != "detail" for q in r.queries})
    detail_queries = sorted(set(by_name["detail"].queries))
    summary["list_queries"] = list_queries[0] if len(list_queries) == 1 else list_queries
    summary["detail_queries"] = detail_queries[0] if len(detail_queries) == 1 else detail_queries
    summary["queries_min_max"] = {r.name: [min(r.queries), max(r.queries)] for r in results}
    summary["queries_constant"] = all(min(r.queries) == max(r.queries) for r in results)
    over = [r.name for r in results if r.p95 >= TARGET_P95_MS]
    summary["target_p95_ms"] = TARGET_P95_MS
    summary["p95_over_target"] = over
    summary["p95_under_target"] = not over
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
