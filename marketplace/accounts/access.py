"""Checks on what a user's organisation allows them to do."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from .models import Membership, Organisation, OrgStatus, Role, User


def member_org_id(user: User | None) -> int | None:
    """The organisation the user acts for: only an approved membership counts.

    Pending, rejected and removed members keep ``organisation_id`` (so their request can be
    shown and decided) but act for nobody. Every "my organisation's …" query and check uses
    this or :func:`is_member`, never ``user.organisation_id`` directly.
    """
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or user.membership is not Membership.APPROVED
    ):
        return None
    return user.organisation_id


def is_member(user: User | None, organisation_id: int | None) -> bool:
    """An approved member of the organisation."""
    return organisation_id is not None and member_org_id(user) == organisation_id


def organisation_blocker(user: User, *, role: Role) -> str | None:
    """Why ``user`` cannot act for their organisation in ``role`` (None when they can)."""
    if user.role is not role:
        if role is Role.ENTERPRISE:
            return _("只有企业用户可以发布榜单。")
        return _("只有科研团队用户可以揭榜。")
    if user.organisation_id is None:
        return _("您的账号未关联任何单位。")
    if user.membership is not Membership.APPROVED:
        return _("您加入单位的申请尚未获批，请联系单位管理员。")
    org = db.session().get(Organisation, user.organisation_id)
    if org is None or org.status is not OrgStatus.VERIFIED:
        return _("您的单位尚未通过科技局认证，认证后才能发榜或揭榜。")
    return None


def current_organisation() -> Organisation | None:
    """The signed-in user's organisation (or None), loaded once per request."""
    if not (current_user.is_authenticated and current_user.organisation_id):
        return None
    cache = request.environ
    if "mp.org" not in cache:
        cache["mp.org"] = db.session().get(Organisation, current_user.organisation_id)
    return cache["mp.org"]
