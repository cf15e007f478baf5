"""Pages of the expert pool: an expert's own profile, and staff's list and edit pages."""

from __future__ import annotations

from functools import partial

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..accounts.models import Role, User
from ..challenges.models import Industry
from ..forms import edit_flow, expected_version
from ..parsing import MAX_ID
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


def _form(expert: User, *, raw: dict, errors: dict, status: int):
    profile = services.profile_of(db.session(), expert.id)
    return render_template(
        "review/profile_form.html",
        expert=expert,
        profile=profile,
        own=expert.id == current_user.id,
        raw=raw,
        errors=errors,
        industries=list(Industry),
        availabilities=list(Availability),
        today=local_today(),
    ), status


def _edit(expert: User, endpoint: str, **url_args):
    """The profile's edit page: shown, or saved and back to ``endpoint``, or shown again with
    the input and messages."""

    def initial() -> dict:
        s = db.session()
        profile = services.profile_of(s, expert.id)
        return profile_raw(profile, services.industries_of(s, profile), expert)

    return edit_flow(
        render=partial(_form, expert),
        initial=initial,
        read=raw_from_form,
        save=lambda raw: services.save_expert_profile(
            actor=current_user,
            expert_id=expert.id,
            data=parse_expert_profile(raw, today=local_today()),
            expected_version=expected_version(),
        ),
        done=lambda _p: redirect(url_for(endpoint, **url_args)),
        saved=_("专家信息已保存。"),
    )


@bp.route("/expert/profile", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def my_profile():
    return _edit(current_user, "review.my_profile")


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
    return _edit(expert, "review.edit_profile", user_id=expert.id)
