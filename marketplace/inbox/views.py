"""Each user's e-mail choices per kind of notification, and sending after the response."""

from __future__ import annotations

from functools import partial

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from .. import notifications as store
from ..security import login_required
from . import delivery
from .blueprint import bp


@bp.after_app_request
def _send_queued_mail(response):
    # A request that notified sends its mail after the response has gone out: the user never
    # waits for (or sees an error from) the SMTP server; what fails here `tick` retries.
    if request.environ.pop(store.MAIL_QUEUED_KEY, False) and current_app.config.get(
        "MAIL_SEND_AFTER_REQUEST"
    ):
        response.call_on_close(
            partial(delivery.send_after_response, current_app._get_current_object())
        )
    return response


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "POST":
        store.set_email_choices(user_id=current_user.id, enabled=request.form.getlist("email"))
        flash(_("邮件提醒设置已保存。"), "success")
        return redirect(url_for("inbox.settings"), 303)
    return render_template(
        "inbox/settings.html",
        choices=store.email_choices(db.session(), current_user.id),
        mail_on=bool(current_app.config.get("MAIL_SERVER")),
    )
