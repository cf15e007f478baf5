"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class IntegrityAction(AuditAction):
    RECORD = "integrity.record"
    REPAIR_APPLY = "integrity.repair_apply"
    REPAIR_APPROVE = "integrity.repair_approve"
    REPAIR_REFUSE = "integrity.repair_refuse"
    __labels__ = labels(
        {
            RECORD: _l("记录科研失信"),
            REPAIR_APPLY: _l("申请信用修复"),
            REPAIR_APPROVE: _l("批准信用修复"),
            REPAIR_REFUSE: _l("不予批准信用修复"),
        }
    )
