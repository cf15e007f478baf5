"""Operational logs: gunicorn's format on stderr, one line per audited change, a request id."""

from __future__ import annotations

import logging
import re

from marketplace import create_app
from marketplace.logs import RequestIdFilter

from .bids.conftest import bid_form, market, start_bid  # noqa: F401 (fixtures)
from .factories import Factory

MARKER = "SEALED-MARKER-LOG-4K2P"
# gunicorn's own lines: "[2026-12-01 10:00:00 +0800] [4242] [INFO] Booting worker"
GUNICORN_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[INFO\] ")


def _audit_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "marketplace.audit"]


def _our_handler() -> logging.Handler:
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RequestIdFilter) for f in h.filters)
    ]
    return handler


def test_a_sane_request_id_comes_back_and_anything_else_is_replaced(client):
    assert client.get("/", headers={"X-Request-ID": "lb-7f3a9c21"}).headers["X-Request-ID"] == (
        "lb-7f3a9c21"
    )
    made = {client.get("/").headers["X-Request-ID"] for _ in range(2)}
    assert len(made) == 2 and all(re.fullmatch(r"[0-9a-f]{16}", r) for r in made)
    for bad in ("x", "a" * 65, "<script>alert(1)</script>", "id with spaces"):
        got = client.get("/", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert got != bad and re.fullmatch(r"[0-9a-f]{16}", got)
    # Also on a page refused before anything else runs.
    refused = client.get("/", headers={"Host": "evil.example", "X-Request-ID": "lb-00000001"})
    assert refused.status_code == 400 and refused.headers["X-Request-ID"] == "lb-00000001"


def test_a_service_call_writes_one_line_with_who_what_which_and_the_request(
    client, factory: Factory, login, caplog
):
    applicant = factory.org_user(verified=False)
    staff = factory.staff()
    login(client, staff)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="marketplace.audit"):
        resp = client.post(
            f"/staff/organisations/{applicant.organisation_id}",
            data={"decision": "verify"},
            headers={"X-Request-ID": "req-verify-0001"},
        )
    assert resp.status_code == 302
    (line,) = _audit_lines(caplog)
    message = line.getMessage()
    assert "organisation.verify" in message
    assert staff.email in message and f"user {staff.id}" in message
    assert f"organisation {applicant.organisation_id}" in message
    assert line.request_id == "req-verify-0001"
    text = _our_handler().format(line)
    assert GUNICORN_LINE.match(text), text
    assert "[req-verify-0001] marketplace.audit: audit organisation.verify" in text


def test_no_sealed_bid_content_reaches_the_log(client, market, start_bid, caplog):  # noqa: F811
    challenge, team = market["challenge"], market["team"]
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        bid_id = start_bid(client, team, challenge)
        data = bid_form(challenge, team, approach=f"技术路线 {MARKER}", prior_results=MARKER)
        client.post(f"/bids/{bid_id}/edit", data={**data, "action": "save", "version": 1})
        version = client.get(f"/bids/{bid_id}/edit").get_data(as_text=True)
        number = re.search(r'name="version" value="(\d+)"', version)
        client.post(
            f"/bids/{bid_id}/edit",
            data={
                **data,
                "action": "submit",
                "idempotency_key": "log-1",
                "version": number.group(1) if number else "1",
            },
        )
    actions = [r.getMessage().split()[1] for r in _audit_lines(caplog)]
    assert "bid.start" in actions and "bid.submit" in actions
    assert MARKER not in caplog.text
    assert all(MARKER not in _our_handler().format(r) for r in caplog.records)


def test_building_the_app_again_adds_no_second_handler(tmp_path, app):
    before = len(logging.getLogger().handlers)
    create_app({**app.config, "TESTING": True})
    assert len(logging.getLogger().handlers) == before
    _our_handler()  # exactly one of ours
