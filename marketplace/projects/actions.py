"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class ProjectAction(AuditAction):
    CREATE = "project.create"
    # The 任务书 and 赛马 (P1)
    EDIT_TASK_BOOK = "project.task_book_edit"
    CONFIRM_TASK_BOOK = "project.task_book_confirm"
    START = "project.start"
    ADJUST_PLAN = "project.plan_adjust"
    DECIDE_RACE = "project.race_decide"
    # Milestones, extensions, termination and 验收 (P3)
    REPORT_MILESTONE = "project.milestone_report"
    SIGN_OFF_REPORT = "project.milestone_sign_off"
    RETURN_REPORT = "project.milestone_return"
    RECORD_INSPECTION = "project.milestone_inspection"
    ACCEPT_MILESTONE = "project.milestone_accept"
    FAIL_MILESTONE = "project.milestone_fail"
    TERMINATE = "project.terminate"
    REQUEST_EXTENSION = "project.extension_request"
    DECIDE_EXTENSION = "project.extension_decide"
    START_ACCEPTANCE = "project.acceptance_start"
    JUDGE_ACCEPTANCE = "project.acceptance_judge"
    FILE_FINAL_ACCOUNT = "project.final_account"
    # The ledger and tranches (P2)
    RECORD_COMMITMENTS = "project.ledger_commit"
    ADD_COMMITMENT = "project.ledger_add_commitment"
    RECORD_RECEIPT = "project.ledger_receipt"
    RELEASE_TRANCHE = "project.tranche_release"
    CANCEL_TRANCHE = "project.tranche_cancel"
    CANCEL_REMAINING = "project.ledger_cancel_remaining"
    RECORD_RECOVERY_DUE = "project.ledger_recovery_due"
    RECORD_REPAYMENT = "project.ledger_repayment"
    REVERSE_MOVEMENT = "project.ledger_reverse"
    __labels__ = labels(
        {
            CREATE: _l("创建项目"),
            EDIT_TASK_BOOK: _l("修改任务书"),
            CONFIRM_TASK_BOOK: _l("确认任务书"),
            START: _l("任务书签订，项目开始执行"),
            ADJUST_PLAN: _l("调整里程碑计划"),
            DECIDE_RACE: _l("赛马阶段评审"),
            REPORT_MILESTONE: _l("报告里程碑"),
            SIGN_OFF_REPORT: _l("企业确认里程碑报告"),
            RETURN_REPORT: _l("退回里程碑报告"),
            RECORD_INSPECTION: _l("记录现场考察"),
            ACCEPT_MILESTONE: _l("里程碑审核通过"),
            FAIL_MILESTONE: _l("里程碑审核未通过"),
            TERMINATE: _l("终止项目"),
            REQUEST_EXTENSION: _l("申请延期"),
            DECIDE_EXTENSION: _l("审批延期"),
            START_ACCEPTANCE: _l("启动验收"),
            JUDGE_ACCEPTANCE: _l("验收结论"),
            FILE_FINAL_ACCOUNT: _l("提交决算"),
            RECORD_COMMITMENTS: _l("记录经费承诺"),
            ADD_COMMITMENT: _l("追加经费承诺"),
            RECORD_RECEIPT: _l("记录企业资金到账"),
            RELEASE_TRANCHE: _l("拨付经费"),
            CANCEL_TRANCHE: _l("取消拨付"),
            CANCEL_REMAINING: _l("取消剩余承诺"),
            RECORD_RECOVERY_DUE: _l("记录应追回经费"),
            RECORD_REPAYMENT: _l("记录追回到账"),
            REVERSE_MOVEMENT: _l("冲正账目"),
        }
    )
