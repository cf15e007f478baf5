"""The template shortcuts that replace per-row url_for and per-string gettext give the same text."""

from __future__ import annotations

from flask import render_template_string, url_for
from flask_babel import force_locale

from marketplace.i18n import fixed_urls, query_url, url_pattern


def _fill(parts: tuple[str, ...], *values: int) -> str:
    out = parts[0]
    for value, part in zip(values, parts[1:], strict=True):
        out += f"{value}{part}"
    return out


def test_url_patterns_build_the_same_links_as_url_for(app):
    for root in ("", "/mp"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            receipt = url_pattern("bids.receipt", "bid_id", "version")
            decide = url_pattern("challenges.decide_amendment", "amendment_id", decision="reject")
            for bid_id, version in ((1, 1), (10, 3), (98765, 12)):
                assert _fill(receipt, bid_id, version) == url_for(
                    "bids.receipt", bid_id=bid_id, version=version
                )
                assert _fill(decide, bid_id) == url_for(
                    "challenges.decide_amendment", amendment_id=bid_id, decision="reject"
                )
            assert fixed_urls()["challenges.index"] == url_for("challenges.index")
            assert fixed_urls()["static:css/app.css"] == url_for("static", filename="css/app.css")
            assert fixed_urls()["challenges.index"].startswith(root + "/")


def test_query_urls_encode_like_url_for(app):
    params = {
        "q": "镁合金 压铸 & “新能源汽车”",
        "field": "materials",
        "region": "台州/临海:东",
        "band": None,
        "page": 2,
        "odd": "a+b=c;d,e?f#g%h",
    }
    with app.test_request_context("/"):
        assert query_url("search.search", params) == url_for("search.search", **params)
        assert query_url("search.search", {}) == url_for("search.search")


def test_template_strings_are_translated_escaped_and_formatted(app):
    waiting = "您的单位“%(name)s”正在等待科技局认证，认证通过后即可发榜或揭榜。"
    source = "{{ _('榜单') }}|{{ _('共 %(n)d 个榜单', n=3) }}|{{ _('" + waiting + "', name=name) }}"
    with app.test_request_context("/"):
        zh = render_template_string(source, name="<b>A&B</b>")
        with force_locale("en"):
            en = render_template_string(source, name="<b>A&B</b>")
        again = render_template_string(source, name="x")
    assert zh.startswith("榜单|共 3 个榜单|")
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in zh and "<b>" not in zh
    assert en.startswith("Challenges|") and "榜单" not in en
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in en
    # The other language's memo does not leak back into Chinese.
    assert again.startswith("榜单|共 3 个榜单|")
    with app.test_request_context("/"):
        assert render_template_string("{{ _('100%%') }}") == "100%"
