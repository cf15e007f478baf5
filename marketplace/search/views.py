"""The search page (one box on every page) and match lists."""

from __future__ import annotations

from flask import current_app, render_template, request

from ..challenges.models import Industry
from ..challenges.queries import BUDGET_BANDS
from ..pagination import page_arg
from . import service
from .blueprint import bp

FILTER_NAMES = ("kind", "field", "status", "region", "band")


@bp.get("/search")
def search():
    args = request.args
    filters = {name: (args.get(name) or "")[:40] for name in FILTER_NAMES}
    open_only = filters.get("status") == "open"
    if open_only:
        filters["status"] = ""
    sort = args.get("sort") if args.get("sort") in ("deadline", "budget") else "relevance"
    per_page = current_app.config["PAGE_SIZE"]
    page = page_arg(last=50)
    result = service.run(
        args.get("q"), filters=filters, open_only=open_only, sort=sort, page=page,
        per_page=per_page,
    )  # fmt: skip
    from ..pagination import Page

    return render_template(
        "search/results.html",
        result=result,
        page=Page(result.hits, page, per_page, min(result.total, 50 * per_page)),
        args=args,
        sort=sort,
        industries={i.value: i.label for i in Industry},
        bands={key: (low, high) for key, low, high in BUDGET_BANDS},
        kind_label=service.kind_label,
    )


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
