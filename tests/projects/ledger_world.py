"""A cheap world for ledger tests: projects and milestones inserted as rows, the money through
the real ledger.

The task book's own path (P1's ``active_project`` fixture) goes through review and award and
costs seconds; property tests and the 50-tranche concurrency test need many projects, so they
insert started projects directly and record their commitments with ``ledger.record_commitments``.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.awards.models import Award, AwardKind, AwardStatus
from marketplace.projects import ledger
from marketplace.projects.ledger_models import Movement, Tranche, TrancheKind
from marketplace.projects.milestone_models import Milestone, MilestoneStatus
from marketplace.projects.models import Project, ProjectKind, ProjectStatus

WAN = 1_000_000  # fen in 1 万元


class LedgerWorld:
    """Staff, an issuer, a 挂帅 leader, one challenge and award, and projects on demand."""

    def __init__(self, factory):
        self.factory = factory
        self.staff = factory.staff()
        self.issuer = factory.org_user(Role.ENTERPRISE)
        self.leader = factory.org_user(Role.RESEARCHER)
        self.challenge = factory.challenge(self.issuer, stage="draft")
        self.award_id = self._award()
        self._n = 0

    @db.transactional
    def _award(s: Session, self) -> int:
        now = db.utcnow()
        award = Award(
            challenge_id=self.challenge.id,
            kind=AwardKind.SINGLE,
            status=AwardStatus.CONFIRMED,
            amount_fen=1000 * WAN,
            opened_at=now,
            last_day=now.date(),
            ends_at=now,
            working_days=5,
            proposed_by_id=self.staff.id,
        )
        s.add(award)
        s.flush()
        return award.id

    def project(
        self,
        *,
        subsidy: int = 70 * WAN,
        enterprise: int = 30 * WAN,
        milestones: list[tuple[int, int]] | None = None,
        percent: int = 30,
        kind: ProjectKind = ProjectKind.SINGLE,
    ) -> Project:
        """An ACTIVE project whose 任务书 was confirmed: ``percent`` of each source on signing,
        the rest over ``milestones`` ((subsidy, enterprise) each; default two halves)."""
        if milestones is None:
            rest_s = subsidy - subsidy * percent // 100
            rest_e = enterprise - enterprise * percent // 100
            milestones = [(rest_s // 2, rest_e // 2), (rest_s - rest_s // 2, rest_e - rest_e // 2)]
        if kind is ProjectKind.RACE:
            milestones = []
        self._n += 1
        return self._insert(subsidy, enterprise, milestones, percent, kind, self._n)

    @db.transactional
    def _insert(s: Session, self, subsidy, enterprise, milestones, percent, kind, n):
        today = date.today()
        project = Project(
            number=f"LHXM-T-{self.award_id}-{n:04d}",
            challenge_id=self.challenge.id,
            award_id=self.award_id,
            kind=kind,
            organisation_id=self.leader.organisation_id,
            leader_id=self.leader.id,
            status=ProjectStatus.ACTIVE,
            title=f"测试项目{n}",
            start_on=today,
            end_on=today + timedelta(days=365),
            subsidy_fen=subsidy,
            enterprise_fen=enterprise,
            first_tranche_percent=percent,
            task_book_confirmed_at=db.utcnow(),
        )
        s.add(project)
        s.flush()
        for i, (m_s, m_e) in enumerate(milestones, start=1):
            s.add(
                Milestone(
                    project_id=project.id,
                    position=i,
                    deliverable=f"第{i}阶段成果",
                    month=6 * i,
                    due_on=today + timedelta(days=180 * i),
                    percent=50,
                    subsidy_fen=m_s,
                    enterprise_fen=m_e,
                    final=i == len(milestones),
                )
            )
        s.flush()
        ledger.record_commitments(s, project, actor=self.staff)
        return project

    # --- moving rows the way the milestone services would --------------------------------------

    @db.transactional
    def accept(s: Session, self, milestone_id: int) -> None:
        milestone = s.get(Milestone, milestone_id)
        milestone.status = MilestoneStatus.ACCEPTED
        milestone.accepted_at = db.utcnow()

    @db.transactional
    def set_status(s: Session, self, project_id: int, status: ProjectStatus) -> None:
        project = s.get(Project, project_id)
        project.status = status
        if status is ProjectStatus.TERMINATED:
            project.terminated_at = db.utcnow()

    @db.transactional
    def terminate(s: Session, self, project_id: int, *, at_fault: bool) -> None:
        """What P3's termination does to the money."""
        project = s.get(Project, project_id)
        project.status = ProjectStatus.TERMINATED
        project.terminated_at = db.utcnow()
        project.team_at_fault = at_fault
        ledger.cancel_remaining(s, project, actor=self.staff, reason="二次评审未通过")
        if at_fault:
            ledger.record_recovery_due(s, project, actor=self.staff, reason="团队责任")

    # --- reading ----------------------------------------------------------------------------

    @staticmethod
    def tranches(project_id: int) -> list[Tranche]:
        db.refresh_read_session()
        return (
            db.session()
            .exec(
                select(Tranche).where(Tranche.project_id == project_id).order_by(Tranche.position)
            )
            .all()
        )

    @staticmethod
    def milestones(project_id: int) -> list[Milestone]:
        db.refresh_read_session()
        return (
            db.session()
            .exec(
                select(Milestone)
                .where(Milestone.project_id == project_id)
                .order_by(Milestone.position)
            )
            .all()
        )

    @staticmethod
    def movements(project_id: int) -> list[Movement]:
        db.refresh_read_session()
        return (
            db.session()
            .exec(select(Movement).where(Movement.project_id == project_id).order_by(Movement.id))
            .all()
        )

    def tranche_of(self, project_id: int, kind: TrancheKind) -> Tranche:
        return next(t for t in self.tranches(project_id) if t.kind is kind)
