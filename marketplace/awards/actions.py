"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class AwardAction(AuditAction):
    PROPOSE = "award.propose"
    SETTLE_BIDS = "bid.settle"
    CONFIRM = "award.confirm"
    REVOKE = "award.revoke"
    REOPEN_REVIEW = "award.reopen_review"
    FAIL = "challenge.fail"
    REPOST = "challenge.repost"
    FILE_OBJECTION = "objection.file"
    RESOLVE_OBJECTION = "objection.resolve"
    __labels__ = labels(
        {
            PROPOSE: _l("提出揭榜结果（公示）"),
            SETTLE_BIDS: _l("确定揭榜结果"),
            CONFIRM: _l("确认揭榜结果"),
            REVOKE: _l("撤销揭榜结果"),
            REOPEN_REVIEW: _l("退回重新评审"),
            FAIL: _l("流榜"),
            REPOST: _l("流榜后重新发榜"),
            FILE_OBJECTION: _l("提出异议"),
            RESOLVE_OBJECTION: _l("处理异议"),
        }
    )
