"""What people see on the pages: countdowns, search snippets, the staff review page, matching.

Issue #9, items 16, 17, 20 and 23 (the small-screen header, item 18, is in
tests/e2e/test_small_screens.py).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role, User
from marketplace.challenges import services as ch
from marketplace.challenges.models import Challenge
from marketplace.challenges.schemas import parse_challenge
from marketplace.search import service

from .factories import Factory, challenge_raw
from .teams.conftest import TeamsFactory

CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "app.css"


def _page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def _text(html: str) -> str:
    """The page as text, tags dropped (what a person reads, roughly)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class _Elements(HTMLParser):
    """Every element with its attributes and its text content (nesting kept)."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.done: list[dict] = []

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": "", "ancestors": list(self.stack)}
        if tag in self.VOID:
            self.done.append(el)
            return
        self.stack.append(el)

    def handle_endtag(self, tag):
        while self.stack:
            el = self.stack.pop()
            self.done.append(el)
            if el["tag"] == tag:
                return

    def handle_data(self, data):
        for el in self.stack:
            el["text"] += data


def _elements(html: str) -> list[dict]:
    parser = _Elements()
    parser.feed(html)
    return parser.done + parser.stack


def _classes(el: dict) -> set[str]:
    return set((el["attrs"].get("class") or "").split())


# --- 16: a challenge that is not open has no live countdown ----------------------------------


def test_a_cancelled_challenge_shows_no_live_countdown(client, factory: Factory):
    cancelled = factory.challenge(stage="cancelled")
    page = _page(client, f"/challenges/{cancelled.id}")
    countdown = re.search(r'data-testid="countdown">(.*?)</', page, re.S).group(1)
    assert "还剩" not in countdown
    assert "已撤榜" in countdown
    open_page = _page(client, f"/challenges/{factory.challenge().id}")
    assert "还剩" in re.search(r'data-testid="countdown">(.*?)</', open_page, re.S).group(1)


def test_my_bids_show_no_countdown_for_a_cancelled_challenge(client, factory: Factory, login):
    """templates/bids/mine.html (asked of its owner: use the time_left macro)."""
    challenge = factory.challenge()
    team = factory.org_user(Role.RESEARCHER)
    login(client, team)
    assert client.post(f"/challenges/{challenge.id}/bid").status_code == 302
    ch.cancel_challenge(actor=factory.staff(), challenge_id=challenge.id, reason="企业撤回")
    row = _page(client, "/my/bids").split(challenge.title)[1].split("</tr>")[0]
    assert "还剩" not in row and "已撤榜" in row


# --- 17: search snippets are the rendered text, not Markdown ---------------------------------

MARKDOWN_PROBLEM = (
    "现有**间歇式共沉淀**工艺批次一致性差：\n\n"
    "- 批次间容量波动大\n"
    "- 能耗高\n\n"
    "## 需要解决\n\n"
    "详见[工艺说明](https://example.cn/a)。"
)


def test_search_snippets_show_the_rendered_text_not_markdown(client, factory: Factory):
    factory.challenge(title="正极材料连续化制备", problem=MARKDOWN_PROBLEM)
    html = client.get("/search", query_string={"q": "共沉淀"}).get_data(as_text=True)
    snippet = re.search(r'<article class="hit">.*?<p>(.*?)</p>', html, re.S).group(1)
    plain = re.sub(r"</?mark>", "", snippet)
    assert "间歇式共沉淀工艺" in plain
    assert "批次间容量波动大" in plain and "工艺说明" in plain
    for markup in ("**", "- 批次", "##", "](", "https://"):
        assert markup not in plain, markup


def test_an_index_of_markdown_text_is_reported_until_rebuilt(app, factory: Factory, monkeypatch):
    """The index now stores rendered text: one written before says to rebuild it."""
    from marketplace.search import index as ix

    factory.challenge(problem=MARKDOWN_PROBLEM)
    assert ix.FORMAT >= 3  # 3: body and summaries stored as rendered text
    service.rebuild()
    assert service.verify().clean


# --- 20: the staff review page ---------------------------------------------------------------


def _staff_client(client, factory: Factory, login):
    login(client, factory.staff())
    return client


def test_the_review_page_shows_the_content_before_the_decision_buttons(
    client, factory: Factory, login
):
    pending = factory.challenge(stage="pending_review")
    page = _page(_staff_client(client, factory, login), f"/challenges/{pending.id}")
    decision = page.index(f"/staff/challenges/{pending.id}/approve")
    for heading in ("技术难题", "关键指标", "预期成果", "揭榜条件"):
        assert page.index(f"<h2>{heading}</h2>") < decision, heading
    assert page.index(f"/staff/challenges/{pending.id}/return") > page.index("<h2>揭榜条件</h2>")


def test_publishing_asks_for_confirmation_first(client, factory: Factory, login):
    pending = factory.challenge(stage="pending_review")
    page = _page(_staff_client(client, factory, login), f"/challenges/{pending.id}")
    approve = f"/staff/challenges/{pending.id}/approve"
    (form,) = [
        e for e in _elements(page) if e["tag"] == "form" and e["attrs"].get("action") == approve
    ]
    # The publishing button sits in a closed box that says what publishing does.
    box = [a for a in form["ancestors"] if a["tag"] == "details"]
    assert box and "open" not in box[-1]["attrs"]
    assert "审核通过并发布" in box[-1]["text"]
    assert "确认发布" in form["text"] and "公开" in box[-1]["text"]


def _issuer_of(challenge: Challenge) -> User:
    return (
        db.session()
        .exec(select(User).where(User.organisation_id == challenge.organisation_id))
        .first()
    )


RETURN_COMMENT = "1. 请量化批次一致性指标；\n2. 截止时间请延后。"


def _returned(factory: Factory) -> tuple[Challenge, User]:
    pending = factory.challenge(stage="pending_review")
    ch.return_challenge(actor=factory.staff(), challenge_id=pending.id, comment=RETURN_COMMENT)
    return db.session().get(Challenge, pending.id), _issuer_of(pending)


def test_a_resubmitted_challenge_shows_what_changed_since_it_was_returned(
    client, factory: Factory, login
):
    challenge, issuer = _returned(factory)
    raw = challenge_raw(
        title="高镍三元正极材料连续化制备工艺（修订）", budget_total="360", enterprise_funds="260"
    )
    raw["indicators"][1]["target"] = "≤1.5"
    ch.update_challenge(
        actor=issuer,
        challenge_id=challenge.id,
        data=parse_challenge(raw, now=db.utcnow()),
        expected_version=challenge.version_id,
    )
    ch.submit_challenge(actor=issuer, challenge_id=challenge.id)

    page = _page(_staff_client(client, factory, login), f"/challenges/{challenge.id}")
    section = page.split('id="since-return"')[1].split("</section>")[0]
    text = _text(section)
    assert "高镍三元正极材料低成本连续化制备工艺" in text  # the returned title
    assert "高镍三元正极材料连续化制备工艺（修订）" in text  # the resubmitted one
    assert "300.00 万元" in text and "360.00 万元" in text
    assert "≤2" in text and "≤1.5" in text
    for unchanged in ("实施周期", "联系人", "申请政府资助"):
        assert unchanged not in text, unchanged
    # the comment it answers, with its line breaks
    kept = [e for e in _elements(section) if "keep-lines" in _classes(e)]
    assert any(e["text"] == RETURN_COMMENT for e in kept)


def test_a_resubmission_with_no_change_says_so(client, factory: Factory, login):
    challenge, issuer = _returned(factory)
    ch.submit_challenge(actor=issuer, challenge_id=challenge.id)
    page = _page(_staff_client(client, factory, login), f"/challenges/{challenge.id}")
    section = page.split('id="since-return"')[1].split("</section>")[0]
    assert "未作修改" in section


def test_return_comments_keep_their_line_breaks_on_the_issuers_draft_page(
    client, factory: Factory, login
):
    challenge, issuer = _returned(factory)
    login(client, issuer)
    page = _page(client, f"/challenges/{challenge.id}")
    kept = [e for e in _elements(page) if "keep-lines" in _classes(e)]
    assert any(RETURN_COMMENT in e["text"] for e in kept)
    assert re.search(r"\.keep-lines\s*\{[^}]*white-space:\s*pre-line", CSS.read_text())


def test_return_comments_keep_their_line_breaks_in_my_list_and_on_the_edit_form(
    client, factory: Factory, login
):
    """templates/challenges/mine.html and form.html (asked of their owner: class keep-lines)."""
    challenge, issuer = _returned(factory)
    login(client, issuer)
    for url in ("/my/challenges", f"/challenges/{challenge.id}/edit"):
        kept = [e for e in _elements(_page(client, url)) if "keep-lines" in _classes(e)]
        assert any(RETURN_COMMENT in e["text"] for e in kept), url


# --- 23: matching never suggests something with nothing in common ----------------------------


def test_matching_never_shows_a_suggestion_with_nothing_shared(client, factory: Factory, login):
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(
        issuer, title="管道焊缝自动检测装备研发", problem="需要在线自动检测管道焊缝缺陷。"
    )
    teams = TeamsFactory(factory)
    for name, words in [
        ("食品安全检测团队", "农残检测、重金属"),  # shares only 检测, a part of 自动检测
        ("智能装备团队", "自动控制、机器人"),
        ("古籍修复团队", "古籍、纸张修复"),  # nothing in common
    ]:
        teams.profile(
            team_name=name,
            keywords=words,
            research_fields=words,
            leader_field="食品科学",
            equipment="液相色谱仪",
            members=[],
            works=[],
        )
    matches = service.matches_for_challenge(challenge, ch.indicators_of(db.session(), challenge.id))
    assert matches
    assert all(m.shared for m in matches), [(m.title, m.shared) for m in matches]
    detection = next(m for m in matches if m.title == "食品安全检测团队")
    assert detection.shared == ["检测"]  # the explanation names what is really shared
    assert "古籍修复团队" not in [m.title for m in matches]

    login(client, issuer)
    section = _page(client, f"/challenges/{challenge.id}").split('id="matches"')[1]
    section = section.split("</section>")[0]
    assert "匹配依据：—" not in section and "—" not in _text(section)
