"""User-written Markdown, rendered to HTML that cannot carry script (nh3 / ammonia)."""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "hr",
    "sup",
    "sub",
}


def render_markdown(source: str | None) -> Markup:
    """Markdown → sanitized HTML; raw HTML and scripts are dropped, links get rel=noopener."""
    html = markdown.markdown(
        source or "", extensions=["tables", "sane_lists"], output_format="html"
    )
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704  (sanitized by nh3 just above)
