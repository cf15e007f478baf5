"""The staff audit trail as people read it: sealed bids stay sealed, rows are readable."""

from __future__ import annotations

import ast
import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from werkzeug.datastructures import FileStorage

from marketplace import audit, db, uploads
from marketplace.accounts.models import Organisation, Role
from marketplace.bids import services as bid_services
from marketplace.bids.actions import BidAction
from marketplace.bids.models import Bid, BidAttachment
from marketplace.dashboard.audit_labels import action_label, action_labels

from .bids.conftest import bid_form
from .factories import Factory

HIDDEN = "（密封期内不显示）"
ATTACHMENT_NAME = "凌湖方案书"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _events(html: str) -> str:
    """The list of audit rows on the page (without the filter form's drop-down)."""
    assert '<ol class="audit-events">' in html
    return html.split('<ol class="audit-events">', 1)[1].split("</ol>", 1)[0]


@db.transactional
def _record_about_bid(s, *, actor, bid: Bid) -> None:
    # A row of another object type that names the bid and its organisation, as an
    # attachment's own audit row would.
    audit.record(
        s,
        actor=actor,
        action=BidAction.ATTACH,
        obj=(BidAttachment, 987654),
        after={"bid_id": bid.id, "organisation_id": bid.organisation_id, "file": ATTACHMENT_NAME},
    )


@pytest.fixture
def bidding(client, factory: Factory, login):
    """A bid started, saved, given an attachment and submitted before the deadline."""
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    team = factory.org_user(Role.RESEARCHER, org_name="凌湖学院密封课题组")
    login(client, team)
    resp = client.post(f"/challenges/{challenge.id}/bid")
    bid_id = int(resp.headers["Location"].split("/bids/")[1].split("/")[0])
    data = bid_form(challenge, team)
    version = db.session().get(Bid, bid_id).version_id
    resp = client.post(f"/bids/{bid_id}/edit", data={**data, "action": "save", "version": version})
    assert resp.status_code == 302
    stored = uploads.store_pdf(FileStorage(io.BytesIO(PDF), filename="a.pdf"), kind="bids")
    bid_services.add_attachment(actor=team, bid_id=bid_id, stored=stored)
    db.refresh_read_session()
    version = db.session().get(Bid, bid_id).version_id
    resp = client.post(
        f"/bids/{bid_id}/edit",
        data={**data, "action": "submit", "idempotency_key": "k1", "version": version},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    bid = db.session().get(Bid, bid_id)
    _record_about_bid(actor=team, bid=bid)
    client.post("/logout")
    org = db.session().get(Organisation, team.organisation_id)
    return {"challenge": challenge, "team": team, "bid": bid, "org": org}


def _staff_pages(client, team) -> list[str]:
    urls = [
        "/staff/audit?object_type=bid",
        "/staff/audit?object_type=bid_attachment",
        "/staff/audit?action=bid.start",
        "/staff/audit?action=bid.save",
        "/staff/audit?action=bid.attach",
        "/staff/audit?action=bid.submit",
    ]
    return [_events(client.get(url).get_data(as_text=True)) for url in urls]


def test_staff_cannot_tell_who_is_bidding_before_the_deadline(
    app, client, factory: Factory, login, bidding
):
    team, bid, org = bidding["team"], bidding["bid"], bidding["org"]
    staff = factory.staff()
    login(client, staff)
    for events in _staff_pages(client, team):
        assert HIDDEN in events
        for secret in (org.name, team.name, team.email, bid.number, ATTACHMENT_NAME):
            assert secret not in events
        assert f"/bids/{bid.id}" not in events
    everything = _events(client.get("/staff/audit").get_data(as_text=True))
    assert bid.number not in everything and ATTACHMENT_NAME not in everything
    assert "提交揭榜材料" in everything  # the kind of action and its time stay
    # Searching by the researcher finds their other rows, never their bid rows.
    for needle in (team.email, team.name):
        mine = _events(client.get(f"/staff/audit?actor={needle}").get_data(as_text=True))
        assert "用户登录" in mine
        assert HIDDEN not in mine
        for label in ("开始揭榜", "保存揭榜草稿", "上传揭榜附件", "提交揭榜材料"):
            assert label not in mine

    with time_machine.travel(bidding["challenge"].deadline + timedelta(minutes=1), tick=False):
        client = login(app.test_client(), staff)  # days later: a new session
        for events in _staff_pages(client, team):
            assert HIDDEN not in events
            assert team.name in events and team.email in events
        bid_rows = _events(client.get("/staff/audit?object_type=bid").get_data(as_text=True))
        assert bid.number in bid_rows and org.name in bid_rows
        assert f'href="/bids/{bid.id}"' in bid_rows
        other = _events(
            client.get("/staff/audit?object_type=bid_attachment").get_data(as_text=True)
        )
        assert ATTACHMENT_NAME in other
        mine = _events(client.get(f"/staff/audit?actor={team.email}").get_data(as_text=True))
        assert "提交揭榜材料" in mine


def test_actions_are_shown_as_words_and_objects_link_to_their_page(client, factory: Factory, login):
    user = factory.org_user(verified=False, org_name="临海晨康药业")
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    staff = factory.staff()
    login(client, staff)
    client.post(f"/staff/organisations/{user.organisation_id}", data={"decision": "verify"})
    events = _events(client.get("/staff/audit").get_data(as_text=True))
    assert "认证单位" in events and "发布榜单" in events
    assert "organisation.verify" not in events and "challenge.approve" not in events
    assert f'href="/staff/organisations/{user.organisation_id}"' in events
    assert f'href="/challenges/{challenge.id}"' in events and challenge.title in events
    assert "challenge #" not in events
    # The accounts page is the admin's: staff see the person, without a dead link.
    assert f'href="/admin/users/{user.id}"' not in events
    client.post("/logout")
    login(client, factory.admin())
    events = _events(client.get("/staff/audit").get_data(as_text=True))
    assert f'href="/admin/users/{user.id}"' in events


def test_the_filter_offers_actions_by_name(client, factory: Factory, login):
    factory.org_user()
    login(client, factory.staff())
    page = client.get("/staff/audit").get_data(as_text=True)
    assert '<option value="organisation.verify"' in page
    assert ">认证单位</option>" in page


def test_changes_are_labelled_before_and_after_per_field(client, factory: Factory, login):
    user = factory.org_user(verified=False, org_name="临海晨康药业")
    login(client, factory.staff())
    client.post(f"/staff/organisations/{user.organisation_id}", data={"decision": "verify"})
    events = _events(client.get("/staff/audit?action=organisation.verify").get_data(as_text=True))
    # One labelled line per changed field, in a list that wraps instead of a clipped cell.
    assert '<dl class="facts audit-changes">' in events
    assert "<dt>状态</dt>" in events
    assert "<del>待审核</del> → <ins>已认证</ins>" in events


def _record_calls():
    """(module tree, action argument) of every audit.record call in the application's code."""
    root = Path(__file__).resolve().parents[1] / "marketplace"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute | ast.Name)
                and getattr(call.func, "attr", getattr(call.func, "id", "")) == "record"
            ):
                action = next((k.value for k in call.keywords if k.arg == "action"), None)
                if action is not None:
                    yield tree, action


def _actions_written_by_services() -> set[str]:
    """Every action code passed to audit.record: enum members (``BidAction.SUBMIT``) by their
    stored value."""
    enums = {cls.__name__: cls for cls in _action_enums()}
    codes: set[str] = set()
    for tree, action in _record_calls():
        named = [n for n in ast.walk(action) if isinstance(n, ast.Attribute)]
        if not named and isinstance(action, ast.Name):  # passed in by the caller
            named = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
        for node in named:
            cls = enums.get(getattr(node.value, "id", ""))
            if cls is not None:
                codes.add(cls[node.attr].value)  # KeyError: no such member
        codes |= {
            n.value
            for n in ast.walk(action)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
    return codes


def _action_enums() -> list[type[audit.AuditAction]]:
    found, pending = [], list(audit.AuditAction.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_action_a_service_writes_has_a_label():
    codes = _actions_written_by_services()
    assert {"organisation.verify", "bid.submit", "challenge.return"} <= codes
    labels = action_labels()
    missing = sorted(code for code in codes if code not in labels)
    assert not missing, f"declare these in the domain's actions.py AuditAction enum: {missing}"


def test_action_labels_come_from_the_domains_enums():
    members = [m for cls in _action_enums() for m in cls]
    assert {type(m).__name__ for m in members} >= {"BidAction", "ChallengeAction", "UserAction"}
    labels = action_labels()
    for member in members:
        assert member.value.count(".") == 1, member  # the stored codes keep their shape
        assert labels[member.value] == member.label and member.label != member.value
    assert action_label("bid.submit") == "提交揭榜材料"
    assert action_label("never.written") == "never.written"
