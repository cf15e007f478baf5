"""Pages of milestones: a milestone with its reports and the actions of each party, the
extension page, 验收 and 决算, termination, and the evidence downloads."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db, uploads
from ..errors import ValidationFailed
from ..parsing import parse_int
from ..security import login_required
from ..units import Unreadable, wan_to_fen
from . import acceptance as acc
from . import milestone_queries as q
from . import milestone_schedule as schedule
from . import milestones as svc
from .access import can_view
from .blueprint import bp
from .milestone_models import (
    Extension,
    ExtensionStatus,
    Milestone,
    MilestoneReport,
    NotPassedGround,
    ReportAttachment,
    Verdict,
)
from .models import CLOSED, FundingMode, Project, ProjectStatus


def _visible_project(project_id: int) -> Project:
    s = db.session()
    project = s.get(Project, project_id)
    if project is None or not can_view(s, current_user, project):
        abort(404)
    return project


def _visible_milestone(milestone_id: int) -> tuple[Milestone, Project]:
    milestone = db.session().get(Milestone, milestone_id)
    if milestone is None:
        abort(404)
    return milestone, _visible_project(milestone.project_id)


def _errors(exc: ValidationFailed) -> dict:
    return exc.field_errors or {"_form": [exc.message]}


def _roles(s, project: Project) -> dict:
    user = current_user._get_current_object()
    return {
        "is_staff": user.is_staff,
        "is_team": svc.is_team(s, user, project),
        "is_issuer": svc.is_issuer(s, user, project),
        "running": project.status in svc.RUNNING,
    }


@bp.app_template_global("milestone_panel")
def milestone_panel(project: Project) -> dict:
    """What ``projects/_milestones.html`` shows on the project page."""
    s = db.session()
    today = q.today()
    rows = []
    for m in q.milestones_of(s, project.id):
        rows.append({"m": m, "overdue": q.is_overdue(m, today), "report": q.latest_report(s, m.id)})
    return {
        "rows": rows,
        "extensions": q.extensions_of(s, project.id),
        "versions": q.plan_versions(s, project.id),
        "acceptances": q.acceptances_of(s, project.id),
        **_roles(s, project),
    }


# --- a milestone and its reports ---------------------------------------------------------------


def _milestone_page(milestone: Milestone, project: Project, *, raw=None, errors=None,
                    status: int = 200):  # fmt: skip
    s = db.session()
    return render_template(
        "projects/milestone.html",
        **q.milestone_page(s, milestone),
        project=project,
        max_files=svc.MAX_EVIDENCE,
        raw=raw or {},
        errors=errors or {},
        **_roles(s, project),
    ), status


@bp.get("/projects/milestones/<int:milestone_id>")
@login_required
def milestone(milestone_id: int):
    return _milestone_page(*_visible_milestone(milestone_id))


def _store_all(files) -> list[uploads.StoredFile]:
    stored: list[uploads.StoredFile] = []
    try:
        for upload in files:
            if upload is not None and upload.filename:
                stored.append(uploads.store_pdf(upload, kind=svc.EVIDENCE_KIND))
    except BaseException:
        _discard(stored)
        raise
    return stored


def _discard(stored: list[uploads.StoredFile]) -> None:
    for f in stored:
        uploads.discard(svc.EVIDENCE_KIND, f.stored_name)


@bp.post("/projects/milestones/<int:milestone_id>/report")
@login_required
def report_milestone(milestone_id: int):
    milestone, project = _visible_milestone(milestone_id)
    actor = current_user._get_current_object()
    raw, values = q.report_form(request.form)
    stored: list[uploads.StoredFile] = []
    try:
        stored = _store_all(request.files.getlist("file"))
        svc.report_milestone(
            actor=actor,
            milestone_id=milestone.id,
            delivered=raw.get("delivered", ""),
            values=values,
            evidence=stored,
        )
    except ValidationFailed as exc:
        _discard(stored)
        return _milestone_page(milestone, project, raw=raw, errors=_errors(exc), status=422)
    except BaseException:
        _discard(stored)
        raise
    flash(_("里程碑报告已提交，等待企业确认。"), "success")
    return redirect(url_for("projects.milestone", milestone_id=milestone.id))


def _decide(milestone_id: int, call, done: str):
    """A POST that calls one service on the milestone; bad input re-renders the page."""
    milestone, project = _visible_milestone(milestone_id)
    try:
        call(current_user._get_current_object(), milestone.id)
    except ValidationFailed as exc:
        raw = dict(request.form.items())
        return _milestone_page(milestone, project, raw=raw, errors=_errors(exc), status=422)
    flash(done, "success")
    return redirect(url_for("projects.milestone", milestone_id=milestone.id))


@bp.post("/projects/milestones/<int:milestone_id>/sign-off")
@login_required
def sign_off(milestone_id: int):
    comment = request.form.get("comment", "")
    return _decide(
        milestone_id,
        lambda actor, mid: svc.sign_off_report(actor=actor, milestone_id=mid, comment=comment),
        _("已确认里程碑报告，提交科技局审核。"),
    )


@bp.post("/projects/milestones/<int:milestone_id>/return")
@login_required
def return_report(milestone_id: int):
    comment = request.form.get("comment", "")
    return _decide(
        milestone_id,
        lambda actor, mid: svc.return_report(actor=actor, milestone_id=mid, comment=comment),
        _("报告已退回揭榜方。"),
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@bp.post("/projects/milestones/<int:milestone_id>/inspection")
@login_required
def inspect(milestone_id: int):
    form = request.form
    return _decide(
        milestone_id,
        lambda actor, mid: svc.record_inspection(
            actor=actor,
            milestone_id=mid,
            inspected_on=_date(form.get("inspected_on")),
            inspectors=form.get("inspectors", ""),
            findings=form.get("findings", ""),
        ),
        _("现场考察已记录。"),
    )


@bp.post("/projects/milestones/<int:milestone_id>/review")
@login_required
def review_milestone(milestone_id: int):
    form = request.form
    passed = q.review_decision(form)
    if passed is None:
        milestone, project = _visible_milestone(milestone_id)
        if not current_user.is_staff:
            abort(403)
        errors = {"decision": [_("请选择审核结论。")]}
        return _milestone_page(milestone, project, raw=dict(form.items()), errors=errors,
                               status=422)  # fmt: skip
    return _decide(
        milestone_id,
        lambda actor, mid: svc.review_milestone(
            actor=actor,
            milestone_id=mid,
            passed=passed,
            comment=form.get("comment", ""),
            team_at_fault=form.get("team_at_fault") == "1",
        ),
        _("审核结论已记录。"),
    )


@bp.get("/projects/report-attachments/<int:attachment_id>")
@login_required
def report_attachment(attachment_id: int):
    s = db.session()
    attachment = s.get(ReportAttachment, attachment_id)
    if attachment is None:
        abort(404)
    report = s.get(MilestoneReport, attachment.report_id)
    _visible_milestone(report.milestone_id)
    return uploads.send_attachment(
        svc.EVIDENCE_KIND, attachment.stored_name, attachment.original_name
    )


# --- extension ----------------------------------------------------------------------------------


def _extension_page(project: Project, *, raw=None, errors=None, status: int = 200):
    s = db.session()
    return render_template(
        "projects/milestone_extension.html",
        project=project,
        extensions=q.extensions_of(s, project.id),
        versions=q.plan_versions(s, project.id),
        max_months=schedule.max_extension_months(),
        raw=raw or {},
        errors=errors or {},
        **_roles(s, project),
    ), status


@bp.route("/projects/<int:project_id>/extension", methods=["GET", "POST"])
@login_required
def extension(project_id: int):
    project = _visible_project(project_id)
    if request.method == "GET":
        return _extension_page(project)
    raw = {"months": request.form.get("months", ""), "reason": request.form.get("reason", "")}
    try:
        schedule.request_extension(
            actor=current_user._get_current_object(),
            project_id=project.id,
            months=parse_int(raw["months"]),
            reason=raw["reason"],
        )
    except ValidationFailed as exc:
        return _extension_page(project, raw=raw, errors=_errors(exc), status=422)
    flash(_("延期申请已提交，等待科技局审批。"), "success")
    return redirect(url_for("projects.extension", project_id=project.id))


@bp.post("/projects/extensions/<int:extension_id>/decide")
@login_required
def decide_extension(extension_id: int):
    extension = db.session().get(Extension, extension_id)
    if extension is None:
        abort(404)
    project = _visible_project(extension.project_id)
    decision = request.form.get("decision", "")
    raw = {"decision_reason": request.form.get("decision_reason", "")}
    try:
        if decision not in (ExtensionStatus.APPROVED.value, ExtensionStatus.REFUSED.value):
            if not current_user.is_staff:
                abort(403)
            raise ValidationFailed(_("请选择批准或不予批准。"))
        schedule.decide_extension(
            actor=current_user._get_current_object(),
            extension_id=extension.id,
            approve=decision == ExtensionStatus.APPROVED.value,
            reason=raw["decision_reason"],
        )
    except ValidationFailed as exc:
        return _extension_page(project, raw=raw, errors=_errors(exc), status=422)
    flash(_("延期申请已处理。"), "success")
    return redirect(url_for("projects.extension", project_id=project.id))


# --- 验收, 决算, termination ----------------------------------------------------------------------


def _acceptance_page(project: Project, *, raw=None, errors=None, status: int = 200):
    s = db.session()
    return render_template(
        "projects/acceptance.html",
        project=project,
        indicators=q.indicators_of(s, project.id),
        acceptances=q.acceptances_of(s, project.id),
        account=q.final_account_of(s, project.id),
        blocker=acc.acceptance_blocker(s, project),
        lump_sum=project.funding_mode is FundingMode.LUMP_SUM,
        grounds=NotPassedGround.choices(),
        verdicts=acc.verdicts_for(project),
        closed=project.status in CLOSED,
        raw=raw or {},
        errors=errors or {},
        **_roles(s, project),
    ), status


@bp.get("/projects/<int:project_id>/acceptance")
@login_required
def acceptance(project_id: int):
    return _acceptance_page(_visible_project(project_id))


def _on_acceptance_page(project_id: int, call, done: str):
    project = _visible_project(project_id)
    try:
        call(current_user._get_current_object(), project.id)
    except ValidationFailed as exc:
        raw = {k: request.form.getlist(k) if k == "grounds" else v
               for k, v in request.form.items()}  # fmt: skip
        return _acceptance_page(project, raw=raw, errors=_errors(exc), status=422)
    flash(done, "success")
    return redirect(url_for("projects.acceptance", project_id=project.id))


@bp.post("/projects/<int:project_id>/acceptance/start")
@login_required
def start_acceptance(project_id: int):
    return _on_acceptance_page(
        project_id,
        lambda actor, pid: acc.start_acceptance(actor=actor, project_id=pid),
        _("验收已启动。"),
    )


def _read_verdict() -> tuple[Verdict | None, dict, list[NotPassedGround]]:
    form = request.form
    try:
        verdict = Verdict(form.get("verdict", ""))
    except ValueError:
        verdict = None
    results = {}
    for key in form:
        if key.startswith("value_"):
            ident = key.removeprefix("value_")
            met = form.get(f"met_{ident}")
            results[ident] = {
                "value": form.get(key, ""),
                "met": True if met == "1" else False if met == "0" else None,
            }
    grounds = []
    for value in form.getlist("grounds"):
        try:
            grounds.append(NotPassedGround(value))
        except ValueError:
            continue
    return verdict, results, grounds


@bp.post("/projects/<int:project_id>/acceptance/judge")
@login_required
def judge_acceptance(project_id: int):
    verdict, results, grounds = _read_verdict()
    reason = request.form.get("reason", "")

    def call(actor, pid):
        project = db.session().get(Project, pid)
        judge = (
            acc.judge_rectification
            if project.status is ProjectStatus.RECTIFYING
            else acc.judge_acceptance
        )
        return judge(actor=actor, project_id=pid, verdict=verdict, results=results,
                     reason=reason, grounds=grounds)  # fmt: skip

    return _on_acceptance_page(project_id, call, _("验收结论已记录。"))


@bp.post("/projects/<int:project_id>/final-account")
@login_required
def final_account(project_id: int):
    form = request.form

    def call(actor, pid):
        try:
            spent = wan_to_fen(form.get("spent", ""))
        except (Unreadable, ValueError):
            spent = None
        return acc.file_final_account(
            actor=actor, project_id=pid, spent_fen=spent, statement=form.get("statement", "")
        )

    return _on_acceptance_page(project_id, call, _("决算已提交。"))


@bp.post("/projects/<int:project_id>/terminate")
@login_required
def terminate(project_id: int):
    form = request.form
    return _on_acceptance_page(
        project_id,
        lambda actor, pid: svc.terminate_project(
            actor=actor,
            project_id=pid,
            reason=form.get("reason", ""),
            team_at_fault=form.get("team_at_fault") == "1",
        ),
        _("项目已终止。"),
    )
