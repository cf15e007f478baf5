"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class ChallengeAction(AuditAction):
    CREATE = "challenge.create"
    UPDATE = "challenge.update"
    IMPORT = "challenge.import"
    SUBMIT = "challenge.submit"
    APPROVE = "challenge.approve"
    RETURN = "challenge.return"
    REJECT = "challenge.reject"
    CANCEL = "challenge.cancel"
    CLOSE = "challenge.close"
    AMEND = "challenge.amend"
    ATTACH = "challenge.attach"
    DETACH = "challenge.detach"
    __labels__ = labels(
        {
            CREATE: _l("创建榜单草稿"),
            UPDATE: _l("修改榜单草稿"),
            IMPORT: _l("批量导入榜单"),
            SUBMIT: _l("提交榜单审核"),
            APPROVE: _l("发布榜单"),
            RETURN: _l("退回榜单修改"),
            REJECT: _l("驳回榜单"),
            CANCEL: _l("撤榜"),
            CLOSE: _l("榜单截止"),
            AMEND: _l("榜单变更生效"),
            ATTACH: _l("上传榜单附件"),
            DETACH: _l("删除榜单附件"),
        }
    )


class AmendmentAction(AuditAction):
    PROPOSE = "amendment.propose"
    APPROVE = "amendment.approve"
    REJECT = "amendment.reject"
    __labels__ = labels(
        {
            PROPOSE: _l("提出榜单变更"),
            APPROVE: _l("批准榜单变更"),
            REJECT: _l("驳回榜单变更"),
        }
    )


class QuestionAction(AuditAction):
    ASK = "question.ask"
    ANSWER = "question.answer"
    __labels__ = labels(
        {
            ASK: _l("提问"),
            ANSWER: _l("答复提问"),
        }
    )
