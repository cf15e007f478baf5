"""The audit trail's action codes search writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class ThesaurusAction(AuditAction):
    ADD = "thesaurus.add"
    REMOVE = "thesaurus.remove"
    __labels__ = labels(
        {
            ADD: _l("新增搜索同义词"),
            REMOVE: _l("删除搜索同义词"),
        }
    )


class SubscriptionAction(AuditAction):
    CREATE = "subscription.create"
    DELETE = "subscription.delete"
    __labels__ = labels({CREATE: _l("新建订阅"), DELETE: _l("取消订阅")})
