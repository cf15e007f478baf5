"""Staff downloads: each list as .xlsx or .csv, with the list's filters (everyone else: 403)."""

from __future__ import annotations

from flask import abort, render_template, request

from .. import db
from ..accounts.models import Role
from ..challenges.models import Challenge, Industry, Phase
from ..parsing import MAX_ID
from ..projects.ledger_models import MovementKind
from ..projects.milestone_models import MilestoneStatus
from ..projects.models import FundingSource, ProjectStatus
from ..security import roles_required
from . import project_sheets, sheets, writers
from .blueprint import bp

FORMAT = "<any(xlsx, csv):fmt>"


def _download(sheet: sheets.Sheet, rows, fmt: str):
    return writers.download(sheet.columns, rows, fmt, title=str(sheet.title), slug=sheet.slug)


def _challenge_or_404(challenge_id: int) -> Challenge:
    challenge = db.session().get(Challenge, challenge_id) if challenge_id <= MAX_ID else None
    if challenge is None:
        abort(404)
    return challenge


@bp.get("/staff/exports")
@roles_required(Role.STAFF)
def index():
    return render_template(
        "exports/index.html",
        phases=Phase.choices(),
        industries=Industry.choices(),
        project_statuses=ProjectStatus.choices(),
        milestone_statuses=MilestoneStatus.choices(),
        sources=FundingSource.choices(),
        movement_kinds=MovementKind.choices(),
        year=sheets.today().year,
    )


@bp.get(f"/staff/exports/challenges.{FORMAT}")
@roles_required(Role.STAFF)
def challenges(fmt: str):
    filters = sheets.ChallengeFilters.from_args(request.args)
    return _download(sheets.CHALLENGES, sheets.challenge_rows(db.session(), filters), fmt)


@bp.get(f"/staff/exports/challenges/<int:challenge_id>/bids.{FORMAT}")
@roles_required(Role.STAFF)
def bids(challenge_id: int, fmt: str):
    challenge = _challenge_or_404(challenge_id)
    return _download(sheets.BIDS, sheets.bid_rows(db.session(), challenge), fmt)


@bp.get(f"/staff/exports/challenges/<int:challenge_id>/scores.{FORMAT}")
@roles_required(Role.STAFF)
def scores(challenge_id: int, fmt: str):
    challenge = _challenge_or_404(challenge_id)
    return _download(sheets.SCORES, sheets.score_rows(db.session(), challenge), fmt)


@bp.get(f"/staff/exports/projects.{FORMAT}")
@roles_required(Role.STAFF)
def projects(fmt: str):
    filters = project_sheets.ProjectFilters.from_args(request.args)
    return _download(
        project_sheets.PROJECTS, project_sheets.project_rows(db.session(), filters), fmt
    )


@bp.get(f"/staff/exports/milestones.{FORMAT}")
@roles_required(Role.STAFF)
def milestones(fmt: str):
    filters = project_sheets.MilestoneFilters.from_args(request.args)
    return _download(
        project_sheets.MILESTONES, project_sheets.milestone_rows(db.session(), filters), fmt
    )


@bp.get(f"/staff/exports/ledger.{FORMAT}")
@roles_required(Role.STAFF)
def ledger(fmt: str):
    filters = project_sheets.LedgerFilters.from_args(request.args)
    return _download(project_sheets.LEDGER, project_sheets.ledger_rows(db.session(), filters), fmt)
