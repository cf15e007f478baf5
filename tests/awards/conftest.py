"""Award fixtures: a challenge reviewed through the panels' real services, ready to award.

``reviewed`` forms a five-expert panel on the review fixture's challenge, has every expert
declare and score both bids, and shortlists them — the same verbs staff and experts use — with
the clock one minute past the deadline. Tests then travel on from ``reviewed["at"]``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from marketplace import db
from marketplace.review import panels as review_services

from ..review.conftest import full_marks, review  # noqa: F401 (the fixture is used here)


@pytest.fixture
def reviewed(review):  # noqa: F811
    staff, challenge = review["staff"], review["challenge"]
    at = challenge.deadline + timedelta(minutes=1)
    with time_machine.travel(at, tick=False):
        for expert in review["experts"]:
            review_services.assign_expert(
                actor=staff, challenge_id=challenge.id, expert_id=expert.id
            )
        review_services.form_panel(actor=staff, challenge_id=challenge.id)
        panel = review_services.panel_of(db.session(), challenge.id)
        for expert in review["experts"]:
            review_services.declare(actor=expert, panel_id=panel.id, no_conflict=True)
            for n, bid_id in enumerate(review["bids"]):
                review_services.submit_score(actor=expert, bid_id=bid_id, raw=full_marks(8 - n))
        review_services.shortlist_bids(
            actor=staff, challenge_id=challenge.id, bid_ids=review["bids"]
        )
    return {**review, "at": at}
