"""Bureau pages for organisations and users: verification and account administration."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..errors import ValidationFailed
from ..forms import apply_errors, choices
from ..pagination import Page, page_arg
from ..security import roles_required
from . import queries, services
from .blueprint import bp
from .forms import CreateUserForm, ReviewOrganisationForm, UserAdminForm
from .models import Organisation, OrgStatus, Role, User

PER_PAGE = 30


@bp.get("/staff/organisations")
@roles_required(Role.STAFF)
def staff_organisations():
    s = db.session()
    raw_status = request.args.get("status", OrgStatus.PENDING.value)
    status = OrgStatus(raw_status) if raw_status in OrgStatus._value2member_map_ else None
    q = (request.args.get("q") or "").strip()[:100]
    page = page_arg()
    rows, total = queries.organisations_page(s, status=status, q=q, page=page, per_page=PER_PAGE)
    return render_template(
        "accounts/staff_organisations.html",
        page=Page(rows, page, PER_PAGE, total),
        status=status,
        q=q,
        OrgStatus=OrgStatus,
    )


@bp.route("/staff/organisations/<int:org_id>", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def staff_organisation(org_id: int):
    s = db.session()
    org = s.get(Organisation, org_id) or abort(404)
    form = ReviewOrganisationForm()
    status = 200
    if form.validate_on_submit():
        approve = request.form.get("decision") == "verify"
        try:
            services.review_organisation(
                actor=current_user, org_id=org.id, approve=approve, note=form.note.data or ""
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
            status = 422
        else:
            flash(_("已认证该单位。") if approve else _("已驳回该单位的认证申请。"), "success")
            return redirect(url_for("accounts.staff_organisation", org_id=org.id))
    people = queries.people_of(s, org.id)
    return render_template(
        "accounts/staff_organisation.html", org=org, form=form, people=people
    ), status


@bp.get("/admin/users")
@roles_required(Role.ADMIN)
def admin_users():
    s = db.session()
    q = (request.args.get("q") or "").strip()[:100]
    page = page_arg()
    rows, total = queries.users_page(s, q=q, page=page, per_page=PER_PAGE)
    return render_template(
        "accounts/admin_users.html",
        page=Page(rows, page, PER_PAGE, total),
        q=q,
        create_form=_create_form(),
    )


def _role_choices():
    return choices((r.value, r.label) for r in Role)


def _create_form() -> CreateUserForm:
    form = CreateUserForm()
    form.role.choices = choices((r.value, r.label) for r in (Role.EXPERT, Role.STAFF, Role.ADMIN))
    return form


@bp.post("/admin/users/new")
@roles_required(Role.ADMIN)
def admin_create_user():
    form = _create_form()
    if form.validate_on_submit():
        try:
            services.create_user(
                actor=current_user,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                role=Role(form.role.data),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("账号已创建。"), "success")
            return redirect(url_for("accounts.admin_users"))
    return render_template("accounts/admin_user_new.html", form=form), 422


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_user(user_id: int):
    user = db.session().get(User, user_id) or abort(404)
    form = UserAdminForm(obj=None if request.method == "POST" else user)
    form.role.choices = _role_choices()
    if request.method == "GET":
        form.role.data = user.role.value
        form.active.data = user.is_active_account
    if form.validate_on_submit():
        services.update_user(
            actor=current_user,
            user_id=user.id,
            role=Role(form.role.data),
            active=bool(form.active.data),
        )
        flash(_("已保存。"), "success")
        return redirect(url_for("accounts.admin_user", user_id=user.id))
    return render_template("accounts/admin_user.html", user=user, form=form)
