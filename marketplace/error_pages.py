"""The web's error pages: every HTTP error and domain exception mapped to a localized page.

A form refused for its expired token comes back filled in (``forms.refill``), and a refusal for
too many requests says when to try again (``security.retry_notice``), which is why this lives in
the web layer and not beside the domain errors in ``errors``.
"""

from __future__ import annotations

from flask import Flask, current_app, flash, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .errors import DomainError, error_response, wants_json
from .forms import refill
from .security import retry_notice


def _issued_here(token: str | None) -> bool:
    """Whether a form token carries this site's signature, however old it is, and whichever
    earlier session of the browser it came from. A missing or forged token does not."""
    if not token:
        return False
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    try:
        URLSafeTimedSerializer(secret, salt="wtf-csrf-token").loads(token)
    except BadData:
        return False
    return True


def _form_again():
    """The refused form's page again, filled with what was posted and a request to send it
    once more; None when there is no such page to show.

    A token expires while a form is being filled (or the person logged in again in another
    tab); answering with a bare error page lost everything typed. Nothing is done with the
    posted data: the page is rendered by the same URL's GET view, with the request's method
    set to GET for the time of the call, and only then filled in. The fresh token on it is
    what makes the next submission count. Only a token this site signed earns the refill,
    so a forged cross-site post cannot put its own values into a page shown to a user; and
    since the session cookie is SameSite=Lax such a post arrives logged out anyway.
    """
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if request.method != "POST" or wants_json() or not _issued_here(request.form.get(field)):
        return None
    try:
        endpoint, args = current_app.url_map.bind_to_environ(request.environ).match(
            request.path, method="GET"
        )
    except HTTPException:
        return None
    message = _("表单已过期，内容尚未保存。您填写的内容保留在下方，请核对后重新提交。")
    flash(message, "error")
    request.method = "GET"
    try:
        resp = current_app.make_response(current_app.view_functions[endpoint](**args))
    except (HTTPException, DomainError):
        resp = None
    finally:
        request.method = "POST"
    if resp is None or resp.status_code != 200 or resp.mimetype != "text/html":
        flashes = session.get("_flashes") or []
        if flashes and flashes[-1] == ("error", message):  # not shown: the page was not made
            session["_flashes"] = flashes[:-1]
        return None
    page = refill(resp.get_data(as_text=True), request.form, action=request.path, keep={field})
    resp.set_data(page)
    resp.status_code = 400
    return resp


def register_error_handlers(app: Flask) -> None:
    """Map HTTP errors and domain exceptions to localized pages."""

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return _form_again() or error_response(
            400, _("表单已过期或来源无法验证，请返回刷新页面后重新提交。")
        )

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        headers = {"Retry-After": "5"} if exc.status == 503 else None
        return error_response(exc.status, exc.message, headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        headers = {}
        if status == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods)
        custom = exc.description if getattr(exc, "localized", False) else None
        if status == 429:
            seconds, custom = retry_notice()
            headers["Retry-After"] = str(seconds)
        if status == 503:
            headers["Retry-After"] = "5"
        return error_response(status, custom, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
            return error_response(503, headers={"Retry-After": "5"})
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
