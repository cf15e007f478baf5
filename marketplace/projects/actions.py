"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class ProjectAction(AuditAction):
    CREATE = "project.create"
    __labels__ = labels({CREATE: _l("创建项目")})
