"""Language choice and the display formats (dates in Asia/Shanghai, money in 万元).

Also the templates' cheap lookups (issue 15): ``_()`` in one call, labels per catalogue, and
URLs built once per process instead of a ``url_for`` per link or row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property, lru_cache
from urllib.parse import urlencode

from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, request, session, url_for
from flask.globals import _cv_app
from flask_babel import Babel, Domain, format_datetime, get_locale
from flask_babel import _get_current_context as _babel_context  # where Flask-Babel caches
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from .text import render_markdown
from .units import SHANGHAI, fen_to_wan, money  # noqa: F401  (the |wan filter; money for importers)

DEFAULT_DT_FORMAT = "yyyy-MM-dd HH:mm"


class _RequestDomain(Domain):
    """Flask-Babel's domain, resolving the request's translations once instead of per string.

    Flask-Babel 4 looks up the locale and its catalogue again on every ``gettext`` (a list
    page translates a few hundred strings). The result is kept in the request's Babel
    context under ``babel_translations``: the attribute ``force_locale`` and ``refresh``
    reset, so a forced or refreshed locale still gets its own catalogue.
    """

    def get_translations(self):
        cached = _cached_translations()
        if cached is not None:
            return cached
        ctx = _babel_context()
        if ctx is None:
            return NullTranslations()
        translations = getattr(ctx, "babel_translations", None)
        if translations is None:
            translations = ctx.babel_translations = super().get_translations()
        return translations


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        return _RequestDomain(domain=self.domain)


babel = _Babel()


def _cached_translations():
    """The catalogue cached in Flask-Babel's context, read without its three proxy lookups.

    The same place ``_RequestDomain`` keeps it (``g._flask_babel.babel_translations``, which
    ``force_locale`` and ``refresh`` reset to None); None when nothing is cached yet.
    """
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    ns = app_ctx.g.__dict__.get("_flask_babel")
    return None if ns is None else ns.__dict__.get("babel_translations")


def _translations():
    cached = _cached_translations()
    return cached if cached is not None else babel.domain_instance.get_translations()


def _(string: str, **variables) -> str:
    """``gettext`` straight from the request's catalogue (what Flask-Babel's returns, faster)."""
    s = _translations().ugettext(string)
    return s % variables if variables else s


def per_catalogue(key, build):
    """``build()``, kept on the request's catalogue: computed once per process and language.

    For texts that depend on the language alone (enum labels, a page's fixed label tables).
    The memo lives on the translations object itself, so a refreshed or other catalogue starts
    empty.
    """
    tr = _translations()
    memo = tr.__dict__.get("_mp_memo")
    if memo is None:
        memo = tr.__dict__["_mp_memo"] = {}
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = build()
        return value


_MEMO_MAX = 8192


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables):
    """The templates' ``_()`` and ``gettext()``: Jinja's newstyle gettext, in one call.

    The same result as ``jinja2.ext``'s (Markup when autoescaping, always ``%``-formatted),
    without its two extra context calls; a string without variables is translated once per
    catalogue.
    """
    tr = _translations()
    if not eval_ctx.autoescape:
        return tr.ugettext(string) % variables
    if variables:
        return Markup(tr.ugettext(string)) % variables  # noqa: S704 (the catalogue, as Jinja does)
    memo = tr.__dict__.get("_mp_memo")
    if memo is None:
        memo = tr.__dict__["_mp_memo"] = {}
    rv = memo.get(string)
    if rv is None:
        rv = Markup(tr.ugettext(string)) % {}  # noqa: S704 (as above)
        if len(memo) < _MEMO_MAX:  # templates pass literals; a computed msgid must not grow it
            memo[string] = rv
    return rv


# What werkzeug leaves unescaped in a query string (``werkzeug.urls._urlencode``).
_QUERY_SAFE = "!$'()*,/:;?@"


def query_url(endpoint: str, params) -> str:
    """``url_for(endpoint, **params)`` for an endpoint without path arguments, cheaper.

    The fixed URL (see ``fixed_urls``) and the parameters as werkzeug's router encodes them, in
    their order, None left out: for pages that link to themselves with other filters (a search
    page has dozens of facet links).
    """
    items = [(k, v) for k, v in params.items() if v is not None]
    url = fixed_urls()[endpoint]
    return f"{url}?{urlencode(items, safe=_QUERY_SAFE)}" if items else url


_SENTINEL_BASE = 987654321000


def url_pattern(endpoint: str, *names: str, **fixed) -> tuple[str, ...]:
    """The literal parts of ``url_for(endpoint, …)`` around integer arguments, once per process.

    ``url_pattern('bids.receipt', 'bid_id', 'version')`` gives ``(a, b, c)`` such that
    ``a ~ bid_id ~ b ~ version ~ c`` is ``url_for('bids.receipt', bid_id=…, version=…)`` for
    any integers: a list of a hundred rows pays one ``url_for`` instead of one per row. The
    other arguments (``fixed``) are the same for every row.
    """
    key = (endpoint, names, tuple(sorted(fixed.items())))
    per_root = current_app.extensions.setdefault("mp.url_patterns", {})
    root = request.script_root if has_request_context() else ""
    patterns = per_root.setdefault(root, {})
    parts = patterns.get(key)
    if parts is None:
        sentinels = [str(_SENTINEL_BASE + i) for i in range(len(names))]
        url = url_for(endpoint, **fixed, **dict(zip(names, map(int, sentinels), strict=True)))
        parts, rest = [], url
        for sentinel in sentinels:
            before, found, rest = rest.partition(sentinel)
            if not found or sentinel in rest:
                raise ValueError(f"{endpoint}: {names} do not each appear once, in order")
            parts.append(before)
        parts = patterns[key] = (*parts, rest)
    return parts


def money_text(fen: int | None) -> str:
    """The |money filter: ``units.money`` through the request's catalogue (one per list row)."""
    if fen is None:
        return ""
    return _("%(amount)s 万元", amount=fen_to_wan(fen))


def enum_labels(enum_cls) -> dict:
    """{member: label} of a labelled enum, translated once per catalogue (one per list row)."""
    return per_catalogue(("enum", enum_cls), lambda: {member: member.label for member in enum_cls})


def fixed_urls() -> dict[str, str]:
    """The URLs every page header and footer links to, built once per process.

    ``fixed_urls()['challenges.index']`` is ``url_for('challenges.index')`` and
    ``fixed_urls()['static:css/app.css']`` is ``url_for('static', filename='css/app.css')``
    (hashed names are fixed per process): URLs without request-dependent arguments. Kept per
    app and request script root, the only part of such a URL a request changes.
    """
    per_root = current_app.extensions.setdefault("mp.fixed_urls", {})
    root = request.script_root if has_request_context() else ""
    urls = per_root.get(root)
    if urls is None:
        urls = per_root[root] = _FixedUrls()
    return urls


class _FixedUrls(dict):
    """endpoint → URL, each built on its first lookup and kept."""

    def __missing__(self, key: str) -> str:
        endpoint, _sep, filename = key.partition(":")
        url = self[key] = url_for(endpoint, filename=filename) if filename else url_for(endpoint)
        return url


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


def local_datetime(value: datetime | None, fmt: str = DEFAULT_DT_FORMAT) -> str:
    """A UTC datetime shown in Asia/Shanghai."""
    if value is None:
        return ""
    if fmt == DEFAULT_DT_FORMAT:
        # Digits only, the same in every language: strftime, not Babel's pattern formatter
        # (a list page shows one per row). Naive values are UTC, as Flask-Babel assumes.
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
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


def unread_notifications() -> int:
    """The signed-in user's unread messages for the header, counted once per request."""
    if not current_user.is_authenticated:
        return 0
    # Kept in the WSGI environ, not on g: an app context (and its g) can outlive a request.
    cache = request.environ
    if "mp.unread" not in cache:
        from . import db
        from .notifications import unread_count

        cache["mp.unread"] = unread_count(db.session(), current_user.id)
    return cache["mp.unread"]


@lru_cache(maxsize=512)
def _markdown_cached(source: str):
    return render_markdown(source)


def markdown_html(source: str | None):
    """The |markdown filter: ``text.render_markdown``, kept per process for the texts last shown.

    The HTML depends on the text alone; building a Markdown converter per call was a fifth of
    the detail page. 512 texts of at most a few KB each.
    """
    return _markdown_cached(source or "")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel's template callables resolve the domain, then the catalogue, per string;
    # these go straight to the request's catalogue (see _RequestDomain).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = template_gettext
    app.jinja_env.filters["money"] = money_text
    app.jinja_env.filters["wan"] = fen_to_wan
    app.jinja_env.filters["dt"] = local_datetime
    app.jinja_env.filters["markdown"] = markdown_html
    app.jinja_env.globals["countdown"] = countdown
    app.jinja_env.globals["enum_labels"] = enum_labels
    app.jinja_env.globals["fixed_urls"] = fixed_urls
    app.jinja_env.globals["url_pattern"] = url_pattern
    app.jinja_env.globals["query_url"] = query_url
    app.jinja_env.globals["now_utc"] = _utcnow

    @app.context_processor
    def _inject():
        return {"current_locale": str(get_locale()), "unread_notifications": unread_notifications()}
