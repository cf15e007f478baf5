"""The whole review through the pages: form, declare, opinion, score, rank, shortlist, defence."""

from __future__ import annotations

from sqlmodel import select

from marketplace import db
from marketplace.bids.models import Bid, BidStatus
from marketplace.notifications import Notification
from marketplace.review import panels, services
from marketplace.review.panel_models import Defence, PanelStatus

from .conftest import full_marks


def test_staff_form_experts_score_and_staff_shortlist(app, review, login):
    e, (bid_a, bid_b), c = review["experts"], review["bids"], review["challenge"].id
    with review["after"]():
        staff = login(app.test_client(), review["staff"])
        for expert in e[:3]:
            resp = staff.post(f"/staff/challenges/{c}/panel/pick", data={"expert_id": expert.id})
            assert resp.status_code == 303
        assert staff.post(f"/staff/challenges/{c}/panel/form").status_code == 303
        page = staff.get(f"/staff/challenges/{c}/panel").get_data(as_text=True)
        assert "评审专家组已组建" in page and "待声明" in page

        issuer = login(app.test_client(), review["issuer"])
        resp = issuer.post(f"/bids/{bid_a}/opinion", data={"body": "团队有产线经验", "version": 0})
        assert resp.status_code == 302

        panel_id = panels.panel_of(db.session(), c).id
        for n, expert in enumerate(e[:3]):
            client = login(app.test_client(), expert)
            resp = client.post(
                f"/expert/reviews/{panel_id}/declaration", data={"no_conflict": "on"}
            )
            assert resp.status_code == 302
            page = client.get(f"/expert/reviews/bids/{bid_a}").get_data(as_text=True)
            assert "团队有产线经验" in page and "评审辅助" in page
            for bid, points in ((bid_a, 9 - n), (bid_b, 6)):
                resp = client.post(f"/expert/reviews/bids/{bid}", data=full_marks(points))
                assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
        assert services.scoring_closed(db.session(), c)
        ranked = services.ranking(db.session(), c)
        assert [(r.bid_id, r.rank, r.mean, r.trimmed_mean) for r in ranked] == [
            (bid_a, 1, 80.0, None),
            (bid_b, 2, 60.0, None),
        ]
        page = staff.get(f"/staff/challenges/{c}/panel").get_data(as_text=True)
        assert "评审排名" in page and "80.00" in page

        resp = staff.post(f"/staff/challenges/{c}/panel/shortlist", data={"bid_id": [bid_a]})
        assert resp.status_code == 303
        db.refresh_read_session()
        assert db.session().get(Bid, bid_a).status is BidStatus.SHORTLISTED
        assert db.session().get(Bid, bid_b).status is BidStatus.NOT_QUALIFIED
        assert services.shortlisted_bid_ids(db.session(), c) == [bid_a]
        assert panels.panel_of(db.session(), c).status is PanelStatus.SHORTLISTED

        resp = staff.post(
            f"/staff/challenges/{c}/panel/defence",
            data={"bid_id": [bid_a], "starts_at": ["2027-03-02T09:30"], "place": ["科技局 301"]},
        )
        assert resp.status_code == 303, resp.get_data(as_text=True)[:800]
    defence = db.session().exec(select(Defence)).one()
    assert defence.place == "科技局 301" and defence.position == 1
    told = db.session().exec(
        select(Notification.user_id).where(Notification.title.contains("答辩"))
    )
    assert review["teams"][0].id in set(told)
    summary = services.panel_summary(db.session(), c)
    assert [x.name for x in summary.experts] == ["专家1", "专家2", "专家3"]
    assert (summary.bids[0].bid_id, summary.bids[0].totals) == (
        bid_a,
        ((e[0].id, 90.0), (e[1].id, 80.0), (e[2].id, 70.0)),
    )
