"""Home page and the staff audit browser."""

from __future__ import annotations

import time as clock
from datetime import datetime, time, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db, page_cache
from .. import notifications as notify_store
from ..accounts import queries as account_queries
from ..accounts.access import current_organisation
from ..accounts.models import OrgStatus, Role
from ..challenges import queries as challenge_queries
from ..pagination import Page, page_arg
from ..parsing import parse_id
from ..security import login_required, roles_required
from ..units import SHANGHAI
from . import audit_trail
from .blueprint import bp


@bp.get("/")
def home():
    s = db.session()
    now = db.utcnow()
    stats = _home_stats(s, now)
    latest = challenge_queries.latest_open(s, now=now, limit=5)
    todo = {}
    if current_user.is_authenticated and current_user.is_staff:
        todo["pending_orgs"] = account_queries.count_organisations(s, OrgStatus.PENDING)
    if current_user.is_authenticated and current_user.is_org_admin:
        todo["pending_members"] = account_queries.count_pending_members(
            s, current_user.organisation_id
        )
    org = current_organisation()
    if current_user.is_authenticated and current_user.is_staff:
        todo["pending_challenges"] = challenge_queries.count_pending_review(s)
    return render_template(
        "dashboard/home.html", stats=stats, todo=todo, org=org, latest=latest, now=now
    )


def _home_stats(s, now: datetime) -> dict:
    """The home page's public figures, cached per process for HOME_STATS_CACHE_SECONDS.

    Four aggregate queries over every challenge on each visit to the busiest page; figures a
    few seconds old are fine there (0 turns the cache off; tests do).
    """
    ttl = current_app.config["HOME_STATS_CACHE_SECONDS"]
    cached = current_app.extensions.get("mp_home_stats")
    now_s = clock.time()
    if ttl > 0 and cached and 0 <= now_s - cached[0] < ttl:
        page_cache.keep_until(cached[0] + ttl)  # a kept home page goes with its figures
        return cached[1]
    stats = {
        "verified_orgs": account_queries.count_organisations(s, OrgStatus.VERIFIED),
        **challenge_queries.counts_by_phase(s, now),
    }
    current_app.extensions["mp_home_stats"] = (now_s, stats)
    if ttl > 0:
        page_cache.keep_until(now_s + ttl)
    return stats


def _day_arg(name: str, *, end: bool = False) -> datetime | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
    if end:
        day = day + timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


@bp.get("/notifications")
@login_required
def notifications():
    # Reading changes nothing (a link from another site must not mark anything read).
    page = page_arg()
    per_page = current_app.config["NOTIFICATIONS_PAGE_SIZE"]
    rows, total = notify_store.page_for(db.session(), current_user.id, page=page, per_page=per_page)
    return render_template(
        "dashboard/notifications.html", rows=rows, page=Page(rows, page, per_page, total)
    )


@bp.post("/notifications/read")
@login_required
def notifications_read():
    notify_store.mark_all_read(user_id=current_user.id)
    flash(_("全部消息已标为已读。"), "success")
    return redirect(url_for("dashboard.notifications"), 303)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id: int):
    nid = parse_id(notification_id)
    if nid is None:
        abort(404)
    notify_store.mark_read(user_id=current_user.id, notification_id=nid)
    return redirect(url_for("dashboard.notifications"), 303)


@bp.get("/staff/audit")
@roles_required(Role.STAFF)
def audit_log():
    s = db.session()
    page = page_arg()
    per_page = 50
    filters = {
        "action": (request.args.get("action") or "").strip()[:64] or None,
        "object_type": (request.args.get("object_type") or "").strip()[:64] or None,
        "actor": (request.args.get("actor") or "").strip()[:200] or None,
    }
    rows, total = audit_trail.browse(
        s,
        viewer=current_user,
        **filters,
        date_from=_day_arg("from"),
        date_to=_day_arg("to", end=True),
        page=page,
        per_page=per_page,
    )
    return render_template(
        "dashboard/audit.html",
        page=Page(rows, page, per_page, total),
        actions=audit_trail.action_choices(s),
        object_types=audit_trail.object_type_choices(),
        args=request.args,
    )
