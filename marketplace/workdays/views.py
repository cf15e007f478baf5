"""Staff settings: the holiday table (节假日设置) for the years the library does not know yet."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import Role
from ..forms import edit_flow, fields_of
from ..security import roles_required
from . import services
from .blueprint import bp
from .models import DayKind

FIELDS = ("first_day", "last_day", "kind", "name")


@bp.route("/staff/settings/holidays", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def holidays():
    return edit_flow(
        render=_holidays_page,
        initial=lambda: dict.fromkeys(FIELDS, ""),
        read=fields_of(FIELDS),
        save=lambda raw: services.add_holiday_entry(actor=current_user, **raw),
        done=lambda _entry: redirect(url_for("workdays.holidays")),
        saved=lambda entry: _(
            "已录入：%(name)s（%(kind)s）。", name=entry.name, kind=entry.kind.label
        ),
    )


def _holidays_page(*, raw: dict, errors: dict, status: int):
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
    ), status


@bp.route("/staff/settings/holidays/<int:entry_id>/delete", methods=["POST"])
@roles_required(Role.STAFF)
def remove_holiday(entry_id: int):
    entry = services.remove_holiday_entry(actor=current_user, entry_id=entry_id)
    flash(_("已删除：%(name)s（%(kind)s）。", name=entry.name, kind=entry.kind.label), "success")
    return redirect(url_for("workdays.holidays"))
