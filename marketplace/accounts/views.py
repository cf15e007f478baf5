"""Self-service account pages: register, log in and out, passwords, members."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import db
from ..errors import ValidationFailed
from ..forms import apply_errors
from ..mail import send_mail
from ..security import SESSION_KEY, limiter, login_required
from ..urls import external_url, safe_next
from . import queries, services
from .access import member_org_id
from .blueprint import bp
from .devices import device_for, remember_device
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    JoinOrganisationForm,
    LoginForm,
    RegisterOrganisationForm,
    ResetPasswordForm,
)
from .models import Membership, Organisation, OrgKind, Role, User


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def _login_email() -> str:
    return services.normalize_email(request.form.get("email", ""))[:254]


def _account_key() -> str:
    return "login-account:" + _login_email()


def _account_source_key() -> str:
    # The source is the browser when the account knows it (its device cookie), else the IP.
    device = device_for(_login_email())
    source = f"device:{device}" if device else f"ip:{request.remote_addr or ''}"
    return f"login-account:{_login_email()}:{source}"


def _known_browser() -> bool:
    return device_for(_login_email()) is not None


def _failed(response) -> bool:
    # Only failed attempts count towards the limit: a successful login redirects.
    return response.status_code != 302


# Three limits on failed logins (OWASP authentication guidance): per IP, whatever the account;
# per account and source; and a slower one per account for browsers it has never logged in
# from. A stranger elsewhere cannot run any of them up to keep the owner out of their browser.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _account_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_known_browser,
    scope="login-account",
)
@limiter.limit(
    _login_limit,
    key_func=_account_source_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account-source",
)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, scope="login-ip")
def login():
    form = LoginForm()
    g.private_page = True
    if form.validate_on_submit():
        result = services.log_in(
            email=form.email.data,
            password=form.password.data,
            ip=request.remote_addr or "",
            user_agent=request.user_agent.string,
        )
        if result.user is not None:
            # A fresh cookie: nothing from before login survives into the session.
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            session[SESSION_KEY] = result.token
            login_user(result.user)
            response = redirect(safe_next(request.args.get("next")) or url_for("dashboard.home"))
            remember_device(response, result.user.email)
            return response
        form.form_errors.append(result.error)
        return render_template("accounts/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    token = session.get(SESSION_KEY)
    if token:
        services.log_out(user=current_user, token=token)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("您已安全退出。"), "success")
    return redirect(url_for("dashboard.home"))


@bp.get("/register")
def register():
    return render_template("accounts/register_choice.html")


def _user_fields(form) -> dict:
    return {
        "email": form.email.data,
        "name": form.name.data,
        "password": form.password.data,
        "role": Role(form.role.data),
        "phone": form.phone.data or "",
    }


def _register_limit() -> str:
    return current_app.config["REGISTER_LIMIT"]


# One budget per IP for both forms: each attempt may be probing which e-mails have accounts.
_registration_limit = limiter.shared_limit(_register_limit, scope="register", methods=["POST"])


def _registered(user: User | None, email: str, message: str):
    """The answer to a registration, the same whether or not the e-mail already had an account.

    For a known address nothing was created; its owner gets a mail instead of the form telling
    the registrant that the address is in use.
    """
    if user is None:
        send_mail(
            to=services.normalize_email(email),
            subject=_("有人尝试用您的邮箱注册"),
            body=_(
                "有人刚刚尝试用本邮箱在临海市揭榜挂帅平台注册新账号。本邮箱已有账号，"
                "因此没有创建新账号。\n如果是您本人：请直接登录；忘记密码可使用“找回密码”：\n"
                "%(link)s\n如非本人操作，请忽略本邮件。",
                link=external_url("accounts.forgot_password"),
            ),
        )
    flash(message, "success")
    return redirect(url_for("accounts.login"))


@bp.route("/register/organisation", methods=["GET", "POST"])
@_registration_limit
def register_organisation():
    form = RegisterOrganisationForm()
    if form.validate_on_submit():
        try:
            user = services.register_organisation(
                org_name=form.org_name.data,
                kind=OrgKind(form.kind.data),
                region=form.region.data,
                uscc=form.uscc.data,
                **_user_fields(form),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return _registered(
                user,
                form.email.data,
                _("注册成功。单位信息将由科技局审核，审核通过后即可发榜或揭榜。请登录。"),
            )
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("accounts/register_organisation.html", form=form), status


@bp.route("/register/join", methods=["GET", "POST"])
@_registration_limit
def register_join():
    form = JoinOrganisationForm()
    if form.validate_on_submit():
        try:
            user = services.request_membership(uscc=form.uscc.data, **_user_fields(form))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return _registered(
                user,
                form.email.data,
                _("注册成功。加入申请已提交给单位管理员审批，请登录查看进度。"),
            )
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("accounts/register_join.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                user=current_user,
                current=form.current_password.data,
                new=form.new_password.data,
                keep_session_id=g.get("login_session_id"),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("密码已修改，您在其他设备上的登录已全部退出。"), "success")
            return redirect(url_for("accounts.account"))
    org = (
        db.session().get(Organisation, current_user.organisation_id)
        if (current_user.organisation_id)
        else None
    )
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/account.html", form=form, org=org), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"], scope="password-forgot")
def forgot_password():
    form = ForgotPasswordForm()
    g.private_page = True
    if form.validate_on_submit():
        found = services.request_password_reset(email=form.email.data)
        if found is not None:
            user, token = found
            link = external_url("accounts.reset_password", token=token)
            send_mail(
                to=user.email,
                subject=_("重置密码"),
                body=_(
                    "请在 1 小时内打开以下链接设置新密码：\n%(link)s\n如非本人操作，请忽略。",
                    link=link,
                ),
            )
        # The same answer either way: the page must not reveal which e-mails have accounts.
        flash(_("如果该邮箱已注册，重置链接已发送，请在 1 小时内使用。"), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    g.private_page = True
    form = ResetPasswordForm()
    try:
        services.user_for_reset_token(db.session(), token)
    except ValidationFailed as exc:
        return render_template("accounts/reset_invalid.html", message=exc.message), 400
    if form.validate_on_submit():
        try:
            services.reset_password(token=token, new=form.password.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("密码已重置，所有设备上的登录均已退出，请用新密码登录。"), "success")
            return redirect(url_for("accounts.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/reset.html", form=form), status


@bp.get("/org/members")
@login_required
def members():
    if not (member_org_id(current_user) and current_user.is_org_admin):
        return render_template(
            "errors/error.html",
            status=403,
            title=_("无权访问"),
            message=_("只有单位管理员可以管理成员。"),
        ), 403
    s = db.session()
    org = s.get(Organisation, current_user.organisation_id)
    people = queries.people_of(s, org.id, by_membership=True)
    return render_template("accounts/members.html", org=org, people=people, Membership=Membership)


@bp.post("/org/members/<int:user_id>/<any(approve, reject):decision>")
@login_required
def decide_member(user_id: int, decision: str):
    services.decide_membership(actor=current_user, user_id=user_id, approve=decision == "approve")
    flash(_("已批准加入。") if decision == "approve" else _("已拒绝该申请。"), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("accounts.members"))


@bp.post("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        return render_template(
            "errors/error.html",
            status=400,
            title=_("请求有误"),
            message=_("不支持该语言（%(code)s），可选：中文、English。", code=code[:20]),
        ), 400
    session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.home"))
