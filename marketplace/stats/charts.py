"""What the charts draw, as JSON for ``static/js/charts.js``: the same figures as the tables.

A chart is ``{"kind": "bar"|"funnel"|"pie", "money": bool, "categories": [...],
"series": [{"name": ..., "data": [...]}]}``; money is integer fen (the script shows 万元).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .queries import BID_BUCKETS

STAGE_LABELS = {
    "posted": _l("发榜（提交审核）"),
    "published": _l("已发布"),
    "bid_on": _l("有人揭榜"),
    "awarded": _l("已揭榜（授予）"),
    "completed": _l("项目通过验收"),
}
MONEY_LABELS = {
    "published_fen": _l("发布榜额"),
    "awarded_fen": _l("揭榜金额"),
    "committed_fen": _l("已承诺"),
    "received_fen": _l("企业资金到账"),
    "released_fen": _l("已兑现（拨付）"),
}


PUBLIC_MONEY = ("published_fen", "awarded_fen", "released_fen")


def _money_chart(rows, label, attrs=tuple(MONEY_LABELS)) -> dict:
    return {
        "kind": "bar",
        "money": True,
        "unit": _("万元"),
        "categories": [label(r.key) for r in rows],
        "series": [
            {"name": str(name), "data": [getattr(r, attr) for r in rows]}
            for attr, name in MONEY_LABELS.items()
            if attr in attrs
        ],
    }


def _year(key) -> str:
    return str(key)


def _industry(key) -> str:
    return str(key.label)


def dashboard_charts(d: dict) -> dict:
    """Every chart of the staff dashboard, keyed by the id of its JSON block."""
    p, m = d["pipeline"], d["milestones"]
    return {
        "chart-pipeline": {
            "kind": "funnel",
            "money": False,
            "categories": [str(STAGE_LABELS[st.key]) for st in p.stages],
            "series": [{"name": _("榜单数"), "data": [st.count for st in p.stages]}],
        },
        "chart-money-year": _money_chart(d["by_year"], _year),
        "chart-money-industry": _money_chart(d["by_industry"], _industry),
        "chart-bids": {
            "kind": "bar",
            "money": False,
            "categories": [bid_bucket_label(n) for n, _c in d["bids"].buckets],
            "series": [{"name": _("榜单数"), "data": [c for _n, c in d["bids"].buckets]}],
        },
        "chart-milestones": {
            "kind": "pie",
            "money": False,
            "categories": [_("按期完成"), _("逾期完成"), _("已逾期未完成"), _("未到期")],
            "series": [{"name": _("里程碑"), "data": [m.on_time, m.late, m.overdue, m.upcoming]}],
        },
    }


def public_charts(d: dict) -> dict:
    return {
        "chart-money-year": _money_chart(d["by_year"], _year, PUBLIC_MONEY),
        "chart-money-industry": _money_chart(d["by_industry"], _industry, PUBLIC_MONEY),
    }


def bid_bucket_label(n: int) -> str:
    if n >= BID_BUCKETS:
        return _("%(n)s 份及以上", n=n)
    return _("%(n)s 份", n=n)
