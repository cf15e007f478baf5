"""Demo data for 临海市科技局's 揭榜挂帅 marketplace: the bureau, enterprises, research
organisations, experts, the enterprises' challenges (see demo_challenges.py) and the research
teams' capability profiles, technology achievements and bids (see demo_teams.py).

Every name, credit code and e-mail address here is invented. The data goes through the
account, challenge, team and bid services (one outer transaction), so the audit trail reads
like real use.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

import click
from sqlmodel import Session, select
from stdnum.cn import uscc as uscc_std

from . import audit, db
from .accounts.models import Organisation, OrgKind, OrgStatus, Role, User
from .accounts.services import (
    create_user,
    decide_membership,
    register_organisation,
    request_membership,
    review_organisation,
)
from .challenges import services as challenges
from .challenges.amendments import decide_amendment, propose_amendment
from .challenges.schemas import SHANGHAI, deadline_local_text, parse_challenge
from .demo_challenges import CANCELLED, CHALLENGES, DRAFT, PENDING, RETURNED
from .demo_teams import load_teams

DEMO_PASSWORD = "Linhai-Demo-2026"  # noqa: S105 (the published demo password)

BUREAU_NAME = "临海市科学技术局"

# 行政区划代码 (characters 3–8 of a credit code) of the regions used below.
_REGION_CODES = {
    "临海市": "331082",
    "椒江区": "331002",
    "黄岩区": "331003",
    "路桥区": "331004",
    "温岭市": "331081",
}
# GB 11714 weights of the organisation code embedded in characters 9–17.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Credit-code prefixes: 11 = 机关, 12 = 事业单位 (机构编制), 91 = 企业 (市场监管).
_GOVERNMENT, _INSTITUTION, _COMPANY = "11", "12", "91"

# E-mail addresses are local@<slug>.example.cn.
BUREAU_SLUG = "kjj.linhai"
EXPERT_SLUG = "experts"

# (name, region, e-mail slug, contact name, e-mail local part, review outcome)
# Outcome: None = verified, "" = left pending, text = rejected with that reason.
ENTERPRISES = [
    # 医药健康
    ("临海市澄康药业有限公司", "临海市", "chengkang-pharma", "张伟", "zhang.wei", None),
    ("台州瑞霖生物医药有限公司", "椒江区", "ruilin-bio", "王芳", "wang.fang", None),
    # 汽车机械
    ("临海市精锐汽车零部件有限公司", "临海市", "jingrui-auto", "李强", "li.qiang", None),
    # 时尚休闲
    ("临海市森悦户外用品有限公司", "临海市", "senyue-outdoor", "林静", "lin.jing", None),
    # 新材料
    ("临海市华拓新材料科技有限公司", "临海市", "huatuo-materials", "周海洋", "zhou.haiyang", None),
    ("台州宏晟氟硅材料有限公司", "黄岩区", "hongsheng-fluoro", "吴敏", "wu.min", None),
    # 新能源环保
    ("临海市晴岚光伏科技有限公司", "临海市", "qinglan-pv", "徐志刚", "xu.zhigang", None),
    ("临海市清溪环保科技有限公司", "临海市", "qingxi-env", "金晓燕", "jin.xiaoyan", ""),
    # 高端装备
    ("临海市擎岳智能装备有限公司", "临海市", "qingyue-equip", "郑浩", "zheng.hao", None),
    # 光电
    ("台州晶辉光电科技有限公司", "路桥区", "jinghui-opto", "何丽", "he.li", None),
    # 数字经济
    ("临海市启橙数字科技有限公司", "临海市", "qicheng-digital", "潘俊", "pan.jun", None),
    # A registration staff turned down.
    (
        "温岭市德顺五金贸易有限公司",
        "温岭市",
        "deshun-hardware",
        "蒋斌",
        "jiang.bin",
        "营业执照上的单位名称与填写的名称不一致，且未能提供研发活动说明。"
        "请核对证照并补充材料后，联系科技局重新审核。",
    ),
]

# (name, kind, region, e-mail slug, researcher who registers it, e-mail local part)
INSTITUTIONS = [
    ("台州灵湖学院", OrgKind.UNIVERSITY, "临海市", "linghu-college", "陈静", "chen.jing"),
    ("台州滨海职业技术学院", OrgKind.UNIVERSITY, "路桥区", "binhai-poly", "杨帆", "yang.fan"),
    (
        "浙江明远工业技术研究院临海分院",
        OrgKind.INSTITUTE,
        "临海市",
        "mingyuan-iit",
        "孙立新",
        "sun.lixin",
    ),
    (
        "台州灵江化工新材料研究院",
        OrgKind.INSTITUTE,
        "临海市",
        "lingjiang-ncm",
        "马晓峰",
        "ma.xiaofeng",
    ),
    (
        "浙江东海海洋生物研究院台州分院",
        OrgKind.INSTITUTE,
        "椒江区",
        "donghai-marine",
        "罗斌",
        "luo.bin",
    ),
    ("临海市第五人民医院", OrgKind.HOSPITAL, "临海市", "lh5h", "胡建华", "hu.jianhua"),
]

# People who ask to join 台州灵湖学院 after it is verified: (name, local part, approved).
JOINERS = [("刘洋", "liu.yang", True), ("周敏", "zhou.min", False)]

STAFF = [("林晓东", "staff1"), ("郑雅琴", "staff2")]
ADMIN = ("何建平", "admin")
EXPERTS = [("吴建国", "wu.jianguo"), ("郑丽华", "zheng.lihua"), ("黄志远", "huang.zhiyuan")]


def make_uscc(prefix: str, region: str, seed: str) -> str:
    """Return a valid, deterministic 统一社会信用代码 for an invented organisation."""
    body = f"{int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**8:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    head = prefix + _REGION_CODES[region] + body + {10: "X", 11: "0"}.get(check, str(check))
    return uscc_std.validate(head + uscc_std.calc_check_digit(head))


def _email(local: str, slug: str) -> str:
    return f"{local}@{slug}.example.cn"


@db.transactional
def _create_bureau(s: Session) -> Organisation:
    """Create the bureau itself, verified; registration refuses the government kind."""
    org = Organisation(
        name=BUREAU_NAME,
        kind=OrgKind.GOVERNMENT,
        region="临海市",
        uscc=make_uscc(_GOVERNMENT, "临海市", BUREAU_NAME),
        status=OrgStatus.VERIFIED,
        reviewed_at=db.utcnow(),
    )
    s.add(org)
    s.flush()
    audit.record(
        s,
        actor="cli",
        action="organisation.create",
        object_type="organisation",
        object_id=org.id,
        after=org.snapshot(),
    )
    return org


def _appoint(name: str, email: str, role: Role, org_id: int | None = None) -> User:
    return create_user(
        actor=None,
        email=email,
        name=name,
        password=DEMO_PASSWORD,
        role=role,
        organisation_id=org_id,
    )


def _register(name: str, kind: OrgKind, region: str, person: str, email: str) -> User:
    enterprise = kind is OrgKind.ENTERPRISE
    return register_organisation(
        org_name=name,
        kind=kind,
        region=region,
        uscc=make_uscc(_COMPANY if enterprise else _INSTITUTION, region, name),
        email=email,
        name=person,
        password=DEMO_PASSWORD,
        role=Role.ENTERPRISE if enterprise else Role.RESEARCHER,
    )


def _deadline_text(now: datetime, days: int) -> str:
    """17:00 Beijing time, ``days`` days after ``now``, as a form would send it."""
    day = (now.astimezone(SHANGHAI) + timedelta(days=days)).date()
    return deadline_local_text(datetime.combine(day, time(17, 0), SHANGHAI))


def _challenge_raw(item: dict, issuer: User, now: datetime, days: int) -> dict:
    """The raw form input for one entry of CHALLENGES; the issuer is the contact person."""
    total, own, subsidy = item["budget"]
    consortium = item.get("consortium")
    return {
        **{key: item.get(key, "") for key in ("title", "problem", "background", "deliverables")},
        "field": item["field"].value,
        "budget_total": total,
        "enterprise_funds": own,
        "subsidy_requested": subsidy,
        "period_months": str(item["months"]),
        "deadline": _deadline_text(now, days),
        "eligible_kinds": [kind.value for kind in item["kinds"]],
        "qualifications": item.get("qualifications", ""),
        "consortium_allowed": "1" if consortium else "",
        "consortium_max": str(consortium or ""),
        "contact_name": issuer.name,
        "contact_email": issuer.email,
        "indicators": [
            {"name": name, "target": target, "unit": unit, "verification": verification}
            for name, target, unit, verification in item["indicators"]
        ],
    }


def _load_challenge(
    item: dict, issuer: User, askers: dict[str, User], reviewer: User, second_reviewer: User
) -> None:
    """Create one challenge and take it, through the services, to its demo state."""
    now = db.utcnow()
    raw = _challenge_raw(item, issuer, now, item["days"])
    challenge = challenges.create_challenge(actor=issuer, data=parse_challenge(raw, now=now))
    state = item["state"]
    if state == DRAFT:
        return
    challenges.submit_challenge(actor=issuer, challenge_id=challenge.id)
    if state == RETURNED:
        challenges.return_challenge(
            actor=reviewer, challenge_id=challenge.id, comment=item["return_comment"]
        )
    if state in (RETURNED, PENDING):
        return
    challenges.approve_challenge(actor=reviewer, challenge_id=challenge.id)
    for asker, body, answer in item.get("questions", ()):
        question = challenges.ask_question(
            actor=askers[asker], challenge_id=challenge.id, body=body
        )
        if answer:
            challenges.answer_question(actor=issuer, question_id=question.id, answer=answer)
    if "extension" in item:
        extra_days, reason = item["extension"]
        longer = _challenge_raw(item, issuer, now, item["days"] + extra_days)
        amendment = propose_amendment(
            actor=issuer,
            challenge_id=challenge.id,
            data=parse_challenge(longer, now=now),
            reason=reason,
        )
        decide_amendment(
            actor=second_reviewer, amendment_id=amendment.id, approve=True, comment="同意延期。"
        )
    if state == CANCELLED:
        challenges.cancel_challenge(
            actor=second_reviewer, challenge_id=challenge.id, reason=item["cancel_reason"]
        )


@db.transactional
def load_demo(s: Session) -> list[tuple[str, str, str]]:
    """Load the demo data set in one transaction; return (role, e-mail, name) per account."""
    if s.exec(select(Organisation.id).where(Organisation.name == BUREAU_NAME)).first():
        raise click.ClickException("demo data is already loaded; start from an empty database")
    bureau = _create_bureau()
    staff = [_appoint(n, _email(local, BUREAU_SLUG), Role.STAFF, bureau.id) for n, local in STAFF]
    admin = _appoint(ADMIN[0], _email(ADMIN[1], BUREAU_SLUG), Role.ADMIN)
    reviewer, second_reviewer = staff

    enterprise_users = []
    for name, region, slug, person, local, outcome in ENTERPRISES:
        user = _register(name, OrgKind.ENTERPRISE, region, person, _email(local, slug))
        enterprise_users.append(user)
        if outcome is None:
            review_organisation(actor=reviewer, org_id=user.organisation_id, approve=True)
        elif outcome:
            review_organisation(
                actor=second_reviewer, org_id=user.organisation_id, approve=False, note=outcome
            )

    researchers = []
    for name, kind, region, slug, person, local in INSTITUTIONS:
        user = _register(name, kind, region, person, _email(local, slug))
        review_organisation(actor=reviewer, org_id=user.organisation_id, approve=True)
        researchers.append(user)

    # Two more researchers ask to join the first institution; its org admin decides.
    host = researchers[0]
    host_org = s.get(Organisation, host.organisation_id)
    for person, local, approve in JOINERS:
        joiner = request_membership(
            uscc=host_org.uscc,
            email=_email(local, INSTITUTIONS[0][3]),
            name=person,
            password=DEMO_PASSWORD,
            role=Role.RESEARCHER,
        )
        if approve:
            joiner = decide_membership(actor=host, user_id=joiner.id, approve=True)
        researchers.append(joiner)

    experts = [_appoint(n, _email(local, EXPERT_SLUG), Role.EXPERT) for n, local in EXPERTS]

    issuers = {slug: u for (_, _, slug, *_), u in zip(ENTERPRISES, enterprise_users, strict=True)}
    askers = {u.email.split("@")[0]: u for u in researchers}
    for item in CHALLENGES:
        _load_challenge(item, issuers[item["issuer"]], askers, reviewer, second_reviewer)
    load_teams(askers)

    accounts = [*staff, admin, *enterprise_users, *researchers, *experts]
    return [(u.role.value, u.email, u.name) for u in accounts]
