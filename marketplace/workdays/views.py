"""Staff settings: the holiday table (节假日设置) for the years the library does not know yet."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import Role
from ..errors import ValidationFailed
from ..security import roles_required
from . import services
from .blueprint import bp
from .models import DayKind

FIELDS = ("first_day", "last_day", "kind", "name")


@bp.route("/staff/settings/holidays", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def holidays():
    raw = {k: request.form.get(k, "") for k in FIELDS}
    errors: dict = {}
    if request.method == "POST":
        try:
            entry = services.add_holiday_entry(actor=current_user, **raw)
        except ValidationFailed as exc:
            errors = exc.field_errors
        else:
            flash(
                _("已录入：%(name)s（%(kind)s）。", name=entry.name, kind=entry.kind.label),
                "success",
            )
            return redirect(url_for("workdays.holidays"))
    calendar = services.load_calendar()
    return render_template(
        "workdays/holidays.html",
        years=services.entries_by_year(),
        library_range=services.library_range(),
        added_years=services.added_years(calendar=calendar),
        kinds=DayKind.choices(),
        raw=raw,
        errors=errors,
        max_days=services.MAX_ENTRY_DAYS,
    ), (422 if errors else 200)


@bp.route("/staff/settings/holidays/<int:entry_id>/delete", methods=["POST"])
@roles_required(Role.STAFF)
def remove_holiday(entry_id: int):
    entry = services.remove_holiday_entry(actor=current_user, entry_id=entry_id)
    flash(_("已删除：%(name)s（%(kind)s）。", name=entry.name, kind=entry.kind.label), "success")
    return redirect(url_for("workdays.holidays"))
