"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class BidAction(AuditAction):
    START = "bid.start"
    SAVE = "bid.save"
    ATTACH = "bid.attach"
    SUBMIT = "bid.submit"
    WITHDRAW = "bid.withdraw"
    __labels__ = labels(
        {
            START: _l("开始揭榜"),
            SAVE: _l("保存揭榜草稿"),
            ATTACH: _l("上传揭榜附件"),
            SUBMIT: _l("提交揭榜材料"),
            WITHDRAW: _l("撤回揭榜"),
        }
    )
