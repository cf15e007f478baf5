"""Test data made through the real services, so tests see what users would see."""

from __future__ import annotations

import itertools

from stdnum.cn import uscc as uscc_std

from marketplace.accounts import services
from marketplace.accounts.models import Organisation, OrgKind, Role, User

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_counter = itertools.count(1)


def valid_uscc(seed: int) -> str:
    """A USCC with a correct check digit, different for each seed."""
    body = ""
    n = seed
    for _ in range(9):
        body = _ALPHABET[n % len(_ALPHABET)] + body
        n //= len(_ALPHABET)
    base = "91331082" + body
    return base + uscc_std.calc_check_digit(base)


class Factory:
    PASSWORD = "Correct-Horse-Battery-9"

    def __init__(self, app):
        self.app = app
        self._staff: User | None = None

    def _n(self) -> int:
        return next(_counter)

    def staff(self, **kw) -> User:
        return self.appointed(Role.STAFF, **kw)

    def admin(self, **kw) -> User:
        return self.appointed(Role.ADMIN, **kw)

    def expert(self, **kw) -> User:
        return self.appointed(Role.EXPERT, **kw)

    def appointed(self, role: Role, *, email: str | None = None, name: str = "王工") -> User:
        n = self._n()
        return services.create_user(
            actor=None,
            email=email or f"{role.value}{n}@kjj.example.cn",
            name=name,
            password=self.PASSWORD,
            role=role,
        )

    def _reviewer(self) -> User:
        if self._staff is None:
            self._staff = self.staff(email=f"reviewer{self._n()}@kjj.example.cn")
        return self._staff

    def org_user(
        self,
        role: Role = Role.ENTERPRISE,
        *,
        verified: bool = True,
        kind: OrgKind | None = None,
        org_name: str | None = None,
        email: str | None = None,
    ) -> User:
        """A new organisation with its first user (its admin), verified unless told not."""
        n = self._n()
        kind = kind or (OrgKind.ENTERPRISE if role is Role.ENTERPRISE else OrgKind.UNIVERSITY)
        user = services.register_organisation(
            org_name=org_name or f"测试单位{n}",
            kind=kind,
            region="临海市",
            uscc=valid_uscc(n * 7919),
            email=email or f"user{n}@org{n}.example.cn",
            name=f"用户{n}",
            password=self.PASSWORD,
            role=role,
        )
        if verified:
            services.review_organisation(
                actor=self._reviewer(), org_id=user.organisation_id, approve=True
            )
        return user

    def challenge(self, issuer: User | None = None, *, stage: str = "open", **overrides):
        """A challenge made through the services, taken to ``stage``.

        Stages: draft, pending_review, open (published), rejected, cancelled.
        """
        from marketplace import db
        from marketplace.challenges import services as ch
        from marketplace.challenges.schemas import parse_challenge

        issuer = issuer or self.org_user(Role.ENTERPRISE)
        data = parse_challenge(challenge_raw(**overrides), now=db.utcnow())
        challenge = ch.create_challenge(actor=issuer, data=data)
        if stage == "draft":
            return challenge
        ch.submit_challenge(actor=issuer, challenge_id=challenge.id)
        if stage == "pending_review":
            return db.session().get(type(challenge), challenge.id)
        staff = self._reviewer()
        if stage == "rejected":
            return ch.reject_challenge(actor=staff, challenge_id=challenge.id, comment="不符合")
        challenge = ch.approve_challenge(actor=staff, challenge_id=challenge.id)
        if stage == "cancelled":
            return ch.cancel_challenge(actor=staff, challenge_id=challenge.id, reason="企业撤回")
        return challenge

    def member(self, org_admin: User, *, approve: bool = True) -> User:
        """Another user of ``org_admin``'s organisation, approved unless told not."""
        from marketplace import db

        org = db.session().get(Organisation, org_admin.organisation_id)
        n = self._n()
        user = services.request_membership(
            uscc=org.uscc,
            email=f"member{n}@org.example.cn",
            name=f"成员{n}",
            password=self.PASSWORD,
            role=org_admin.role,
        )
        if approve:
            user = services.decide_membership(actor=org_admin, user_id=user.id, approve=True)
        return user


def challenge_raw(**overrides) -> dict:
    """A complete, valid challenge form as a person would type it (money in 万元)."""
    from datetime import timedelta

    from marketplace import db
    from marketplace.challenges.schemas import deadline_local_text

    raw = {
        "title": "高镍三元正极材料低成本连续化制备工艺",
        "field": "materials",
        "problem": "现有**间歇式**共沉淀工艺批次一致性差，需开发连续化制备工艺。",
        "background": "企业现有年产 2000 吨产线。",
        "deliverables": "中试工艺包一套，发明专利 2 项。",
        "budget_total": "300",
        "enterprise_funds": "200",
        "subsidy_requested": "100",
        "period_months": "24",
        "deadline": deadline_local_text(db.utcnow() + timedelta(days=45)),
        "eligible_kinds": ["university", "institute"],
        "qualifications": "具有电池材料中试经验",
        "consortium_allowed": "on",
        "consortium_max": "3",
        "contact_name": "张工",
        "contact_phone": "0576-85000000",
        "contact_email": "zhang@example.cn",
        "indicators": [
            {
                "name": "首次放电比容量",
                "target": "≥205",
                "unit": "mAh/g",
                "verification": "第三方检测",
            },
            {"name": "批次一致性", "target": "≤2", "unit": "%", "verification": "连续 10 批抽检"},
        ],
    }
    raw.update(overrides)
    return raw


def form_data(raw: dict) -> dict:
    """The raw challenge as the fields an HTML form posts (indicators in parallel lists)."""
    data = {k: v for k, v in raw.items() if k != "indicators"}
    for part in ("name", "target", "unit", "verification"):
        data[f"indicator_{part}"] = [row.get(part, "") for row in raw["indicators"]]
    return data
