"""The API's pydantic schemas: spectree validates every request's query and every response
body against these, and generates /api/v1/openapi.json from the same classes.

Money is integer fen (分) as stored, plus the same amount in 万元 as text for people; times are
ISO 8601 in UTC. Unknown query parameters are refused (``extra="forbid"``): a typo in a filter
is a 400, never a silently unfiltered list.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..accounts.models import OrgKind
from ..awards.models import AwardKind
from ..bids.models import BidStatus
from ..challenges.models import PUBLIC_PHASES, Industry
from ..projects.ledger_models import TrancheKind
from ..projects.milestone_models import MilestoneStatus
from ..projects.models import ProjectStatus

# The widest page any list gives (the setting API_MAX_PER_PAGE may only narrow it), and the
# deepest page anyone may ask for: deep offsets are slow and nobody reads them.
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
FIRST_YEAR, LAST_YEAR = 2000, 2100

# The challenge phases the public sees (drafts and pending ones are never public).
PublicPhase = StrEnum("PublicPhase", [(p.name, p.value) for p in PUBLIC_PHASES])


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description="每页条数（1–100）")


class YearIndustryQuery(_Query):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="年份（北京时间）")
    industry: Industry | None = Field(None, description="产业链")


class ChallengeQuery(YearIndustryQuery):
    status: PublicPhase | None = Field(None, description="榜单状态（公开可见的阶段）")


class ProjectQuery(YearIndustryQuery):
    status: ProjectStatus | None = Field(None, description="项目状态")


class PageQuery(_Query):
    pass


class ErrorDetail(BaseModel):
    status: int
    title: str
    message: str


class ErrorBody(BaseModel):
    """Every refusal of the API: 400, 401, 404 (and the rest) carry this body."""

    error: ErrorDetail


class Money(BaseModel):
    fen: int = Field(description="金额（分）")
    wan: str = Field(description="金额（万元，两位小数）")


class OrganisationRef(BaseModel):
    name: str
    kind: OrgKind
    region: str


class IndicatorOut(BaseModel):
    name: str
    target: str
    unit: str


class ChallengeOut(BaseModel):
    code: str
    title: str
    industry: Industry
    status: PublicPhase
    issuer: OrganisationRef
    budget: Money | None
    enterprise_funds: Money | None
    subsidy_requested: Money | None
    period_months: int
    published_at: datetime
    deadline: datetime | None
    problem: str
    deliverables: str
    indicators: list[IndicatorOut]
    url: str


class ShareOut(BaseModel):
    position: int
    organisation: OrganisationRef
    amount: Money


class AwardOut(BaseModel):
    challenge_code: str
    challenge_title: str
    industry: Industry
    kind: AwardKind
    amount: Money
    remainder: Money
    confirmed_at: datetime
    shares: list[ShareOut]


class MilestoneOut(BaseModel):
    position: int
    deliverable: str
    due_on: date
    percent: int
    status: MilestoneStatus
    overdue: bool


class ProjectOut(BaseModel):
    number: str
    title: str
    challenge_code: str
    industry: Industry
    status: ProjectStatus
    team: OrganisationRef | None
    subsidy: Money
    enterprise_funds: Money
    start_on: date | None
    end_on: date | None
    milestones: list[MilestoneOut]


class PaymentOut(BaseModel):
    project_number: str
    challenge_code: str
    industry: Industry
    position: int
    kind: TrancheKind
    subsidy: Money
    enterprise_funds: Money
    total: Money
    released_at: datetime


class MyBidOut(BaseModel):
    number: str
    challenge_code: str | None
    challenge_title: str
    status: BidStatus
    submitted_version: int
    submitted_at: datetime | None
    requested_amount: Money


class _Page(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int


class ChallengePage(_Page):
    items: list[ChallengeOut]


class AwardPage(_Page):
    items: list[AwardOut]


class ProjectPage(_Page):
    items: list[ProjectOut]


class PaymentPage(_Page):
    items: list[PaymentOut]


class MyBidPage(_Page):
    items: list[MyBidOut]


class OcdsPackage(BaseModel):
    """The OCDS 1.1 release package; its full structure is checked against ocds_schema.json."""

    model_config = ConfigDict(extra="allow")

    uri: str
    version: Literal["1.1"]
    publishedDate: datetime  # OCDS field names
    publisher: dict
    license: str
    publicationPolicy: str
    releases: list[dict]
