"""Helpers for the milestone and 验收 tests, on top of P1's ``active_project`` fixture.

The team acts as the bid's 挂帅 leader (an approved member of the awarded organisation), the
issuer as the challenge's enterprise admin, staff as the review's staff member.
"""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage

from marketplace import db, uploads
from marketplace.projects import milestone_queries as q
from marketplace.projects import milestones as svc
from marketplace.projects.milestone_models import Milestone
from marketplace.projects.models import Project

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def pdf_file(name: str = "证明.pdf", data: bytes = PDF) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="application/pdf")


def milestones(world: dict) -> list[Milestone]:
    db.refresh_read_session()
    return q.milestones_of(db.session(), world["project"].id)


def fresh(model, row_id: int):
    db.refresh_read_session()
    return db.session().get(model, row_id)


def project_now(world: dict) -> Project:
    return fresh(Project, world["project"].id)


def values_for(milestone: Milestone, value: str = "95") -> dict[str, str]:
    """A measured value for every indicator due in the milestone."""
    return {str(i.id): value for i in q.due_indicators(db.session(), milestone.id)}


def report(world: dict, milestone: Milestone, *, evidence: int = 1, delivered: str = "样机完成"):
    stored = [
        uploads.store_pdf(pdf_file(f"报告{n}.pdf"), kind=svc.EVIDENCE_KIND) for n in range(evidence)
    ]
    return svc.report_milestone(
        actor=world["leader"],
        milestone_id=milestone.id,
        delivered=delivered,
        values=values_for(milestone),
        evidence=stored,
    )


def signed_off(world: dict, milestone: Milestone) -> None:
    """Reported by the team and signed off by the issuer: ready for staff."""
    report(world, milestone)
    svc.sign_off_report(actor=world["issuer"], milestone_id=milestone.id, comment="同意")


def accepted(world: dict, milestone: Milestone) -> None:
    signed_off(world, milestone)
    svc.review_milestone(actor=world["staff"], milestone_id=milestone.id, passed=True)


def failed(world: dict, milestone: Milestone, *, team_at_fault: bool = False) -> None:
    signed_off(world, milestone)
    svc.review_milestone(
        actor=world["staff"],
        milestone_id=milestone.id,
        passed=False,
        comment="指标未达到",
        team_at_fault=team_at_fault,
    )


def receive_all(world: dict) -> None:
    """The enterprise's whole commitment arrives (到账), so tranches may be released."""
    from marketplace.projects import ledger
    from marketplace.projects.models import FundingSource

    db.refresh_read_session()
    pid = world["project"].id
    open_fen = ledger.balances(db.session(), pid)[FundingSource.ENTERPRISE]
    amount = open_fen.committed - open_fen.received
    if amount > 0:
        ledger.record_receipt(
            actor=world["staff"], project_id=pid, amount_fen=amount, received_on=q.today(),
            voucher="PZ-001",
        )  # fmt: skip
