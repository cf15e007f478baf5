"""Device cookies (OWASP): the browsers an account has logged in from before.

A browser that once logged in to an account carries a token for it, so the per-account login
throttle, which a stranger can run up from anywhere, never keeps the owner out of their own
browser. Each token is a random nonce with an HMAC of nonce and account under the secret key:
it cannot be forged for an account, and names no account to whoever reads the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app, request

COOKIE = "mp_device"
MAX_AGE = 365 * 24 * 3600
_KEEP = 5  # accounts remembered per browser (a shared office computer)
_ENTRY = re.compile(r"[A-Za-z0-9_-]{16}\.[0-9a-f]{32}")


def _mac(nonce: str, email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"login-device:{nonce}:{email}".encode(), hashlib.sha256).hexdigest()[:32]


def _entries() -> list[str]:
    raw = request.cookies.get(COOKIE, "")[:1000]
    return [e for e in raw.split("~") if _ENTRY.fullmatch(e)][-_KEEP:]


def device_for(email: str) -> str | None:
    """The nonce of this browser's device token for the (normalized) e-mail, if it has one."""
    for entry in _entries():
        nonce, _, mac = entry.partition(".")
        if hmac.compare_digest(mac, _mac(nonce, email)):
            return nonce
    return None


def remember_device(response, email: str) -> None:
    """After a successful login: this browser is now known to the account."""
    if device_for(email) is not None:
        return
    nonce = secrets.token_urlsafe(12)
    entries = [*_entries(), f"{nonce}.{_mac(nonce, email)}"][-_KEEP:]
    response.set_cookie(
        COOKIE,
        "~".join(entries),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
