"""The staff dashboard and the public statistics page."""

from __future__ import annotations

import time as clock

from flask import current_app, render_template, request

from .. import db
from ..accounts.models import REGIONS, Role
from ..challenges.models import Industry
from ..security import roles_required
from ..units import SHANGHAI
from . import charts, queries
from .blueprint import bp


def _today():
    return db.utcnow().astimezone(SHANGHAI).date()


@bp.get("/staff/dashboard")
@roles_required(Role.STAFF)
def dashboard():
    s = db.session()
    today = _today()
    years = queries.years(s)
    f = queries.Filters.from_args(request.args, years=years)
    by_year = queries.money_by_year(s, f)
    by_industry = queries.money_by_industry(s, f)
    figures = {
        "pipeline": queries.pipeline(s, f),
        "by_year": by_year,
        "by_industry": by_industry,
        "total": queries.total(by_year),
        "by_source": queries.ledger_by_source(s, f),
        "bids": queries.bids_per_challenge(s, f),
        "milestones": queries.milestone_counts(s, today, f),
        "overdue": queries.overdue_milestones(s, today, f),
        "issuers": queries.top_issuers(s, f),
        "winners": queries.top_winners(s, f),
        "integrity": queries.integrity_counts(s, today),
    }
    return render_template(
        "stats/dashboard.html",
        f=f,
        years=years,
        industries=list(Industry),
        regions=REGIONS,
        today=today,
        charts=charts.dashboard_charts(figures),
        stage_labels=charts.STAGE_LABELS,
        money_columns=list(charts.MONEY_LABELS.items()),
        bid_bucket_label=charts.bid_bucket_label,
        **figures,
    )


def _public_figures() -> dict:
    """The public figures, cached per process for HOME_STATS_CACHE_SECONDS like the home page's.

    Anyone may load /stats; a few aggregate queries per visit over every challenge are not
    needed for figures a county reports yearly (0 turns the cache off; tests do).
    """
    ttl = current_app.config["HOME_STATS_CACHE_SECONDS"]
    cached = current_app.extensions.get("mp_public_stats")
    now_s = clock.time()
    if ttl > 0 and cached and 0 <= now_s - cached[0] < ttl:
        return cached[1]
    s = db.session()
    by_year = queries.money_by_year(s)
    figures = {
        "by_year": by_year,
        "by_industry": queries.money_by_industry(s),
        "total": queries.total(by_year),
    }
    current_app.extensions["mp_public_stats"] = (now_s, figures)
    return figures


@bp.get("/stats")
def public_stats():
    figures = _public_figures()
    return render_template(
        "stats/public.html",
        charts=charts.public_charts(figures),
        money_columns=[(a, charts.MONEY_LABELS[a]) for a in charts.PUBLIC_MONEY],
        **figures,
    )
