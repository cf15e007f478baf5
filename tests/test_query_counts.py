"""Every page of bench/pages.py runs a bounded number of SQL statements, whatever the data size.

The pages are requested once to warm up (the search outbox is applied, the login session
touched) and counted on the second request, as the benchmark counts them. The data grows
from 2 to 20 rows of everything each page lists (a whole default page of the list):
challenges (open and waiting for review), questions on the detail page, team profiles and
the team's achievements, the researcher's bids. A per-row query (an N+1) shows as a count
that grows by 18 with it.
"""

from __future__ import annotations

import math
import uuid
from urllib.parse import quote

import pytest
from werkzeug.datastructures import MultiDict

from marketplace.accounts.models import Role
from marketplace.bids import services as bids
from marketplace.bids.forms import raw_from_form
from marketplace.challenges import services as challenges

from .bids.conftest import bid_form
from .conftest import counting_queries
from .factories import Factory
from .teams.conftest import TeamsFactory

SMALL, LARGE = 2, 20  # rows of everything each page lists, before and after
COMMON_TERM = "合金"  # in every challenge's title
RARE_TERM = "蓝宝石衬底"  # in one challenge only

# Statements per request today (2026-12, before issue 15's work). A ceiling, not an exact
# figure: a change that saves a query passes (lower the figure then); one that adds a query,
# or a query per row, fails.
CEILING = {
    "list": 3,
    "list_filtered": 3,
    "list_deep_page": 3,
    "detail": 9,  # + the award notice and the 流榜 reason (issue 11)
    "home": 7,
    "search_common": 3,  # + the thesaurus version (staff entries without a rebuild)
    "search_rare": 3,
    "team": 4,
    "my_bids": 5,  # + the count of the paginated list (issue 15)
    "staff_queue": 7,  # + the counts of its two paginated lists (issue 15)
}


class World:
    """An issuer, a research team with its profile, staff; grown ``n`` rows at a time."""

    def __init__(self, app, factory: Factory):
        app.config["BID_LEADER_MAX_LIVE"] = 1_000  # one leader bids on every challenge here
        # What rendering a page costs: kept pages (page_cache.py) are counted in
        # tests/test_page_cache.py.
        app.config["PAGE_CACHE_SECONDS"] = 0
        self.app = app
        self.factory = factory
        self.teams = TeamsFactory(factory)
        self.issuer = factory.org_user(Role.ENTERPRISE)
        self.researcher = self.teams.researcher()
        self.staff = factory.staff()
        self.profile = self.teams.profile(self.researcher)
        self.rare = factory.challenge(self.issuer, title=f"{RARE_TERM}镁合金缺陷检测")
        self.open_count = 1
        self.size = 0

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.size += 1
            k = self.size
            challenge = self.factory.challenge(self.issuer, title=f"轻量化铝合金构件第{k}号")
            self.open_count += 1
            self.factory.challenge(self.issuer, stage="pending_review", title=f"高温合金待审{k}")
            question = challenges.ask_question(
                actor=self.researcher, challenge_id=self.rare.id, body=f"第{k}个问题：能否分期？"
            )
            challenges.answer_question(actor=self.issuer, question_id=question.id, answer="可以。")
            self.teams.profile(self.teams.researcher(), team_name=f"合金团队{k}")
            self.teams.achievement(
                self.researcher, title=f"合金成果{k}", team_id=str(self.profile.id)
            )
            self._bid(challenge)

    def _bid(self, challenge) -> None:
        bid = bids.start_bid(actor=self.researcher, challenge_id=challenge.id)
        raw = raw_from_form(MultiDict(bid_form(challenge, self.researcher)))
        bid = bids.save_draft(
            actor=self.researcher, bid_id=bid.id, raw=raw, expected_version=bid.version_id
        )
        bids.submit_bid(actor=self.researcher, bid_id=bid.id, idempotency_key=uuid.uuid4().hex)

    def pages(self) -> list[tuple[str, str, str | None]]:
        """(name, path, account): the pages of bench/pages.py; account None = anonymous."""
        # The deep page of the benchmark (page 50) as the last full page of this data.
        deep = math.ceil(self.open_count / 2)
        return [
            ("list", "/challenges", None),
            ("list_filtered", "/challenges?field=materials&status=open&sort=deadline", None),
            ("list_deep_page", f"/challenges?page={deep}", None),
            ("detail", f"/challenges/{self.rare.id}", None),
            ("home", "/", None),
            ("search_common", f"/search?q={quote(COMMON_TERM)}", None),
            ("search_rare", f"/search?q={quote(RARE_TERM)}", None),
            ("team", f"/teams/{self.profile.id}", None),
            ("my_bids", "/my/bids", "researcher"),
            ("staff_queue", "/staff/challenges", "staff"),
        ]

    def count(self, clients) -> dict[str, int]:
        counts = {}
        for name, path, account in self.pages():
            client = clients[account]
            # The deep page: two rows a page, so the last page lies far from the first.
            self.app.config["PAGE_SIZE"] = 2 if name == "list_deep_page" else 20
            client.get(path)
            with counting_queries() as statements:
                resp = client.get(path)
            assert resp.status_code == 200, (name, path, resp.status_code)
            counts[name] = len(statements)
        self.app.config["PAGE_SIZE"] = 20
        return counts


@pytest.fixture
def world(app, factory: Factory) -> World:
    return World(app, factory)


def test_every_benchmarked_page_runs_the_same_few_queries_at_2_and_20_rows(
    app, world: World, login
):
    clients = {None: app.test_client()}
    clients["researcher"] = login(app.test_client(), world.researcher)
    clients["staff"] = login(app.test_client(), world.staff)

    world.grow(SMALL)
    small = world.count(clients)
    html = clients[None].get(f"/search?q={quote(RARE_TERM)}").get_data(as_text=True)
    assert RARE_TERM in html
    world.grow(LARGE - SMALL)
    assert world.size == LARGE
    large = world.count(clients)
    # The pages really list the grown rows (else a constant count would prove nothing).
    last = f"第{LARGE}号"
    assert clients["researcher"].get("/my/bids").get_data(as_text=True).count(last) == 1
    queue = clients["staff"].get("/staff/challenges").get_data(as_text=True)
    assert f"高温合金待审{LARGE}" in queue
    detail = clients[None].get(f"/challenges/{world.rare.id}").get_data(as_text=True)
    assert f"第{LARGE}个问题" in detail
    team = clients[None].get(f"/teams/{world.profile.id}").get_data(as_text=True)
    assert f"合金成果{LARGE}" in team
    listed = clients[None].get("/challenges").get_data(as_text=True)
    assert listed.count('class="challenge-card"') == 20  # a full page of the list
    found = clients[None].get(f"/search?q={quote(COMMON_TERM)}").get_data(as_text=True)
    assert found.count('class="hit"') >= 20

    grown = {name: (small[name], large[name]) for name in small if small[name] != large[name]}
    assert not grown, f"statements per request grow with the data (2 → 20 rows): {grown}"
    over = {name: (n, CEILING[name]) for name, n in large.items() if n > CEILING[name]}
    assert not over, f"more statements than the ceiling (count, ceiling): {over}"
