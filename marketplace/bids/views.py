"""Bid pages: the sealed bid form, receipts, the team's own list, and the issuer's count."""

from __future__ import annotations

import secrets

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import db, uploads
from ..accounts import queries as account_queries
from ..accounts.access import member_org_id
from ..accounts.models import Organisation, Role, User
from ..challenges import services as challenge_services
from ..challenges.access import can_view, is_issuer, is_staff
from ..challenges.models import Challenge, ChallengeStatus
from ..errors import InvalidTransition, PermissionDenied, ValidationFailed
from ..forms import edit_flow
from ..pagination import Page, page_arg
from ..parsing import parse_int
from ..security import login_required, roles_required
from . import queries, services
from .access import can_open, is_bidder, is_sealed
from .blueprint import bp
from .forms import padded, raw_from_form
from .models import Bid, BidAttachment, BidStatus
from .schemas import BidContent, MemberRow, MilestoneRow


def _bid_or_404(bid_id: int) -> tuple[Bid, Challenge]:
    """A bid the current user may open; anything else is the same 404 as a missing bid."""
    s = db.session()
    bid = s.get(Bid, bid_id)
    challenge = s.get(Challenge, bid.challenge_id) if bid else None
    if bid is None or not can_open(current_user, bid, challenge):
        abort(404)
    return bid, challenge


def _own_or_404(bid_id: int) -> tuple[Bid, Challenge]:
    bid, challenge = _bid_or_404(bid_id)
    if not is_bidder(current_user, bid):
        abort(404)
    return bid, challenge


def _leaders(organisation_id: int) -> list[User]:
    return account_queries.approved_researchers(db.session(), organisation_id)


def _form(
    bid: Bid, challenge: Challenge, *, content: BidContent | None = None, errors=None, status=200
):
    s = db.session()
    content = content if content is not None else BidContent.from_stored(bid.content)
    return render_template(
        "bids/form.html",
        bid=bid,
        c=challenge,
        content=content,
        raw=content.as_stored(),
        errors=errors or {},
        indicators=challenge_services.indicators_of(s, challenge.id),
        members=padded(content.members, MemberRow, minimum=3),
        milestones=padded(content.milestones, MilestoneRow, minimum=3),
        leaders=_leaders(bid.organisation_id),
        attachments=_attachments(bid.id),
        idempotency_key=secrets.token_hex(16),
    ), status


def _attachments(bid_id: int) -> list[BidAttachment]:
    return services.working_attachments(db.session(), bid_id)


def _visible_attachments(bid: Bid) -> list[BidAttachment]:
    """The working copy's files for the bidder; the submitted version's for anyone else."""
    if is_bidder(current_user, bid):
        return _attachments(bid.id)
    return services.submitted_attachments(db.session(), bid)


@bp.post("/challenges/<int:challenge_id>/bid")
@roles_required(Role.RESEARCHER)
def start(challenge_id: int):
    challenge = db.session().get(Challenge, challenge_id)
    if challenge is None or not can_view(current_user, challenge):
        abort(404)
    org_id = member_org_id(current_user)
    existing = (
        services.live_bid(db.session(), challenge_id=challenge.id, organisation_id=org_id)
        if org_id
        else None
    )
    if existing is not None:
        flash(_("每个单位对一个榜单只能有一份有效的揭榜材料；已为您打开本单位的材料。"), "warning")
        return redirect(url_for("bids.detail", bid_id=existing.id)), 303
    try:
        bid = services.start_bid(actor=current_user, challenge_id=challenge.id)
    except PermissionDenied as exc:
        flash(exc.message, "error")
        return redirect(url_for("challenges.detail", challenge_id=challenge.id)), 303
    return redirect(url_for("bids.edit", bid_id=bid.id))


@bp.route("/bids/<int:bid_id>/edit", methods=["GET", "POST"])
@roles_required(Role.RESEARCHER)
def edit(bid_id: int):
    bid, challenge = _own_or_404(bid_id)
    if request.method == "GET" and (bid.status is BidStatus.WITHDRAWN or not challenge.is_open()):
        return redirect(url_for("bids.detail", bid_id=bid.id))

    def render(*, raw, errors, status):
        # Read the bid again: a draft saved before a refused submission has a new version.
        fresh = db.session().get(Bid, bid_id)
        return _form(
            fresh, challenge, content=BidContent.from_raw(raw), errors=errors, status=status
        )

    def save(raw):
        """Save the draft; with 提交, submit it too (the draft stays saved if that is refused)."""
        services.save_draft(
            actor=current_user,
            bid_id=bid.id,
            raw=raw,
            expected_version=parse_int(request.form.get("version")) or 0,
        )
        if request.form.get("action") != "submit":
            return None
        return services.submit_bid(
            actor=current_user,
            bid_id=bid.id,
            idempotency_key=request.form.get("idempotency_key", ""),
        )

    def done(receipt):
        if receipt is None:
            flash(_("草稿已保存（尚未提交）。"), "success")
            return redirect(url_for("bids.edit", bid_id=bid.id))
        if not receipt.repeated:
            flash(_("揭榜材料已提交，请保存回执。"), "success")
        version = receipt.version.version
        return redirect(url_for("bids.receipt", bid_id=receipt.bid.id, version=version))

    return edit_flow(
        render=render,
        initial=lambda: bid.content,
        read=raw_from_form,
        save=save,
        done=done,
        keep_form_when_refused=True,
    )


@bp.get("/bids/<int:bid_id>")
@login_required
def detail(bid_id: int):
    bid, challenge = _bid_or_404(bid_id)
    s = db.session()
    own = is_bidder(current_user, bid)
    versions = queries.versions_of(s, bid.id)
    # Others see exactly what was submitted last, never the working copy.
    shown = BidContent.from_stored(
        bid.content
        if own
        else next((v.content for v in versions if v.version == bid.submitted_version), {})
    )
    leader_id = shown.leader_user_id
    leader = s.get(User, leader_id) if leader_id else None
    if leader is not None and leader.organisation_id != bid.organisation_id:
        leader = None
    return render_template(
        "bids/detail.html",
        bid=bid,
        c=challenge,
        own=own,
        content=shown,
        leader=leader,
        versions=versions if own else [],
        org=s.get(Organisation, bid.organisation_id),
        indicators=challenge_services.indicators_of(s, challenge.id),
        attachments=_visible_attachments(bid),
        open=challenge.is_open(),
        can_withdraw=own
        and bid.status is not BidStatus.WITHDRAWN
        and services.can_withdraw(challenge),
    )


@bp.get("/bids/<int:bid_id>/receipt/<int:version>")
@roles_required(Role.RESEARCHER)
def receipt(bid_id: int, version: int):
    bid, challenge = _own_or_404(bid_id)
    row = queries.version_of(db.session(), bid.id, version) or abort(404)
    return render_template("bids/receipt.html", bid=bid, c=challenge, v=row)


@bp.get("/bids/<int:bid_id>/receipt/<int:version>/download")
@roles_required(Role.RESEARCHER)
def receipt_download(bid_id: int, version: int):
    """The receipt as a UTF-8 text file the team can keep beside its own copy of the files."""
    bid, challenge = _own_or_404(bid_id)
    row = queries.version_of(db.session(), bid.id, version) or abort(404)
    body = render_template("bids/receipt.txt", bid=bid, c=challenge, v=row)
    response = make_response("\ufeff" + body)
    response.mimetype = "text/plain"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=receipt-{bid.number}-v{row.version}.txt"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/bids/<int:bid_id>/withdraw")
@roles_required(Role.RESEARCHER)
def withdraw(bid_id: int):
    bid, _challenge = _own_or_404(bid_id)
    try:
        bid = services.withdraw_bid(actor=current_user, bid_id=bid.id)
    except InvalidTransition as exc:
        flash(exc.message, "error")
        return redirect(url_for("bids.detail", bid_id=bid.id)), 303
    if bid.submitted_version:
        flash(_("已撤回揭榜。撤回已记录；截止前可重新揭榜。"), "success")
    else:
        flash(_("草稿已放弃。"), "success")
    return redirect(url_for("bids.mine"))


@bp.post("/bids/<int:bid_id>/attachments")
@roles_required(Role.RESEARCHER)
def upload(bid_id: int):
    bid, _challenge = _own_or_404(bid_id)
    back = url_for("bids.edit", bid_id=bid.id)
    try:
        uploads.receive(
            request.files.get("file"),
            kind="bids",
            attach=lambda stored: services.add_attachment(
                actor=current_user, bid_id=bid.id, stored=stored
            ),
        )
    except ValidationFailed as exc:
        # See other (303): the page the file came from, with the message on it.
        flash(exc.message, "error")
        return redirect(back, code=303)
    flash(_("附件已上传。"), "success")
    return redirect(back)


@bp.get("/bids/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment = db.session().get(BidAttachment, attachment_id) or abort(404)
    bid, _challenge = _bid_or_404(attachment.bid_id)
    if attachment not in _visible_attachments(bid):
        abort(404)
    return uploads.send_attachment("bids", attachment.stored_name, attachment.original_name)


@bp.get("/my/bids")
@roles_required(Role.RESEARCHER)
def mine():
    s = db.session()
    page, per_page = page_arg(), current_app.config["MY_BIDS_PAGE_SIZE"]
    rows, total = [], 0
    org_id = member_org_id(current_user)
    if org_id:
        rows, total = queries.organisation_bids(s, org_id, page=page, per_page=per_page)
    return render_template(
        "bids/mine.html", page=Page(list(rows), page, per_page, total), now=db.utcnow()
    )


@bp.get("/challenges/<int:challenge_id>/bids")
@login_required
def for_challenge(challenge_id: int):
    s = db.session()
    challenge = s.get(Challenge, challenge_id)
    if challenge is None or not (is_issuer(current_user, challenge) or is_staff(current_user)):
        abort(404)
    count = services.submitted_count(s, challenge.id)
    rows = []
    sealed = is_sealed(challenge)
    if not sealed:
        rows = queries.submitted_bids(s, challenge.id)
    return render_template(
        "bids/for_challenge.html",
        c=challenge,
        count=count,
        rows=rows,
        sealed=sealed,
        cancelled=challenge.status is ChallengeStatus.CANCELLED,
    )


@bp.app_template_global("bid_panel")
def bid_panel(challenge: Challenge) -> dict:
    """What the challenge page shows about bids to the current user (never sealed content)."""
    if not current_user.is_authenticated:
        return {}
    s = db.session()
    panel: dict = {}
    if is_issuer(current_user, challenge) or is_staff(current_user):
        panel["count"] = services.submitted_count(s, challenge.id)
    org_id = member_org_id(current_user)
    if current_user.role is Role.RESEARCHER and org_id:
        panel["own"] = services.live_bid(s, challenge_id=challenge.id, organisation_id=org_id)
        panel["can_start"] = challenge.is_open() and panel["own"] is None
    return panel
