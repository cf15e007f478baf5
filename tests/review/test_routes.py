"""Access to every review-panel route, by role, on a challenge whose panel is formed (the
pre-deadline phase is in tests/test_access_matrix.py). Same 404 for anything not one's own."""

from __future__ import annotations

import pytest

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.review import panels

from ..factories import Factory

LOGIN = 302
ROLES = ["anonymous", "issuer", "issuer_member", "other_enterprise", "bidder", "expert",
         "undeclared", "outsider", "staff", "admin"]  # fmt: skip


def signed_in(status: int) -> dict[str, int]:
    return {**dict.fromkeys(ROLES, status), "anonymous": LOGIN}


STAFF = {**signed_in(403), "staff": 200, "admin": 200}
EXPERTS = {**signed_in(403), "expert": 200, "undeclared": 200, "outsider": 200}
# (method, url key, expected); POSTs send an empty form.
ROWS = [
    ("GET", "panel", STAFF),
    ("GET", "rubric", STAFF),
    ("POST", "rubric", {**STAFF, "staff": 422, "admin": 422}),
    ("GET", "defence", STAFF),
    ("POST", "defence", {**STAFF, "staff": 409, "admin": 409}),  # nothing shortlisted yet
    ("POST", "defence_notes", {**STAFF, "staff": 404, "admin": 404}),
    ("POST", "pick", {**STAFF, "staff": 303, "admin": 303}),
    ("POST", "draw", {**STAFF, "staff": 303, "admin": 303}),
    ("POST", "remove", {**STAFF, "staff": 303, "admin": 303}),  # no reason: refused, flashed
    ("POST", "form", {**STAFF, "staff": 303, "admin": 303}),  # already formed: refused
    ("POST", "shortlist", {**STAFF, "staff": 303, "admin": 303}),  # scores not in: refused
    ("POST", "correct", {**STAFF, "staff": 404, "admin": 404}),  # no bid named
    ("GET", "/expert/reviews", EXPERTS),
    ("GET", "declaration", {**EXPERTS, "outsider": 404}),
    ("POST", "declaration", {**EXPERTS, "expert": 409, "undeclared": 422, "outsider": 404}),
    ("GET", "score", {**EXPERTS, "undeclared": 302, "outsider": 404}),
    ("POST", "score", {**EXPERTS, "expert": 422, "undeclared": 302, "outsider": 404}),
    ("GET", "opinion", {**signed_in(403), "issuer": 200, "issuer_member": 200,
                        "other_enterprise": 404}),
    ("POST", "opinion", {**signed_in(403), "issuer": 422, "issuer_member": 422,
                         "other_enterprise": 404}),
]  # fmt: skip


def _url(key: str, w: dict) -> str:
    if key.startswith("/"):
        return key
    c, p = w["challenge"].id, w["panel"].id
    return {
        "panel": f"/staff/challenges/{c}/panel",
        "rubric": f"/staff/challenges/{c}/panel/rubric",
        "defence": f"/staff/challenges/{c}/panel/defence",
        "defence_notes": f"/staff/challenges/{c}/panel/defence/999999/notes",
        "pick": f"/staff/challenges/{c}/panel/pick",
        "draw": f"/staff/challenges/{c}/panel/draw",
        "remove": f"/staff/challenges/{c}/panel/members/{w['member_id']}/remove",
        "form": f"/staff/challenges/{c}/panel/form",
        "shortlist": f"/staff/challenges/{c}/panel/shortlist",
        "correct": f"/staff/challenges/{c}/panel/corrections",
        "declaration": f"/expert/reviews/{p}/declaration",
        "score": f"/expert/reviews/bids/{w['bid']}",
        "opinion": f"/bids/{w['bid']}/opinion",
    }[key]


@pytest.mark.parametrize("role", ROLES)
def test_every_review_route_by_role(app, review, factory: Factory, login, role):
    e = review["experts"]
    with review["after"]():
        for expert in e[:3]:
            panels.assign_expert(
                actor=review["staff"], challenge_id=review["challenge"].id, expert_id=expert.id
            )
        panel = panels.form_panel(actor=review["staff"], challenge_id=review["challenge"].id)
        panels.declare(actor=e[0], panel_id=panel.id, no_conflict=True)
        member = panels.member_of(db.session(), panel.id, e[1].id)
        users = {
            "issuer": review["issuer"],
            "issuer_member": factory.member(review["issuer"]),
            "other_enterprise": factory.org_user(Role.ENTERPRISE),
            "bidder": review["teams"][0],
            "expert": e[0],
            "undeclared": e[1],
            "outsider": e[4],
            "staff": review["staff"],
            "admin": factory.admin(),
        }
        w = {**review, "panel": panel, "member_id": member.id, "bid": review["bids"][0]}
        client = app.test_client()
        if role != "anonymous":
            login(client, users[role])
        got, want = {}, {}
        for method, key, expected in ROWS:
            url = _url(key, w)
            resp = client.get(url) if method == "GET" else client.post(url, data={})
            got[(method, url)], want[(method, url)] = resp.status_code, expected[role]
    assert got == want
