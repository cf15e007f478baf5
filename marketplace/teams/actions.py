"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class TeamAction(AuditAction):
    CREATE = "team.create"
    UPDATE = "team.update"
    __labels__ = labels(
        {
            CREATE: _l("创建团队画像"),
            UPDATE: _l("修改团队画像"),
        }
    )


class AchievementAction(AuditAction):
    CREATE = "achievement.create"
    UPDATE = "achievement.update"
    __labels__ = labels(
        {
            CREATE: _l("发布科技成果"),
            UPDATE: _l("修改科技成果"),
        }
    )
