"""Organisations, users and their login sessions."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ..models_base import enum_field, utc_field
from ..states import STAFF, LabelledEnum, StateMachine, labels


class OrgKind(LabelledEnum):
    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    HOSPITAL = "hospital"
    GOVERNMENT = "government"
    OTHER = "other"
    __labels__ = labels(
        {
            ENTERPRISE: _l("企业"),
            UNIVERSITY: _l("高等院校"),
            INSTITUTE: _l("科研院所"),
            HOSPITAL: _l("医疗机构"),
            GOVERNMENT: _l("政府部门"),
            OTHER: _l("其他"),
        }
    )


# Kinds a member of the public may register; the bureau itself is created by an admin.
REGISTRABLE_KINDS = [k for k in OrgKind if k is not OrgKind.GOVERNMENT]


class OrgStatus(LabelledEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    __labels__ = labels({PENDING: _l("待审核"), VERIFIED: _l("已认证"), REJECTED: _l("未通过")})


# The bureau may revisit its decision either way (a rejected applicant who fixed its papers,
# a verified one found to be false).
ORG_STATES = StateMachine(
    OrgStatus,
    [
        (OrgStatus.PENDING, OrgStatus.VERIFIED, "review_organisation", STAFF),
        (OrgStatus.PENDING, OrgStatus.REJECTED, "review_organisation", STAFF),
        (OrgStatus.REJECTED, OrgStatus.VERIFIED, "review_organisation", STAFF),
        (OrgStatus.VERIFIED, OrgStatus.REJECTED, "review_organisation", STAFF),
    ],
)


# 台州 districts first (the bureau's own county), then wider areas for outside partners.
REGIONS = [
    "临海市",
    "椒江区",
    "黄岩区",
    "路桥区",
    "温岭市",
    "玉环市",
    "天台县",
    "仙居县",
    "三门县",
    "浙江省其他地区",
    "长三角其他地区",
    "国内其他地区",
    "港澳台地区",
]


class Role(LabelledEnum):
    ENTERPRISE = "enterprise"
    RESEARCHER = "researcher"
    EXPERT = "expert"
    STAFF = "staff"
    ADMIN = "admin"
    __labels__ = labels(
        {
            ENTERPRISE: _l("企业用户（发榜方）"),
            RESEARCHER: _l("科研团队（揭榜方）"),
            EXPERT: _l("评审专家"),
            STAFF: _l("科技局工作人员"),
            ADMIN: _l("平台管理员"),
        }
    )


# Roles a person may pick when registering; experts, staff and admins are appointed.
SELF_SERVICE_ROLES = [Role.ENTERPRISE, Role.RESEARCHER]


class Membership(LabelledEnum):
    NONE = "none"  # staff, admins and independent experts
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    __labels__ = labels(
        {NONE: _l("无"), PENDING: _l("待审批"), APPROVED: _l("已加入"), REJECTED: _l("已拒绝")}
    )


# An organisation's admins (enterprise or researcher accounts) or the bureau decide.
MEMBERSHIP_DECIDERS = {Role.ENTERPRISE, Role.RESEARCHER, *STAFF}
MEMBERSHIP_STATES = StateMachine(
    Membership,
    [
        (Membership.PENDING, Membership.APPROVED, "decide_membership", MEMBERSHIP_DECIDERS),
        (Membership.PENDING, Membership.REJECTED, "decide_membership", MEMBERSHIP_DECIDERS),
    ],
    attr="membership",
)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    kind: OrgKind = enum_field(OrgKind)
    region: str = Field(max_length=50)
    uscc: str = Field(max_length=18, unique=True)
    status: OrgStatus = enum_field(OrgStatus, default=OrgStatus.PENDING, index=True)
    review_note: str = Field(default="", max_length=1000)
    created_at: datetime = utc_field(default_now=True)
    reviewed_at: datetime | None = utc_field(nullable=True)
    reviewed_by_id: int | None = Field(default=None)  # who: see the audit trail

    @property
    def is_verified(self) -> bool:
        return self.status is OrgStatus.VERIFIED

    def snapshot(self) -> dict:
        """The fields an audit event records."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "region": self.region,
            "uscc": self.uscc,
            "status": self.status.value,
            "review_note": self.review_note,
        }


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("email", name="uq_user_account_email"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    name: str = Field(max_length=100)
    phone: str = Field(default="", max_length=30)
    password_hash: str = Field(max_length=256)
    role: Role = enum_field(Role, index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    is_org_admin: bool = Field(default=False)
    membership: Membership = enum_field(Membership, default=Membership.NONE)
    is_active_account: bool = Field(default=True)
    locale: str = Field(default="", max_length=8)
    created_at: datetime = utc_field(default_now=True)
    password_changed_at: datetime = utc_field(default_now=True)
    last_login_at: datetime | None = utc_field(nullable=True)

    # Flask-Login protocol. ``is_active`` is what login_user checks.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    def snapshot(self) -> dict:
        """The fields an audit event records (never the password hash)."""
        return {
            "email": self.email,
            "name": self.name,
            "role": self.role.value,
            "organisation_id": self.organisation_id,
            "is_org_admin": self.is_org_admin,
            "membership": self.membership.value,
            "is_active": self.is_active_account,
        }


class LoginSession(SQLModel, table=True):
    """A server-side login session; the cookie carries only its random token.

    Revoking the row ends the session for real, even for a cookie copied earlier.
    """

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = utc_field(default_now=True)
    last_seen_at: datetime = utc_field(default_now=True)
    revoked_at: datetime | None = utc_field(nullable=True)
    revoke_reason: str = Field(default="", max_length=32)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
