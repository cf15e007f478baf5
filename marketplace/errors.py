"""Domain exceptions raised by services, and the one place that maps them to responses."""

from __future__ import annotations

from flask import (
    Flask,
    current_app,
    flash,
    jsonify,
    make_response,
    render_template,
    request,
    session,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base of the errors a service raises for a user to read."""

    status = 400
    default_message = lazy_gettext("请求无法完成。")

    def __init__(self, message: str | None = None, *, field_errors: dict | None = None):
        super().__init__(message or str(self.default_message))
        self.message = message or str(self.default_message)
        self.field_errors = field_errors or {}


class PermissionDenied(DomainError):
    status = 403
    default_message = lazy_gettext("您没有权限执行此操作。")


class NotFound(DomainError):
    status = 404
    default_message = lazy_gettext("您要找的内容不存在。")


class InvalidTransition(DomainError):
    status = 409
    default_message = lazy_gettext("当前状态下不能执行此操作，页面可能已过期，请刷新后重试。")


class Conflict(DomainError):
    status = 409
    default_message = lazy_gettext("数据已被他人修改，请刷新后重试。")


class ValidationFailed(DomainError):
    status = 422
    default_message = lazy_gettext("提交的内容有误，请按提示修改。")


class DatabaseBusy(DomainError):
    status = 503
    default_message = lazy_gettext("系统繁忙，请稍后重试。")


def _titles() -> dict[int, str]:
    return {
        400: _("请求有误"),
        403: _("无权访问"),
        404: _("页面不存在"),
        405: _("请求方法不允许"),
        409: _("操作冲突"),
        413: _("上传内容过大"),
        422: _("内容无法处理"),
        429: _("请求过于频繁"),
        500: _("服务器内部错误"),
        503: _("服务暂不可用"),
    }


def _messages() -> dict[int, str]:
    return {
        400: _("请求格式不正确，请检查后重试。"),
        403: _("您没有权限访问此页面。如需访问，请联系科技局管理员。"),
        404: _("您要找的页面不存在，可能已被删除或链接有误。"),
        405: _("此页面不支持该请求方法。"),
        409: _("操作与当前状态冲突，请刷新页面后重试。"),
        413: _("上传的内容超过了允许的大小：每个附件不能超过 %(mb)s MB。", mb=_attachment_mb()),
        422: _("提交的内容无法处理，请检查后重试。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("服务器出现错误，我们已记录此问题。请稍后重试。"),
        503: _("系统正忙，请稍后重试。"),
    }


def _attachment_mb() -> str:
    # The limit a person can act on is the attachment's (ATTACHMENT_MAX_BYTES); the request
    # limit above it (MAX_CONTENT_LENGTH) only leaves room for the multipart framing.
    size = current_app.config.get("ATTACHMENT_MAX_BYTES") or 0
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, message: str | None = None, headers: dict | None = None):
    """Render the localized error page (or JSON) for ``status``."""
    title = _titles().get(status, _("出错了"))
    text = message or _messages().get(status, title)
    if _wants_json():
        resp = jsonify(error={"status": status, "title": title, "message": text})
        resp.status_code = status
    else:
        page = render_template("errors/error.html", status=status, title=title, message=text)
        resp = make_response(page, status)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


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
    from .forms import refill

    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if request.method != "POST" or _wants_json() or not _issued_here(request.form.get(field)):
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
            from .security import retry_notice

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
