"""An OCDS 1.1 release package of the public record (Open Contracting Data Standard).

One release per public challenge, carrying every stage it has reached:

- challenge (榜单) → ``tender``: its budget, bidding period and status;
- a live award (公示 or confirmed) → one ``awards`` entry per awarded team (赛马: several);
- project (项目) → ``contracts``, with ``implementation.milestones`` (the 任务书's key nodes)
  and ``implementation.transactions`` (released tranches, one per funding source);
- ``parties``: the bureau (procuring entity, funder and payer of the subsidy), the issuing
  enterprise (buyer and payer of its own funds) and the winning teams (supplier, payee).

Nothing sealed is published: the number of tenderers appears only once the deadline has passed,
and no bidder who did not win is named. Amounts are in yuan (OCDS ``Value.amount``), exactly
converted from integer fen.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import current_app, url_for
from sqlmodel import Session

from ..accounts.models import Organisation
from ..awards.models import AwardStatus
from ..bids.access import is_sealed
from ..challenges.models import Challenge, Phase
from ..projects.milestone_models import OPEN as OPEN_MILESTONE
from ..projects.milestone_models import Milestone, MilestoneStatus
from ..projects.models import CLOSED as CLOSED_PROJECT
from ..projects.models import Project, ProjectStatus
from . import queries

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
CURRENCY = "CNY"
BUREAU_ID = "bureau"
# The org-id.guide scheme of the 统一社会信用代码 (China's unified social credit identifier).
USCC_SCHEME = "CN-USCC"

TENDER_STATUS = {
    Phase.OPEN: "active",
    Phase.CLOSED: "active",
    Phase.IN_REVIEW: "active",
    Phase.AWARDED: "complete",
    Phase.FAILED: "unsuccessful",
    Phase.CANCELLED: "cancelled",
}
AWARD_STATUS = {AwardStatus.PUBLICITY: "pending", AwardStatus.CONFIRMED: "active"}


def amount(fen: int | None) -> dict | None:
    if fen is None:
        return None
    yuan = Decimal(int(fen)) / 100
    value = int(yuan) if yuan == yuan.to_integral_value() else float(yuan)
    return {"amount": value, "currency": CURRENCY}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _contract_status(project: Project) -> str:
    if project.status is ProjectStatus.TASK_BOOK:
        return "pending"
    if project.status in CLOSED_PROJECT:
        return "terminated"
    return "active"


def _milestone_status(milestone: Milestone) -> str:
    if milestone.status is MilestoneStatus.ACCEPTED:
        return "met"
    if milestone.status is MilestoneStatus.CANCELLED:
        return "notMet"
    return "scheduled"


def _party_id(org_id: int) -> str:
    return f"org-{org_id}"


class _Parties:
    def __init__(self, publisher: str):
        self.rows: dict[str, dict] = {
            BUREAU_ID: {
                "id": BUREAU_ID,
                "name": publisher,
                "roles": ["procuringEntity", "funder", "payer"],
            }
        }

    def add(self, org: Organisation, *roles: str) -> dict:
        pid = _party_id(org.id)
        row = self.rows.setdefault(
            pid,
            {
                "id": pid,
                "name": org.name,
                "identifier": {"scheme": USCC_SCHEME, "id": org.uscc, "legalName": org.name},
                "address": {"region": org.region, "countryName": "中国"},
                "roles": [],
            },
        )
        for role in roles:
            if role not in row["roles"]:
                row["roles"].append(role)
        return {"id": pid, "name": org.name}


def package(s: Session, *, page: int, per_page: int, now: datetime) -> tuple[dict, object]:
    """The release package of one page of public challenges, and the page itself."""
    cfg = current_app.config
    prefix = cfg["OCDS_OCID_PREFIX"]
    publisher = cfg["OPEN_DATA_PUBLISHER"]
    result = queries.ocds_challenges(s, page=page, per_page=per_page)
    challenges: list[Challenge] = result.items
    ids = [c.id for c in challenges]
    awards = queries.live_awards_of(s, ids)
    shares = queries.shares_of(s, [a.id for a in awards.values()])
    projects = queries.projects_of_challenges(s, ids)
    project_ids = [p.id for ps in projects.values() for p in ps]
    milestones = queries.milestones_of(s, project_ids)
    tranches = queries.tranches_of(s, project_ids)
    counts = queries.submitted_bid_counts(s, ids)
    org_ids = {c.organisation_id for c in challenges}
    org_ids |= {sh.organisation_id for shs in shares.values() for sh in shs}
    org_ids |= {p.organisation_id for ps in projects.values() for p in ps}
    orgs = queries.organisations(s, org_ids)

    releases = []
    for challenge in challenges:
        parties = _Parties(publisher)
        ocid = f"{prefix}-{challenge.code}"
        issuer = orgs[challenge.organisation_id]
        buyer = parties.add(issuer, "buyer", "payer")
        phase = challenge.phase(now)
        tender = {
            "id": challenge.code,
            "title": challenge.title,
            "description": challenge.problem,
            "status": TENDER_STATUS[phase],
            "procuringEntity": {"id": BUREAU_ID, "name": publisher},
            "value": amount(challenge.budget_total_fen),
            "procurementMethod": "open",
            "procurementMethodDetails": "揭榜挂帅",
            "mainProcurementCategory": "services",
            "tenderPeriod": {
                "startDate": _iso(challenge.published_at),
                "endDate": _iso(challenge.deadline),
            },
        }
        if not is_sealed(challenge, now):
            tender["numberOfTenderers"] = counts.get(challenge.id, 0)
        tags = ["tender"]
        dates = [challenge.published_at]
        release: dict = {
            "ocid": ocid,
            "initiationType": "tender",
            "buyer": buyer,
            "tender": tender,
        }
        award = awards.get(challenge.id)
        if award is not None:
            tags.append("award")
            dates.append(award.decided_at or award.opened_at)
            release["awards"] = [
                {
                    "id": f"{award.id}-{share.position}",
                    "title": challenge.title,
                    "status": AWARD_STATUS[award.status],
                    "date": _iso(award.decided_at or award.opened_at),
                    "value": amount(share.amount_fen),
                    "suppliers": [parties.add(orgs[share.organisation_id], "supplier")],
                }
                for share in shares.get(award.id, [])
            ]
        contracts = []
        share_of_bid = {sh.bid_id: sh for sh in shares.get(award.id, [])} if award else {}
        for project in projects.get(challenge.id, []):
            share = share_of_bid.get(project.bid_id)
            team = orgs.get(project.organisation_id) if project.organisation_id else None
            payee = parties.add(team, "supplier", "payee") if team is not None else None
            transactions = []
            for tranche in tranches.get(project.id, []):
                dates.append(tranche.released_at)
                for source, fen, payer in (
                    ("subsidy", tranche.subsidy_fen, {"id": BUREAU_ID, "name": publisher}),
                    ("enterprise", tranche.enterprise_fen, buyer),
                ):
                    if fen:
                        transaction = {
                            "id": f"{project.number}-{tranche.position}-{source}",
                            "date": _iso(tranche.released_at),
                            "value": amount(fen),
                            "payer": payer,
                        }
                        if payee is not None:
                            transaction["payee"] = payee
                        transactions.append(transaction)
            contract = {
                "id": project.number,
                "awardID": f"{award.id}-{share.position}" if award and share else "",
                "title": project.title or challenge.title,
                "status": _contract_status(project),
                "value": amount(project.subsidy_fen + project.enterprise_fen),
                "implementation": {
                    "milestones": [
                        {
                            "id": f"{project.number}-M{m.position}",
                            "title": m.deliverable,
                            "type": "delivery",
                            "dueDate": f"{m.due_on.isoformat()}T00:00:00+08:00",
                            "status": _milestone_status(m),
                            **(
                                {"dateMet": _iso(m.accepted_at)}
                                if m.status is MilestoneStatus.ACCEPTED and m.accepted_at
                                else {}
                            ),
                        }
                        for m in milestones.get(project.id, [])
                    ],
                    "transactions": transactions,
                },
            }
            if project.start_on and project.end_on:
                contract["period"] = {
                    "startDate": f"{project.start_on.isoformat()}T00:00:00+08:00",
                    "endDate": f"{project.end_on.isoformat()}T23:59:59+08:00",
                }
            if project.task_book_confirmed_at:
                contract["dateSigned"] = _iso(project.task_book_confirmed_at)
                dates.append(project.task_book_confirmed_at)
            contracts.append(contract)
        if contracts:
            tags.append("contract")
            if any(c["implementation"]["transactions"] for c in contracts) or any(
                m.status not in OPEN_MILESTONE
                for p in projects.get(challenge.id, [])
                for m in milestones.get(p.id, [])
            ):
                tags.append("implementation")
            release["contracts"] = contracts
        latest = max(d for d in dates if d is not None)
        release["date"] = _iso(latest)
        release["id"] = f"{ocid}-{latest.strftime('%Y%m%dT%H%M%SZ')}"
        release["tag"] = tags
        release["language"] = "zh"
        release["parties"] = list(parties.rows.values())
        releases.append(release)

    body = {
        "uri": url_for("api.ocds_releases", page=page, per_page=per_page, _external=True),
        "version": "1.1",
        "publishedDate": _iso(now),
        "publisher": {"name": publisher},
        "license": LICENCE_URL,
        "publicationPolicy": url_for("api.open_data", _external=True),
        "releases": releases,
    }
    return body, result
