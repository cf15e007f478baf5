"""The dashboard's and /stats' figures: each one SQL aggregate over the records themselves.

Years are the challenge's (its publication in Beijing time; a challenge never published counts
in the year it was created), so a year's row follows that year's challenges through award,
funding and delivery. Money is integer fen throughout.

Committed, received and released are sums of ledger entries (``ledger_models.Entry``), with
the meaning ``projects.ledger.Balance`` gives them (a test holds the two equal):
- committed (已承诺): what the sources promised, net of cancellations: SPONSOR negated;
- released (兑现, 已拨付): paid to teams in total, RELEASED + DUE_BACK + RECOVERED (money due
  back was still paid out);
- received (到账): enterprise funds that arrived in total: the enterprise's RECEIVED (not yet
  paid out) plus what of it was released.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Integer, and_, case, cast, exists, or_
from sqlmodel import Session, func, select

from ..accounts.models import REGIONS, Organisation
from ..awards.models import LIVE_AWARD, Award, AwardShare
from ..bids.models import SUBMITTED_OR_LATER, Bid
from ..challenges.models import Challenge, ChallengeStatus, Industry
from ..integrity.models import BARRING, IntegrityRecord, Measure
from ..integrity.services import in_force_conditions
from ..projects.ledger_models import Account, Entry
from ..projects.milestone_models import OPEN, Milestone, MilestoneStatus
from ..projects.models import FundingSource, Project, ProjectStatus

# How each ledger figure is read from the entries: (condition on the entry, sign), summed.
_PAID = (Account.RELEASED, Account.DUE_BACK, Account.RECOVERED)
LEDGER_FIGURES = {
    "committed": (Entry.account == Account.SPONSOR, -1),
    "received": (
        and_(
            Entry.source == FundingSource.ENTERPRISE,
            Entry.account.in_((Account.RECEIVED, *_PAID)),
        ),
        1,
    ),
    "released": (Entry.account.in_(_PAID), 1),
}
PROJECT_FAILED = (ProjectStatus.NOT_PASSED, ProjectStatus.TERMINATED)
BID_BUCKETS = 5  # 0, 1, 2, 3, 4, "5 or more" bids
TOP = 10
OVERDUE_LIST_MAX = 100


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; each narrows the challenges every figure is drawn from."""

    year: int | None = None
    industry: Industry | None = None
    region: str | None = None

    @classmethod
    def from_args(cls, args, *, years: Iterable[int] = ()) -> Filters:
        """Read the filters from query arguments; unknown values are ignored, never an error."""
        raw_year = (args.get("year") or "").strip()
        industry = args.get("industry")
        region = args.get("region")
        return cls(
            year=int(raw_year) if raw_year in {str(y) for y in years} else None,
            industry=Industry(industry) if industry in Industry._value2member_map_ else None,
            region=region if region in REGIONS else None,
        )

    def args(self) -> dict[str, str]:
        out = {}
        if self.year is not None:
            out["year"] = str(self.year)
        if self.industry is not None:
            out["industry"] = self.industry.value
        if self.region is not None:
            out["region"] = self.region
        return out


NO_FILTERS = Filters()


# --- expressions that differ between SQLite and PostgreSQL --------------------------------


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name


def local_year(s: Session, column):
    """The calendar year (Beijing) of a UTC timestamp column, as an integer expression."""
    if _dialect(s) == "sqlite":
        return cast(func.strftime("%Y", column, "+8 hours"), Integer)
    return cast(func.extract("year", func.timezone("Asia/Shanghai", column)), Integer)


def local_date(s: Session, column):
    """The calendar day (Beijing) of a UTC timestamp column, comparable with a Date column."""
    if _dialect(s) == "sqlite":
        return func.date(column, "+8 hours")
    return cast(func.timezone("Asia/Shanghai", column), Date)


def challenge_year(s: Session):
    return local_year(s, func.coalesce(Challenge.published_at, Challenge.created_at))


def _scoped(s: Session, query, f: Filters):
    """``query`` (which reaches Challenge) narrowed to the filters' challenges."""
    if f.industry is not None:
        query = query.where(Challenge.field == f.industry)
    if f.region is not None:
        query = query.where(
            Challenge.organisation_id.in_(
                select(Organisation.id).where(Organisation.region == f.region)
            )
        )
    if f.year is not None:
        query = query.where(challenge_year(s) == f.year)
    return query


def years(s: Session) -> list[int]:
    """The years that have challenges, newest first (the year filter's choices)."""
    year = challenge_year(s)
    return [int(y) for y in s.exec(select(year).distinct().order_by(year.desc())).all()]


# --- the pipeline --------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    key: str
    count: int
    of_previous: float | None  # conversion from the stage before, 0–1


@dataclass(frozen=True)
class Pipeline:
    stages: list[Stage]
    failed: int  # 流榜
    cancelled: int  # 撤榜
    projects_failed: int  # 验收不通过 or terminated


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def pipeline(s: Session, f: Filters = NO_FILTERS) -> Pipeline:
    """Posted → published → bid on → awarded → completed, and the ways out, in one query."""
    bid_on = exists().where(Bid.challenge_id == Challenge.id, Bid.status.in_(SUBMITTED_OR_LATER))
    completed = exists().where(
        Project.challenge_id == Challenge.id, Project.status == ProjectStatus.COMPLETED
    )
    project_failed = exists().where(
        Project.challenge_id == Challenge.id, Project.status.in_(PROJECT_FAILED)
    )
    published = Challenge.published_at.is_not(None)

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = s.exec(
        _scoped(
            s,
            select(
                count_if(or_(Challenge.submitted_at.is_not(None), published)),
                count_if(published),
                count_if(and_(published, bid_on)),
                count_if(Challenge.status == ChallengeStatus.AWARDED),
                count_if(completed),
                count_if(Challenge.status == ChallengeStatus.FAILED),
                count_if(Challenge.status == ChallengeStatus.CANCELLED),
                count_if(project_failed),
            ),
            f,
        )
    ).one()
    counts = [int(n) for n in row]
    keys = ["posted", "published", "bid_on", "awarded", "completed"]
    stages = [
        Stage(key, counts[i], _ratio(counts[i], counts[i - 1]) if i else None)
        for i, key in enumerate(keys)
    ]
    return Pipeline(stages, failed=counts[5], cancelled=counts[6], projects_failed=counts[7])


# --- money ---------------------------------------------------------------------------------


@dataclass
class MoneyRow:
    key: object  # a year (int) or an Industry
    published_count: int = 0
    published_fen: int = 0  # 榜额 of the published challenges
    awarded_fen: int = 0  # amounts of the standing awards (with a 赛马 remainder)
    committed_fen: int = 0
    received_fen: int = 0
    released_fen: int = 0
    completed_projects: int = 0


def _ledger_sums():
    """One SUM per ledger figure over Entry, from LEDGER_FIGURES."""
    return [
        func.coalesce(func.sum(case((condition, Entry.amount_fen * sign), else_=0)), 0)
        for condition, sign in LEDGER_FIGURES.values()
    ]


def _money_by(s: Session, key, f: Filters) -> dict[object, MoneyRow]:
    rows: dict[object, MoneyRow] = {}

    def row(k) -> MoneyRow:
        return rows.setdefault(k, MoneyRow(k))

    published = s.exec(
        _scoped(
            s,
            select(key, func.count(), func.coalesce(func.sum(Challenge.budget_total_fen), 0))
            .where(Challenge.published_at.is_not(None))
            .group_by(key),
            f,
        )
    ).all()
    for k, n, fen in published:
        row(k).published_count, row(k).published_fen = int(n), int(fen)
    awarded = s.exec(
        _scoped(
            s,
            select(key, func.coalesce(func.sum(Award.amount_fen + Award.remainder_fen), 0))
            .select_from(Award)
            .join(Challenge, Challenge.id == Award.challenge_id)
            .where(Award.status.in_(LIVE_AWARD))
            .group_by(key),
            f,
        )
    ).all()
    for k, fen in awarded:
        row(k).awarded_fen = int(fen)
    ledger = s.exec(
        _scoped(
            s,
            select(key, *_ledger_sums())
            .select_from(Entry)
            .join(Project, Project.id == Entry.project_id)
            .join(Challenge, Challenge.id == Project.challenge_id)
            .group_by(key),
            f,
        )
    ).all()
    for k, committed, received, released in ledger:
        r = row(k)
        r.committed_fen, r.received_fen, r.released_fen = (
            int(committed),
            int(received),
            int(released),
        )
    completed = s.exec(
        _scoped(
            s,
            select(key, func.count())
            .select_from(Project)
            .join(Challenge, Challenge.id == Project.challenge_id)
            .where(Project.status == ProjectStatus.COMPLETED)
            .group_by(key),
            f,
        )
    ).all()
    for k, n in completed:
        row(k).completed_projects = int(n)
    return rows


def money_by_year(s: Session, f: Filters = NO_FILTERS) -> list[MoneyRow]:
    """Per year (newest first): 榜额 published and awarded, committed, received, released."""
    rows = _money_by(s, challenge_year(s), f)
    return [rows[k] for k in sorted(rows, reverse=True)]


def money_by_industry(s: Session, f: Filters = NO_FILTERS) -> list[MoneyRow]:
    """The same per industrial chain, in the chains' order."""
    rows = _money_by(s, Challenge.field, f)
    return [rows[i] for i in Industry if i in rows]


def total(rows: list[MoneyRow]) -> MoneyRow:
    """The sum of some rows (every figure is additive)."""
    out = MoneyRow("total")
    for r in rows:
        for name in vars(out):
            if name != "key":
                setattr(out, name, getattr(out, name) + getattr(r, name))
    return out


@dataclass(frozen=True)
class SourceRow:
    source: FundingSource
    committed_fen: int
    received_fen: int
    released_fen: int


def ledger_by_source(s: Session, f: Filters = NO_FILTERS) -> list[SourceRow]:
    """Committed, received and released per funding source (财政资金, 企业资金)."""
    found = {
        source: SourceRow(source, int(c), int(r), int(x))
        for source, c, r, x in s.exec(
            _scoped(
                s,
                select(Entry.source, *_ledger_sums())
                .select_from(Entry)
                .join(Project, Project.id == Entry.project_id)
                .join(Challenge, Challenge.id == Project.challenge_id)
                .group_by(Entry.source),
                f,
            )
        ).all()
    }
    return [found.get(src, SourceRow(src, 0, 0, 0)) for src in FundingSource]


# --- bids ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BidDistribution:
    buckets: list[tuple[int, int]]  # (bids, challenges); the last bucket is "that or more"
    challenges: int
    bids: int

    @property
    def mean(self) -> float | None:
        return _ratio(self.bids, self.challenges)


def bids_per_challenge(s: Session, f: Filters = NO_FILTERS) -> BidDistribution:
    """How many published challenges received 0, 1, 2 … submitted bids (withdrawn don't count)."""
    per = _scoped(
        s,
        select(Challenge.id, func.count(Bid.id).label("n"))
        .outerjoin(Bid, and_(Bid.challenge_id == Challenge.id, Bid.status.in_(SUBMITTED_OR_LATER)))
        .where(Challenge.published_at.is_not(None))
        .group_by(Challenge.id),
        f,
    ).subquery()
    bucket = case((per.c.n >= BID_BUCKETS, BID_BUCKETS), else_=per.c.n)
    found = dict(s.exec(select(bucket, func.count()).select_from(per).group_by(bucket)).all())
    buckets = [(n, int(found.get(n, 0))) for n in range(BID_BUCKETS + 1)]
    total_bids = s.exec(select(func.coalesce(func.sum(per.c.n), 0))).one()
    return BidDistribution(buckets, sum(c for _n, c in buckets), int(total_bids))


# --- milestones ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneCounts:
    on_time: int  # accepted on or before the due day
    late: int  # accepted after it
    overdue: int  # still open past the due day
    upcoming: int  # still open, not yet due


def _milestones(query):
    return query.join(Project, Project.id == Milestone.project_id).join(
        Challenge, Challenge.id == Project.challenge_id
    )


def milestone_counts(s: Session, today: date, f: Filters = NO_FILTERS) -> MilestoneCounts:
    """Milestones on time, late, overdue and upcoming (Beijing calendar days), in one query."""
    accepted = Milestone.status == MilestoneStatus.ACCEPTED
    accepted_on = local_date(s, Milestone.accepted_at)
    is_open = Milestone.status.in_(OPEN)

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = s.exec(
        _scoped(
            s,
            _milestones(
                select(
                    count_if(and_(accepted, accepted_on <= Milestone.due_on)),
                    count_if(and_(accepted, accepted_on > Milestone.due_on)),
                    count_if(and_(is_open, Milestone.due_on < today)),
                    count_if(and_(is_open, Milestone.due_on >= today)),
                ).select_from(Milestone)
            ),
            f,
        )
    ).one()
    return MilestoneCounts(*(int(n) for n in row))


@dataclass(frozen=True)
class OverdueRow:
    milestone: Milestone
    project_id: int
    project_number: str
    challenge_code: str | None
    challenge_title: str
    team: str | None
    days: int


def overdue_milestones(s: Session, today: date, f: Filters = NO_FILTERS) -> list[OverdueRow]:
    """Open milestones past their due day, the longest overdue first."""
    found = s.exec(
        _scoped(
            s,
            _milestones(
                select(
                    Milestone,
                    Project.id,
                    Project.number,
                    Challenge.code,
                    Challenge.title,
                    Organisation.name,
                )
            )
            .outerjoin(Organisation, Organisation.id == Project.organisation_id)
            .where(Milestone.status.in_(OPEN), Milestone.due_on < today)
            .order_by(Milestone.due_on, Milestone.id)
            .limit(OVERDUE_LIST_MAX),
            f,
        )
    ).all()
    return [OverdueRow(m, pid, num, code, title, team, (today - m.due_on).days)
            for m, pid, num, code, title, team in found]  # fmt: skip


# --- who ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgRow:
    organisation_id: int
    name: str
    count: int
    amount_fen: int


def top_issuers(s: Session, f: Filters = NO_FILTERS) -> list[OrgRow]:
    """The organisations with the most 榜额 published (and how many challenges)."""
    amount = func.coalesce(func.sum(Challenge.budget_total_fen), 0)
    found = s.exec(
        _scoped(
            s,
            select(Organisation.id, Organisation.name, func.count(Challenge.id), amount)
            .join(Challenge, Challenge.organisation_id == Organisation.id)
            .where(Challenge.published_at.is_not(None))
            .group_by(Organisation.id, Organisation.name)
            .order_by(amount.desc(), func.count(Challenge.id).desc(), Organisation.id)
            .limit(TOP),
            f,
        )
    ).all()
    return [OrgRow(i, name, int(n), int(fen)) for i, name, n, fen in found]


def top_winners(s: Session, f: Filters = NO_FILTERS) -> list[OrgRow]:
    """The organisations with the most standing awards (and their awarded amounts)."""
    amount = func.coalesce(func.sum(AwardShare.amount_fen), 0)
    wins = func.count(AwardShare.id)
    found = s.exec(
        _scoped(
            s,
            select(Organisation.id, Organisation.name, wins, amount)
            .join(AwardShare, AwardShare.organisation_id == Organisation.id)
            .join(Award, Award.id == AwardShare.award_id)
            .join(Challenge, Challenge.id == Award.challenge_id)
            .where(Award.status.in_(LIVE_AWARD))
            .group_by(Organisation.id, Organisation.name)
            .order_by(wins.desc(), amount.desc(), Organisation.id)
            .limit(TOP),
            f,
        )
    ).all()
    return [OrgRow(i, name, int(n), int(fen)) for i, name, n, fen in found]


# --- integrity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrityCounts:
    in_force: list[tuple[Measure, int]]  # each barring measure, in force today
    records: int  # every record ever made

    @property
    def in_force_total(self) -> int:
        return sum(n for _m, n in self.in_force)


def integrity_counts(s: Session, today: date) -> IntegrityCounts:
    """Restrictions in force today by measure, and all records (not narrowed by the filters)."""
    found = dict(
        s.exec(
            select(IntegrityRecord.measure, func.count())
            .where(*in_force_conditions(today))
            .group_by(IntegrityRecord.measure)
        ).all()
    )
    records = s.exec(select(func.count()).select_from(IntegrityRecord)).one()
    return IntegrityCounts([(m, int(found.get(m, 0))) for m in BARRING], int(records))
