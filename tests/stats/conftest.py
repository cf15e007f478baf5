"""A small world of challenges, bids, awards, projects, milestones and ledger rows.

Organisations and challenges come from the real services (the factory); what happens after
publication (bids, awards, projects, milestones, balanced ledger movements, integrity records)
is inserted as rows, so each figure on the dashboard can be checked against what was written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlmodel import Session

from marketplace import db
from marketplace.accounts.models import Organisation, Role
from marketplace.awards.models import Award, AwardKind, AwardShare, AwardStatus
from marketplace.bids.models import Bid, BidStatus
from marketplace.challenges.models import Challenge, ChallengeStatus
from marketplace.integrity.models import IntegrityRecord, Measure
from marketplace.projects.ledger_models import Account, MovementKind
from marketplace.projects.milestone_models import Milestone, MilestoneStatus
from marketplace.projects.models import FundingSource, Project, ProjectStatus
from marketplace.units import FEN_PER_WAN, SHANGHAI

from ..exports.conftest import add_movement, commitment

WAN = FEN_PER_WAN
_numbers = count(1)

SUB, ENT = FundingSource.SUBSIDY, FundingSource.ENTERPRISE


def today() -> date:
    return db.utcnow().astimezone(SHANGHAI).date()


class World:
    """Writes rows the way the services leave them."""

    def __init__(self, factory):
        self.factory = factory
        self.staff = factory.staff()

    def session(self) -> Session:
        return Session(db.engine(), expire_on_commit=False)

    def add(self, *rows):
        with self.session() as s:
            for row in rows:
                s.add(row)
            s.commit()
            for row in rows:
                s.refresh(row)
        db.refresh_read_session()
        return rows[0] if len(rows) == 1 else rows

    def org(self, role: Role, *, region: str = "临海市", name: str | None = None):
        user = self.factory.org_user(role, org_name=name)
        with self.session() as s:
            org = s.get(Organisation, user.organisation_id)
            org.region = region
            s.add(org)
            s.commit()
        db.refresh_read_session()
        return user

    def challenge(self, issuer, *, stage="open", status=None, published_at=None, **raw):
        c = self.factory.challenge(issuer, stage=stage, **raw)
        if status is None and published_at is None:
            return c
        with self.session() as s:
            row = s.get(Challenge, c.id)
            if status is not None:
                row.status = status
            if published_at is not None:
                row.published_at = published_at
            s.add(row)
            s.commit()
            s.refresh(row)
        db.refresh_read_session()
        return row

    def bid(self, challenge, team, *, status=BidStatus.SUBMITTED):
        submitted = status is not BidStatus.DRAFT
        return self.add(
            Bid(
                number=f"T-{next(_numbers)}",
                challenge_id=challenge.id,
                organisation_id=team.organisation_id,
                created_by_id=team.id,
                status=status,
                submitted_version=1 if submitted else 0,
                submitted_at=db.utcnow() if submitted else None,
                withdrawn_at=db.utcnow() if status is BidStatus.WITHDRAWN else None,
            )
        )

    def award(self, challenge, bid, amount_fen, *, status=AwardStatus.CONFIRMED, remainder=0):
        now = db.utcnow()
        award = self.add(
            Award(
                challenge_id=challenge.id,
                kind=AwardKind.SINGLE,
                status=status,
                amount_fen=amount_fen,
                remainder_fen=remainder,
                opened_at=now,
                last_day=today(),
                ends_at=now,
                working_days=5,
                proposed_by_id=self.staff.id,
            )
        )
        self.add(
            AwardShare(
                award_id=award.id,
                bid_id=bid.id,
                organisation_id=bid.organisation_id,
                position=1,
                amount_fen=amount_fen,
            )
        )
        return award

    def project(self, challenge, award, bid, *, status=ProjectStatus.ACTIVE, sub=0, ent=0):
        return self.add(
            Project(
                number=f"LHXM-2026-{next(_numbers):04d}",
                challenge_id=challenge.id,
                award_id=award.id,
                bid_id=bid.id,
                organisation_id=bid.organisation_id,
                status=status,
                title=challenge.title,
                start_on=today() - timedelta(days=200),
                end_on=today() + timedelta(days=500),
                task_book_confirmed_at=db.utcnow(),
                subsidy_fen=sub,
                enterprise_fen=ent,
            )
        )

    def milestone(
        self, project, position, due_on, *, status=MilestoneStatus.PLANNED, accepted_at=None
    ):
        return self.add(
            Milestone(
                project_id=project.id,
                position=position,
                deliverable=f"第{position}阶段成果",
                month=position * 6,
                due_on=due_on,
                percent=25,
                status=status,
                accepted_at=accepted_at,
            )
        )

    def movement(self, project, kind: MovementKind, *legs, reverses=None):
        """A movement whose entries (source, account, fen) sum to zero (the exports' helper)."""
        m = add_movement(
            project,
            kind,
            legs,
            on=today(),
            reverses_id=reverses.id if reverses else None,
            reason="重复记账" if reverses else "",
        )
        db.refresh_read_session()
        return m

    def commitment(self, project, sub: int, ent: int):
        m = commitment(project, sub, ent, on=today())
        db.refresh_read_session()
        return m

    def release(self, project, sub: int, ent: int):
        """A tranche paid out: both sources leave committed, the enterprise's out of received."""
        return self.movement(
            project,
            MovementKind.RELEASE,
            (SUB, Account.COMMITTED, -sub),
            (SUB, Account.RELEASED, sub),
            (ENT, Account.COMMITTED, -ent),
            (ENT, Account.RELEASED, ent),
            (ENT, Account.RECEIVED, -ent),
            (ENT, Account.PAYER, ent),
        )


@pytest.fixture
def world(app, factory):
    """Five challenges in two regions, two industries and two years (see the comments)."""
    w = World(factory)
    linhai = w.org(Role.ENTERPRISE, region="临海市", name="临海制药")
    jiaojiang = w.org(Role.ENTERPRISE, region="椒江区", name="椒江新材")
    team1 = w.org(Role.RESEARCHER, name="灵湖学院")
    team2 = w.org(Role.RESEARCHER, name="台州研究院")
    secret_team = w.org(Role.RESEARCHER, name="未中选的秘密团队")

    # C1: 临海, materials, 2026, awarded 250 万 to team1, active project with money moving.
    c1 = w.challenge(
        linhai,
        status=ChallengeStatus.AWARDED,
        title="高镍正极连续化制备",
        budget_total="300",
        enterprise_funds="200",
        subsidy_requested="100",
    )
    b11 = w.bid(c1, team1)
    w.bid(c1, secret_team, status=BidStatus.NOT_AWARDED)
    a1 = w.award(c1, b11, 250 * WAN)
    p1 = w.project(c1, a1, b11, sub=100 * WAN, ent=150 * WAN)
    w.commitment(p1, 100 * WAN, 150 * WAN)
    w.movement(
        p1, MovementKind.RECEIPT, (ENT, Account.PAYER, -90 * WAN), (ENT, Account.RECEIVED, 90 * WAN)
    )
    w.release(p1, 30 * WAN, 45 * WAN)
    # A release booked twice by mistake, then reversed: it counts nowhere.
    twice = w.movement(
        p1,
        MovementKind.RELEASE,
        (SUB, Account.COMMITTED, -7 * WAN),
        (SUB, Account.RELEASED, 7 * WAN),
    )
    w.movement(
        p1,
        MovementKind.REVERSAL,
        (SUB, Account.COMMITTED, 7 * WAN),
        (SUB, Account.RELEASED, -7 * WAN),
        reverses=twice,
    )
    t = today()
    due1 = t - timedelta(days=60)
    due2 = t - timedelta(days=30)
    # 23:59 Beijing on the due day: on time; 00:30 Beijing the day after: late.
    on_time_at = datetime.combine(due1, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(
        hours=23, minutes=59
    )
    late_at = datetime.combine(due2 + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI)
    late_at += timedelta(minutes=30)
    w.milestone(
        p1, 1, due1, status=MilestoneStatus.ACCEPTED, accepted_at=on_time_at.astimezone(UTC)
    )
    w.milestone(p1, 2, due2, status=MilestoneStatus.ACCEPTED, accepted_at=late_at.astimezone(UTC))
    overdue = w.milestone(p1, 3, t - timedelta(days=10), status=MilestoneStatus.REPORTED)
    w.milestone(p1, 4, t, status=MilestoneStatus.PLANNED)  # due today: not overdue yet

    # C2: 椒江, pharma, published in 2025, awarded 400 万 to team2, project completed and paid.
    c2 = w.challenge(
        jiaojiang,
        status=ChallengeStatus.AWARDED,
        field="pharma",
        published_at=datetime(2025, 6, 1, 4, 0, tzinfo=UTC),
        title="缓释制剂",
        budget_total="500",
        enterprise_funds="250",
        subsidy_requested="250",
    )
    b2 = w.bid(c2, team2)
    a2 = w.award(c2, b2, 400 * WAN)
    p2 = w.project(c2, a2, b2, status=ProjectStatus.COMPLETED, sub=200 * WAN, ent=200 * WAN)
    w.commitment(p2, 210 * WAN, 200 * WAN)
    # 10 万 of the subsidy promised too much, cancelled.
    w.movement(
        p2,
        MovementKind.CANCELLATION,
        (SUB, Account.SPONSOR, 10 * WAN),
        (SUB, Account.COMMITTED, -10 * WAN),
    )
    w.movement(
        p2,
        MovementKind.RECEIPT,
        (ENT, Account.PAYER, -200 * WAN),
        (ENT, Account.RECEIVED, 200 * WAN),
    )
    w.release(p2, 200 * WAN, 200 * WAN)
    # 50 万 of the subsidy recorded as due back (追回), 20 万 of it repaid: still paid out.
    w.movement(
        p2,
        MovementKind.RECOVERY_DUE,
        (SUB, Account.RELEASED, -50 * WAN),
        (SUB, Account.DUE_BACK, 50 * WAN),
    )
    w.movement(
        p2,
        MovementKind.REPAYMENT,
        (SUB, Account.DUE_BACK, -20 * WAN),
        (SUB, Account.RECOVERED, 20 * WAN),
    )
    w.milestone(
        p2,
        1,
        t - timedelta(days=100),
        status=MilestoneStatus.ACCEPTED,
        accepted_at=db.utcnow() - timedelta(days=120),
    )

    # C3: 临海, pharma, 2026, 流榜 (its only bid was withdrawn).
    c3 = w.challenge(
        linhai,
        status=ChallengeStatus.FAILED,
        field="pharma",
        title="原料药结晶",
        budget_total="100",
        enterprise_funds="50",
        subsidy_requested="50",
    )
    w.bid(c3, team1, status=BidStatus.WITHDRAWN)
    # C4: 临海, materials, a draft never submitted: counts nowhere.
    w.challenge(linhai, stage="draft", title="未提交的草稿")
    # C5: 椒江, materials, published 01:00 on 1 January 2026 in Beijing (still 2025 in UTC).
    c5 = w.challenge(
        jiaojiang,
        published_at=datetime(2025, 12, 31, 17, 0, tzinfo=UTC),
        title="碳纤维复合材料",
        budget_total="80",
        enterprise_funds="40",
        subsidy_requested="40",
    )
    w.bid(c5, team1)

    # Integrity: a bar in force, a warning (never "in force"), a bar that has ended.
    w.add(
        IntegrityRecord(
            organisation_id=secret_team.organisation_id,
            finding="数据造假",
            measure=Measure.BAR,
            period_years=1,
            starts_on=t - timedelta(days=30),
            ends_on=t + timedelta(days=300),
            created_by_id=w.staff.id,
        ),
        IntegrityRecord(
            user_id=team2.id,
            finding="迟交报告",
            measure=Measure.WARNING,
            starts_on=t - timedelta(days=30),
            created_by_id=w.staff.id,
        ),
        IntegrityRecord(
            organisation_id=team1.organisation_id,
            finding="旧事",
            measure=Measure.BAR,
            period_years=1,
            starts_on=t - timedelta(days=800),
            ends_on=t - timedelta(days=435),
            created_by_id=w.staff.id,
        ),
    )
    return {
        "w": w,
        "staff": w.staff,
        "c": [c1, c2, c3, c5],
        "projects": [p1, p2],
        "overdue": overdue,
        "teams": [team1, team2, secret_team],
        "issuers": [linhai, jiaojiang],
    }
