"""The search page (one box on every page) and match lists."""

from __future__ import annotations

from flask import current_app, render_template, request

from ..accounts.models import Role
from ..challenges.models import Industry, Phase
from ..challenges.queries import BUDGET_BANDS
from ..i18n import per_catalogue
from ..pagination import page_arg
from ..security import login_required, roles_required
from . import service
from .blueprint import bp

FILTER_NAMES = ("kind", "field", "status", "region", "band")


@bp.get("/search")
def search():
    args = request.args
    filters = {name: (args.get(name) or "")[:40] for name in FILTER_NAMES}
    open_only = filters.get("status") == Phase.OPEN
    if open_only:
        filters["status"] = ""
    sort = args.get("sort") if args.get("sort") in ("deadline", "budget") else "relevance"
    per_page = current_app.config["PAGE_SIZE"]
    page = page_arg(last=50)
    result = service.run(
        args.get("q"), filters=filters, open_only=open_only, sort=sort, page=page,
        per_page=per_page, exact=args.get("exact") == "1",
    )  # fmt: skip
    from ..pagination import Page

    return render_template(
        "search/results.html",
        result=result,
        page=Page(result.hits, page, per_page, min(result.total, 50 * per_page)),
        args=args,
        sort=sort,
        industries=per_catalogue("search.industries", lambda: {i.value: i.label for i in Industry}),
        bands={key: (low, high) for key, low, high in BUDGET_BANDS},
        kind_label=service.kind_label,
    )


@bp.route("/my/subscriptions", methods=["GET", "POST"])
@login_required
def subscriptions():
    from flask import flash, redirect, url_for
    from flask_babel import gettext as _
    from flask_login import current_user

    from .. import db
    from ..accounts.access import member_org_id
    from ..errors import ValidationFailed
    from ..parsing import MAX_ID, require_int
    from ..teams import queries as team_queries
    from . import subscriptions as subs

    errors: dict = {}
    if request.method == "POST":
        raw_profile = (request.form.get("profile_id") or "").strip()
        try:
            profile = (
                require_int(raw_profile, field="profile_id", minimum=1, maximum=MAX_ID,
                            message=_("请从列表中选择团队画像。"))
                if raw_profile else None
            )  # fmt: skip
            subs.subscribe(actor=current_user, query=request.form.get("query", ""),
                           profile_id=profile)  # fmt: skip
        except ValidationFailed as exc:
            errors = exc.field_errors
        else:
            flash(_("已订阅。有新的匹配榜单发布时，会通过站内消息通知您。"), "success")
            return redirect(url_for("search.subscriptions"))
    s = db.session()
    profiles = []
    if org_id := member_org_id(current_user):
        profiles = team_queries.organisation_profiles(s, org_id)
    return render_template(
        "search/subscriptions.html",
        rows=subs.of_user(s, current_user.id),
        profiles=profiles,
        errors=errors,
        query=request.form.get("query", ""),
    ), (422 if errors else 200)


@bp.post("/my/subscriptions/<int:subscription_id>/delete")
@login_required
def unsubscribe(subscription_id: int):
    from flask import flash, redirect, url_for
    from flask_babel import gettext as _
    from flask_login import current_user

    from . import subscriptions as subs

    subs.unsubscribe(actor=current_user, subscription_id=subscription_id)
    flash(_("已取消订阅。"), "success")
    return redirect(url_for("search.subscriptions"))


@bp.app_template_global("solvers_for")
def solvers_for(challenge) -> list:
    """Teams and achievements that could solve a challenge (shown to its issuer and staff)."""
    from .. import db
    from ..challenges.services import indicators_of

    return service.matches_for_challenge(challenge, indicators_of(db.session(), challenge.id))


@bp.app_template_global("challenges_for")
def challenges_for(profile) -> list:
    """Open challenges a team could win (shown to its own organisation)."""
    return service.matches_for_profile(profile)


def _thesaurus_page(*, raw: dict, errors: dict, status: int):
    from . import thesaurus as TH

    return render_template(
        "search/thesaurus.html",
        entries=TH.entries(),
        shipped=len(TH.shipped_groups()),
        raw=raw,
        errors=errors,
        max_alternatives=TH.MAX_ALTERNATIVES,
    ), status


@bp.route("/staff/settings/thesaurus", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def thesaurus():
    from flask import redirect, url_for
    from flask_babel import gettext as _
    from flask_login import current_user

    from ..forms import edit_flow, fields_of
    from . import thesaurus as TH

    return edit_flow(
        render=_thesaurus_page,
        initial=lambda: {"terms": ""},
        read=fields_of(["terms"]),
        save=lambda raw: TH.add_entry(actor=current_user, terms=raw["terms"]),
        done=lambda _entry: redirect(url_for("search.thesaurus")),
        saved=lambda entry: _("已添加同义词：%(terms)s。下一次搜索即生效。", terms=entry.terms),
    )


@bp.post("/staff/settings/thesaurus/<int:entry_id>/delete")
@roles_required(Role.STAFF)
def remove_thesaurus_entry(entry_id: int):
    from flask import flash, redirect, url_for
    from flask_babel import gettext as _
    from flask_login import current_user

    from . import thesaurus as TH

    entry = TH.remove_entry(actor=current_user, entry_id=entry_id)
    flash(_("已删除同义词：%(terms)s。", terms=entry.terms), "success")
    return redirect(url_for("search.thesaurus"))
