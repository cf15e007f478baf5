"""Verbs on organisations and accounts. Each is one transaction with an audit event."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlmodel import Session, select
from stdnum.cn import uscc as uscc_std
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from .. import audit, db
from ..errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..states import ensure_transition
from .access import is_member
from .actions import OrganisationAction, UserAction
from .models import (
    REGIONS,
    REGISTRABLE_KINDS,
    SELF_SERVICE_ROLES,
    LoginSession,
    Membership,
    Organisation,
    OrgKind,
    OrgStatus,
    Role,
    User,
)
from .passwords import dummy_hash, hash_password, password_problem, verify_password
from .sessions import hash_token, new_session_token


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_uscc(raw: str) -> str:
    """Return the compact USCC or raise ValidationFailed saying what is wrong with it.

    A wrong check digit is reported as an invalid code, never with the digit it should be:
    naming it let a code mistyped in the middle pass once its last character was "fixed".
    """
    code = uscc_std.compact(raw or "")
    try:
        return uscc_std.validate(code)
    except InvalidLength:
        msg = _("统一社会信用代码应为 18 位，您输入了 %(n)d 位。", n=len(code))
    except InvalidFormat:
        msg = _("统一社会信用代码格式不正确：只能包含数字和大写字母（不含 I、O、Z、S、V）。")
    except (InvalidChecksum, InvalidComponent, ValidationError):
        msg = _("统一社会信用代码无效，请核对营业执照或登记证书。")
    raise ValidationFailed(msg, field_errors={"uscc": [msg]})


def _check_new_user(
    s: Session, *, email: str, name: str, password: str, role: Role
) -> tuple[str, User | None]:
    """The normalized e-mail and the account that already uses it (if any).

    A known address is not an error the registrant sees: the answer must be the same as for a
    new one, or the form tells anyone which e-mails have accounts. The caller mails the owner.
    """
    email = normalize_email(email)
    errors: dict[str, list[str]] = {}
    existing = s.exec(select(User).where(User.email == email)).first()
    problem = password_problem(password, email=email, name=name)
    if problem:
        errors["password"] = [problem]
    if role not in SELF_SERVICE_ROLES:
        errors["role"] = [_("请选择企业用户或科研团队。")]
    if errors:
        raise ValidationFailed(field_errors=errors)
    return email, existing


def _known_address(s: Session, existing: User, password: str) -> None:
    # Spend what creating the account would (the hash), so timing does not tell either.
    hash_password(password)
    audit.record(s, actor="anonymous", action=UserAction.REGISTER_EXISTING_EMAIL, obj=existing)


@db.transactional
def register_organisation(
    s: Session,
    *,
    org_name: str,
    kind: OrgKind,
    region: str,
    uscc: str,
    email: str,
    name: str,
    password: str,
    role: Role,
    phone: str = "",
) -> User | None:
    """Register a new organisation (pending verification) with its first user as its admin.

    None when the e-mail already has an account: nothing is created, and the caller answers as
    if it had been (and tells the owner by mail).
    """
    errors: dict[str, list[str]] = {}
    try:
        code = check_uscc(uscc)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
        code = ""
    if code and s.exec(select(Organisation.id).where(Organisation.uscc == code)).first():
        errors["uscc"] = [_("该统一社会信用代码已登记。如您是该单位员工，请选择“加入已有单位”。")]
    if kind not in REGISTRABLE_KINDS:
        errors["kind"] = [_("请选择单位类型。")]
    if region not in REGIONS:
        errors["region"] = [_("请选择所在地区。")]
    existing = None
    try:
        email, existing = _check_new_user(s, email=email, name=name, password=password, role=role)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    if existing is not None:
        _known_address(s, existing, password)
        return None
    org = Organisation(name=org_name.strip(), kind=kind, region=region, uscc=code)
    s.add(org)
    s.flush()
    user = User(
        email=email,
        name=name.strip(),
        phone=phone.strip(),
        password_hash=hash_password(password),
        role=role,
        organisation_id=org.id,
        is_org_admin=True,
        membership=Membership.APPROVED,
    )
    s.add(user)
    s.flush()
    audit.record(s, actor=user, action=OrganisationAction.REGISTER, obj=org, after=org.snapshot())
    audit.record(s, actor=user, action=UserAction.REGISTER, obj=user, after=user.snapshot())
    return user


@db.transactional
def request_membership(
    s: Session, *, uscc: str, email: str, name: str, password: str, role: Role, phone: str = ""
) -> User | None:
    """Register a user who asks to join an existing organisation (None: the e-mail is known)."""
    errors: dict[str, list[str]] = {}
    org = None
    try:
        code = check_uscc(uscc)
        org = s.exec(select(Organisation).where(Organisation.uscc == code)).first()
        if org is None or org.status is OrgStatus.REJECTED:
            errors["uscc"] = [_("没有找到使用该统一社会信用代码的单位，请先注册单位。")]
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    existing = None
    try:
        email, existing = _check_new_user(s, email=email, name=name, password=password, role=role)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    if existing is not None:
        _known_address(s, existing, password)
        return None
    user = User(
        email=email,
        name=name.strip(),
        phone=phone.strip(),
        password_hash=hash_password(password),
        role=role,
        organisation_id=org.id,
        membership=Membership.PENDING,
    )
    s.add(user)
    s.flush()
    audit.record(
        s, actor=user, action=UserAction.REQUEST_MEMBERSHIP, obj=user, after=user.snapshot()
    )
    return user


def can_manage_members(actor: User, org_id: int | None) -> bool:
    """Staff manage every organisation's members; an org admin manages their own."""
    if actor.is_staff:
        return True
    return is_member(actor, org_id) and actor.is_org_admin


@db.transactional
def decide_membership(s: Session, *, actor: User, user_id: int, approve: bool) -> User:
    """Approve or reject a pending member of an organisation."""
    user = s.get(User, user_id, with_for_update=True)
    if user is None or not can_manage_members(actor, user.organisation_id):
        raise NotFound()
    if user.membership is not Membership.PENDING:
        raise InvalidTransition(_("该申请已处理过了。"))
    before = user.snapshot()
    ensure_transition(user, Membership.APPROVED if approve else Membership.REJECTED, actor=actor)
    audit.record(
        s,
        actor=actor,
        action=UserAction.APPROVE_MEMBERSHIP if approve else UserAction.REJECT_MEMBERSHIP,
        obj=user,
        before=before,
        after=user.snapshot(),
    )
    return user


@db.transactional
def set_org_admin(s: Session, *, actor: User, user_id: int, is_admin: bool) -> User:
    """Make an approved member an organisation admin, or take the right away."""
    user = s.get(User, user_id, with_for_update=True)
    if user is None or not can_manage_members(actor, user.organisation_id):
        raise NotFound()
    if user.membership is not Membership.APPROVED:
        raise InvalidTransition(_("只有已加入单位的成员才能设为单位管理员。"))
    if not is_admin and user.id == actor.id:
        raise InvalidTransition(_("不能取消自己的单位管理员身份，请由其他管理员操作。"))
    before = user.snapshot()
    user.is_org_admin = is_admin
    audit.record(
        s,
        actor=actor,
        action=UserAction.SET_ORG_ADMIN,
        obj=user,
        before=before,
        after=user.snapshot(),
    )
    return user


@db.transactional
def review_organisation(
    s: Session, *, actor: User, org_id: int, approve: bool, note: str = ""
) -> Organisation:
    """Staff verify an organisation, or reject it with a reason the applicant can read."""
    if not actor.is_staff:
        raise PermissionDenied()
    org = s.get(Organisation, org_id, with_for_update=True)
    if org is None:
        raise NotFound()
    note = note.strip()
    if not approve and not note:
        msg = _("请填写不予认证的理由，申请单位将看到这段说明。")
        raise ValidationFailed(msg, field_errors={"note": [msg]})
    target = OrgStatus.VERIFIED if approve else OrgStatus.REJECTED
    if org.status is target:
        raise InvalidTransition(_("该单位已是“%(s)s”状态。", s=target.label))
    before = org.snapshot()
    ensure_transition(org, target, actor=actor)
    org.review_note = note
    org.reviewed_at = db.utcnow()
    org.reviewed_by_id = actor.id
    audit.record(
        s,
        actor=actor,
        action=OrganisationAction.VERIFY if approve else OrganisationAction.REJECT,
        obj=org,
        before=before,
        after=org.snapshot(),
    )
    return org


# --- log in, log out, sessions ---------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """Either a user with a new session token, or the message to show."""

    user: User | None = None
    token: str | None = None
    error: str | None = None


@db.transactional
def log_in(
    s: Session, *, email: str, password: str, ip: str = "", user_agent: str = ""
) -> LoginResult:
    """Check the credentials and open a server-side session; failures are audited too."""
    user = s.exec(select(User).where(User.email == normalize_email(email))).first()
    if user is None:
        verify_password(dummy_hash(), password)
        return LoginResult(error=_("邮箱或密码不正确。"))
    if not verify_password(user.password_hash, password):
        audit.record(s, actor=user, action=UserAction.LOGIN_FAILED, obj=user)
        return LoginResult(error=_("邮箱或密码不正确。"))
    if not user.is_active_account:
        return LoginResult(error=_("该账号已停用，请联系科技局。"))
    token = new_session_token()
    s.add(
        LoginSession(
            token_hash=hash_token(token), user_id=user.id, ip=ip[:64], user_agent=user_agent[:300]
        )
    )
    user.last_login_at = db.utcnow()
    audit.record(s, actor=user, action=UserAction.LOGIN, obj=user)
    return LoginResult(user=user, token=token)


def _revoke(s: Session, *, user_id: int, reason: str, keep_id: int | None = None) -> None:
    stmt = (
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=db.utcnow(), revoke_reason=reason)
    )
    if keep_id is not None:
        stmt = stmt.where(LoginSession.id != keep_id)
    s.exec(stmt)


@db.transactional
def log_out(s: Session, *, user: User, token: str) -> None:
    """End this session on the server, so a copy of the cookie is worthless."""
    s.exec(
        update(LoginSession)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.revoked_at.is_(None))
        .values(revoked_at=db.utcnow(), revoke_reason="logout")
    )
    audit.record(s, actor=user, action=UserAction.LOGOUT, obj=user)


@db.transactional
def change_password(
    s: Session, *, user: User, current: str, new: str, keep_session_id: int | None
) -> None:
    """Change the password and end every other session of this user."""
    row = s.get(User, user.id, with_for_update=True)
    if not verify_password(row.password_hash, current):
        msg = _("当前密码不正确。")
        raise ValidationFailed(msg, field_errors={"current_password": [msg]})
    problem = password_problem(new, email=row.email, name=row.name)
    if problem:
        raise ValidationFailed(problem, field_errors={"new_password": [problem]})
    row.password_hash = hash_password(new)
    row.password_changed_at = db.utcnow()
    _revoke(s, user_id=row.id, reason="password_changed", keep_id=keep_session_id)
    audit.record(s, actor=row, action=UserAction.CHANGE_PASSWORD, obj=row)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _reset_fingerprint(user: User) -> str:
    # Part of the current hash: the token dies as soon as the password changes (single use).
    return user.password_hash[-16:]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.id, "f": _reset_fingerprint(user)})


@db.transactional
def request_password_reset(s: Session, *, email: str) -> tuple[User, str] | None:
    """Create a reset token for the account, if it exists; the caller sends it by e-mail."""
    user = s.exec(select(User).where(User.email == normalize_email(email))).first()
    if user is None or not user.is_active_account:
        return None
    audit.record(s, actor=user, action=UserAction.REQUEST_PASSWORD_RESET, obj=user)
    return user, make_reset_token(user)


def user_for_reset_token(s: Session, token: str) -> User:
    """The user a reset token belongs to; ValidationFailed when expired, used or forged."""
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except SignatureExpired as exc:
        raise ValidationFailed(_("重置链接已过期（有效期 1 小时），请重新申请。")) from exc
    except BadSignature as exc:
        raise ValidationFailed(_("重置链接无效，请重新申请。")) from exc
    user = s.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _reset_fingerprint(user):
        raise ValidationFailed(_("重置链接已使用过或已失效，请重新申请。"))
    return user


@db.transactional
def reset_password(s: Session, *, token: str, new: str) -> User:
    """Set a new password from a reset link and end every session of the user."""
    user = user_for_reset_token(s, token)
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        raise ValidationFailed(problem, field_errors={"password": [problem]})
    user.password_hash = hash_password(new)
    user.password_changed_at = db.utcnow()
    _revoke(s, user_id=user.id, reason="password_reset")
    audit.record(s, actor=user, action=UserAction.RESET_PASSWORD, obj=user)
    return user


# --- administration --------------------------------------------------------------------


@db.transactional
def create_user(
    s: Session,
    *,
    actor: User | None,
    email: str,
    name: str,
    password: str,
    role: Role,
    organisation_id: int | None = None,
) -> User:
    """Create an appointed account (admin, staff, expert); ``actor`` None means the CLI."""
    if actor is not None and actor.role is not Role.ADMIN:
        raise PermissionDenied()
    email = normalize_email(email)
    errors: dict[str, list[str]] = {}
    if s.exec(select(User.id).where(User.email == email)).first() is not None:
        errors["email"] = [_("该邮箱已注册。")]
    problem = password_problem(password, email=email, name=name)
    if problem:
        errors["password"] = [problem]
    if errors:
        raise ValidationFailed(field_errors=errors)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        organisation_id=organisation_id,
        membership=Membership.APPROVED if organisation_id else Membership.NONE,
    )
    s.add(user)
    s.flush()
    audit.record(s, actor=actor or "cli", action=UserAction.CREATE, obj=user, after=user.snapshot())
    return user


@db.transactional
def update_user(s: Session, *, actor: User, user_id: int, role: Role, active: bool) -> User:
    """Admin changes a user's role or disables the account (which ends its sessions)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied()
    user = s.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound()
    if user.id == actor.id and (role is not Role.ADMIN or not active):
        raise InvalidTransition(_("不能停用自己或取消自己的管理员身份。"))
    before = user.snapshot()
    user.role = role
    user.is_active_account = active
    if not active:
        _revoke(s, user_id=user.id, reason="disabled")
    audit.record(
        s, actor=actor, action=UserAction.UPDATE, obj=user, before=before, after=user.snapshot()
    )
    return user
