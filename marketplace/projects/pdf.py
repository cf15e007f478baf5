"""The 任务书 as a PDF: the printable page's HTML through WeasyPrint, CJK fonts embedded.

Fonts come from the system (Debian's ``fonts-noto-cjk``, installed by the Makefile); the
stylesheet names them, and WeasyPrint embeds the glyphs it uses. No network fetches: only our
own static stylesheet is loaded, from disk.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

STYLESHEET = "css/task_book_print.css"


def render_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML  # imported here: a heavy import only the PDF route needs

    css = Path(current_app.static_folder) / STYLESHEET
    return HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf(
        stylesheets=[CSS(filename=str(css))]
    )


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the 任务书 PDF loads nothing from {url}")
