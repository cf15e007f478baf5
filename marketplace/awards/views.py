"""Pages of the award: the public notices (公示), objections, and staff's proposal and decisions."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db, uploads
from ..accounts.models import Role
from ..challenges.models import Challenge
from ..errors import InvalidTransition, PermissionDenied, ValidationFailed
from ..security import roles_required
from . import queries, services
from .blueprint import bp
from .models import Award, AwardKind, Objection, ObjectionAttachment, ObjectionStatus
from .schemas import MAX_RACERS, parse_proposal

EVIDENCE_KIND = "objections"


def _award_or_404(award_id: int) -> Award:
    award = db.session().get(Award, award_id)
    if award is None:
        abort(404)
    return award


def _challenge_or_404(challenge_id: int) -> Challenge:
    challenge = db.session().get(Challenge, challenge_id)
    if challenge is None:
        abort(404)
    return challenge


# --- public -----------------------------------------------------------------------------------


@bp.get("/notices")
def notices():
    s = db.session()
    return render_template(
        "awards/notices.html",
        awards=queries.public_awards(s),
        failures=queries.public_failures(s),
    )


def _notice(award: Award, *, raw=None, errors=None, status: int = 200):
    s = db.session()
    return render_template(
        "awards/notice.html",
        notice=queries.notice(s, award, show_panel=current_app.config["NOTICE_SHOW_PANEL"]),
        blocker=services.objection_blocker(s, current_user),
        in_window=services.in_window(award),
        own=queries.own_objections(s, award.id, current_user),
        raw=raw or {},
        errors=errors or {},
    ), status


@bp.get("/notices/<int:award_id>")
def notice(award_id: int):
    return _notice(_award_or_404(award_id))


@bp.post("/notices/<int:award_id>/objections")
def file_objection(award_id: int):
    award = _award_or_404(award_id)
    # Resolved here, in the read session: loaded lazily inside the write transaction, the user
    # would leave with it when a refusal rolls it back.
    actor = current_user._get_current_object()
    raw = {"reasons": request.form.get("reasons", "")}
    upload = request.files.get("file")

    def attach(stored=None):
        return services.file_objection(
            actor=actor, award_id=award.id, reasons=raw["reasons"], stored=stored
        )

    try:
        if upload is not None and upload.filename:
            uploads.receive(upload, kind=EVIDENCE_KIND, attach=attach)
        else:
            attach()
    except ValidationFailed as exc:
        return _notice(award, raw=raw, errors=exc.field_errors or {"_form": [exc.message]},
                       status=422)  # fmt: skip
    except (PermissionDenied, InvalidTransition) as exc:
        # Refused (anonymous, no real name, window over): the notice again, saying why.
        return _notice(award, raw=raw, errors={"_form": [exc.message]}, status=exc.status)
    flash(_("异议已提交。科技局将核查并答复您；您的身份仅科技局可见。"), "success")
    return redirect(url_for("awards.notice", award_id=award.id))


# --- staff ------------------------------------------------------------------------------------


def _proposal(challenge: Challenge, *, raw=None, errors=None, status: int = 200, fail_raw=None):
    s = db.session()
    return render_template(
        "awards/propose.html",
        c=challenge,
        page=queries.proposal_page(s, challenge),
        kinds=AwardKind.choices(),
        rows=range(MAX_RACERS),
        raw=raw or {"kind": AwardKind.SINGLE.value, "bid_id": [], "amount": []},
        errors=errors or {},
        fail_raw=fail_raw or {},
    ), status


@bp.route("/staff/challenges/<int:challenge_id>/award", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def propose(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    if request.method == "GET":
        return _proposal(challenge)
    raw = {
        "kind": request.form.get("kind", ""),
        "bid_id": request.form.getlist("bid_id"),
        "amount": request.form.getlist("amount"),
        "statement": request.form.get("statement", ""),
    }
    try:
        award = services.propose_award(
            actor=current_user, challenge_id=challenge.id, data=parse_proposal(raw)
        )
    except ValidationFailed as exc:
        return _proposal(challenge, raw=raw, errors=exc.field_errors or {"_form": [exc.message]},
                         status=422)  # fmt: skip
    flash(_("揭榜结果已提出，公示至 %(day)s。", day=award.last_day.isoformat()), "success")
    return redirect(url_for("awards.staff_award", award_id=award.id))


@bp.post("/staff/challenges/<int:challenge_id>/fail")
@roles_required(Role.STAFF)
def fail(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    try:
        services.fail_challenge(
            actor=current_user, challenge_id=challenge.id, reason=request.form.get("reason", "")
        )
    except ValidationFailed as exc:
        fail_raw = {"reason": request.form.get("reason", "")}
        return _proposal(challenge, errors=exc.field_errors, status=422, fail_raw=fail_raw)
    flash(_("已流榜，理由已公开。"), "success")
    return redirect(url_for("awards.notices"))


@bp.get("/staff/awards/<int:award_id>")
@roles_required(Role.STAFF)
def staff_award(award_id: int):
    s = db.session()
    award = _award_or_404(award_id)
    return render_template(
        "awards/staff_award.html",
        notice=queries.notice(s, award, show_panel=True),
        objections=queries.objections_for_staff(s, award.id),
        warnings=queries.window_warnings(award),
        open_count=services.open_objections(s, award.id),
        window_passed=db.utcnow() >= award.ends_at,
    )


@bp.post("/staff/awards/<int:award_id>/confirm")
@roles_required(Role.STAFF)
def confirm(award_id: int):
    award = _award_or_404(award_id)
    project = services.confirm_award(actor=current_user, award_id=award.id)
    flash(_("揭榜结果已确认，项目 %(no)s 已创建。", no=project.number), "success")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.post("/staff/awards/<int:award_id>/revoke")
@roles_required(Role.STAFF)
def revoke(award_id: int):
    award = _award_or_404(award_id)
    services.revoke_award(actor=current_user, award_id=award.id, reason=request.form.get("reason"))
    flash(_("揭榜结果已撤销，榜单退回评审。"), "success")
    return redirect(url_for("awards.staff_award", award_id=award.id))


@bp.post("/staff/objections/<int:objection_id>/resolve")
@roles_required(Role.STAFF)
def resolve(objection_id: int):
    objection = db.session().get(Objection, objection_id)
    if objection is None:
        abort(404)
    try:
        decision = ObjectionStatus(request.form.get("decision", ""))
    except ValueError:
        decision = ObjectionStatus.FILED
    if decision is ObjectionStatus.FILED:
        raise ValidationFailed(_("请选择异议成立或不成立。"))
    services.resolve_objection(
        actor=current_user,
        objection_id=objection.id,
        upheld=decision is ObjectionStatus.UPHELD,
        resolution=request.form.get("resolution", ""),
    )
    flash(_("异议已处理，已告知异议人。"), "success")
    return redirect(url_for("awards.staff_award", award_id=objection.award_id))


@bp.get("/staff/objections/<int:objection_id>/evidence/<int:attachment_id>")
@roles_required(Role.STAFF)
def evidence(objection_id: int, attachment_id: int):
    row = db.session().get(ObjectionAttachment, attachment_id)
    if row is None or row.objection_id != objection_id:
        abort(404)
    return uploads.send_attachment(EVIDENCE_KIND, row.stored_name, row.original_name)


# --- the issuer -------------------------------------------------------------------------------


@bp.post("/challenges/<int:challenge_id>/repost")
@roles_required(Role.ENTERPRISE)
def repost(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    draft = services.repost_challenge(actor=current_user, challenge_id=challenge.id)
    flash(_("已按原榜单生成新的草稿，请设置新的揭榜截止时间后提交审核。"), "success")
    return redirect(url_for("challenges.edit", challenge_id=draft.id))


@bp.app_template_global("award_panel")
def award_panel(challenge: Challenge) -> dict:
    """What the challenge page shows of its outcome: the notice, the 流榜 reason, re-posting."""
    s = db.session()
    return {
        "award": services.live_award(s, challenge.id),
        "failure": services.failure_of(s, challenge.id),
        "can_repost": services.can_repost(current_user, challenge),
    }
