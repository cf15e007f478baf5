"""Integrity pages: the public list, the subject's own records and 信用修复, staff's list."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from .. import db, uploads
from ..accounts.models import Organisation, Role, User
from ..errors import ValidationFailed
from ..security import login_required, roles_required
from . import queries, services
from .blueprint import bp
from .forms import parse_decision, parse_record, raw_from_form
from .models import IntegrityRecord, IntegrityRepair, Measure, RepairStatus


def _record_or_404(record_id: int) -> IntegrityRecord:
    """A record the current user may see; anyone else gets the same 404 as for no record."""
    record = db.session().get(IntegrityRecord, record_id)
    if record is None or not services.can_view(current_user, record):
        abort(404)
    return record


@bp.get("/integrity")
def public_list():
    if not current_app.config["INTEGRITY_PUBLIC_LIST"]:
        abort(404)
    rows = queries.public_restrictions(db.session())
    return render_template("integrity/public.html", rows=rows)


@bp.get("/my/integrity")
@login_required
def mine():
    rows = queries.records_of(db.session(), current_user)
    return render_template("integrity/mine.html", rows=rows)


@bp.route("/my/integrity/<int:record_id>/repair", methods=["GET", "POST"])
@login_required
def repair(record_id: int):
    record = _record_or_404(record_id)
    if not services.is_subject(current_user, record):
        abort(404)
    s = db.session()
    raw = {"statement": request.form.get("statement", "")}
    errors: dict = {}
    if request.method == "POST":
        try:
            uploads.receive(
                request.files.get("file"),
                kind=services.EVIDENCE_KIND,
                attach=lambda stored: services.apply_for_repair(
                    actor=current_user, record_id=record.id, statement=raw["statement"],
                    evidence=stored,
                ),
            )  # fmt: skip
        except ValidationFailed as exc:
            errors = exc.field_errors or {"file": [exc.message]}
        else:
            flash(_("信用修复申请已提交，请等待科技局审核。"), "success")
            return redirect(url_for("integrity.mine"))
    return render_template(
        "integrity/repair.html",
        row=queries.record_row(s, record.id),
        blocker=services.repair_blocker(s, record),
        raw=raw,
        errors=errors,
    ), (422 if errors else 200)


@bp.get("/integrity/repairs/<int:repair_id>/evidence")
@login_required
def evidence(repair_id: int):
    repair = db.session().get(IntegrityRepair, repair_id)
    if repair is None:
        abort(404)
    _record_or_404(repair.record_id)
    return uploads.send_attachment(
        services.EVIDENCE_KIND, repair.evidence_stored_name, repair.evidence_name
    )


# --- staff ----------------------------------------------------------------------------------


def _staff_page(raw: dict, errors: dict, status: int):
    s = db.session()
    people = select(User).where(User.role.in_([Role.RESEARCHER, Role.EXPERT])).order_by(User.name)
    return render_template(
        "integrity/staff.html",
        rows=queries.all_records(s),
        pending=queries.pending_repairs(s),
        orgs=s.exec(select(Organisation).order_by(Organisation.name)).all(),
        people=s.exec(people).all(),
        measures=Measure.choices(),
        years=services.bar_years(),
        raw=raw,
        errors=errors,
        today=services.today(),
    ), status


@bp.route("/staff/integrity", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def staff_records():
    raw = raw_from_form(request.form)
    if request.method == "GET":
        return _staff_page({**raw, "starts_on": services.today().isoformat()}, {}, 200)
    data, errors = parse_record(raw)
    if not errors:
        try:
            services.record_measure(actor=current_user, **data)
        except ValidationFailed as exc:
            errors = exc.field_errors
        else:
            flash(_("已记入科研诚信记录。"), "success")
            return redirect(url_for("integrity.staff_records"))
    return _staff_page(raw, errors, 422)


@bp.route("/staff/integrity/repairs/<int:repair_id>", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def staff_repair(repair_id: int):
    s = db.session()
    repair = s.get(IntegrityRepair, repair_id)
    if repair is None:
        abort(404)
    raw = {"reason": request.form.get("reason", "")}
    errors: dict = {}
    if request.method == "POST":
        try:
            decided = services.decide_repair(
                actor=current_user,
                repair_id=repair.id,
                approve=parse_decision(request.form),
                reason=raw["reason"],
            )
        except ValidationFailed as exc:
            errors = exc.field_errors
        else:
            approved = decided.status is RepairStatus.APPROVED
            flash(
                _("已批准信用修复，限制自今日起解除。") if approved else _("已不予批准。"),
                "success",
            )
            return redirect(url_for("integrity.staff_records"))
    return render_template(
        "integrity/staff_repair.html",
        repair=repair,
        row=queries.record_row(s, repair.record_id),
        applicant=s.get(User, repair.applicant_id),
        raw=raw,
        errors=errors,
    ), (422 if errors else 200)
