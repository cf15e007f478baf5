"""The words of the audit trail: actions, kinds of object, fields and stored values.

Declared once; the trail's page, its filters and any export read them from here. Action codes
are declared per domain, in ``<domain>/actions.py`` (an ``AuditAction`` enum with its labels);
every such module is imported here, so a new domain's actions are known without a list to edit.
"""

from __future__ import annotations

import enum
import importlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import Membership, OrgKind, OrgStatus, Role
from ..audit import audit_actions
from ..challenges.models import Industry, Phase
from ..i18n import local_datetime, money
from ..integrity.models import Measure, RepairStatus
from ..review.models import Availability
from ..teams.models import TransferMode
from ..workdays.models import DayKind

for _module in sorted(Path(__file__).resolve().parents[1].glob("*/actions.py")):
    importlib.import_module(f"marketplace.{_module.parent.name}.actions")


def action_labels() -> dict[str, str]:
    """Every known action code in words (the trail's filter)."""
    return {code: member.label for code, member in audit_actions().items()}


OBJECT_LABELS: dict[str, Any] = {
    "user": _l("用户"),
    "organisation": _l("单位"),
    "challenge": _l("榜单"),
    "amendment": _l("榜单变更"),
    "question": _l("提问"),
    "bid": _l("揭榜"),
    "bid_attachment": _l("揭榜附件"),
    "integrity_record": _l("科研诚信记录"),
    "integrity_repair": _l("信用修复申请"),
    "team_profile": _l("团队画像"),
    "achievement": _l("科技成果"),
    "subscription": _l("订阅"),
    "expert_profile": _l("专家信息"),
    "review_panel": _l("评审专家组"),
    "award": _l("揭榜结果"),
    "award_objection": _l("异议"),
    "project": _l("项目"),
    "challenge_failure": _l("流榜"),
    "holiday_entry": _l("节假日安排"),
    "project_milestone": _l("里程碑"),
    "project_milestone_report": _l("里程碑报告"),
    "project_inspection": _l("现场考察"),
    "project_extension": _l("延期申请"),
    "project_acceptance": _l("验收"),
    "project_final_account": _l("决算"),
    "project_plan_version": _l("里程碑计划版本"),
    "ledger_movement": _l("账目"),
    "ledger_tranche": _l("拨付批次"),
    "api_token": _l("API 令牌"),
}

FIELD_LABELS: dict[str, Any] = {
    "name": _l("名称"),
    "email": _l("邮箱"),
    "role": _l("角色"),
    "organisation_id": _l("所属单位"),
    "is_org_admin": _l("单位管理员"),
    "membership": _l("成员状态"),
    "is_active": _l("账号启用"),
    "kind": _l("单位类型"),
    "region": _l("所在地区"),
    "uscc": _l("统一社会信用代码"),
    "status": _l("状态"),
    "review_note": _l("审核意见"),
    "code": _l("榜单编号"),
    "title": _l("标题"),
    "field": _l("领域"),
    "budget_total_fen": _l("总预算"),
    "enterprise_funds_fen": _l("企业自筹"),
    "subsidy_requested_fen": _l("申请财政支持"),
    "asking_price_fen": _l("转让报价"),
    "period_months": _l("实施周期（月）"),
    "deadline": _l("揭榜截止时间"),
    "comment": _l("意见"),
    "reason": _l("理由"),
    "fields": _l("变更的字段"),
    "challenge_id": _l("榜单"),
    "file": _l("文件"),
    "sha256": "SHA-256",
    "bytes": _l("大小（字节）"),
    "version": _l("版本"),
    "team_name": _l("团队名称"),
    "leader_name": _l("负责人"),
    "leader_title": _l("负责人职称"),
    "leader_field": _l("负责人研究方向"),
    "research_fields": _l("研究领域"),
    "keywords": _l("关键词"),
    "equipment": _l("仪器设备"),
    "members": _l("团队成员"),
    "achievements": _l("代表性成果"),
    "is_public": _l("公开"),
    "summary": _l("简介"),
    "trl": _l("技术成熟度"),
    "ip_status": _l("知识产权"),
    "transfer_mode": _l("转化方式"),
    "team_id": _l("所属团队"),
    "query": _l("检索词"),
    "profile_id": _l("关注的团队画像"),
    "user_id": _l("用户"),
    "until": _l("限制截止日期"),
    "measure": _l("处理措施"),
    "starts_on": _l("处理决定日期"),
    "project_id": _l("关联项目"),
    "record_id": _l("科研诚信记录"),
    "lifted_on": _l("提前解除日期"),
    "first_day": _l("开始日期"),
    "industries": _l("专业领域"),
    "organisation_name": _l("工作单位"),
    "organisation_uscc": _l("工作单位统一社会信用代码"),
    "is_finance_expert": _l("财务专家"),
    "availability": _l("能否参加评审"),
    "unavailable_until": _l("暂停评审至"),
    "availability_note": _l("能否参加评审的说明"),
    "last_day": _l("结束日期"),
}

# Where one kind of object names a field differently.
OBJECT_FIELD_LABELS: dict[tuple[str, str], Any] = {
    ("user", "name"): _l("姓名"),
    ("user", "organisation_id"): _l("所属单位"),
    ("holiday_entry", "kind"): _l("类型"),
    ("expert_profile", "title"): _l("职称"),
    ("award", "kind"): _l("揭榜方式"),
    ("award", "shares"): _l("各团队金额"),
    ("award", "remainder_fen"): _l("赛马剩余金额"),
    ("award", "awarded"): _l("中选方案"),
    ("award", "settled"): _l("各方案评审结果"),
}


def field_label(object_type: str, field: str) -> str:
    """A recorded field in words (its key for one that has no label yet)."""
    label = OBJECT_FIELD_LABELS.get((object_type, field)) or FIELD_LABELS.get(field, field)
    return str(label)


# Stored enum values shown by their label, per (object type, field).
_ENUMS: dict[tuple[str, str], type[enum.Enum]] = {
    ("user", "role"): Role,
    ("user", "membership"): Membership,
    ("organisation", "kind"): OrgKind,
    ("organisation", "status"): OrgStatus,
    ("challenge", "status"): Phase,
    ("challenge", "field"): Industry,
    ("achievement", "field"): Industry,
    ("achievement", "transfer_mode"): TransferMode,
    ("holiday_entry", "kind"): DayKind,
    ("expert_profile", "availability"): Availability,
    ("expert_profile", "industries"): Industry,
    ("integrity_record", "measure"): Measure,
    ("integrity_repair", "status"): RepairStatus,
}


def action_label(code: str) -> str:
    """The action in words (the code itself for one written before it had a label)."""
    member = audit_actions().get(code)
    return member.label if member is not None else code


def value_text(object_type: str, field: str, value: Any) -> str:
    """A stored value as people read it (labels for states, 万元 for money, local time)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    kind = _ENUMS.get((object_type, field))
    if kind is not None:
        try:
            if isinstance(value, list):
                return "、".join(str(kind(v).label) for v in value)
            return str(kind(value).label)
        except (ValueError, AttributeError):
            return str(value)
    if field.endswith("_fen") and isinstance(value, int):
        return money(value)
    if field == "deadline" and isinstance(value, str):
        try:
            return local_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
