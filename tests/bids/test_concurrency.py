"""Eight simultaneous submissions of one draft, against a multi-worker server: one version."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from marketplace import db
from marketplace.bids import services
from marketplace.bids.forms import raw_from_form
from marketplace.bids.models import Bid, BidVersion

from ..conftest import FAST_HASH
from ..factories import Factory
from ..live import Browser, gunicorn
from .conftest import bid_form

pytestmark = pytest.mark.slow


def test_eight_simultaneous_submissions_make_exactly_one(app, database_url, market, tmp_path):
    team, challenge = market["team"], market["challenge"]
    bid = services.start_bid(actor=team, challenge_id=challenge.id)
    form = bid_form(challenge, team)
    services.save_draft(
        actor=team, bid_id=bid.id, raw=raw_from_form(MultiDict(form)), expected_version=1
    )
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": uuid.uuid4().hex,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    with gunicorn(env, workers=4, log=tmp_path / "gunicorn.log") as (host, port):
        tab = Browser(host, port)
        tab.get("/login")
        status, _, _ = tab.post("/login", {"email": team.email, "password": Factory.PASSWORD})
        assert status == 302
        status, _, _ = tab.get(f"/bids/{bid.id}/edit")
        assert status == 200
        db.refresh_read_session()
        version = db.session().get(Bid, bid.id).version_id
        results: list[int] = []
        start = threading.Barrier(8)

        def click(n: int) -> None:
            clone = Browser(host, port)
            clone.cookie, clone.token = tab.cookie, tab.token
            # Half repeat one click (the same key), half come from other tabs (their own keys).
            key = "double-click" if n % 2 else f"tab-{n}"
            start.wait()
            status, _, _ = clone.post(
                f"/bids/{bid.id}/edit",
                {**form, "action": "submit", "idempotency_key": key, "version": version},
            )
            results.append(status)

        threads = [threading.Thread(target=click, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert len(results) == 8
    assert all(status < 500 for status in results), results
    assert results.count(302) == 8, results  # everyone gets the (one) receipt
    db.refresh_read_session()
    versions = db.session().exec(select(BidVersion).where(BidVersion.bid_id == bid.id)).all()
    assert len(versions) == 1
