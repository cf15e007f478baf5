"""Every route × every role × the challenge's phase, with the expected status written down.

ASVS 8.2.1. A route that is missing from ACCESS fails the test: adding a page means deciding,
here, who may use it. Rows run in order for each role, in one world per role, so the rows
that change state come after the rows that read it.
"""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from marketplace import uploads
from marketplace.accounts.models import Role
from marketplace.bids import services as bid_services
from marketplace.bids.forms import raw_from_form as bid_raw_from_form
from marketplace.challenges import amendments
from marketplace.challenges import services as ch
from marketplace.challenges.schemas import parse_challenge

from .bids.conftest import bid_form
from .factories import Factory, challenge_raw
from .teams.conftest import TeamsFactory

ROLES = [
    "anonymous",
    "enterprise",  # the issuing organisation's admin
    "member",  # another (approved) member of the issuing organisation
    "other_enterprise",
    "researcher",
    "expert",
    "staff",
    "admin",
]
LOGIN = 302  # anonymous visitors are sent to the login page


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    return {**every(status), "anonymous": LOGIN}


STAFF_ONLY = {**signed_in(403), "staff": 200, "admin": 200}
ADMIN_ONLY = {**signed_in(403), "admin": 200}
ENTERPRISES = {**signed_in(403), "enterprise": 200, "member": 200, "other_enterprise": 200}
ISSUER = {**signed_in(403), "enterprise": 200, "member": 200, "other_enterprise": 404}
ISSUER_OR_STAFF_SEES = {**every(404), "enterprise": 200, "member": 200, "staff": 200, "admin": 200}


RESEARCHER_ONLY = {**signed_in(403), "researcher": 200}
INSIDER_OR_STAFF_SEES_TEAM = {**every(404), "researcher": 200, "staff": 200, "admin": 200}


def staff_do(status: int) -> dict[str, int]:
    return {**signed_in(403), "staff": status, "admin": status}


# (endpoint, method, url key) → expected status per role. POSTs send an empty form.
ACCESS: list[tuple[str, str, str, dict[str, int]]] = [
    ("dashboard.home", "GET", "/", every(200)),
    ("accounts.login", "GET", "/login", every(200)),
    ("accounts.login", "POST", "/login", every(422)),
    ("accounts.register", "GET", "/register", every(200)),
    ("accounts.register_organisation", "GET", "/register/organisation", every(200)),
    ("accounts.register_organisation", "POST", "/register/organisation", every(422)),
    ("accounts.register_join", "GET", "/register/join", every(200)),
    ("accounts.register_join", "POST", "/register/join", every(422)),
    ("accounts.forgot_password", "GET", "/password/forgot", every(200)),
    ("accounts.forgot_password", "POST", "/password/forgot", every(200)),
    ("accounts.reset_password", "GET", "/password/reset/made-up", every(400)),
    ("accounts.reset_password", "POST", "/password/reset/made-up", every(400)),
    ("accounts.set_language", "POST", "/lang/zh", every(302)),
    ("accounts.account", "GET", "/account", signed_in(200)),
    ("accounts.account", "POST", "/account", signed_in(422)),
    # Every organisation's admin manages their own members (the member is not an admin).
    (
        "accounts.members",
        "GET",
        "/org/members",
        {**signed_in(403), "enterprise": 200, "other_enterprise": 200, "researcher": 200},
    ),
    ("accounts.staff_organisations", "GET", "/staff/organisations", STAFF_ONLY),
    ("accounts.staff_organisation", "GET", "staff_org", STAFF_ONLY),
    ("accounts.staff_organisation", "POST", "staff_org", staff_do(422)),
    ("accounts.admin_users", "GET", "/admin/users", ADMIN_ONLY),
    ("accounts.admin_user", "GET", "admin_user", ADMIN_ONLY),
    ("accounts.admin_user", "POST", "admin_user", ADMIN_ONLY),  # the invalid form again
    ("accounts.admin_create_user", "POST", "/admin/users/new", {**ADMIN_ONLY, "admin": 422}),
    ("dashboard.audit_log", "GET", "/staff/audit", STAFF_ONLY),
    ("dashboard.notifications", "GET", "/notifications", signed_in(200)),
    ("dashboard.notifications_read", "POST", "/notifications/read", signed_in(303)),
    ("dashboard.notification_read", "POST", "/notifications/999999/read", signed_in(404)),
    ("inbox.settings", "GET", "/notifications/settings", signed_in(200)),
    ("inbox.settings", "POST", "/notifications/settings", signed_in(303)),
    # Challenges: the public list, and one challenge in each phase.
    ("challenges.index", "GET", "/challenges", every(200)),
    ("search.search", "GET", "/search?q=高镍", every(200)),
    ("search.subscriptions", "GET", "/my/subscriptions", signed_in(200)),
    ("search.subscriptions", "POST", "/my/subscriptions", signed_in(422)),
    ("search.unsubscribe", "POST", "/my/subscriptions/999999/delete", signed_in(404)),
    ("challenges.detail", "GET", "draft", ISSUER_OR_STAFF_SEES),
    ("challenges.detail", "GET", "pending", ISSUER_OR_STAFF_SEES),
    ("challenges.detail", "GET", "open", every(200)),
    ("challenges.detail", "GET", "cancelled", every(200)),
    ("challenges.mine", "GET", "/my/challenges", ENTERPRISES),
    ("challenges.create", "GET", "/challenges/new", ENTERPRISES),
    (
        "challenges.create",
        "POST",
        "/challenges/new",
        {**ENTERPRISES, **dict.fromkeys(["enterprise", "member", "other_enterprise"], 422)},
    ),
    ("challenges.edit", "GET", "draft_edit", ISSUER),
    ("challenges.edit", "GET", "open_edit", {**ISSUER, "enterprise": 302, "member": 302}),
    ("challenges.edit", "POST", "draft_edit", {**ISSUER, "enterprise": 422, "member": 422}),
    ("challenges.download", "GET", "attachment", ISSUER_OR_STAFF_SEES),
    ("challenges.upload", "POST", "upload", {**ISSUER, "enterprise": 303, "member": 303}),
    ("challenges.amend", "GET", "amend", ISSUER),
    ("challenges.amend", "POST", "amend", {**ISSUER, "enterprise": 422, "member": 422}),
    ("challenges.amend", "GET", "draft_amend", {**ISSUER, "enterprise": 200, "member": 200}),
    # Asking needs a researcher; an empty question is sent back with a message (303).
    ("challenges.ask", "POST", "ask_open", {**signed_in(403), "researcher": 303}),
    (
        "challenges.ask",
        "POST",
        "ask_draft",
        {
            **signed_in(404),
            "anonymous": LOGIN,
            "enterprise": 403,
            "member": 403,
            "staff": 403,
            "admin": 403,
        },
    ),
    (
        "challenges.answer",
        "POST",
        "answer",
        {**signed_in(404), "enterprise": 303, "member": 303, "staff": 303, "admin": 303},
    ),
    ("challenges.review_queue", "GET", "/staff/challenges", STAFF_ONLY),
    ("challenges.import_upload", "GET", "/staff/import", STAFF_ONLY),
    ("challenges.import_template", "GET", "/staff/import/template.xlsx", STAFF_ONLY),
    ("challenges.import_preview", "POST", "/staff/import/preview", staff_do(400)),
    ("challenges.import_confirm", "POST", "/staff/import/confirm", staff_do(400)),
    ("challenges.decide", "POST", "approve", staff_do(302)),
    ("challenges.decide", "POST", "cancel_empty", staff_do(303)),
    ("challenges.decide_amendment", "POST", "reject_amendment", staff_do(302)),
    # Bids: the researcher's organisation has a submitted bid on the open challenge; it is
    # sealed, so everyone else gets the same 404 as for a bid that does not exist.
    ("bids.detail", "GET", "bid", {**signed_in(404), "researcher": 200}),
    ("bids.edit", "GET", "bid_edit", {**signed_in(403), "researcher": 200}),
    ("bids.edit", "POST", "bid_edit", {**signed_in(403), "researcher": 409}),  # stale form
    ("bids.receipt", "GET", "bid_receipt", {**signed_in(403), "researcher": 200}),
    ("bids.receipt_download", "GET", "bid_receipt_file", {**signed_in(403), "researcher": 200}),
    ("bids.download", "GET", "bid_attachment", {**signed_in(404), "researcher": 200}),
    ("bids.upload", "POST", "bid_upload", {**signed_in(403), "researcher": 303}),
    ("bids.mine", "GET", "/my/bids", {**signed_in(403), "researcher": 200}),
    (
        "bids.for_challenge",
        "GET",
        "open_bids",
        {**signed_in(404), "enterprise": 200, "member": 200, "staff": 200, "admin": 200},
    ),
    ("search.thesaurus", "GET", "/staff/settings/thesaurus", STAFF_ONLY),
    ("search.thesaurus", "POST", "/staff/settings/thesaurus", staff_do(422)),
    (
        "search.remove_thesaurus_entry",
        "POST",
        "/staff/settings/thesaurus/999999/delete",
        staff_do(404),
    ),
    ("workdays.holidays", "GET", "/staff/settings/holidays", STAFF_ONLY),
    ("workdays.holidays", "POST", "/staff/settings/holidays", staff_do(422)),
    ("workdays.remove_holiday", "POST", "/staff/settings/holidays/999999/delete", staff_do(404)),
    ("review.my_profile", "GET", "/expert/profile", {**signed_in(403), "expert": 200}),
    ("review.my_profile", "POST", "/expert/profile", {**signed_in(403), "expert": 422}),
    ("review.experts", "GET", "/staff/experts", STAFF_ONLY),
    ("review.edit_profile", "GET", "expert_profile", {**STAFF_ONLY, "expert": 200}),
    ("review.edit_profile", "POST", "expert_profile", {**staff_do(422), "expert": 422}),
    ("review.edit_profile", "GET", "other_expert_profile", {**STAFF_ONLY, "expert": 404}),
    # Awards, 公示 and projects (the whole flow by role: tests/awards/test_access.py).
    ("awards.notices", "GET", "/notices", every(200)),
    ("awards.notice", "GET", "/notices/999999", every(404)),
    ("awards.file_objection", "POST", "/notices/999999/objections", every(404)),
    ("awards.propose", "GET", "award_propose", STAFF_ONLY),
    ("awards.propose", "POST", "award_propose", staff_do(422)),
    ("awards.fail", "POST", "award_fail", staff_do(422)),
    ("awards.staff_award", "GET", "/staff/awards/999999", staff_do(404)),
    ("awards.confirm", "POST", "/staff/awards/999999/confirm", staff_do(404)),
    ("awards.revoke", "POST", "/staff/awards/999999/revoke", staff_do(404)),
    ("awards.resolve", "POST", "/staff/objections/999999/resolve", staff_do(404)),
    ("awards.evidence", "GET", "/staff/objections/999999/evidence/999999", staff_do(404)),
    (
        "awards.repost",
        "POST",
        "repost_open",
        {**signed_in(403), **dict.fromkeys(["enterprise", "member", "other_enterprise"], 404)},
    ),
    ("projects.detail", "GET", "/projects/999999", signed_in(404)),
    # The 任务书, the public list and 赛马 (the flow by role: tests/projects/test_project_pages.py).
    ("projects.public_list", "GET", "/projects", every(200)),
    ("projects.task_book", "GET", "/projects/999999/task-book", signed_in(404)),
    ("projects.task_book_pdf", "GET", "/projects/999999/task-book.pdf", signed_in(404)),
    ("projects.confirm_task_book", "POST", "/projects/999999/task-book/confirm", signed_in(404)),
    ("projects.edit_task_book", "GET", "/projects/999999/task-book/edit", staff_do(404)),
    ("projects.edit_task_book", "POST", "/projects/999999/task-book/edit", staff_do(404)),
    ("projects.adjust_plan", "GET", "/projects/999999/plan/adjust", staff_do(404)),
    ("projects.adjust_plan", "POST", "/projects/999999/plan/adjust", staff_do(404)),
    ("projects.decide_race", "POST", "/projects/999999/race/decide", staff_do(404)),
    # Milestones, extensions, 验收 (the flow by role: tests/projects/test_milestones*.py).
    ("projects.milestone", "GET", "/projects/milestones/999999", signed_in(404)),
    ("projects.report_milestone", "POST", "/projects/milestones/999999/report", signed_in(404)),
    ("projects.sign_off", "POST", "/projects/milestones/999999/sign-off", signed_in(404)),
    ("projects.return_report", "POST", "/projects/milestones/999999/return", signed_in(404)),
    ("projects.inspect", "POST", "/projects/milestones/999999/inspection", signed_in(404)),
    ("projects.review_milestone", "POST", "/projects/milestones/999999/review", signed_in(404)),
    ("projects.report_attachment", "GET", "/projects/report-attachments/999999", signed_in(404)),
    ("projects.extension", "GET", "/projects/999999/extension", signed_in(404)),
    ("projects.extension", "POST", "/projects/999999/extension", signed_in(404)),
    ("projects.decide_extension", "POST", "/projects/extensions/999999/decide", signed_in(404)),
    ("projects.acceptance", "GET", "/projects/999999/acceptance", signed_in(404)),
    ("projects.start_acceptance", "POST", "/projects/999999/acceptance/start", signed_in(404)),
    ("projects.judge_acceptance", "POST", "/projects/999999/acceptance/judge", signed_in(404)),
    ("projects.final_account", "POST", "/projects/999999/final-account", signed_in(404)),
    ("projects.terminate", "POST", "/projects/999999/terminate", signed_in(404)),
    # The ledger: staff only (real projects by role: tests/projects/test_ledger_pages.py).
    ("projects.finance", "GET", "/staff/finance", STAFF_ONLY),
    ("projects.ledger_page", "GET", "/projects/999999/ledger", staff_do(404)),
    ("projects.record_receipt", "POST", "/projects/999999/funds/receipts", staff_do(404)),
    ("projects.record_repayment", "POST", "/projects/999999/funds/repayments", staff_do(404)),
    ("projects.release", "POST", "/projects/999999/tranches/999999/release", staff_do(404)),
    ("projects.reverse", "POST", "/projects/999999/movements/999999/reverse", staff_do(404)),
    # Statistics: the staff dashboard, and the public figures.
    ("stats.dashboard", "GET", "/staff/dashboard", STAFF_ONLY),
    ("stats.public_stats", "GET", "/stats", every(200)),
    # Review panels: the open challenge is before its deadline (full flow: tests/review).
    ("review.panel", "GET", "panel", STAFF_ONLY),
    ("review.pick", "POST", "panel/pick", staff_do(303)),
    ("review.draw", "POST", "panel/draw", staff_do(303)),
    ("review.form", "POST", "panel/form", staff_do(303)),
    ("review.remove", "POST", "panel/members/999999/remove", staff_do(404)),
    ("review.shortlist", "POST", "panel/shortlist", staff_do(404)),
    ("review.correct", "POST", "panel/corrections", staff_do(404)),
    ("review.rubric", "GET", "panel/rubric", staff_do(404)),
    ("review.rubric", "POST", "panel/rubric", staff_do(404)),
    ("review.defence", "GET", "panel/defence", staff_do(404)),
    ("review.defence", "POST", "panel/defence", staff_do(404)),
    ("review.defence_notes", "POST", "panel/defence/999999/notes", staff_do(404)),
    ("review.my_reviews", "GET", "/expert/reviews", {**signed_in(403), "expert": 200}),
    (
        "review.declaration",
        "GET",
        "/expert/reviews/999999/declaration",
        {**signed_in(403), "expert": 404},
    ),
    (
        "review.declaration",
        "POST",
        "/expert/reviews/999999/declaration",
        {**signed_in(403), "expert": 404},
    ),
    ("review.score", "GET", "review_score", {**signed_in(403), "expert": 404}),
    ("review.score", "POST", "review_score", {**signed_in(403), "expert": 404}),
    (
        "review.opinion",
        "GET",
        "bid_opinion",
        {**signed_in(403), **dict.fromkeys(["enterprise", "member", "other_enterprise"], 404)},
    ),
    (
        "review.opinion",
        "POST",
        "bid_opinion",
        {**signed_in(403), **dict.fromkeys(["enterprise", "member", "other_enterprise"], 404)},
    ),
    ("integrity.public_list", "GET", "/integrity", every(200)),
    ("integrity.mine", "GET", "/my/integrity", signed_in(200)),
    ("integrity.repair", "GET", "/my/integrity/999999/repair", signed_in(404)),
    ("integrity.repair", "POST", "/my/integrity/999999/repair", signed_in(404)),
    ("integrity.evidence", "GET", "/integrity/repairs/999999/evidence", signed_in(404)),
    ("integrity.staff_records", "GET", "/staff/integrity", STAFF_ONLY),
    ("integrity.staff_records", "POST", "/staff/integrity", staff_do(422)),
    ("integrity.staff_repair", "GET", "/staff/integrity/repairs/999999", staff_do(404)),
    ("integrity.staff_repair", "POST", "/staff/integrity/repairs/999999", staff_do(404)),
    # Teams: profiles and achievements of the researcher's organisation, public and private.
    ("teams.index", "GET", "/teams", every(200)),
    ("teams.detail", "GET", "team", every(200)),
    ("teams.detail", "GET", "team_private", INSIDER_OR_STAFF_SEES_TEAM),
    ("teams.mine", "GET", "/my/teams", RESEARCHER_ONLY),
    ("teams.create", "GET", "/teams/new", RESEARCHER_ONLY),
    ("teams.create", "POST", "/teams/new", {**RESEARCHER_ONLY, "researcher": 422}),
    ("teams.edit", "GET", "team_edit", RESEARCHER_ONLY),
    ("teams.edit", "POST", "team_edit", {**RESEARCHER_ONLY, "researcher": 422}),
    ("teams.achievements", "GET", "/achievements", every(200)),
    ("teams.achievement", "GET", "achievement", every(200)),
    ("teams.achievement", "GET", "achievement_private", INSIDER_OR_STAFF_SEES_TEAM),
    ("teams.create_achievement", "GET", "/achievements/new", RESEARCHER_ONLY),
    (
        "teams.create_achievement",
        "POST",
        "/achievements/new",
        {**RESEARCHER_ONLY, "researcher": 422},
    ),
    ("teams.edit_achievement", "GET", "achievement_edit", RESEARCHER_ONLY),
    ("teams.edit_achievement", "POST", "achievement_edit", {**RESEARCHER_ONLY, "researcher": 422}),
    ("bids.start", "POST", "start_bid", {**signed_in(403), "researcher": 302}),
    ("bids.withdraw", "POST", "bid_withdraw", {**signed_in(403), "researcher": 302}),
    ("challenges.submit", "POST", "submit", {**ISSUER, "enterprise": 302, "member": 302}),
    (
        "challenges.delete_attachment",
        "POST",
        "delete_attachment",
        {**ISSUER, "enterprise": 302, "member": 302},
    ),
    (
        "accounts.decide_member",
        "POST",
        "decide_member",
        {**signed_in(404), "anonymous": LOGIN, "enterprise": 302, "staff": 302, "admin": 302},
    ),
    # Exports (tests/exports): staff only; the open challenge's bids are sealed and it has no
    # panel yet, so even staff get 409 for those two.
    ("exports.index", "GET", "/staff/exports", STAFF_ONLY),
    ("exports.challenges", "GET", "/staff/exports/challenges.xlsx?status=open", STAFF_ONLY),
    ("exports.projects", "GET", "/staff/exports/projects.xlsx", STAFF_ONLY),
    ("exports.milestones", "GET", "/staff/exports/milestones.xlsx", STAFF_ONLY),
    ("exports.ledger", "GET", "/staff/exports/ledger.xlsx", STAFF_ONLY),
    ("exports.bids", "GET", "export_bids", staff_do(409)),
    ("exports.scores", "GET", "export_scores", staff_do(409)),
    # Open data and the API (tests/api): public JSON for everyone, /me only with a token (a
    # browser session is not one); tokens for organisation users.
    ("api.index", "GET", "/api/v1/", every(200)),
    ("api.openapi", "GET", "/api/v1/openapi.json", every(200)),
    ("api.challenges", "GET", "/api/v1/challenges", every(200)),
    ("api.awards", "GET", "/api/v1/awards", every(200)),
    ("api.projects", "GET", "/api/v1/projects", every(200)),
    ("api.payments", "GET", "/api/v1/payments", every(200)),
    ("api.ocds_releases", "GET", "/api/v1/ocds/releases.json", every(200)),
    ("api.my_bids", "GET", "/api/v1/me/bids", every(401)),
    ("api.my_projects", "GET", "/api/v1/me/projects", every(401)),
    ("api.open_data", "GET", "/open-data", every(200)),
    ("api.csv_download", "GET", "/open-data/challenges.csv", every(200)),
    ("api.token_list", "GET", "/account/tokens", {**ENTERPRISES, "researcher": 200}),
    (
        "api.token_create",
        "POST",
        "/account/tokens",
        {
            **signed_in(403),
            **dict.fromkeys(["enterprise", "member", "other_enterprise", "researcher"], 422),
        },
    ),
    (
        "api.token_revoke",
        "POST",
        "/account/tokens/999999/revoke",
        {
            **signed_in(403),
            **dict.fromkeys(["enterprise", "member", "other_enterprise", "researcher"], 404),
        },
    ),
    ("accounts.logout", "POST", "/logout", every(302)),
]

PDF = b"%PDF-1.4\n%%EOF\n"


def _world(factory: Factory) -> dict:
    teams = TeamsFactory(factory)
    enterprise = factory.org_user(Role.ENTERPRISE)
    researcher = factory.org_user(Role.RESEARCHER)
    draft = factory.challenge(enterprise, stage="draft")
    stored = uploads.store_pdf(FileStorage(io.BytesIO(PDF), filename="a.pdf"), kind="challenges")
    attachment = ch.add_attachment(actor=enterprise, challenge_id=draft.id, stored=stored)
    open_ = factory.challenge(enterprise, stage="open")
    question = ch.ask_question(actor=researcher, challenge_id=open_.id, body="可以联合揭榜吗？")
    bid = bid_services.start_bid(actor=researcher, challenge_id=open_.id)
    bid_services.save_draft(
        actor=researcher,
        bid_id=bid.id,
        raw=bid_raw_from_form(MultiDict(bid_form(open_, researcher))),
        expected_version=bid.version_id,
    )
    stored = uploads.store_pdf(FileStorage(io.BytesIO(PDF), filename="b.pdf"), kind="bids")
    bid_attachment = bid_services.add_attachment(actor=researcher, bid_id=bid.id, stored=stored)
    bid_services.submit_bid(actor=researcher, bid_id=bid.id, idempotency_key="matrix")
    amendment = amendments.propose_amendment(
        actor=enterprise,
        challenge_id=open_.id,
        data=parse_challenge(challenge_raw(title="改名"), now=open_.published_at),
        reason="更准确",
    )
    return {
        "enterprise": enterprise,
        "member": factory.member(enterprise),
        "pending_member": factory.member(enterprise, approve=False),
        "other_enterprise": factory.org_user(Role.ENTERPRISE),
        "researcher": researcher,
        "expert": factory.expert(),
        "other_expert": factory.expert(),
        "staff": factory.staff(),
        "admin": factory.admin(),
        "draft": draft,
        "draft2": factory.challenge(enterprise, stage="draft"),
        "pending": factory.challenge(enterprise, stage="pending_review"),
        "open": open_,
        "cancelled": factory.challenge(enterprise, stage="cancelled"),
        "attachment": attachment,
        "question": question,
        "amendment": amendment,
        "bid": bid,
        "bid_attachment": bid_attachment,
        "open_b": factory.challenge(enterprise, stage="open"),
        "team": teams.profile(researcher),
        "team_private": teams.profile(researcher, is_public=""),
        "achievement": teams.achievement(researcher),
        "achievement_private": teams.achievement(researcher, is_public=""),
    }


def _url(key: str, w: dict) -> str:
    if key.startswith("/"):
        return key
    if key.startswith("panel"):
        return f"/staff/challenges/{w['open'].id}/{key}"
    return {
        "staff_org": f"/staff/organisations/{w['enterprise'].organisation_id}",
        "admin_user": f"/admin/users/{w['member'].id}",
        "decide_member": f"/org/members/{w['pending_member'].id}/approve",
        "draft": f"/challenges/{w['draft'].id}",
        "pending": f"/challenges/{w['pending'].id}",
        "open": f"/challenges/{w['open'].id}",
        "cancelled": f"/challenges/{w['cancelled'].id}",
        "draft_edit": f"/challenges/{w['draft'].id}/edit",
        "open_edit": f"/challenges/{w['open'].id}/edit",
        "attachment": f"/challenges/attachments/{w['attachment'].id}",
        "upload": f"/challenges/{w['draft'].id}/attachments",
        "amend": f"/challenges/{w['open'].id}/amend",
        "draft_amend": f"/challenges/{w['draft'].id}/amend",
        "ask_open": f"/challenges/{w['open'].id}/questions",
        "ask_draft": f"/challenges/{w['draft'].id}/questions",
        "answer": f"/questions/{w['question'].id}/answer",
        "approve": f"/staff/challenges/{w['pending'].id}/approve",
        "cancel_empty": f"/staff/challenges/{w['open'].id}/cancel",
        "reject_amendment": f"/staff/amendments/{w['amendment'].id}/reject",
        "submit": f"/challenges/{w['draft2'].id}/submit",
        "delete_attachment": f"/challenges/attachments/{w['attachment'].id}/delete",
        "bid": f"/bids/{w['bid'].id}",
        "bid_edit": f"/bids/{w['bid'].id}/edit",
        "bid_receipt": f"/bids/{w['bid'].id}/receipt/1",
        "bid_receipt_file": f"/bids/{w['bid'].id}/receipt/1/download",
        "bid_attachment": f"/bids/attachments/{w['bid_attachment'].id}",
        "bid_upload": f"/bids/{w['bid'].id}/attachments",
        "bid_withdraw": f"/bids/{w['bid'].id}/withdraw",
        "open_bids": f"/challenges/{w['open'].id}/bids",
        "export_bids": f"/staff/exports/challenges/{w['open'].id}/bids.xlsx",
        "export_scores": f"/staff/exports/challenges/{w['open'].id}/scores.xlsx",
        "start_bid": f"/challenges/{w['open_b'].id}/bid",
        "expert_profile": f"/experts/{w['expert'].id}/profile",
        "review_score": f"/expert/reviews/bids/{w['bid'].id}",
        "award_propose": f"/staff/challenges/{w['open'].id}/award",
        "award_fail": f"/staff/challenges/{w['open'].id}/fail",
        "repost_open": f"/challenges/{w['open'].id}/repost",
        "bid_opinion": f"/bids/{w['bid'].id}/opinion",
        "other_expert_profile": f"/experts/{w['other_expert'].id}/profile",
        "team": f"/teams/{w['team'].id}",
        "team_private": f"/teams/{w['team_private'].id}",
        "team_edit": f"/teams/{w['team'].id}/edit",
        "achievement": f"/achievements/{w['achievement'].id}",
        "achievement_private": f"/achievements/{w['achievement_private'].id}",
        "achievement_edit": f"/achievements/{w['achievement'].id}/edit",
    }[key]


def test_every_route_is_in_the_access_table(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {(endpoint, method) for endpoint, method, _, _ in ACCESS}
    assert routes - listed == set(), "new routes need a row in ACCESS"
    assert listed - routes == set(), "ACCESS lists routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, factory: Factory, login, role):
    world = _world(factory)
    if role != "anonymous":
        login(client, world[role])
    failures = []
    for _endpoint, method, key, expected in ACCESS:
        url = _url(key, world)
        resp = client.open(url, method=method, data={} if method == "POST" else None)
        if resp.status_code != expected[role]:
            failures.append(
                f"{method} {url} ({key}): {resp.status_code}, expected {expected[role]}"
            )
        resp.close()
    assert not failures, f"as {role}:\n" + "\n".join(failures)
