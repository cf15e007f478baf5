"""One definition per export: its Chinese headers, column kinds and the query with the list's
filters. Rows are read in batches (``yield_per``) as plain column tuples, never ORM objects, so
an export of 100,000 rows holds one batch in memory at a time.

Sealed means sealed: the bids of a challenge are exported only after its deadline (never its
withdrawn bids or drafts), review scores only when the whole panel has scored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from ..accounts.models import Organisation, User
from ..bids.access import is_sealed
from ..bids.models import SUBMITTED_OR_LATER, Bid
from ..challenges.models import Challenge, ChallengeStatus, Industry, Phase
from ..db import utcnow
from ..errors import Conflict
from ..i18n import local_datetime
from ..parsing import parse_int
from ..review import panels
from ..review.ranking import weighted_total
from ..units import SHANGHAI
from .writers import Column, Kind

BATCH = 1000  # rows fetched per round trip
MAX_QUERY = 100
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Sheet:
    slug: str  # the ASCII file name
    title: object  # lazy: the file and worksheet name in the user's language
    columns: tuple[Column, ...]


def stream(s: Session, stmt, convert: Callable[[tuple], tuple]) -> Iterator[tuple]:
    """Rows of ``stmt`` in batches, on a session of their own that is closed when the last row
    has been read or the download is abandoned: a streamed response outlives the request's
    session, and PostgreSQL's server-side cursor must not leave a transaction open."""
    with Session(s.get_bind()) as own:
        result = own.execute(stmt.execution_options(yield_per=BATCH))
        try:
            for row in result:
                yield convert(row)
        finally:
            result.close()


def choice(enum_cls, value):
    return enum_cls(value) if value in enum_cls._value2member_map_ else None


def year_arg(args) -> int | None:
    return parse_int(args.get("year"), minimum=MIN_YEAR, maximum=MAX_YEAR)


def text_arg(args) -> str:
    return (args.get("q") or "").replace("\x00", "").strip()[:MAX_QUERY]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """A calendar year in Asia/Shanghai as a UTC range [start, end)."""
    start = datetime(year, 1, 1, tzinfo=SHANGHAI).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=SHANGHAI).astimezone(UTC)


def contains(text: str, *columns):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(c.ilike(f"%{escaped}%", escape="\\") for c in columns))


def label(member) -> str:
    return member.label if member is not None else ""


def yes(flag: bool) -> str:
    return _("是") if flag else _("否")


def today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


# --- challenges -----------------------------------------------------------------------------

CHALLENGES = Sheet(
    "challenges",
    _l("榜单"),
    (
        Column(_l("榜单编号"), width=16),
        Column(_l("榜单名称"), width=40),
        Column(_l("发榜单位"), width=28),
        Column(_l("产业领域"), width=14),
        Column(_l("状态"), width=12),
        Column(_l("榜额（万元）"), Kind.WAN),
        Column(_l("企业出资（万元）"), Kind.WAN),
        Column(_l("申请财政资助（万元）"), Kind.WAN),
        Column(_l("实施周期（月）"), Kind.INT),
        Column(_l("揭榜截止时间"), Kind.DATETIME, width=18),
        Column(_l("发布时间"), Kind.DATETIME, width=18),
        Column(_l("创建时间"), Kind.DATETIME, width=18),
    ),
)


@dataclass(frozen=True)
class ChallengeFilters:
    phase: Phase | None = None
    field: Industry | None = None
    year: int | None = None  # of publication (of creation when not published)
    q: str = ""

    @classmethod
    def from_args(cls, args) -> ChallengeFilters:
        """Filters from query arguments; unknown values are ignored, never an error."""
        return cls(
            phase=choice(Phase, args.get("status")),
            field=choice(Industry, args.get("field")),
            year=year_arg(args),
            q=text_arg(args),
        )


def _phase_condition(phase: Phase, now: datetime):
    published = Challenge.status == ChallengeStatus.PUBLISHED
    if phase is Phase.OPEN:
        return and_(published, Challenge.deadline > now)
    if phase is Phase.CLOSED:
        return or_(
            and_(published, Challenge.deadline <= now), Challenge.status == ChallengeStatus.CLOSED
        )
    return Challenge.status == ChallengeStatus(phase.value)


def _phase(status: ChallengeStatus, deadline: datetime | None, now: datetime) -> Phase:
    if status is ChallengeStatus.PUBLISHED:
        return Phase.OPEN if deadline is not None and now < deadline else Phase.CLOSED
    return Phase(status.value)


def challenge_rows(s: Session, filters: ChallengeFilters) -> Iterator[tuple]:
    """Every challenge matching the staff list's filters, oldest first."""
    now = utcnow()
    conditions = []
    if filters.phase is not None:
        conditions.append(_phase_condition(filters.phase, now))
    if filters.field is not None:
        conditions.append(Challenge.field == filters.field)
    if filters.year is not None:
        start, end = year_bounds(filters.year)
        when = func.coalesce(Challenge.published_at, Challenge.created_at)
        conditions.append(and_(when >= start, when < end))
    if filters.q:
        conditions.append(contains(filters.q, Challenge.title, Challenge.code))
    stmt = (
        select(
            Challenge.code,
            Challenge.title,
            Organisation.name,
            Challenge.field,
            Challenge.status,
            Challenge.deadline,
            Challenge.budget_total_fen,
            Challenge.enterprise_funds_fen,
            Challenge.subsidy_requested_fen,
            Challenge.period_months,
            Challenge.published_at,
            Challenge.created_at,
        )
        .join(Organisation, Organisation.id == Challenge.organisation_id)
        .where(*conditions)
        .order_by(Challenge.id)
    )

    def convert(r) -> tuple:
        code, title, org, field, status, deadline, budget, ent, sub, months, pub, created = r
        phase = _phase(status, deadline, now)
        return (code, title, org, label(field), phase.label, budget, ent, sub, months,
                deadline, pub, created)  # fmt: skip

    return stream(s, stmt, convert)


# --- bids of a challenge --------------------------------------------------------------------

BIDS = Sheet(
    "bids",
    _l("揭榜名单"),
    (
        Column(_l("揭榜编号"), width=22),
        Column(_l("揭榜单位"), width=28),
        Column(_l("挂帅人"), width=12),
        Column(_l("申请金额（万元）"), Kind.WAN),
        Column(_l("状态"), width=12),
        Column(_l("提交时间"), Kind.DATETIME, width=18),
    ),
)


def bid_rows(s: Session, challenge: Challenge) -> Iterator[tuple]:
    """The submitted bids of a challenge whose deadline has passed; refused while sealed."""
    if is_sealed(challenge):
        if challenge.status is ChallengeStatus.CANCELLED:
            raise Conflict(_("该榜单在揭榜截止前已撤榜，揭榜材料永久密封，不能导出。"))
        raise Conflict(
            _(
                "揭榜材料在截止时间（%(deadline)s）前密封，截止后才能导出揭榜名单。",
                deadline=local_datetime(challenge.deadline),
            )
        )
    stmt = (
        select(
            Bid.number,
            Organisation.name,
            User.name,
            Bid.requested_amount_fen,
            Bid.status,
            Bid.submitted_at,
        )
        .join(Organisation, Organisation.id == Bid.organisation_id)
        .outerjoin(User, User.id == Bid.leader_id)
        .where(
            Bid.challenge_id == challenge.id,
            Bid.status.in_(SUBMITTED_OR_LATER),
            Bid.submitted_version > 0,
        )
        .order_by(Bid.submitted_at, Bid.id)
    )
    return stream(s, stmt, lambda r: (r[0], r[1], r[2] or "", r[3], label(r[4]), r[5]))


# --- review scores of a challenge -----------------------------------------------------------

SCORES = Sheet(
    "scores",
    _l("评审评分"),
    (
        Column(_l("揭榜编号"), width=22),
        Column(_l("揭榜单位"), width=28),
        Column(_l("评审专家"), width=12),
        Column(_l("评分项"), width=20),
        Column(_l("权重（%）"), Kind.INT),
        Column(_l("得分（0–10）"), Kind.INT),
        Column(_l("该专家总分"), Kind.NUMBER),
        Column(_l("认定不合格"), width=10),
        Column(_l("评分类型"), width=10),
        Column(_l("评审意见"), width=40),
    ),
)


def score_rows(s: Session, challenge: Challenge) -> Iterator[tuple]:
    """Per bid, per expert, per criterion: the current scores of the seated experts, once the
    whole panel has submitted (blind scoring ends only then)."""
    if not panels.scoring_closed(s, challenge.id):
        raise Conflict(_("评审专家尚未全部提交评分，评分表在全部评分后才能导出。"))
    panel = panels.panel_of(s, challenge.id)
    seated = {m.expert_id for m in panels.members_of(s, panel.id, seated=True)}
    scores = [x for x in panels.current_scores(s, panel.id) if x.expert_id in seated]
    bids = {b.id: b for b in s.exec(select(Bid).where(Bid.id.in_({x.bid_id for x in scores})))}
    org_ids = {b.organisation_id for b in bids.values()}
    orgs = dict(
        s.exec(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))).all()
    )
    experts = dict(s.exec(select(User.id, User.name).where(User.id.in_(seated))).all())
    rubric = panel.rubric

    def order(score) -> tuple:
        bid = bids[score.bid_id]
        return (bid.submitted_at, bid.id, experts.get(score.expert_id, ""), score.expert_id)

    def rows() -> Iterator[tuple]:
        for score in sorted(scores, key=order):
            bid = bids[score.bid_id]
            total = round(float(weighted_total(score.points, rubric)), 2)
            for criterion in rubric:
                yield (
                    bid.number,
                    orgs.get(bid.organisation_id, ""),
                    experts.get(score.expert_id, ""),
                    criterion["name"],
                    int(criterion["weight"]),
                    score.points.get(criterion["key"]),
                    total,
                    yes(score.not_qualified),
                    score.kind.label,
                    score.comment,
                )

    return rows()
