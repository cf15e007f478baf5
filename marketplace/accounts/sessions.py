"""Server-side login sessions: the token in the cookie, its hash in the table, the user loader.

Here rather than in ``security``: the web plumbing knows no domain, and this is the accounts
domain's own rule for who a request is. ``create_app`` hands :func:`load_user` to flask-login.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import bindparam
from sqlmodel import select

from .. import db
from ..security import SESSION_KEY
from .models import LoginSession, User

# last_seen_at is written at most this often, so a page view is not a database write.
_TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """Only a hash of a session token is stored: a leaked table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


# Built once: every logged-in request asks it (a statement built per call was a fifth of a
# kept page's time, bench/pages.py).
_BY_TOKEN = (
    select(LoginSession, User)
    .join(User, User.id == LoginSession.user_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


def load_user(_user_id: str) -> User | None:
    """Resolve the user from the server-side session named in the cookie, or nobody."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    row = db.session().exec(_BY_TOKEN, params={"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    login, user = row
    now = db.utcnow()
    cfg = current_app.config
    expired = (
        login.revoked_at is not None
        or now - login.last_seen_at > timedelta(seconds=cfg["SESSION_IDLE_TIMEOUT"])
        or now - login.created_at > timedelta(seconds=cfg["SESSION_ABSOLUTE_TIMEOUT"])
        or not user.is_active_account
        or str(user.id) != str(_user_id)
    )
    if expired:
        session.clear()
        return None
    if now - login.last_seen_at > _TOUCH_EVERY:
        _touch_session(login.id)
    g.login_session_id = login.id
    return user


@db.transactional
def _touch_session(s, login_id: int) -> None:
    login = s.get(LoginSession, login_id)
    if login is not None:
        login.last_seen_at = db.utcnow()
