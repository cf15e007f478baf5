"""The bureau's integrity list (科研诚信记录): who may not bid, why, and until when."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from .. import db
from ..accounts.models import Organisation, Role, User
from ..errors import ValidationFailed
from ..security import roles_required
from . import services
from .blueprint import bp
from .models import IntegrityRecord


def _records():
    return (
        db.session()
        .exec(
            select(IntegrityRecord, Organisation.name, User.name)
            .outerjoin(Organisation, Organisation.id == IntegrityRecord.organisation_id)
            .outerjoin(User, User.id == IntegrityRecord.user_id)
            .order_by(IntegrityRecord.id.desc())
        )
        .all()
    )


@bp.route("/staff/integrity", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def integrity():
    raw = {k: request.form.get(k, "") for k in ("subject", "reason", "restricted_until")}
    errors: dict = {}
    if request.method == "POST":
        subject = raw["subject"].strip()
        org_id = user_id = None
        if subject.startswith("org:") and subject[4:].isdigit():
            org_id = int(subject[4:])
        elif subject.startswith("user:") and subject[5:].isdigit():
            user_id = int(subject[5:])
        try:
            until = date.fromisoformat(raw["restricted_until"])
        except ValueError:
            errors["restricted_until"] = [_("请填写限制截止日期，例如 2027-06-30。")]
        if not errors:
            try:
                services.add_integrity_record(
                    actor=current_user,
                    reason=raw["reason"],
                    restricted_until=until,
                    organisation_id=org_id,
                    user_id=user_id,
                )
            except ValidationFailed as exc:
                errors = exc.field_errors
            else:
                flash(_("已记入科研诚信记录。"), "success")
                return redirect(url_for("bids.integrity"))
    s = db.session()
    return render_template(
        "bids/integrity.html",
        records=_records(),
        orgs=s.exec(select(Organisation).order_by(Organisation.name)).all(),
        people=s.exec(select(User).where(User.role == Role.RESEARCHER).order_by(User.name)).all(),
        raw=raw,
        errors=errors,
        today=services._today(),
    ), (422 if errors else 200)
