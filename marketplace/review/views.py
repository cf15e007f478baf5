"""Pages of the expert pool: an expert's own profile, and staff's list and edit pages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..accounts.models import Role, User
from ..challenges.models import Industry
from ..errors import Conflict, ValidationFailed
from ..parsing import MAX_ID, parse_int
from ..security import roles_required
from . import queries, services
from .blueprint import bp
from .forms import profile_raw, raw_from_form
from .models import Availability
from .schemas import local_today, parse_expert_profile


def _expert_or_404(user_id: int) -> User:
    """The expert account the current user may edit; anything else is the same 404."""
    expert = db.session().get(User, user_id) if user_id <= MAX_ID else None
    if not services.can_edit(current_user, expert):
        abort(404)
    return expert


def _form(expert: User, *, raw=None, errors=None, status: int = 200):
    s = db.session()
    profile = services.profile_of(s, expert.id)
    if raw is None:
        raw = profile_raw(profile, services.industries_of(s, profile), expert)
    return render_template(
        "review/profile_form.html",
        expert=expert,
        profile=profile,
        own=expert.id == current_user.id,
        raw=raw,
        errors=errors or {},
        industries=list(Industry),
        availabilities=list(Availability),
        today=local_today(),
    ), status


def _save(expert: User, endpoint: str, **url_args):
    """Parse and save the posted form; the form again with the input and messages if not."""
    raw = raw_from_form(request.form)
    try:
        services.save_expert_profile(
            actor=current_user,
            expert_id=expert.id,
            data=parse_expert_profile(raw, today=local_today()),
            expected_version=parse_int(request.form.get("version"), minimum=0) or 0,
        )
    except Conflict as exc:
        return _form(expert, raw=raw, errors={"_form": [exc.message]}, status=409)
    except ValidationFailed as exc:
        return _form(expert, raw=raw, errors=exc.field_errors, status=422)
    flash(_("专家信息已保存。"), "success")
    return redirect(url_for(endpoint, **url_args))


@bp.route("/expert/profile", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def my_profile():
    if request.method == "GET":
        return _form(current_user)
    return _save(current_user, "review.my_profile")


@bp.get("/staff/experts")
@roles_required(Role.STAFF)
def experts():
    filters = queries.ExpertFilters.from_args(request.args)
    return render_template(
        "review/experts.html",
        results=queries.find_experts(db.session(), filters, today=local_today()),
        filters=filters,
        industries=list(Industry),
        availabilities=list(Availability),
    )


@bp.route("/experts/<int:user_id>/profile", methods=["GET", "POST"])
@roles_required(Role.EXPERT, Role.STAFF)
def edit_profile(user_id: int):
    expert = _expert_or_404(user_id)
    if request.method == "GET":
        return _form(expert)
    return _save(expert, "review.edit_profile", user_id=expert.id)
