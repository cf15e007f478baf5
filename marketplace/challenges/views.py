"""Challenge pages for the public and the issuing enterprise."""

from __future__ import annotations

from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db, uploads
from ..accounts.access import member_org_id, organisation_blocker
from ..accounts.models import REGISTRABLE_KINDS, Organisation, Role
from ..errors import ValidationFailed
from ..forms import edit_flow, expected_version
from ..pagination import page_arg
from ..security import login_required, roles_required
from . import amendments, importing, queries, services
from .access import can_answer, can_edit, can_view, is_issuer, is_staff
from .blueprint import bp
from .forms import blank_raw, indicator_rows, raw_from_challenge, raw_from_form
from .models import Challenge, ChallengeAttachment, ChallengeStatus, Industry, Phase
from .schemas import parse_challenge


def _visible_or_404(challenge_id: int) -> Challenge:
    challenge = db.session().get(Challenge, challenge_id)
    if challenge is None or not can_view(current_user, challenge):
        abort(404)
    return challenge


def _form_page(template: str, *, raw: dict, errors: dict | None = None, status: int = 200, **kw):
    return render_template(
        template,
        raw=raw,
        errors=errors or {},
        rows=indicator_rows(raw),
        industries=list(Industry),
        kinds=REGISTRABLE_KINDS,
        **kw,
    ), status


@bp.get("/challenges")
def index():
    filters = queries.ListFilters.from_args(request.args)
    page = queries.public_list(
        db.session(),
        filters,
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        now=db.utcnow(),
    )
    return render_template(
        "challenges/index.html",
        page=page,
        filters=filters,
        industries=list(Industry),
        phases=queries._FILTER_PHASES,
        bands=queries.BUDGET_BANDS,
        now=db.utcnow(),
    )


@bp.get("/challenges/<int:challenge_id>")
def detail(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    s = db.session()
    staff, issuer = is_staff(current_user), is_issuer(current_user, challenge)
    return render_template(
        "challenges/detail.html",
        c=challenge,
        org=s.get(Organisation, challenge.organisation_id),
        indicators=services.indicators_of(s, challenge.id),
        attachments=services.attachments_of(s, challenge.id),
        questions=queries.questions_for(
            s,
            challenge.id,
            see_all=staff or issuer,
            asker_id=current_user.id if current_user.is_authenticated else None,
        ),
        changes=amendments.change_log(s, challenge.id),
        field_labels=amendments.FIELD_LABELS,
        phase=challenge.phase(),
        now=db.utcnow(),
        is_issuer=issuer,
        is_staff=staff,
        can_edit=can_edit(current_user, challenge),
        can_answer=current_user.is_authenticated and can_answer(current_user, challenge),
        can_ask=current_user.is_authenticated
        and current_user.role is Role.RESEARCHER
        and challenge.phase() is Phase.OPEN,
    )


@bp.get("/my/challenges")
@roles_required(Role.ENTERPRISE)
def mine():
    s = db.session()
    rows = (
        queries.organisation_challenges(s, member_org_id(current_user))
        if member_org_id(current_user)
        else []
    )
    drafts = [c.id for c in rows if c.status is ChallengeStatus.DRAFT]
    return render_template(
        "challenges/mine.html",
        rows=rows,
        missing=importing.draft_gaps(s, drafts),
        blocker=organisation_blocker(current_user, role=Role.ENTERPRISE),
        now=db.utcnow(),
    )


@bp.route("/challenges/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def create():
    blocker = organisation_blocker(current_user, role=Role.ENTERPRISE)
    if blocker:
        flash(blocker, "warning")
        return redirect(url_for("challenges.mine"))
    if request.method == "GET":
        return _form_page("challenges/form.html", raw=blank_raw(current_user), challenge=None)
    raw = raw_from_form(request.form)
    try:
        challenge = services.create_challenge(
            actor=current_user, data=parse_challenge(raw, now=db.utcnow())
        )
    except ValidationFailed as exc:
        return _form_page(
            "challenges/form.html", raw=raw, errors=exc.field_errors, status=422, challenge=None
        )
    flash(_("草稿已保存。可以继续修改、上传附件，确认无误后提交科技局审核。"), "success")
    return redirect(url_for("challenges.detail", challenge_id=challenge.id))


@bp.route("/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def edit(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not is_issuer(current_user, challenge):
        abort(404)
    if not can_edit(current_user, challenge):
        flash(_("只有草稿可以直接修改；已发布的榜单请提交变更申请。"), "warning")
        return redirect(url_for("challenges.detail", challenge_id=challenge.id))
    indicators = services.indicators_of(db.session(), challenge.id)
    return edit_flow(
        render=partial(
            _form_page, "challenges/form.html", challenge=challenge, indicators=indicators
        ),
        initial=lambda: raw_from_challenge(challenge, indicators),
        read=raw_from_form,
        save=lambda raw: services.update_challenge(
            actor=current_user,
            challenge_id=challenge.id,
            data=parse_challenge(raw, now=db.utcnow()),
            expected_version=expected_version(),
        ),
        done=lambda _c: redirect(url_for("challenges.detail", challenge_id=challenge.id)),
        saved=_("已保存。"),
    )


@bp.post("/challenges/<int:challenge_id>/submit")
@roles_required(Role.ENTERPRISE)
def submit(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    try:
        services.submit_challenge(actor=current_user, challenge_id=challenge.id)
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for("challenges.detail", challenge_id=challenge.id)), 303
    flash(_("已提交科技局审核。审核结果会通过站内消息通知您。"), "success")
    return redirect(url_for("challenges.detail", challenge_id=challenge.id))


@bp.post("/challenges/<int:challenge_id>/attachments")
@roles_required(Role.ENTERPRISE)
def upload(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not can_edit(current_user, challenge):
        abort(404 if not is_issuer(current_user, challenge) else 409)
    back = url_for("challenges.detail", challenge_id=challenge.id)
    try:
        uploads.receive(
            request.files.get("file"),
            kind="challenges",
            attach=lambda stored: services.add_attachment(
                actor=current_user, challenge_id=challenge.id, stored=stored
            ),
        )
    except ValidationFailed as exc:
        # See other (303): the page the file came from, with the message on it.
        flash(exc.message, "error")
        return redirect(back, code=303)
    flash(_("附件已上传。"), "success")
    return redirect(back)


@bp.post("/challenges/attachments/<int:attachment_id>/delete")
@roles_required(Role.ENTERPRISE)
def delete_attachment(attachment_id: int):
    attachment = services.remove_attachment(actor=current_user, attachment_id=attachment_id)
    uploads.discard("challenges", attachment.stored_name)
    flash(_("附件已删除。"), "success")
    return redirect(url_for("challenges.detail", challenge_id=attachment.challenge_id))


@bp.get("/challenges/attachments/<int:attachment_id>")
def download(attachment_id: int):
    attachment = db.session().get(ChallengeAttachment, attachment_id) or abort(404)
    _visible_or_404(attachment.challenge_id)
    return uploads.send_attachment("challenges", attachment.stored_name, attachment.original_name)


@bp.route("/challenges/<int:challenge_id>/amend", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def amend(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not is_issuer(current_user, challenge):
        abort(404)
    return edit_flow(
        render=lambda *, raw, errors, status: _form_page(
            "challenges/form.html",
            raw=raw,
            errors=errors,
            status=status,
            challenge=challenge,
            amending=True,
            reason=raw.get("reason"),
        ),
        initial=lambda: raw_from_challenge(
            challenge, services.indicators_of(db.session(), challenge.id)
        ),
        read=lambda form: {**raw_from_form(form), "reason": form.get("reason", "")},
        save=lambda raw: amendments.propose_amendment(
            actor=current_user,
            challenge_id=challenge.id,
            data=parse_challenge(raw, now=db.utcnow()),
            reason=raw["reason"],
        ),
        done=lambda _a: redirect(url_for("challenges.detail", challenge_id=challenge.id)),
        saved=_("变更申请已提交，经科技局审核后生效并公告。"),
    )


@bp.post("/challenges/<int:challenge_id>/questions")
@login_required
def ask(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    try:
        services.ask_question(
            actor=current_user, challenge_id=challenge.id, body=request.form.get("body", "")
        )
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for("challenges.detail", challenge_id=challenge.id, _anchor="qa")), 303
    flash(_("问题已提交。回答后将公开显示（不显示提问人）。"), "success")
    return redirect(url_for("challenges.detail", challenge_id=challenge.id, _anchor="qa"))


@bp.post("/questions/<int:question_id>/answer")
@login_required
def answer(question_id: int):
    try:
        question = services.answer_question(
            actor=current_user, question_id=question_id, answer=request.form.get("answer", "")
        )
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(request.referrer or url_for("challenges.index")), 303
    flash(_("回答已公开。"), "success")
    return redirect(url_for("challenges.detail", challenge_id=question.challenge_id, _anchor="qa"))


@bp.app_template_filter("format_change")
def format_change(value, name: str) -> str:
    """An amended value as people read it (money in 万元, times in Beijing time)."""
    from datetime import datetime

    from ..accounts.models import OrgKind
    from ..i18n import local_datetime, money

    if value is None:
        return "—"
    if name.endswith("_fen"):
        return money(value)
    if name == "deadline":
        return local_datetime(datetime.fromisoformat(value))
    if name == "field":
        return Industry(value).label
    if name == "eligible_kinds":
        return "、".join(OrgKind(k).label for k in value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)
