"""Pages for research teams' capability profiles (科研团队) and achievements (科技成果)."""

from __future__ import annotations

from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..accounts.access import member_org_id, organisation_blocker
from ..accounts.models import Organisation, Role
from ..challenges.models import Industry
from ..errors import ValidationFailed
from ..forms import edit_flow, expected_version
from ..i18n import per_catalogue
from ..pagination import page_arg
from ..parsing import parse_id
from ..security import roles_required
from . import queries, services
from .access import can_edit, can_view, is_insider, is_staff
from .blueprint import bp
from .forms import (
    MEMBER_PARTS,
    WORK_PARTS,
    achievement_raw,
    achievement_raw_from_form,
    blank_achievement_raw,
    blank_profile_raw,
    profile_raw,
    profile_raw_from_form,
    rows,
)
from .models import Achievement, TeamProfile, TransferMode
from .schemas import MAX_ROW_ID, TRL_LEVELS, WorkKind, parse_achievement, parse_profile


def _visible_or_404(model, item_id: int):
    item = db.session().get(model, item_id) if item_id <= MAX_ROW_ID else None
    if item is None or not can_view(current_user, item):
        abort(404)
    return item


def _editable_or_404(model, item_id: int):
    """Another organisation's profile or achievement looks like one that does not exist."""
    item = _visible_or_404(model, item_id)
    if not can_edit(current_user, item):
        abort(404)
    return item


def _blocked():
    """Send a researcher whose organisation may not publish yet back to their page, with why."""
    blocker = organisation_blocker(current_user, role=Role.RESEARCHER)
    if blocker:
        flash(blocker, "warning")
        return redirect(url_for("teams.mine"))
    return None


def _profile_form(*, raw: dict, profile=None, errors=None, status: int = 200):
    return render_template(
        "teams/form.html",
        raw=raw,
        errors=errors or {},
        profile=profile,
        member_rows=rows(raw, "members", MEMBER_PARTS),
        work_rows=rows(raw, "works", WORK_PARTS),
        work_kinds=list(WorkKind),
    ), status


def _achievement_form(*, raw: dict, achievement=None, errors=None, status: int = 200):
    return render_template(
        "teams/achievement_form.html",
        raw=raw,
        errors=errors or {},
        achievement=achievement,
        team_options=[
            (str(t.id), t.team_name)
            for t in queries.organisation_profiles(db.session(), member_org_id(current_user))
        ],
        industry_options=[(i.value, i.label) for i in Industry],
        mode_options=[(m.value, m.label) for m in TransferMode],
        trl_levels=TRL_LEVELS,
    ), status


# --- capability profiles ------------------------------------------------------------------


@bp.get("/teams")
def index():
    filters = queries.TeamFilters.from_args(request.args)
    page = queries.public_profiles(
        db.session(), filters, page=page_arg(), per_page=current_app.config["PAGE_SIZE"]
    )
    return render_template("teams/index.html", page=page, filters=filters)


@bp.get("/teams/<int:profile_id>")
def detail(profile_id: int):
    profile = _visible_or_404(TeamProfile, profile_id)
    s = db.session()
    insider = is_insider(current_user, profile.organisation_id)
    return render_template(
        "teams/detail.html",
        p=profile,
        org=s.get(Organisation, profile.organisation_id),
        achievements=queries.team_achievements(
            s, profile.id, include_private=insider or is_staff(current_user)
        ),
        work_kinds=per_catalogue("teams.work_kinds", lambda: {k.value: k.label for k in WorkKind}),
        can_edit=can_edit(current_user, profile),
        insider=insider,
    )


@bp.get("/my/teams")
@roles_required(Role.RESEARCHER)
def mine():
    s = db.session()
    org_id = member_org_id(current_user)
    insider = org_id is not None
    return render_template(
        "teams/mine.html",
        profiles=queries.organisation_profiles(s, org_id) if insider else [],
        achievements=queries.organisation_achievements(s, org_id) if insider else [],
        blocker=organisation_blocker(current_user, role=Role.RESEARCHER),
    )


@bp.route("/teams/new", methods=["GET", "POST"])
@roles_required(Role.RESEARCHER)
def create():
    if blocked := _blocked():
        return blocked
    if request.method == "GET":
        return _profile_form(raw=blank_profile_raw(current_user))
    raw = profile_raw_from_form(request.form)
    try:
        profile = services.create_profile(actor=current_user, data=parse_profile(raw))
    except ValidationFailed as exc:
        return _profile_form(raw=raw, errors=exc.field_errors, status=422)
    flash(_("团队画像已保存。"), "success")
    return redirect(url_for("teams.detail", profile_id=profile.id))


@bp.route("/teams/<int:profile_id>/edit", methods=["GET", "POST"])
@roles_required(Role.RESEARCHER)
def edit(profile_id: int):
    profile = _editable_or_404(TeamProfile, profile_id)
    return edit_flow(
        render=partial(_profile_form, profile=profile),
        initial=lambda: profile_raw(profile),
        read=profile_raw_from_form,
        save=lambda raw: services.update_profile(
            actor=current_user,
            profile_id=profile.id,
            data=parse_profile(raw),
            expected_version=expected_version(),
        ),
        done=lambda _p: redirect(url_for("teams.detail", profile_id=profile.id)),
        saved=_("已保存。"),
    )


# --- technology achievements ----------------------------------------------------------------


@bp.get("/achievements")
def achievements():
    filters = queries.AchievementFilters.from_args(request.args)
    page = queries.public_achievements(
        db.session(), filters, page=page_arg(), per_page=current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "teams/achievements.html",
        page=page,
        filters=filters,
        industries=list(Industry),
        modes=list(TransferMode),
    )


@bp.get("/achievements/<int:achievement_id>")
def achievement(achievement_id: int):
    item = _visible_or_404(Achievement, achievement_id)
    s = db.session()
    team = s.get(TeamProfile, item.team_id) if item.team_id else None
    return render_template(
        "teams/achievement.html",
        a=item,
        org=s.get(Organisation, item.organisation_id),
        team=team if team is not None and can_view(current_user, team) else None,
        trl_label=TRL_LEVELS[item.trl],
        can_edit=can_edit(current_user, item),
    )


@bp.route("/achievements/new", methods=["GET", "POST"])
@roles_required(Role.RESEARCHER)
def create_achievement():
    if blocked := _blocked():
        return blocked
    if request.method == "GET":
        return _achievement_form(raw=blank_achievement_raw(parse_id(request.args.get("team"))))
    raw = achievement_raw_from_form(request.form)
    try:
        item = services.create_achievement(actor=current_user, data=parse_achievement(raw))
    except ValidationFailed as exc:
        return _achievement_form(raw=raw, errors=exc.field_errors, status=422)
    flash(_("科技成果已保存。"), "success")
    return redirect(url_for("teams.achievement", achievement_id=item.id))


@bp.route("/achievements/<int:achievement_id>/edit", methods=["GET", "POST"])
@roles_required(Role.RESEARCHER)
def edit_achievement(achievement_id: int):
    item = _editable_or_404(Achievement, achievement_id)
    return edit_flow(
        render=partial(_achievement_form, achievement=item),
        initial=lambda: achievement_raw(item),
        read=achievement_raw_from_form,
        save=lambda raw: services.update_achievement(
            actor=current_user,
            achievement_id=item.id,
            data=parse_achievement(raw),
            expected_version=expected_version(),
        ),
        done=lambda _a: redirect(url_for("teams.achievement", achievement_id=item.id)),
        saved=_("已保存。"),
    )
