"""A bid's content has one type: drafts and frozen versions read back exactly as stored."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from marketplace.bids.forms import raw_from_form
from marketplace.bids.schemas import BidContent, MemberRow, MilestoneRow
from marketplace.bids.services import content_sha256

# A draft as the app has stored it since bids began (receipts were hashed over this shape).
STORED = {
    "approach": "采用连续流微反应器结合在线监测的技术路线。",
    "prior_results": "已完成小试，收率 90%。",
    "requested_amount": "250",
    "leader_id": "7",
    "members": [
        {"name": "王强", "title": "教授", "role": "工艺开发", "organisation": ""},
        {"name": "李娜", "title": "副研究员", "role": "分析检测", "organisation": "临海学院"},
    ],
    "milestones": [
        {"deliverable": "完成小试工艺验证", "month": "6", "percent": "40"},
        {"deliverable": "完成中试并通过第三方检测", "month": "24", "percent": "60"},
    ],
    "answers": {"11": "通过工艺优化达到 ≥95%"},
    "eligibility_confirmed": True,
    "integrity_confirmed": False,
}


def test_stored_content_reads_back_unchanged_so_receipts_keep_their_hash():
    content = BidContent.from_stored(STORED)
    assert content.members[1] == MemberRow("李娜", "副研究员", "分析检测", "临海学院")
    assert content.milestones[0] == MilestoneRow("完成小试工艺验证", "6", "40")
    assert content.leader_user_id == 7 and content.answer(11) == "通过工艺优化达到 ≥95%"
    again = content.as_stored()
    assert again == STORED and list(again) == list(STORED)
    assert content_sha256(again) == content_sha256(STORED)


def test_the_posted_form_becomes_the_same_content_and_only_the_challenges_answers_stay():
    form = MultiDict(
        [
            ("approach", STORED["approach"]),
            ("prior_results", STORED["prior_results"]),
            ("requested_amount", "250"),
            ("leader_id", "7"),
            *[(f"member_{k}", m[k]) for m in STORED["members"] for k in m],
            ("member_name", "  "),  # an empty spare row is dropped
            *[(f"milestone_{k}", m[k]) for m in STORED["milestones"] for k in m],
            ("answer_11", "通过工艺优化达到 ≥95%"),
            ("answer_999", "not an indicator of this challenge"),
            ("eligibility_confirmed", "on"),
        ]
    )
    content = BidContent.from_raw(raw_from_form(form), indicator_ids=[11])
    assert content.as_stored() == STORED
    assert BidContent.from_raw({"leader_id": "x; drop"}).leader_user_id is None
