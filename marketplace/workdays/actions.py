"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class HolidayAction(AuditAction):
    ADD = "holiday.add"
    REMOVE = "holiday.remove"
    SEED = "holiday.seed"
    __labels__ = labels(
        {
            ADD: _l("录入节假日安排"),
            REMOVE: _l("删除节假日安排"),
            SEED: _l("从 chinese-calendar 导入节假日安排"),
        }
    )
