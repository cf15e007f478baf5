"""Language choice and the display formats (dates in Asia/Shanghai, money in 万元)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from .text import render_markdown

babel = Babel()


def select_locale() -> str:
    """An explicit choice (session, then account) wins; otherwise Chinese."""
    langs = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in langs:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in langs:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def fen_to_wan(fen: int | None) -> str:
    """Integer fen shown as 万元 with two decimals: 1234500000 → '1,234.50'."""
    if fen is None:
        return ""
    wan = (Decimal(int(fen)) / Decimal(1_000_000)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{wan:,.2f}"


def money(fen: int | None) -> str:
    """Money for display with its unit, in the current language."""
    if fen is None:
        return ""
    return _("%(amount)s 万元", amount=fen_to_wan(fen))


def local_datetime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC datetime shown in Asia/Shanghai."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def _utcnow() -> datetime:
    from .db import utcnow

    return utcnow()


def countdown(deadline: datetime | None, now: datetime) -> str:
    """'还剩 12 天 3 小时' until a deadline, or that it has passed (nothing without one)."""
    if deadline is None:
        return ""
    left = deadline - now
    if left.total_seconds() <= 0:
        return _("已截止")
    days, hours = left.days, left.seconds // 3600
    if days:
        return _("还剩 %(d)d 天 %(h)d 小时", d=days, h=hours)
    return _("还剩 %(h)d 小时 %(m)d 分钟", h=hours, m=(left.seconds % 3600) // 60)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["wan"] = fen_to_wan
    app.jinja_env.filters["dt"] = local_datetime
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["countdown"] = countdown
    app.jinja_env.globals["now_utc"] = _utcnow

    @app.context_processor
    def _inject():
        from flask_babel import get_locale

        from . import db
        from .notifications import unread_count

        unread = 0
        if current_user.is_authenticated:
            unread = unread_count(db.session(), current_user.id)
        return {"current_locale": str(get_locale()), "unread_notifications": unread}
