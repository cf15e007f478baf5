"""The project page: read-only for now, for the parties and staff."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from .. import db
from ..accounts.models import Organisation, User
from ..awards.models import Award
from ..awards.queries import share_rows
from ..bids.models import Bid
from ..challenges.models import Challenge
from ..security import login_required
from . import services
from .access import can_view
from .blueprint import bp
from .models import Project


@bp.get("/projects/<int:project_id>")
@login_required
def detail(project_id: int):
    s = db.session()
    project = s.get(Project, project_id)
    if project is None or not can_view(s, current_user, project):
        abort(404)
    return render_template(
        "projects/detail.html",
        project=project,
        challenge=s.get(Challenge, project.challenge_id),
        award=s.get(Award, project.award_id),
        shares=share_rows(s, project.award_id),
        bid=s.get(Bid, project.bid_id) if project.bid_id else None,
        organisation=s.get(Organisation, project.organisation_id)
        if project.organisation_id
        else None,
        leader=s.get(User, project.leader_id) if project.leader_id else None,
    )


@bp.app_template_global("project_of_award")
def project_of_award_global(award_id: int):
    """The project a confirmed award became (None before confirmation)."""
    return services.project_of_award(db.session(), award_id)
