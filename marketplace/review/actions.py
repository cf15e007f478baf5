"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class ExpertProfileAction(AuditAction):
    CREATE = "expert_profile.create"
    UPDATE = "expert_profile.update"
    __labels__ = labels(
        {
            CREATE: _l("填写专家信息"),
            UPDATE: _l("修改专家信息"),
        }
    )


class ReviewAction(AuditAction):
    """Panels, declarations, scores, the issuer's opinion and the defence (review.panels)."""

    PANEL_CREATE = "review_panel.create"
    PANEL_DRAW = "review_panel.draw"
    PANEL_FORM = "review_panel.form"
    PANEL_RUBRIC = "review_panel.rubric"
    PANEL_SHORTLIST = "review_panel.shortlist"
    MEMBER_ASSIGN = "review_member.assign"
    MEMBER_REMOVE = "review_member.remove"
    MEMBER_DECLARE = "review_member.declare"
    MEMBER_SUBMIT = "review_member.submit"
    SCORE_SUBMIT = "review_score.submit"
    SCORE_CORRECT = "review_score.correct"
    OPINION_SAVE = "review_opinion.save"
    DEFENCE_SCHEDULE = "review_defence.schedule"
    DEFENCE_NOTES = "review_defence.notes"
    __labels__ = labels(
        {
            PANEL_CREATE: _l("建立评审专家组"),
            PANEL_DRAW: _l("随机抽取评审专家"),
            PANEL_FORM: _l("组建评审专家组并开启评审"),
            PANEL_RUBRIC: _l("修改评分细则"),
            PANEL_SHORTLIST: _l("确定入围名单"),
            MEMBER_ASSIGN: _l("指定评审专家"),
            MEMBER_REMOVE: _l("移出评审专家"),
            MEMBER_DECLARE: _l("专家声明利益冲突情况"),
            MEMBER_SUBMIT: _l("专家完成评分"),
            SCORE_SUBMIT: _l("提交评分"),
            SCORE_CORRECT: _l("更正评分"),
            OPINION_SAVE: _l("填写企业评价"),
            DEFENCE_SCHEDULE: _l("安排答辩"),
            DEFENCE_NOTES: _l("记录答辩情况"),
        }
    )
