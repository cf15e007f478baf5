"""Searchable documents built from the database: published challenges, public profiles and
achievements. Drafts, private records and bids are never documents."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, select

from ..accounts.models import Organisation
from ..challenges.models import PUBLIC_STATUSES, Challenge, Indicator
from ..challenges.queries import BUDGET_BANDS
from ..outbox import DocType
from ..teams.models import Achievement, TeamProfile
from ..units import FEN_PER_WAN
from . import text as T
from .index import Doc


def budget_band(fen: int | None) -> str:
    if fen is None:
        return ""
    for key, low, high in BUDGET_BANDS:
        if fen >= low * FEN_PER_WAN and (high is None or fen < high * FEN_PER_WAN):
            return key
    return ""


def _org(s: Session, organisation_id: int) -> Organisation | None:
    return s.get(Organisation, organisation_id)


def challenge_doc(s: Session, c: Challenge, org: Organisation | None = None) -> Doc | None:
    if c.status not in PUBLIC_STATUSES:
        return None
    org = org or _org(s, c.organisation_id)
    indicators = s.exec(
        select(Indicator).where(Indicator.challenge_id == c.id).order_by(Indicator.position)
    ).all()
    return Doc(
        kind=DocType.CHALLENGE.value,
        doc_id=c.id,
        title=c.title,
        indicators="；".join(f"{i.name} {i.target} {i.unit}" for i in indicators),
        keywords=" ".join([str(c.field.label), c.qualifications]),
        # Markdown fields are stored as the text the page shows, so snippets quote the page.
        body="\n".join(T.plain_text(t) for t in (c.problem, c.background, c.deliverables)),
        field=c.field.value,
        status=c.status.value,
        region=org.region if org else "",
        band=budget_band(c.budget_total_fen),
        org=org.name if org else "",
        budget=c.budget_total_fen,
        deadline=c.deadline,
        published=c.published_at,
    )


def profile_doc(s: Session, p: TeamProfile, org: Organisation | None = None) -> Doc | None:
    if not p.is_public:
        return None
    org = org or _org(s, p.organisation_id)
    track = "；".join(
        " ".join(str(a.get(k) or "") for k in ("title", "number")) for a in p.achievements
    )
    members = "；".join(" ".join(str(m.get(k) or "") for k in ("name", "role")) for m in p.members)
    return Doc(
        kind=DocType.PROFILE.value,
        doc_id=p.id,
        title=p.team_name,
        keywords=" ".join([p.keywords, p.research_fields]),
        body="\n".join(
            [p.leader_name, p.leader_title, p.leader_field, members, p.equipment, track]
        ),
        region=org.region if org else "",
        org=org.name if org else "",
    )


def achievement_doc(s: Session, a: Achievement, org: Organisation | None = None) -> Doc | None:
    if not a.is_public:
        return None
    org = org or _org(s, a.organisation_id)
    return Doc(
        kind=DocType.ACHIEVEMENT.value,
        doc_id=a.id,
        title=a.title,
        keywords=" ".join([str(a.field.label), a.ip_status, str(a.transfer_mode.label)]),
        body=T.plain_text(a.summary),
        field=a.field.value,
        region=org.region if org else "",
        band=budget_band(a.asking_price_fen),
        org=org.name if org else "",
        budget=a.asking_price_fen,
    )


def load(s: Session, doc_type: DocType, doc_id: int) -> Doc | None:
    """The current document for one outbox row (None: it must not be in the index)."""
    if doc_type is DocType.CHALLENGE:
        row = s.get(Challenge, doc_id)
        return challenge_doc(s, row) if row else None
    if doc_type is DocType.PROFILE:
        row = s.get(TeamProfile, doc_id)
        return profile_doc(s, row) if row else None
    row = s.get(Achievement, doc_id)
    return achievement_doc(s, row) if row else None


def all_documents(s: Session) -> Iterator[Doc]:
    """Every document the index should hold, straight from the database."""
    orgs = {o.id: o for o in s.exec(select(Organisation)).all()}
    for c in s.exec(select(Challenge).where(Challenge.status.in_(PUBLIC_STATUSES))):
        doc = challenge_doc(s, c, orgs.get(c.organisation_id))
        if doc:
            yield doc
    for p in s.exec(select(TeamProfile).where(TeamProfile.is_public)):
        doc = profile_doc(s, p, orgs.get(p.organisation_id))
        if doc:
            yield doc
    for a in s.exec(select(Achievement).where(Achievement.is_public)):
        doc = achievement_doc(s, a, orgs.get(a.organisation_id))
        if doc:
            yield doc
