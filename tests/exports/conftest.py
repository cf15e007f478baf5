"""Export helpers: open a downloaded file the way a person's Excel would, and rows written
straight into the project, milestone and ledger tables (their services are built elsewhere)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlmodel import Session

from marketplace import db
from marketplace.awards.models import Award, AwardKind
from marketplace.projects.ledger_models import Account, Entry, Movement, MovementKind
from marketplace.projects.milestone_models import Milestone, MilestoneStatus
from marketplace.projects.models import FundingSource, Project, ProjectStatus

WAN = 1_000_000


def download(client, url: str):
    """GET a download, read in full inside the request (the conftest's client gives every
    request its own app context; a streamed body read later would have none)."""
    return client.get(url, buffered=True)


def xlsx_rows(resp) -> list[list]:
    """Every row of the first worksheet, as values (header first)."""
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(resp.get_data()))
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def xlsx_sheet(resp):
    return load_workbook(io.BytesIO(resp.get_data())).worksheets[0]


def csv_rows(resp) -> list[list[str]]:
    """The CSV as Excel on Chinese Windows reads it: UTF-8 because of the BOM."""
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    data = resp.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def make_project(challenge, staff, *, number: str, org_id: int, leader_id: int, **fields):
    """A project row for ``challenge`` (with an award row), committed; returns the project."""
    now = db.utcnow()
    with Session(db.engine(), expire_on_commit=False) as s:
        award = Award(
            challenge_id=challenge.id,
            kind=AwardKind.SINGLE,
            amount_fen=fields.get("subsidy_fen", 0) + fields.get("enterprise_fen", 0),
            opened_at=now,
            last_day=now.date(),
            ends_at=now,
            working_days=5,
            proposed_by_id=staff.id,
        )
        s.add(award)
        s.flush()
        project = Project(
            number=number,
            challenge_id=challenge.id,
            award_id=award.id,
            organisation_id=org_id,
            leader_id=leader_id,
            title=challenge.title,
            **fields,
        )
        if project.status is not ProjectStatus.TASK_BOOK:
            project.start_on = project.start_on or now.date()
            project.end_on = project.end_on or now.date() + timedelta(days=720)
            project.task_book_confirmed_at = now
        s.add(project)
        s.commit()
    db.refresh_read_session()
    return project


def add_milestone(project, *, position: int, due_on: date, status=MilestoneStatus.PLANNED, **kw):
    with Session(db.engine(), expire_on_commit=False) as s:
        milestone = Milestone(
            project_id=project.id,
            position=position,
            deliverable=kw.pop("deliverable", f"第{position}阶段成果"),
            month=kw.pop("month", 6 * position),
            due_on=due_on,
            percent=kw.pop("percent", 50),
            status=status,
            accepted_at=db.utcnow() if status is MilestoneStatus.ACCEPTED else None,
            **kw,
        )
        s.add(milestone)
        s.commit()
    return milestone


def add_movement(project, kind: MovementKind, legs, *, on: date, **kw) -> Movement:
    """A movement with its entries: ``legs`` are (source, account, amount in fen)."""
    assert sum(amount for _, _, amount in legs) == 0
    with Session(db.engine(), expire_on_commit=False) as s:
        movement = Movement(project_id=project.id, kind=kind, occurred_on=on, **kw)
        s.add(movement)
        s.flush()
        for source, account, amount in legs:
            s.add(
                Entry(
                    movement_id=movement.id,
                    project_id=project.id,
                    source=source,
                    account=account,
                    amount_fen=amount,
                )
            )
        s.commit()
    return movement


def commitment(project, subsidy_fen: int, enterprise_fen: int, *, on: date) -> Movement:
    return add_movement(
        project,
        MovementKind.COMMITMENT,
        [
            (FundingSource.SUBSIDY, Account.SPONSOR, -subsidy_fen),
            (FundingSource.SUBSIDY, Account.COMMITTED, subsidy_fen),
            (FundingSource.ENTERPRISE, Account.SPONSOR, -enterprise_fen),
            (FundingSource.ENTERPRISE, Account.COMMITTED, enterprise_fen),
        ],
        on=on,
    )
