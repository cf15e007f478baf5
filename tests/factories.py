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
