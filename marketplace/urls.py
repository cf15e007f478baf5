"""URL helpers: where a redirect may go, and the address links in e-mails point at."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for

# Control characters (C0, DEL, C1): in a Location header a CR/LF would split the header
# (werkzeug refuses it with a 500), and browsers drop tabs and newlines from URLs, so
# "/\t/evil.example" would turn into "//evil.example".
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_next(target: str | None) -> str | None:
    """A same-site path to go back to, or None (no open redirects, no header injection)."""
    if not target or _UNSAFE.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute link for e-mails and notices, built on ``PUBLIC_BASE_URL``.

    Never from the request: its ``Host`` header is whatever the sender typed, and a reset link
    built on it would carry the token to the sender's site.
    """
    path = url_for(endpoint, **values)
    # PUBLIC_BASE_URL already names any prefix the site is mounted under.
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
