"""The audit trail's action codes this domain writes (stored values: never change one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit import AuditAction
from ..states import labels


class UserAction(AuditAction):
    REGISTER = "user.register"
    REGISTER_EXISTING_EMAIL = "user.register_existing_email"
    CREATE = "user.create"
    UPDATE = "user.update"
    LOGIN = "user.login"
    LOGIN_FAILED = "user.login_failed"
    LOGOUT = "user.logout"
    CHANGE_PASSWORD = "user.change_password"  # noqa: S105 (an action code)
    REQUEST_PASSWORD_RESET = "user.request_password_reset"  # noqa: S105 (an action code)
    RESET_PASSWORD = "user.reset_password"  # noqa: S105 (an action code)
    REQUEST_MEMBERSHIP = "user.request_membership"
    APPROVE_MEMBERSHIP = "user.approve_membership"
    REJECT_MEMBERSHIP = "user.reject_membership"
    SET_ORG_ADMIN = "user.set_org_admin"
    __labels__ = labels(
        {
            REGISTER: _l("注册账号"),
            REGISTER_EXISTING_EMAIL: _l("用已注册的邮箱再次注册"),
            CREATE: _l("创建账号"),
            UPDATE: _l("修改账号"),
            LOGIN: _l("用户登录"),
            LOGIN_FAILED: _l("登录失败"),
            LOGOUT: _l("退出登录"),
            CHANGE_PASSWORD: _l("修改密码"),
            REQUEST_PASSWORD_RESET: _l("申请重置密码"),
            RESET_PASSWORD: _l("重置密码"),
            REQUEST_MEMBERSHIP: _l("申请加入单位"),
            APPROVE_MEMBERSHIP: _l("批准加入单位"),
            REJECT_MEMBERSHIP: _l("拒绝加入单位"),
            SET_ORG_ADMIN: _l("设置单位管理员"),
        }
    )


class OrganisationAction(AuditAction):
    CREATE = "organisation.create"
    REGISTER = "organisation.register"
    VERIFY = "organisation.verify"
    REJECT = "organisation.reject"
    __labels__ = labels(
        {
            CREATE: _l("创建单位"),
            REGISTER: _l("注册单位"),
            VERIFY: _l("认证单位"),
            REJECT: _l("单位认证未通过"),
        }
    )
