"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class ApiTokenAction(AuditAction):
    CREATE = "api_token.create"
    REVOKE = "api_token.revoke"
    __labels__ = labels({CREATE: _l("创建 API 令牌"), REVOKE: _l("吊销 API 令牌")})
