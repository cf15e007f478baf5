"""What the award pages read: notices, the proposal page, objections for staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

from ..accounts.models import Organisation, User
from ..bids.models import Bid, BidStatus
from ..challenges.models import Challenge
from ..review import services as review
from ..units import SHANGHAI
from ..workdays.services import publicity_window, unknown_year_warning
from . import services
from .models import (
    LIVE_AWARD,
    Award,
    AwardShare,
    ChallengeFailure,
    Objection,
    ObjectionAttachment,
)


@dataclass
class ShareRow:
    share: AwardShare
    bid: Bid
    organisation: Organisation
    leader: User | None


@dataclass
class Notice:
    award: Award
    challenge: Challenge
    shares: list[ShareRow]
    starts_on: date  # the first counted day
    panel: Any = None  # review.panel_summary, when the setting shows it
    ranking: list = field(default_factory=list)  # (RankedBid, Bid, Organisation)


def share_rows(s: Session, award_id: int) -> list[ShareRow]:
    rows = []
    for share in services.shares_of(s, award_id):
        bid = s.get(Bid, share.bid_id)
        rows.append(
            ShareRow(
                share,
                bid,
                s.get(Organisation, share.organisation_id),
                s.get(User, bid.leader_id) if bid.leader_id else None,
            )
        )
    return rows


def _ranking_rows(s: Session, challenge_id: int) -> list[tuple]:
    rows = []
    for ranked in review.ranking(s, challenge_id):
        bid = s.get(Bid, ranked.bid_id)
        rows.append((ranked, bid, s.get(Organisation, bid.organisation_id)))
    return rows


def notice(s: Session, award: Award, *, show_panel: bool) -> Notice:
    """The notice of an award; the panel and scores only when ``show_panel``."""
    result = Notice(
        award=award,
        challenge=s.get(Challenge, award.challenge_id),
        shares=share_rows(s, award.id),
        starts_on=award.opened_at.astimezone(SHANGHAI).date() + timedelta(days=1),
    )
    if show_panel:
        result.panel = review.panel_summary(s, award.challenge_id)
        result.ranking = _ranking_rows(s, award.challenge_id)
    return result


def public_awards(s: Session) -> list[tuple[Award, Challenge]]:
    """Every award ever proposed, newest first (revoked ones stay on the record)."""
    return list(
        s.exec(
            select(Award, Challenge)
            .join(Challenge, Challenge.id == Award.challenge_id)
            .order_by(Award.opened_at.desc(), Award.id.desc())
        ).all()
    )


def public_failures(s: Session) -> list[tuple[ChallengeFailure, Challenge]]:
    return list(
        s.exec(
            select(ChallengeFailure, Challenge)
            .join(Challenge, Challenge.id == ChallengeFailure.challenge_id)
            .order_by(ChallengeFailure.failed_at.desc())
        ).all()
    )


def own_objections(s: Session, award_id: int, user) -> list[Objection]:
    """The current user's own objections on this award (what they filed and its answer)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        s.exec(
            select(Objection)
            .where(Objection.award_id == award_id, Objection.objector_id == user.id)
            .order_by(Objection.id)
        ).all()
    )


@dataclass
class StaffObjection:
    objection: Objection
    objector: User
    organisation: Organisation | None
    evidence: list[ObjectionAttachment]


def objections_for_staff(s: Session, award_id: int) -> list[StaffObjection]:
    rows = s.exec(select(Objection).where(Objection.award_id == award_id).order_by(Objection.id))
    return [
        StaffObjection(
            o,
            s.get(User, o.objector_id),
            s.get(Organisation, o.organisation_id) if o.organisation_id else None,
            list(
                s.exec(
                    select(ObjectionAttachment).where(ObjectionAttachment.objection_id == o.id)
                ).all()
            ),
        )
        for o in rows
    ]


def window_warnings(award: Award) -> list[str]:
    """For staff: years the window reaches that nobody has entered, and whether the holiday
    table now gives a different end than the one published."""
    window = publicity_window(award.opened_at, award.working_days)
    warnings = [unknown_year_warning(y) for y in window.unknown_years]
    if window.last_day != award.last_day:
        warnings.append(
            _(
                "按现在的节假日表计算，公示期应至 %(day)s（公告上为 %(published)s）。"
                "如需更正，请撤销后重新提出。",
                day=window.last_day.isoformat(),
                published=award.last_day.isoformat(),
            )
        )
    return warnings


@dataclass
class ProposalPage:
    scoring_closed: bool
    ranking: list  # (RankedBid, Bid, Organisation)
    shortlisted: list[tuple[Bid, Organisation]]
    live: Award | None
    failure: ChallengeFailure | None
    history: list[Award]


def proposal_page(s: Session, challenge: Challenge) -> ProposalPage:
    closed = review.scoring_closed(s, challenge.id)
    shortlisted = []
    for bid_id in review.shortlisted_bid_ids(s, challenge.id):
        bid = s.get(Bid, bid_id)
        if bid is not None and bid.status is BidStatus.SHORTLISTED:
            shortlisted.append((bid, s.get(Organisation, bid.organisation_id)))
    return ProposalPage(
        scoring_closed=closed,
        ranking=_ranking_rows(s, challenge.id) if closed else [],
        shortlisted=shortlisted,
        live=services.live_award(s, challenge.id),
        failure=services.failure_of(s, challenge.id),
        history=list(
            s.exec(
                select(Award)
                .where(Award.challenge_id == challenge.id, Award.status.not_in(LIVE_AWARD))
                .order_by(Award.id.desc())
            ).all()
        ),
    )
