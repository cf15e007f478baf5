"""Configuration: defaults, then ``instance/config.py``, then environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

# Environment variables read into the config, with the type each one is parsed as.
_ENV_KEYS: dict[str, type] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_KEY_PREFIX": str,
    "SEARCH_INDEX_DIR": str,
    "SEARCH_CACHE_MB": int,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": bool,
    "MAIL_SENDER": str,
    "MAIL_TIMEOUT_SECONDS": int,
    "MAIL_MAX_ATTEMPTS": int,
    "MAIL_RETRY_MINUTES": int,
    "MAIL_CLAIM_TIMEOUT_MINUTES": int,
    "MAIL_SEND_AFTER_REQUEST": bool,
    "SESSION_COOKIE_SECURE": bool,
    "PREFERRED_URL_SCHEME": str,
    "PASSWORD_HASH_METHOD": str,
    "LOGIN_LIMIT": str,
    "LOGIN_ACCOUNT_LIMIT": str,
    "REGISTER_LIMIT": str,
    "PUBLIC_BASE_URL": str,
    "ALLOWED_HOSTS": list,
    "SQLITE_BUSY_TIMEOUT_MS": int,
    "UPLOAD_DIR": str,
    "CHALLENGE_MIN_DAYS": int,
    "AMENDMENT_MIN_NOTICE_DAYS": int,
    "PUBLICITY_WORKING_DAYS": int,
    "NOTICE_SHOW_PANEL": bool,
    "BID_LEADER_MAX_LIVE": int,
    "INTEGRITY_BAR_YEARS": list,
    "INTEGRITY_REPAIR_MIN_PERCENT": int,
    "INTEGRITY_PUBLIC_LIST": bool,
    "PANEL_SIZE": int,
    "PANEL_REQUIRE_FINANCE": bool,
    "SCORE_SPREAD_FLAG": int,
    "REVIEW_REMINDER_HOURS": int,
    "HOME_STATS_CACHE_SECONDS": int,
    "PAGE_CACHE_SECONDS": int,
    "PAGE_CACHE_MAX_PAGES": int,
    "PAGE_CACHE_MAX_MB": int,
    "PROJECT_FIRST_TRANCHE_PERCENT": int,
    "PROJECT_FIRST_TRANCHE_MAX_PERCENT": int,
    "PROJECT_RECTIFY_MONTHS": int,
    "PROJECT_EXTENSION_MAX_MONTHS": int,
    "ACCEPTANCE_RECTIFY_MONTHS": int,
    "PROJECT_REMINDER_DAYS": list,
    "OCDS_OCID_PREFIX": str,
    "API_TOKEN_MAX_DAYS": int,
}


class DefaultConfig:
    """Settings every deployment starts from; instance/config.py and env vars override them."""

    DATABASE_URL: str | None = None  # None means the SQLite file in instance/
    SQLITE_BUSY_TIMEOUT_MS = 5000
    SEARCH_INDEX_DIR: str | None = None  # None means <project>/search_index
    SEARCH_OUTBOX_SETTLE_MS = 300  # PostgreSQL only: see search/service.catch_up
    SEARCH_OUTBOX_GAP_SECONDS = 3600  # PostgreSQL: how long a skipped outbox id is waited for
    SEARCH_CACHE_MB = 256  # posting lists kept in memory per process (search/engine.py)

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")

    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # requests over 16 MB get 413
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # one PDF attachment
    UPLOAD_DIR: str | None = None  # None means instance/uploads

    CHALLENGE_MIN_DAYS = 30  # publication → deadline, checked at approval
    # A deadline change leaves bidders at least this long after approval (招标投标法 第二十三条).
    AMENDMENT_MIN_NOTICE_DAYS = 15
    PUBLICITY_WORKING_DAYS = 5  # 公示期, in working days (workdays.services.publicity_window)
    # Whether a 公示 notice names the panel and shows the scores (some cities publish them).
    NOTICE_SHOW_PANEL = False
    CHALLENGE_CODE_PREFIX = "LH"  # public codes like LH-2026-0007
    BID_LEADER_MAX_LIVE = 2  # live bids one 挂帅 leader may lead at once
    # 科研诚信: the graded periods (years) staff choose from for a bar on bidding and expert
    # work (《科研失信行为调查处理规则》 grades bars by years; permanent is a measure of its own).
    INTEGRITY_BAR_YEARS: tuple[int, ...] = (1, 3, 5)
    # 信用修复 may be applied for once this share of a bar's period has run.
    INTEGRITY_REPAIR_MIN_PERCENT = 50
    INTEGRITY_PUBLIC_LIST = True  # the public page of restrictions in force (/integrity)
    # Review panels (评审): an odd number of experts, at least 3, with a finance expert.
    PANEL_SIZE = 5
    PANEL_REQUIRE_FINANCE = True
    # The default rubric (评分细则) of a new panel: (name, weight), weights summing to 100.
    REVIEW_RUBRIC: tuple[tuple[str, int], ...] = (
        ("技术方案与指标应答", 30),
        ("团队与挂帅人", 20),
        ("里程碑计划与可行性", 20),
        ("预算合理性", 15),
        ("前期基础", 15),
    )
    # An expert whose total differs from the panel mean by more than this (points) is flagged.
    SCORE_SPREAD_FLAG = 20
    # `tick` reminds an expert once who has not declared / not scored this long after assignment.
    REVIEW_REMINDER_HOURS = 48
    # Projects (任务书): the share of each funding source paid on signing, by default and at most.
    PROJECT_FIRST_TRANCHE_PERCENT = 30
    PROJECT_FIRST_TRANCHE_MAX_PERCENT = 60
    # Milestones: the rectification period after a failed review, the longest extension, the
    # rectification period after a 验收 verdict 整改 (months), and the days before a due date
    # on which `tick` reminds the team (0: on the day).
    PROJECT_RECTIFY_MONTHS = 3
    PROJECT_EXTENSION_MAX_MONTHS = 12
    ACCEPTANCE_RECTIFY_MONTHS = 3
    PROJECT_REMINDER_DAYS: tuple[int, ...] = (14, 3, 0)
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True in production (HTTPS)
    SESSION_COOKIE_NAME = "mp_session"
    # Server-side limits on a login session (seconds).
    SESSION_IDLE_TIMEOUT = 2 * 3600
    SESSION_ABSOLUTE_TIMEOUT = 12 * 3600

    # werkzeug's scrypt (N=32768, r=8, p=1) unless a deployment asks for more.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)
    PASSWORD_RESET_MAX_AGE = 3600

    # Failed logins allowed per IP, and per account from one source (an IP, or a browser the
    # account has logged in from before); the 11th gets 429, with the time to try again.
    LOGIN_LIMIT = "10 per 15 minutes"
    # Failed logins per account from browsers it has never logged in from, whatever their IP:
    # slows guessing spread over many addresses, while the owner's own browser still gets in.
    LOGIN_ACCOUNT_LIMIT = "30 per hour"
    # Registration attempts per IP (each one may be probing which e-mails have accounts).
    REGISTER_LIMIT = "20 per hour"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    # The address people reach the site at: links in e-mails are built on it, never on the
    # request's Host header. Requests for any other host get 400 (see security._refuse_host).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"  # what `make run` serves
    # Further host names to serve (a name starting with "." covers its subdomains). The host
    # of PUBLIC_BASE_URL, localhost and 127.0.0.1 are always served.
    ALLOWED_HOSTS: tuple[str, ...] = ()

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_SENDER = "noreply@kjj.example.cn"
    # Notification e-mail (an outbox drained after each request and by `tick`): the SMTP
    # timeout, how often a message is tried before it is given up, the wait between tries
    # (minutes, doubled each time), and whether a request sends its own mail once its response
    # is out (off: only `tick` sends). Nothing is queued while MAIL_SERVER is unset.
    MAIL_TIMEOUT_SECONDS = 10
    MAIL_MAX_ATTEMPTS = 5
    MAIL_RETRY_MINUTES = 5
    # A row still "sending" this long after its sender claimed it (the sender died before
    # recording the result) goes back to pending on the next run, the lost try counted.
    MAIL_CLAIM_TIMEOUT_MINUTES = 15
    MAIL_SEND_AFTER_REQUEST = True
    NOTIFICATIONS_PAGE_SIZE = 30  # the notification centre

    PAGE_SIZE = 20
    # The home page's public figures are recounted at most this often per process (seconds).
    HOME_STATS_CACHE_SECONDS = 30
    # Rendered pages of the busiest views, kept per process until the data changes
    # (marketplace/page_cache.py); a kept page is also renewed every this many seconds, so the
    # clock (a deadline passing) shows within it. 0 turns the cache off.
    PAGE_CACHE_SECONDS = 60
    PAGE_CACHE_MAX_PAGES = 500
    PAGE_CACHE_MAX_MB = 32
    REVIEW_QUEUE_PAGE_SIZE = 50  # the staff review queue, and its pending amendments
    MY_BIDS_PAGE_SIZE = 50  # a research team's "my bids"
    # Open data (/api/v1, /open-data): the OCDS ocid prefix registered for this publisher, the
    # publisher named in the OCDS package, the page size bound, and how long a new token lives.
    OCDS_OCID_PREFIX = "ocds-lhkj01"
    OPEN_DATA_PUBLISHER = "临海市科学技术局"
    API_MAX_PER_PAGE = 100
    API_TOKEN_MAX_DAYS = 365


def _parse(kind: type, raw: str):
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return kind(raw)


def load_config(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment and tests."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    for key, kind in _ENV_KEYS.items():
        if key in os.environ and os.environ[key] != "":
            app.config[key] = _parse(kind, os.environ[key])
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if not app.config.get("DATABASE_URL"):
        db_file = Path(app.instance_path) / "marketplace.sqlite3"
        app.config["DATABASE_URL"] = f"sqlite:///{db_file}"
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    base = urlsplit(app.config.get("PUBLIC_BASE_URL") or "")
    if base.scheme not in ("http", "https") or not base.hostname:
        raise ValueError(
            f"PUBLIC_BASE_URL must be an http(s) address such as https://jbgs.example.cn, "
            f"not {app.config.get('PUBLIC_BASE_URL')!r}"
        )
    if int(app.config["PUBLICITY_WORKING_DAYS"]) < 1:
        raise ValueError("PUBLICITY_WORKING_DAYS must be at least 1 (公示期 in working days)")
    if not 0 <= int(app.config["INTEGRITY_REPAIR_MIN_PERCENT"]) <= 100:
        raise ValueError("INTEGRITY_REPAIR_MIN_PERCENT must be between 0 and 100")
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(Path(app.root_path).parent / "search_index")


def _instance_secret(instance: Path) -> str:
    """Read the secret key from instance/secret_key, generating it on first run."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        # Write aside, then link into place: two workers starting at once agree on one key
        # and neither can read a half-written file.
        tmp = instance / f".secret_key.{os.getpid()}"
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
