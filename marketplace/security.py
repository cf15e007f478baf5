"""Login sessions, security headers, CSRF, rate limits and role checks."""

from __future__ import annotations

import enum
import functools
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request
from flask_babel import format_time
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter
from werkzeug.sansio.utils import host_is_trusted

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SESSION_KEY = "sid"  # the cookie session's key for the login session's token (accounts.sessions)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # our server-side sessions do this job
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    # First of all: nothing else runs for a request addressed to a host we do not serve.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)
    # Before even that: the refusal's own log line carries the request id.
    app.before_request_funcs[None].insert(0, _assign_request_id)
    app.after_request(_send_request_id)
    app.before_request(_refuse_oversized_body)
    app.before_request(_refuse_nul_bytes)
    # Ids beyond what the databases store are 404 at routing, not an overflow deeper down.
    app.url_map.converters["int"] = BoundedInt
    app.after_request(_security_headers)


def roles_required(*roles: enum.Enum) -> Callable:
    """Route decorator: logged in, and one of ``roles`` (admins pass staff checks too).

    The roles are members of ``accounts.models.Role``; their own enum is asked for STAFF and
    ADMIN, so this core module needs no import of the accounts domain.
    """
    allowed = set(roles)
    kind = type(roles[0])
    if kind.STAFF in allowed:
        allowed.add(kind.ADMIN)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def login_required(view: Callable) -> Callable:
    """Route decorator: any logged-in user."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


# A proxy's id is kept when it looks like one (so its logs and ours join up); anything else, a
# header injection attempt or a novel, is replaced by our own.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)


def _send_request_id(response):
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


def _refuse_oversized_body() -> None:
    # Refuse by the declared length before reading a byte: cheaper, and werkzeug's own check
    # mid-parse leaves a spooled temporary file open.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length and request.content_length > limit:
        abort(413)


class BoundedInt(IntegerConverter):
    """``<int:…>`` limited to a 32-bit id."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def trusted_hosts() -> list[str]:
    """The host names this site answers: PUBLIC_BASE_URL's, loopback, and ALLOWED_HOSTS."""
    cfg = current_app.config
    public = urlsplit(cfg["PUBLIC_BASE_URL"]).hostname or ""
    return [public, "localhost", "127.0.0.1", *cfg.get("ALLOWED_HOSTS", ())]


def _refuse_untrusted_host():
    # Our own check rather than Flask's TRUSTED_HOSTS, which fails while the request is being
    # set up and leaves no URL adapter, so the error page itself became a 500.
    if not host_is_trusted(request.host, trusted_hosts()):
        from .errors import error_response

        return error_response(400, _("请求的域名不属于本平台，请使用平台的正式网址访问。"))
    return None


def retry_notice() -> tuple[int, str]:
    """Seconds until the breached rate limit lets the client in again, and a sentence saying so."""
    limit = limiter.current_limit
    seconds = max(1, int(limit.reset_at - time.time())) if limit is not None else 60
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    minutes = max(1, -(-seconds // 60))
    text = _(
        "尝试次数过多。请在 %(time)s 之后再试（约 %(minutes)d 分钟）。",
        time=format_time(at, "HH:mm"),
        minutes=minutes,
    )
    return seconds, text


def _refuse_nul_bytes() -> None:
    # PostgreSQL cannot store a NUL character in text; nobody types one on purpose.
    values = [*request.args.values(), *(request.form.values() if request.form else [])]
    if any("\x00" in value for value in values):
        abort(400)


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _security_headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages for a logged-in user, and every form, must not be kept by shared caches or the
    # back button after logout.
    if current_user.is_authenticated or request.method != "GET" or g.get("private_page"):
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    response.headers.pop("Server", None)
    return response
