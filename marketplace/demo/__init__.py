"""Demo data for 临海市科技局's 揭榜挂帅 marketplace, loaded from the data files beside this module.

organisations.toml holds the bureau, enterprises, research organisations and people;
challenges.toml the enterprises' challenges (榜单) with their review history, 答疑 and
amendments; teams.toml the capability profiles and technology achievements; bids.toml the bids
(揭榜); integrity.toml the integrity records (科研诚信) and a 信用修复; review.toml the expert
profiles and a review half-way through scoring; awards.toml challenges reviewed to the end and
awarded (in 公示, single and 赛马; one confirmed, with its project) and a 流榜. Each file's
header says what its keys mean.

This is the one loader: it turns each entry into the raw input a form would send and creates
everything through the account, challenge, team, bid, integrity, review and award services in
one outer transaction, so the audit trail reads like real use.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
import uuid
from datetime import datetime, time, timedelta
from functools import cache
from importlib import resources

import click
from sqlmodel import Session, select
from stdnum.cn import uscc as uscc_std
from werkzeug.datastructures import FileStorage, MultiDict

from .. import audit, db, uploads
from ..accounts.actions import OrganisationAction
from ..accounts.models import Organisation, OrgKind, OrgStatus, Role, User
from ..accounts.services import (
    create_user,
    decide_membership,
    register_organisation,
    request_membership,
    review_organisation,
)
from ..bids import services as bids
from ..bids.forms import raw_from_form
from ..bids.models import Bid, BidVersion
from ..challenges import services as challenges
from ..challenges.amendments import decide_amendment, propose_amendment
from ..challenges.models import Challenge, ChallengeStatus
from ..challenges.schemas import deadline_local_text, parse_challenge
from ..challenges.services import indicators_of
from ..integrity import services as integrity
from ..integrity.models import Measure
from ..teams import services as teams
from ..teams.models import TeamProfile
from ..teams.schemas import parse_achievement, parse_profile
from ..units import SHANGHAI

DEMO_PASSWORD = "Linhai-Demo-2026"  # noqa: S105 (the published demo password)

# 行政区划代码 (characters 3–8 of a credit code) of the regions in organisations.toml.
_REGION_CODES = {
    "临海市": "331082",
    "椒江区": "331002",
    "黄岩区": "331003",
    "路桥区": "331004",
    "温岭市": "331081",
}
# GB 11714 weights of the organisation code embedded in characters 9–17.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Credit-code prefixes: 11 = 机关, 12 = 事业单位 (机构编制), 91 = 企业 (市场监管).
_GOVERNMENT, _INSTITUTION, _COMPANY = "11", "12", "91"

DEADLINE_TIME = time(17, 0)  # Beijing time, on the day deadline_in_days after loading


@cache
def data(name: str) -> dict:
    """One data file of this package (``organisations``, ``challenges``, ``teams``, ``bids``,
    ``integrity``, ``review``, ``awards``)."""
    with resources.files(__name__).joinpath(f"{name}.toml").open("rb") as f:
        return tomllib.load(f)


def make_uscc(prefix: str, region: str, seed: str) -> str:
    """Return a valid, deterministic 统一社会信用代码 for an invented organisation."""
    body = f"{int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**8:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    head = prefix + _REGION_CODES[region] + body + {10: "X", 11: "0"}.get(check, str(check))
    return uscc_std.validate(head + uscc_std.calc_check_digit(head))


# --- organisations and people ---------------------------------------------------------------


@db.transactional
def _create_bureau(s: Session, entry: dict) -> Organisation:
    """Create the bureau itself, verified; registration refuses the government kind."""
    org = Organisation(
        name=entry["name"],
        kind=OrgKind.GOVERNMENT,
        region=entry["region"],
        uscc=make_uscc(_GOVERNMENT, entry["region"], entry["name"]),
        status=OrgStatus.VERIFIED,
        reviewed_at=db.utcnow(),
    )
    s.add(org)
    s.flush()
    audit.record(
        s,
        actor="cli",
        action=OrganisationAction.CREATE,
        obj=org,
        after=org.snapshot(),
    )
    return org


def _appoint(person: dict, role: Role, org_id: int | None = None) -> User:
    return create_user(
        actor=None,
        email=person["email"],
        name=person["name"],
        password=DEMO_PASSWORD,
        role=role,
        organisation_id=org_id,
    )


def _register(entry: dict, reviewer: User, rejecter: User) -> User:
    """Register one organisation through the registration service; staff decide as recorded."""
    kind = OrgKind(entry["kind"])
    enterprise = kind is OrgKind.ENTERPRISE
    person = entry["registered_by"]
    user = register_organisation(
        org_name=entry["name"],
        kind=kind,
        region=entry["region"],
        uscc=make_uscc(_COMPANY if enterprise else _INSTITUTION, entry["region"], entry["name"]),
        email=person["email"],
        name=person["name"],
        password=DEMO_PASSWORD,
        role=Role.ENTERPRISE if enterprise else Role.RESEARCHER,
    )
    status = OrgStatus(entry["status"])
    if status is OrgStatus.VERIFIED:
        review_organisation(actor=reviewer, org_id=user.organisation_id, approve=True)
    elif status is OrgStatus.REJECTED:
        review_organisation(
            actor=rejecter,
            org_id=user.organisation_id,
            approve=False,
            note=entry["rejection_reason"],
        )
    elif status is not OrgStatus.PENDING:
        raise ValueError(f"demo organisation {entry['name']!r}: no way to status {status}")
    return user


def _join(s: Session, entry: dict, org_admin: User) -> list[User]:
    """The researchers who ask to join ``entry``'s organisation; its admin decides."""
    uscc = s.get(Organisation, org_admin.organisation_id).uscc
    joined = []
    for person in entry.get("joiner", ()):
        joiner = request_membership(
            uscc=uscc,
            email=person["email"],
            name=person["name"],
            password=DEMO_PASSWORD,
            role=Role.RESEARCHER,
        )
        if person["approved"]:
            joiner = decide_membership(actor=org_admin, user_id=joiner.id, approve=True)
        joined.append(joiner)
    return joined


# --- challenges -----------------------------------------------------------------------------


def _deadline_text(now: datetime, days: int) -> str:
    """17:00 Beijing time, ``days`` days after ``now``, as a form would send it."""
    day = (now.astimezone(SHANGHAI) + timedelta(days=days)).date()
    return deadline_local_text(datetime.combine(day, DEADLINE_TIME, SHANGHAI))


def _challenge_raw(entry: dict, issuer: User, now: datetime, days: int) -> dict:
    """The raw form input for one [[challenge]]; the issuer is the contact person."""
    consortium = entry.get("consortium_max")
    return {
        **{key: entry.get(key, "") for key in ("title", "problem", "background", "deliverables")},
        "field": entry["field"],
        "budget_total": entry["budget_total"],
        "enterprise_funds": entry["enterprise_funds"],
        "subsidy_requested": entry["subsidy_requested"],
        "period_months": str(entry["period_months"]),
        "deadline": _deadline_text(now, days),
        "eligible_kinds": entry["eligible_kinds"],
        "qualifications": entry.get("qualifications", ""),
        "consortium_allowed": "1" if consortium else "",
        "consortium_max": str(consortium or ""),
        "contact_name": issuer.name,
        "contact_email": issuer.email,
        "indicators": [
            {key: i[key] for key in ("name", "target", "unit", "verification")}
            for i in entry["indicators"]
        ],
    }


def _load_challenge(entry: dict, users: dict[str, User], reviewer: User, decider: User) -> None:
    """Create one challenge and take it, through the services, to its recorded status."""
    issuer = users[entry["issuer"]]
    status = ChallengeStatus(entry["status"])
    if status not in (
        ChallengeStatus.DRAFT,
        ChallengeStatus.PENDING_REVIEW,
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.CANCELLED,
    ):
        raise ValueError(f"demo challenge {entry['title']!r}: no way to status {status}")
    now = db.utcnow()
    days = entry["deadline_in_days"]
    raw = _challenge_raw(entry, issuer, now, days)
    challenge = challenges.create_challenge(actor=issuer, data=parse_challenge(raw, now=now))
    returned = "return_comment" in entry
    if returned and status is not ChallengeStatus.DRAFT:
        raise ValueError(f"demo challenge {entry['title']!r}: a returned challenge is a draft")
    if status is ChallengeStatus.DRAFT and not returned:
        return
    challenges.submit_challenge(actor=issuer, challenge_id=challenge.id)
    if returned:  # back to draft, with the reviewer's comments
        challenges.return_challenge(
            actor=reviewer, challenge_id=challenge.id, comment=entry["return_comment"]
        )
        return
    if status is ChallengeStatus.PENDING_REVIEW:
        return
    challenges.approve_challenge(actor=reviewer, challenge_id=challenge.id)
    for question in entry.get("question", ()):
        asked = challenges.ask_question(
            actor=users[question["asker"]], challenge_id=challenge.id, body=question["body"]
        )
        if "answer" in question:
            challenges.answer_question(
                actor=issuer, question_id=asked.id, answer=question["answer"]
            )
    if amendment := entry.get("amendment"):
        longer = _challenge_raw(entry, issuer, now, days + amendment["extra_days"])
        proposed = propose_amendment(
            actor=issuer,
            challenge_id=challenge.id,
            data=parse_challenge(longer, now=now),
            reason=amendment["reason"],
        )
        decide_amendment(
            actor=decider, amendment_id=proposed.id, approve=True, comment=amendment["decision"]
        )
    if status is ChallengeStatus.CANCELLED:
        challenges.cancel_challenge(
            actor=decider, challenge_id=challenge.id, reason=entry["cancel_reason"]
        )


# --- teams, achievements and bids -------------------------------------------------------------


def _profile_raw(entry: dict, leader: User) -> dict:
    """The raw profile form input for one [[profile]]."""
    return {
        **{
            key: entry[key]
            for key in (
                "team_name",
                "leader_title",
                "leader_field",
                "research_fields",
                "keywords",
                "equipment",
            )
        },
        "leader_name": leader.name,
        "is_public": "on" if entry.get("public", True) else "",
        "members": [{key: m[key] for key in ("name", "title", "role")} for m in entry["members"]],
        "works": [
            {key: w[key] for key in ("kind", "title", "number", "year")} for w in entry["works"]
        ],
    }


def _achievement_raw(entry: dict, team: TeamProfile | None) -> dict:
    """The raw achievement form input for one [[achievement]]."""
    return {
        "title": entry["title"],
        "field": entry["field"],
        "summary": entry["summary"],
        "trl": str(entry["trl"]),
        "ip_status": entry["ip_status"],
        "transfer_mode": entry["transfer_mode"],
        "asking_price": entry["asking_price"],
        "team_id": str(team.id) if team else "",
        "is_public": "on" if entry.get("public", True) else "",
    }


def _bid_form(entry: dict, leader: User, indicator_ids: list[int]) -> MultiDict:
    """The bid form as the browser posts it (rows as parallel lists, ticked boxes as "on")."""
    members, milestones = entry["members"], entry["milestones"]
    form: dict = {
        "leader_id": str(leader.id),
        "approach": entry["approach"],
        "prior_results": entry["prior_results"],
        "requested_amount": entry["requested"],
        "member_name": [m["name"] for m in members],
        "member_title": [m["title"] for m in members],
        "member_role": [m["role"] for m in members],
        "member_organisation": [m.get("organisation", "") for m in members],
        "milestone_deliverable": [m["deliverable"] for m in milestones],
        "milestone_month": [str(m["month"]) for m in milestones],
        "milestone_percent": [str(m["percent"]) for m in milestones],
    }
    # A draft may leave indicators unanswered; a submitted bid answers every one.
    for indicator_id, answer in zip(indicator_ids, entry["answers"], strict=False):
        form[f"answer_{indicator_id}"] = answer
    if not entry.get("draft"):
        form.update(eligibility_confirmed="on", integrity_confirmed="on")
    return MultiDict(form)


def _load_bid(s: Session, entry: dict, leader: User) -> None:
    """Start one bid, save it from the form, submit it (and its revision) unless a draft."""
    challenge = s.exec(select(Challenge).where(Challenge.title == entry["challenge"])).one()
    indicator_ids = [i.id for i in indicators_of(s, challenge.id)]
    draft = entry.get("draft", False)
    if not draft and len(entry["answers"]) != len(indicator_ids):
        raise ValueError(f"demo bid on {challenge.title!r} must answer every indicator")
    bid = bids.start_bid(actor=leader, challenge_id=challenge.id)
    versions = [entry, {**entry, **entry["revision"]}] if "revision" in entry else [entry]
    for version in versions:
        raw = raw_from_form(_bid_form(version, leader, indicator_ids))
        bids.save_draft(actor=leader, bid_id=bid.id, raw=raw, expected_version=bid.version_id)
        if not draft:
            bids.submit_bid(actor=leader, bid_id=bid.id, idempotency_key=uuid.uuid4().hex)


def _load_teams(s: Session, users: dict[str, User]) -> None:
    """Profiles, achievements and bids, each by its researcher."""
    profiles: dict[tuple[int, str], TeamProfile] = {}
    for entry in data("teams")["profile"]:
        leader = users[entry["leader"]]
        profile = teams.create_profile(
            actor=leader, data=parse_profile(_profile_raw(entry, leader))
        )
        profiles[leader.organisation_id, profile.team_name] = profile
    for entry in data("teams")["achievement"]:
        owner = users[entry["owner"]]
        team = profiles[owner.organisation_id, entry["team"]] if "team" in entry else None
        teams.create_achievement(actor=owner, data=parse_achievement(_achievement_raw(entry, team)))
    for entry in data("bids")["bid"]:
        _load_bid(s, entry, users[entry["leader"]])


# --- integrity records -------------------------------------------------------------------------


def _evidence_pdf(title: str) -> FileStorage:
    """A one-page PDF standing in for the scanned 整改报告 a subject would upload."""
    body = b"%PDF-1.4\n% demo evidence: " + title.encode("utf-8") + b"\n"
    body += b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    body += b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    body += b"trailer<</Root 1 0 R>>\n%%EOF\n"
    return FileStorage(io.BytesIO(body), filename="整改报告.pdf", content_type="application/pdf")


def _load_integrity(s: Session, users: dict[str, User], recorder: User, decider: User) -> None:
    """Each [[record]] recorded by the first officer; its repair applied for and approved."""
    for entry in data("integrity")["record"]:
        subject = {"user_id": users[entry["person"]].id} if "person" in entry else {
            "organisation_id": s.exec(
                select(Organisation.id).where(Organisation.name == entry["organisation"])
            ).one()
        }  # fmt: skip
        record = integrity.record_measure(
            actor=recorder,
            measure=Measure(entry["measure"]),
            period_years=entry.get("years"),
            starts_on=integrity.today() - timedelta(days=entry["started_days_ago"]),
            finding=entry["finding"].strip(),
            legal_basis=entry["legal_basis"],
            summary=entry["summary"],
            **subject,
        )
        if repair := entry.get("repair"):
            applied = uploads.receive(
                _evidence_pdf(entry["summary"]),
                kind=integrity.EVIDENCE_KIND,
                attach=lambda stored, r=record, e=repair: integrity.apply_for_repair(
                    actor=users[e["by"]], record_id=r.id, statement=e["statement"].strip(),
                    evidence=stored,
                ),
            )  # fmt: skip
            integrity.decide_repair(
                actor=decider, repair_id=applied.id, approve=True, reason=repair["decision"]
            )


# --- the expert pool and a review under way ----------------------------------------------------


def _load_review(s: Session, users: dict[str, User], staff: User) -> None:
    """Expert profiles, then each panel through the review services (see review.toml)."""
    from ..review import panels
    from ..review import services as review
    from ..review.schemas import local_today, parse_expert_profile

    entries = data("review")
    for entry in entries["profile"]:
        raw = {
            "industries": entry["fields"],
            "keywords": entry["keywords"],
            "organisation_name": entry["organisation"],
            "title": entry["title"],
            "availability": "available",
            "is_finance_expert": "on" if entry.get("finance") else "",
        }
        review.save_expert_profile(
            actor=staff,
            expert_id=users[entry["email"]].id,
            data=parse_expert_profile(raw, today=local_today()),
            expected_version=0,
        )
    for entry in entries.get("panel", ()):
        challenge = s.exec(select(Challenge).where(Challenge.title == entry["challenge"])).one()
        _move_back(s, challenge, days=entry["closed_days_ago"])
        draw = panels.draw_members(
            actor=staff, challenge_id=challenge.id, count=entry["size"], seed=entry["seed"]
        )
        panel = panels.form_panel(actor=staff, challenge_id=challenge.id)
        drawn = [s.get(User, expert_id) for expert_id in draw.drawn]
        for expert in drawn[: entry["declared"]]:
            panels.declare(actor=expert, panel_id=panel.id, no_conflict=True)
        bid_of = {
            users[e["leader"]].organisation_id: e["leader"]
            for e in data("bids")["bid"]
            if e["challenge"] == challenge.title
        }
        bid_ids = {bid_of[b.organisation_id]: b.id for b in panels.reviewed_bids(s, challenge.id)}
        if opinion := entry.get("opinion"):
            panels.save_opinion(
                actor=s.get(User, challenge.created_by_id),
                bid_id=bid_ids[opinion["bid"]],
                body=opinion["body"],
                expected_version=0,
            )
        for score in entry.get("score", ()):
            raw = {f"points_c{n}": str(p) for n, p in enumerate(score["points"], start=1)}
            panels.submit_score(
                actor=drawn[score["by"] - 1],
                bid_id=bid_ids[score["bid"]],
                raw={**raw, "comment": score["comment"]},
            )


def _move_back(s: Session, challenge: Challenge, *, days: int) -> None:
    """Shift a just-loaded challenge and its bids into the past, so its deadline has passed."""
    shift = (challenge.deadline - db.utcnow()) + timedelta(days=days)
    challenge.published_at -= shift
    challenge.deadline -= shift
    s.add(challenge)
    for bid in s.exec(select(Bid).where(Bid.challenge_id == challenge.id)):
        if bid.submitted_at is not None:
            bid.submitted_at -= shift
            s.add(bid)
        for version in s.exec(select(BidVersion).where(BidVersion.bid_id == bid.id)):
            version.submitted_at -= shift
            s.add(version)
    s.flush()


# --- awards (公示, confirmed with a project, 赛马) and a 流榜 ------------------------------


def _load_awards(s: Session, users: dict[str, User], reviewer: User, decider: User) -> None:
    """awards.toml: its challenges and bids, then each taken past its deadline to its outcome."""
    from ..awards.services import fail_challenge

    entries = data("awards")
    for entry in entries["challenge"]:
        _load_challenge(entry, users, reviewer, decider)
    for entry in entries["bid"]:
        _load_bid(s, entry, users[entry["leader"]])
    for entry in entries["challenge"]:
        challenge = s.exec(select(Challenge).where(Challenge.title == entry["title"])).one()
        if award := entry.get("award"):
            _award(s, challenge, award, users, reviewer)
        elif failure := entry.get("failure"):
            _move_back(s, challenge, days=failure["closed_days_ago"])
            fail_challenge(actor=decider, challenge_id=challenge.id, reason=failure["reason"])


def _award(s: Session, challenge: Challenge, entry: dict, users: dict, staff: User) -> None:
    """A full review (draw, form, declare, score, shortlist), then the award proposed and, for
    a confirmed one, its window moved back and the award confirmed."""
    from ..awards import services as awards
    from ..awards.schemas import parse_proposal
    from ..review import panels
    from ..workdays.services import publicity_window

    _move_back(s, challenge, days=entry["closed_days_ago"])
    draw = panels.draw_members(
        actor=staff, challenge_id=challenge.id, count=entry["size"], seed=entry["seed"]
    )
    panel = panels.form_panel(actor=staff, challenge_id=challenge.id)
    drawn = [s.get(User, expert_id) for expert_id in draw.drawn]
    for expert in drawn:
        panels.declare(actor=expert, panel_id=panel.id, no_conflict=True)
    bid_ids = {
        b.leader_id: b.id for b in s.exec(select(Bid).where(Bid.challenge_id == challenge.id))
    }
    for score in entry["score"]:
        raw = {f"points_c{n}": str(p) for n, p in enumerate(score["points"], start=1)}
        panels.submit_score(
            actor=drawn[score["by"] - 1],
            bid_id=bid_ids[users[score["bid"]].id],
            raw={**raw, "comment": score["comment"]},
        )
    panels.shortlist_bids(actor=staff, challenge_id=challenge.id, bid_ids=bid_ids.values())
    raw = {
        "kind": entry["kind"],
        "bid_id": [str(bid_ids[users[share["bid"]].id]) for share in entry["shares"]],
        "amount": [share["amount"] for share in entry["shares"]],
        "statement": entry["statement"].strip(),
    }
    award = awards.propose_award(actor=staff, challenge_id=challenge.id, data=parse_proposal(raw))
    if "confirmed_days_ago" in entry:
        # The window opened that many days ago and has run out, so staff may confirm.
        window = publicity_window(db.utcnow() - timedelta(days=entry["confirmed_days_ago"]))
        award.opened_at, award.ends_at = window.opened_at, window.ends_at
        award.last_day = window.last_day
        s.add(award)
        s.flush()
        awards.confirm_award(actor=staff, award_id=award.id)


# --- projects ---------------------------------------------------------------------------------


def _months_ago(months: int):
    from ..projects.plan import add_months, local_today

    return add_months(local_today(), -months)


def _start_project(s: Session, project, users: dict, staff: User, *, months_ago: int):
    """Staff set the 任务书's start date; the issuer, the 挂帅 leader and staff confirm it."""
    from ..projects import taskbook
    from ..projects.models import Project

    raw = {
        "start_on": _months_ago(months_ago).isoformat(),
        "first_tranche_percent": str(project.first_tranche_percent),
        "funding_mode": project.funding_mode.value,
        "leader_pledge": project.leader_pledge,
    }
    for row in taskbook.indicators_of(s, project.id):
        raw[f"target_{row.id}"] = row.target
    taskbook.save_task_book(
        actor=staff, project_id=project.id, raw=raw, expected_version=project.task_book_version
    )
    challenge = s.get(Challenge, project.challenge_id)
    issuer = s.exec(
        select(User).where(User.organisation_id == challenge.organisation_id).order_by(User.id)
    ).first()
    for actor in (issuer, s.get(User, project.leader_id), staff):
        taskbook.confirm_task_book(
            actor=actor, project_id=project.id, version=project.task_book_version
        )
    return s.get(Project, project.id), issuer


def _receive(project, staff: User, amount_fen: int, voucher: str) -> None:
    from ..projects import ledger

    ledger.record_receipt(
        actor=staff,
        project_id=project.id,
        amount_fen=amount_fen,
        received_on=_months_ago(0),
        voucher=voucher,
    )


def _release_pending(s: Session, project, staff: User, wanted, voucher: str) -> None:
    """The enterprise's part of the wanted tranches received (到账), then each released."""
    from ..projects import ledger
    from ..projects.ledger_models import Tranche, TrancheStatus

    pending = s.exec(
        select(Tranche)
        .where(Tranche.project_id == project.id, Tranche.status == TrancheStatus.PENDING)
        .order_by(Tranche.position)
    ).all()
    chosen = [t for t in pending if wanted(t)]
    if due := sum(t.enterprise_fen for t in chosen):
        _receive(project, staff, due, voucher)
    for tranche in chosen:
        ledger.release_tranche(
            actor=staff, tranche_id=tranche.id, idempotency_key=f"demo-{tranche.id}"
        )


def _report(s: Session, milestone, leader: User, issuer: User) -> None:
    from ..projects import milestones
    from ..projects.taskbook import indicators_of as project_indicators

    values = {
        str(row.id): f"{row.target_value:g}" for row in project_indicators(s, milestone.project_id)
    }
    stored = uploads.store_pdf(_evidence_pdf(milestone.deliverable), kind=milestones.EVIDENCE_KIND)
    milestones.report_milestone(
        actor=leader,
        milestone_id=milestone.id,
        delivered=f"{milestone.deliverable}：已按计划完成，测试报告见附件。",
        values=values,
        evidence=[stored],
    )
    milestones.sign_off_report(
        actor=issuer, milestone_id=milestone.id, comment="经现场核对，同意。"
    )


def _run_project(s: Session, project, entry: dict, users: dict, staff: User) -> None:
    """One demo project taken on through the 任务书, milestone, ledger and 验收 services."""
    from ..projects import acceptance, milestones
    from ..projects.ledger_models import TrancheKind
    from ..projects.milestone_models import Verdict
    from ..projects.plan import milestones_of
    from ..projects.taskbook import indicators_of as project_indicators
    from ..units import wan_to_fen

    project, issuer = _start_project(
        s, project, users, staff, months_ago=entry["started_months_ago"]
    )
    leader = s.get(User, project.leader_id)
    voucher = entry["voucher"]
    plan = milestones_of(s, project.id)
    for position in entry.get("accepted", []):
        milestone = plan[position - 1]
        _report(s, milestone, leader, issuer)
        milestones.review_milestone(
            actor=staff, milestone_id=milestone.id, passed=True, comment="交付成果符合任务书要求。"
        )
    accepted = {plan[p - 1].id for p in entry.get("accepted", [])}
    _release_pending(
        s,
        project,
        staff,
        lambda t: t.kind is TrancheKind.SIGNING or t.milestone_id in accepted,
        f"{voucher}-1",
    )
    if position := entry.get("failed"):
        milestone = plan[position - 1]
        _report(s, milestone, leader, issuer)
        milestones.review_milestone(
            actor=staff,
            milestone_id=milestone.id,
            passed=False,
            comment="中试装置未按期建成，产品盐纯度未达到阶段目标，限期整改。",
        )
    if position := entry.get("signed_off"):
        _report(s, plan[position - 1], leader, issuer)
        acceptance.start_acceptance(actor=staff, project_id=project.id)
        acceptance.file_final_account(
            actor=leader,
            project_id=project.id,
            spent_fen=wan_to_fen(entry["spent"]),
            statement="设备费、材料费和测试费按任务书执行，结余用于后续量产推广。",
        )
        results = {
            str(row.id): {"met": True, "value": f"{row.target_value:g}"}
            for row in project_indicators(s, project.id)
        }
        acceptance.judge_acceptance(
            actor=staff,
            project_id=project.id,
            verdict=Verdict(entry["verdict"]),
            results=results,
            reason="各项考核指标均已达到，验收通过。",
        )
        _release_pending(s, project, staff, lambda t: t.kind is TrancheKind.FINAL, f"{voucher}-2")


def _run_race(s: Session, entry: dict, users: dict, staff: User) -> None:
    """The 赛马 award in 公示 confirmed: one project per team, started, start-up funds paid."""
    from ..awards import services as awards
    from ..awards.models import Award
    from ..projects.ledger_models import TrancheKind
    from ..projects.services import projects_of_award
    from ..workdays.services import publicity_window

    challenge = s.exec(select(Challenge).where(Challenge.title == entry["title"])).one()
    award = s.exec(select(Award).where(Award.challenge_id == challenge.id)).one()
    now = db.utcnow()
    for days in range(9, 40):  # the latest window that has run out by now
        window = publicity_window(now - timedelta(days=days))
        if window.ends_at <= now:
            break
    award.opened_at, award.ends_at, award.last_day = (
        window.opened_at,
        window.ends_at,
        window.last_day,
    )
    s.add(award)
    s.flush()
    awards.confirm_award(actor=staff, award_id=award.id)
    for project in projects_of_award(s, award.id):
        project, _issuer = _start_project(s, project, users, staff, months_ago=0)
        _release_pending(
            s,
            project,
            staff,
            lambda t: t.kind is TrancheKind.RACE_STARTUP,
            f"{entry['voucher']}-{project.id}",
        )


def _load_projects(s: Session, users: dict[str, User], reviewer: User, decider: User) -> None:
    """projects.toml: awarded challenges whose projects run on, and the 赛马 race confirmed."""
    from ..projects.services import projects_of_award

    entries = data("projects")
    for entry in entries["challenge"]:
        _load_challenge(entry, users, reviewer, decider)
    for entry in entries["bid"]:
        _load_bid(s, entry, users[entry["leader"]])
    for entry in entries["challenge"]:
        challenge = s.exec(select(Challenge).where(Challenge.title == entry["title"])).one()
        _award(s, challenge, entry["award"], users, reviewer)
        from ..awards.models import Award

        award = s.exec(select(Award).where(Award.challenge_id == challenge.id)).one()
        (project,) = projects_of_award(s, award.id)
        _run_project(s, project, entry["project"], users, reviewer)
    _run_race(s, entries["race"], users, reviewer)


# --- the whole data set -----------------------------------------------------------------------


@db.transactional
def load_demo(s: Session) -> list[tuple[str, str, str]]:
    """Load the demo data set in one transaction; return (role, e-mail, name) per account."""
    people = data("organisations")
    bureau_entry = people["bureau"]
    if s.exec(select(Organisation.id).where(Organisation.name == bureau_entry["name"])).first():
        raise click.ClickException("demo data is already loaded; start from an empty database")
    bureau = _create_bureau(bureau_entry)
    staff = [_appoint(p, Role.STAFF, bureau.id) for p in bureau_entry["staff"]]
    admin = _appoint(people["admin"], Role.ADMIN)
    # The first officer reviews; the second turns registrations down, decides amendments, cancels.
    reviewer, decider = staff[0], staff[1]

    organisations = people["organisation"]
    org_admins = [_register(entry, reviewer, decider) for entry in organisations]
    # People join once every organisation is registered and reviewed.
    joiners = [u for e, a in zip(organisations, org_admins, strict=True) for u in _join(s, e, a)]
    experts = [_appoint(p, Role.EXPERT) for p in people["expert"]]

    accounts = [*staff, admin, *org_admins, *joiners, *experts]
    users = {u.email: u for u in accounts}
    for entry in data("challenges")["challenge"]:
        _load_challenge(entry, users, reviewer, decider)
    _load_teams(s, users)
    _load_integrity(s, users, reviewer, decider)
    _load_review(s, users, reviewer)
    _load_awards(s, users, reviewer, decider)
    _load_projects(s, users, reviewer, decider)
    return [(u.role.value, u.email, u.name) for u in accounts]
