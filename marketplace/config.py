"""Configuration: defaults, then ``instance/config.py``, then environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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
    "SESSION_COOKIE_SECURE": bool,
    "PREFERRED_URL_SCHEME": str,
    "PASSWORD_HASH_METHOD": str,
    "LOGIN_LIMIT": str,
    "SQLITE_BUSY_TIMEOUT_MS": int,
    "UPLOAD_DIR": str,
    "CHALLENGE_MIN_DAYS": int,
    "BID_LEADER_MAX_LIVE": int,
}


class DefaultConfig:
    """Settings every deployment starts from; instance/config.py and env vars override them."""

    DATABASE_URL: str | None = None  # None means the SQLite file in instance/
    SQLITE_BUSY_TIMEOUT_MS = 5000
    SEARCH_INDEX_DIR: str | None = None  # None means <project>/search_index
    SEARCH_OUTBOX_SETTLE_MS = 300  # PostgreSQL only: see search/service.catch_up
    SEARCH_CACHE_MB = 256  # posting lists kept in memory per process (search/engine.py)

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")

    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # requests over 16 MB get 413
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # one PDF attachment
    UPLOAD_DIR: str | None = None  # None means instance/uploads

    CHALLENGE_MIN_DAYS = 30  # publication → deadline, checked at approval
    CHALLENGE_CODE_PREFIX = "LH"  # public codes like LH-2026-0007
    BID_LEADER_MAX_LIVE = 2  # live bids one 挂帅 leader may lead at once
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

    # Failed logins allowed per account and per IP in the window; the 11th gets 429.
    LOGIN_LIMIT = "10 per 15 minutes"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_SENDER = "noreply@kjj.example.cn"

    PAGE_SIZE = 20


def _parse(kind: type, raw: str):
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
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
