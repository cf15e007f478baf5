"""API tokens: made and revoked by organisation users, checked on every API request.

The secret (``secrets.token_urlsafe``) is shown once, when it is made; only its SHA-256 is
stored, so a copy of the database opens nothing. A token acts for its user and organisation
while it is unexpired, unrevoked, the account is active and still an approved member there.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlmodel import Session

from .. import audit, db
from ..accounts.access import member_org_id
from ..accounts.models import Role, User
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..parsing import parse_int
from . import queries
from .actions import ApiTokenAction
from .models import ApiToken

PREFIX = "lhkj_"  # recognisable in a log or a leaked-secret scan
ORGANISATION_ROLES = (Role.ENTERPRISE, Role.RESEARCHER)
NAME_MAX = 100


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def may_hold_tokens(user: User | None) -> bool:
    """Only approved members of an organisation (enterprise or research team) hold tokens."""
    return (
        user is not None
        and getattr(user, "role", None) in ORGANISATION_ROLES
        and member_org_id(user) is not None
    )


@db.transactional
def create_token(
    s: Session, *, actor: User, name: str, days: object, max_days: int
) -> tuple[ApiToken, str]:
    """A new token and its secret (returned once, never stored)."""
    if not may_hold_tokens(actor):
        raise PermissionDenied(_("只有已获批的单位成员可以创建 API 令牌。"))
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请填写令牌名称，例如用途或系统名。")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("令牌名称不能超过 %(n)d 个字符。", n=NAME_MAX)]
    lifetime = parse_int(days, minimum=1, maximum=max_days)
    if lifetime is None:
        errors["days"] = [_("有效期须为 1 到 %(n)d 天之间的整数。", n=max_days)]
    if errors:
        raise ValidationFailed(field_errors=errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    now = db.utcnow()
    token = ApiToken(
        user_id=actor.id,
        organisation_id=member_org_id(actor),
        name=name,
        token_sha256=digest(secret),
        hint=secret[: len(PREFIX) + 4],
        created_at=now,
        expires_at=now + timedelta(days=lifetime),
    )
    s.add(token)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=ApiTokenAction.CREATE,
        obj=token,
        after={"name": name, "hint": token.hint, "expires_at": token.expires_at.isoformat()},
    )
    return token, secret


@db.transactional
def revoke_token(s: Session, *, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (revoking it again changes nothing)."""
    token = s.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFound(_("该令牌不存在。"))
    if token.revoked_at is None:
        token.revoked_at = db.utcnow()
        s.add(token)
        audit.record(
            s,
            actor=actor,
            action=ApiTokenAction.REVOKE,
            obj=token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


def holder(s: Session, authorization: str | None) -> tuple[User, ApiToken] | None:
    """The user and token an ``Authorization: Bearer …`` header names, if it still works."""
    if not authorization:
        return None
    scheme, _sep, secret = authorization.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > 200:
        return None
    token = queries.token_by_hash(s, digest(secret))
    if token is None or token.revoked_at is not None or token.expires_at <= db.utcnow():
        return None
    user = s.get(User, token.user_id)
    if user is None or not user.is_active_account or not may_hold_tokens(user):
        return None
    if member_org_id(user) != token.organisation_id:
        return None
    return user, token


def is_usable(token: ApiToken) -> bool:
    return token.revoked_at is None and token.expires_at > db.utcnow()
