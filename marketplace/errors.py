"""Domain exceptions raised by services, and the localized error page (or JSON) for a status.

The handlers that map errors to these pages live in the web layer, ``error_pages``."""

from __future__ import annotations

from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext


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


def wants_json() -> bool:
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
    if wants_json():
        resp = jsonify(error={"status": status, "title": title, "message": text})
        resp.status_code = status
    else:
        page = render_template("errors/error.html", status=status, title=title, message=text)
        resp = make_response(page, status)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp
