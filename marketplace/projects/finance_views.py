"""Finance pages: staff's view across projects, a project's ledger, receipts, releases, reversals.

Parties of a project read its funds on the project page (the ``project_funds`` global feeds
``templates/projects/_funds.html``); only staff act.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..accounts.models import Role
from ..challenges.access import is_staff
from ..challenges.models import Industry
from ..errors import Conflict, InvalidTransition, ValidationFailed
from ..parsing import parse_id, parse_int
from ..security import roles_required
from ..units import Unreadable, wan_to_fen
from ..urls import safe_next
from . import ledger, ledger_queries
from .blueprint import bp
from .ledger_models import Tranche, TrancheStatus
from .models import FundingSource, Project

REFUSED = (ValidationFailed, InvalidTransition, Conflict)


def _project_or_404(project_id: int) -> Project:
    project = db.session().get(Project, project_id)
    if project is None:
        abort(404)
    return project


def _fen(raw: str) -> int | None:
    try:
        return wan_to_fen(raw)
    except (Unreadable, ValueError):
        return None


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def new_key() -> str:
    """The idempotency key a release button carries: one per rendering of the page."""
    return uuid.uuid4().hex


@bp.app_template_global("project_funds")
def project_funds(project: Project) -> dict:
    """What ``_funds.html`` shows (the caller has checked the reader may see the project)."""
    return {
        "funds": ledger_queries.funds(db.session(), project.id),
        "can_act": is_staff(current_user),
        "new_key": new_key,
        "sources": ledger.SOURCES,
    }


def _ledger_page(project: Project, *, raw=None, errors=None, status: int = 200):
    s = db.session()
    return render_template(
        "projects/finance_ledger.html",
        project=project,
        movements=ledger_queries.movements(s, project.id),
        reversible=ledger.REVERSIBLE,
        raw=raw or {},
        errors=errors or {},
        today=ledger._today().isoformat(),
    ), status


def _refused(project: Project, exc, raw: dict):
    return _ledger_page(
        project, raw=raw, errors=exc.field_errors or {"_form": [exc.message]}, status=exc.status
    )


def _back(project: Project):
    return redirect(
        safe_next(request.form.get("next"))
        or url_for("projects.ledger_page", project_id=project.id)
    )


@bp.get("/staff/finance")
@roles_required(Role.STAFF)
def finance():
    year = parse_int(request.args.get("year"), minimum=2000, maximum=2100)
    try:
        industry = Industry(request.args.get("industry", ""))
    except ValueError:
        industry = None
    return render_template(
        "projects/finance.html",
        finance=ledger_queries.finance(db.session(), year=year, industry=industry),
        year=year,
        industry=industry,
        industries=list(Industry),
        sources=ledger.SOURCES,
    )


@bp.get("/projects/<int:project_id>/ledger")
@roles_required(Role.STAFF)
def ledger_page(project_id: int):
    return _ledger_page(_project_or_404(project_id))


@bp.post("/projects/<int:project_id>/funds/receipts")
@roles_required(Role.STAFF)
def record_receipt(project_id: int):
    project = _project_or_404(project_id)
    raw = {k: request.form.get(k, "") for k in ("amount", "received_on", "voucher")}
    try:
        ledger.record_receipt(
            actor=current_user._get_current_object(),
            project_id=project.id,
            amount_fen=_fen(raw["amount"]),
            received_on=_day(raw["received_on"]),
            voucher=raw["voucher"],
        )
    except REFUSED as exc:
        return _refused(project, exc, raw)
    flash(_("企业资金到账已记录。"), "success")
    return _back(project)


@bp.post("/projects/<int:project_id>/funds/repayments")
@roles_required(Role.STAFF)
def record_repayment(project_id: int):
    project = _project_or_404(project_id)
    raw = {
        k: request.form.get(k, "") for k in ("source", "repay_amount", "repaid_on", "repay_voucher")
    }
    try:
        source = FundingSource(raw["source"])
    except ValueError:
        msg = _("请选择资金来源。")
        return _refused(project, ValidationFailed(msg, field_errors={"source": [msg]}), raw)
    try:
        ledger.record_repayment(
            actor=current_user._get_current_object(),
            project_id=project.id,
            source=source,
            amount_fen=_fen(raw["repay_amount"]),
            repaid_on=_day(raw["repaid_on"]),
            voucher=raw["repay_voucher"],
        )
    except REFUSED as exc:
        exc.field_errors = {
            {"amount": "repay_amount", "voucher": "repay_voucher"}.get(k, k): v
            for k, v in exc.field_errors.items()
        }
        return _refused(project, exc, raw)
    flash(_("追回到账已记录。"), "success")
    return _back(project)


@bp.post("/projects/<int:project_id>/tranches/<int:tranche_id>/release")
@roles_required(Role.STAFF)
def release(project_id: int, tranche_id: int):
    project = _project_or_404(project_id)
    tranche = db.session().get(Tranche, tranche_id)
    if tranche is None or tranche.project_id != project.id:
        abort(404)
    try:
        ledger.release_tranche(
            actor=current_user._get_current_object(),
            tranche_id=tranche.id,
            idempotency_key=request.form.get("idempotency_key"),
        )
    except REFUSED as exc:
        db.refresh_read_session()
        if db.session().get(Tranche, tranche.id).status is TrancheStatus.RELEASED:
            # Paid by another click (another tab, a colleague): back to the page, which shows it.
            flash(exc.message, "info")
            return _back(project)
        return _refused(project, exc, {})
    flash(_("经费已拨付。"), "success")
    return _back(project)


@bp.post("/projects/<int:project_id>/movements/<int:movement_id>/reverse")
@roles_required(Role.STAFF)
def reverse(project_id: int, movement_id: int):
    project = _project_or_404(project_id)
    if parse_id(movement_id) is None:
        abort(404)
    raw = {f"reason-{movement_id}": request.form.get("reason", "")}
    try:
        ledger.reverse_movement(
            actor=current_user._get_current_object(),
            project_id=project.id,
            movement_id=movement_id,
            reason=request.form.get("reason"),
        )
    except REFUSED as exc:
        if "reason" in exc.field_errors:
            exc.field_errors = {f"reason-{movement_id}": exc.field_errors["reason"]}
        return _refused(project, exc, raw)
    flash(_("已冲正。"), "success")
    return _back(project)
