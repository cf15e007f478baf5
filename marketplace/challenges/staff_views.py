"""The bureau's challenge pages: review queue, decisions, cancellation, amendments."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..accounts.models import Role
from ..errors import ValidationFailed
from ..pagination import Page, page_arg
from ..security import roles_required
from . import amendments, queries, review, services
from .blueprint import bp
from .models import Challenge, ChallengeStatus


@bp.get("/staff/challenges")
@roles_required(Role.STAFF)
def review_queue():
    s = db.session()
    # Two lists on one page, each with its own page argument (?page= and ?apage=).
    page, apage, size = (
        page_arg(),
        page_arg(name="apage"),
        current_app.config["REVIEW_QUEUE_PAGE_SIZE"],
    )
    rows, total = queries.review_queue(s, page=page, per_page=size)
    pending, pending_total = queries.pending_amendments(s, page=apage, per_page=size)
    return render_template(
        "challenges/review_queue.html",
        page=Page(rows, page, size, total),
        pending=Page(pending, apage, size, pending_total),
        field_labels=amendments.FIELD_LABELS,
    )


def _back(challenge_id: int):
    return redirect(url_for("challenges.detail", challenge_id=challenge_id))


@bp.post("/staff/challenges/<int:challenge_id>/<any(approve, return, reject, cancel):decision>")
@roles_required(Role.STAFF)
def decide(challenge_id: int, decision: str):
    comment = request.form.get("comment", "")
    try:
        if decision == "approve":
            c = services.approve_challenge(actor=current_user, challenge_id=challenge_id)
            flash(_("已发布，榜单编号 %(code)s。", code=c.code), "success")
        elif decision == "return":
            services.return_challenge(
                actor=current_user, challenge_id=challenge_id, comment=comment
            )
            flash(_("已退回企业修改。"), "success")
        elif decision == "reject":
            services.reject_challenge(
                actor=current_user, challenge_id=challenge_id, comment=comment
            )
            flash(_("已作出不予发布的决定。"), "success")
        else:
            services.cancel_challenge(actor=current_user, challenge_id=challenge_id, reason=comment)
            flash(_("已撤榜，理由已公开。"), "success")
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return _back(challenge_id), 303
    return _back(challenge_id)


@bp.post("/staff/amendments/<int:amendment_id>/<any(approve, reject):decision>")
@roles_required(Role.STAFF)
def decide_amendment(amendment_id: int, decision: str):
    try:
        amendment = amendments.decide_amendment(
            actor=current_user,
            amendment_id=amendment_id,
            approve=decision == "approve",
            comment=request.form.get("comment", ""),
        )
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for("challenges.review_queue")), 303
    flash(_("变更已生效并公告。") if decision == "approve" else _("已驳回变更申请。"), "success")
    return _back(amendment.challenge_id)


@bp.app_template_global("since_return")
def since_return(challenge: Challenge) -> review.SinceReturn | None:
    """For staff reviewing a resubmitted challenge: what changed since they returned it."""
    if challenge.status is not ChallengeStatus.PENDING_REVIEW:
        return None
    return review.changes_since_return(db.session(), challenge)
