"""Integrity pages: the public list, the subject's own records and 信用修复, staff's list."""

from __future__ import annotations

from functools import partial

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db, uploads
from ..accounts import queries as account_queries
from ..accounts.models import Role, User
from ..errors import ValidationFailed
from ..forms import edit_flow, fields_of
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


def _repair_page(record: IntegrityRecord, *, raw: dict, errors: dict, status: int):
    s = db.session()
    return render_template(
        "integrity/repair.html",
        row=queries.record_row(s, record.id),
        blocker=services.repair_blocker(s, record),
        raw=raw,
        errors=errors,
    ), status


@bp.route("/my/integrity/<int:record_id>/repair", methods=["GET", "POST"])
@login_required
def repair(record_id: int):
    record = _record_or_404(record_id)
    if not services.is_subject(current_user, record):
        abort(404)
    return edit_flow(
        render=partial(_repair_page, record),
        initial=lambda: {"statement": ""},
        read=fields_of(["statement"]),
        save=lambda raw: uploads.receive(
            request.files.get("file"),
            kind=services.EVIDENCE_KIND,
            attach=lambda stored: services.apply_for_repair(
                actor=current_user,
                record_id=record.id,
                statement=raw["statement"],
                evidence=stored,
            ),
        ),
        done=lambda _repair: redirect(url_for("integrity.mine")),
        saved=_("信用修复申请已提交，请等待科技局审核。"),
        message_field="file",
    )


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


def _staff_page(*, raw: dict, errors: dict, status: int):
    s = db.session()
    return render_template(
        "integrity/staff.html",
        rows=queries.all_records(s),
        pending=queries.pending_repairs(s),
        orgs=account_queries.all_organisations(s),
        people=account_queries.researchers_and_experts(s),
        measures=Measure.choices(),
        years=services.bar_years(),
        raw=raw,
        errors=errors,
        today=services.today(),
    ), status


@bp.route("/staff/integrity", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def staff_records():
    return edit_flow(
        render=_staff_page,
        initial=lambda: {**raw_from_form(request.form), "starts_on": services.today().isoformat()},
        read=raw_from_form,
        save=lambda raw: services.record_measure(actor=current_user, **_parsed_record(raw)),
        done=lambda _record: redirect(url_for("integrity.staff_records")),
        saved=_("已记入科研诚信记录。"),
    )


def _parsed_record(raw: dict) -> dict:
    """The staff form's fields as the service takes them; refused as the service would be."""
    data, errors = parse_record(raw)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], field_errors=errors)
    return data


def _staff_repair_page(repair: IntegrityRepair, *, raw: dict, errors: dict, status: int):
    s = db.session()
    return render_template(
        "integrity/staff_repair.html",
        repair=repair,
        row=queries.record_row(s, repair.record_id),
        applicant=s.get(User, repair.applicant_id),
        raw=raw,
        errors=errors,
    ), status


@bp.route("/staff/integrity/repairs/<int:repair_id>", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def staff_repair(repair_id: int):
    repair = db.session().get(IntegrityRepair, repair_id)
    if repair is None:
        abort(404)
    return edit_flow(
        render=partial(_staff_repair_page, repair),
        initial=lambda: {"reason": ""},
        read=fields_of(["reason"]),
        save=lambda raw: services.decide_repair(
            actor=current_user,
            repair_id=repair.id,
            approve=parse_decision(request.form),
            reason=raw["reason"],
        ),
        done=lambda _decided: redirect(url_for("integrity.staff_records")),
        saved=lambda decided: (
            _("已批准信用修复，限制自今日起解除。")
            if decided.status is RepairStatus.APPROVED
            else _("已不予批准。")
        ),
    )
