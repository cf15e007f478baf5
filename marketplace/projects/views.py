"""Project pages: the public list, the project page, the 任务书 (edit, print, PDF, confirm),
the one plan adjustment and the 赛马 stage review."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..accounts.models import Role
from ..errors import ValidationFailed
from ..forms import edit_flow
from ..pagination import page_arg
from ..parsing import parse_id, parse_int
from ..security import login_required, roles_required
from . import pdf, queries, race, services, taskbook
from .access import can_view
from .blueprint import bp
from .models import Project, ProjectStatus


def _project_or_404(project_id: int) -> Project:
    s = db.session()
    project = s.get(Project, project_id)
    if project is None or not can_view(s, current_user, project):
        abort(404)
    return project


@bp.get("/projects")
def public_list():
    page = queries.public_projects(db.session(), page=page_arg())
    return render_template("projects/list.html", page=page)


@bp.get("/projects/<int:project_id>")
@login_required
def detail(project_id: int):
    s = db.session()
    project = _project_or_404(project_id)
    return render_template(
        "projects/detail.html",
        **queries.project_page(s, project, current_user),
        timeline=queries.timeline(s, project),
    )


def _task_book_context(project: Project) -> dict:
    return queries.project_page(db.session(), project, current_user)


@bp.get("/projects/<int:project_id>/task-book")
@login_required
def task_book(project_id: int):
    project = _project_or_404(project_id)
    return render_template("projects/task_book.html", **_task_book_context(project), printable=True)


@bp.get("/projects/<int:project_id>/task-book.pdf")
@login_required
def task_book_pdf(project_id: int):
    project = _project_or_404(project_id)
    html = render_template(
        "projects/task_book.html", **_task_book_context(project), printable=True, for_pdf=True
    )
    body = pdf.render_pdf(html)
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{project.number}.pdf"'},
    )


@bp.post("/projects/<int:project_id>/task-book/confirm")
@login_required
def confirm_task_book(project_id: int):
    project = _project_or_404(project_id)
    version = parse_int(request.form.get("version"), minimum=0) or 0
    project = taskbook.confirm_task_book(
        actor=current_user._get_current_object(), project_id=project.id, version=version
    )
    if project.status is ProjectStatus.ACTIVE:
        flash(_("三方均已确认，任务书生效，项目开始执行。"), "success")
    else:
        flash(_("您已确认第 %(v)d 版任务书。", v=project.task_book_version), "success")
    return redirect(url_for("projects.detail", project_id=project.id))


def _read_task_book(form) -> dict:
    return {key: form.get(key, "") for key in form}


@bp.route("/projects/<int:project_id>/task-book/edit", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def edit_task_book(project_id: int):
    project = _project_or_404(project_id)
    context = _task_book_context(project)

    def render(*, raw, errors, status):
        return render_template(
            "projects/task_book_form.html",
            **context,
            **queries.task_book_choices(),
            raw=raw,
            errors=errors,
        ), status

    def save(raw):
        return taskbook.save_task_book(
            actor=current_user._get_current_object(),
            project_id=project.id,
            raw=raw,
            expected_version=parse_int(raw.get("version"), minimum=0) or 0,
        )

    return edit_flow(
        render=render,
        initial=lambda: queries.task_book_form(context),
        read=_read_task_book,
        save=save,
        done=lambda p: redirect(url_for("projects.task_book", project_id=p.id)),
        saved=_("任务书已保存为新版本，此前的确认已失效，请各方重新确认。"),
    )


@bp.route("/projects/<int:project_id>/plan/adjust", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def adjust_plan(project_id: int):
    s = db.session()
    project = _project_or_404(project_id)
    context = _task_book_context(project)
    leader = context["leader"]

    def render(*, raw, errors, status):
        return render_template(
            "projects/plan_adjust.html",
            **context,
            raw=raw,
            errors=errors,
            issuer_options=[(str(u.id), u.name) for u in race.issuer_people(s, project)],
            team_options=[(str(leader.id), leader.name)] if leader else [],
        ), status

    def save(raw):
        changes = {}
        for m in context["milestones"]:
            try:
                due_on = date.fromisoformat(raw.get(f"due_on_{m.id}", ""))
            except ValueError as exc:
                raise ValidationFailed(
                    _("到期日期格式应为 YYYY-MM-DD。"),
                    field_errors={"milestones": [_("到期日期格式应为 YYYY-MM-DD。")]},
                ) from exc
            changes[m.id] = (raw.get(f"deliverable_{m.id}", ""), due_on)
        return taskbook.adjust_plan(
            actor=current_user._get_current_object(),
            project_id=project.id,
            changes=changes,
            reason=raw.get("reason", ""),
            issuer_agreed_by=parse_id(raw.get("issuer_agreed_by")),
            team_agreed_by=parse_id(raw.get("team_agreed_by")),
        )

    return edit_flow(
        render=render,
        initial=lambda: queries.plan_form(context),
        read=_read_task_book,
        save=save,
        done=lambda v: redirect(url_for("projects.detail", project_id=project.id)),
        saved=_("里程碑计划已调整，双方同意已记录。"),
    )


@bp.post("/projects/<int:project_id>/race/decide")
@roles_required(Role.STAFF)
def decide_race(project_id: int):
    """Staff pick this racing project as the 赛马 winner (the others close)."""
    project = _project_or_404(project_id)
    winner = race.decide_race(
        actor=current_user._get_current_object(),
        award_id=project.award_id,
        winner_project_id=project.id,
        reason=request.form.get("reason", ""),
    )
    flash(_("阶段评审结果已记录：项目 %(no)s 胜出，获得余下经费。", no=winner.number), "success")
    return redirect(url_for("projects.detail", project_id=winner.id))


@bp.app_template_global("project_of_award")
def project_of_award_global(award_id: int):
    """The project a confirmed award became (None before confirmation)."""
    return services.project_of_award(db.session(), award_id)


@bp.app_template_global("projects_of_award")
def projects_of_award_global(award_id: int):
    """Every project a confirmed award became (one per awarded team)."""
    return services.projects_of_award(db.session(), award_id)
