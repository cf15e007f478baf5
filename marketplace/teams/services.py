"""Verbs on capability profiles and achievements: one transaction each, audited, outboxed.

Only public documents are searchable: saving a public one queues an upsert, making one private
queues a delete, and a private one that stays private writes nothing to the outbox.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlmodel import Session

from .. import audit, db
from ..accounts.access import is_member, organisation_blocker
from ..accounts.models import Role, User
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..outbox import DocType, OutboxOp, enqueue
from .access import can_edit
from .actions import AchievementAction, TeamAction
from .models import Achievement, TeamProfile
from .schemas import AchievementInput, ProfileInput

ACHIEVEMENT_FIELDS = (
    "title",
    "field",
    "summary",
    "trl",
    "ip_status",
    "transfer_mode",
    "asking_price_fen",
    "is_public",
    "team_id",
)


def profile_snapshot(profile: TeamProfile) -> dict:
    """The fields an audit event records."""
    return {
        "team_name": profile.team_name,
        "leader_name": profile.leader_name,
        "leader_title": profile.leader_title,
        "leader_field": profile.leader_field,
        "research_fields": profile.research_fields,
        "keywords": profile.keywords,
        "equipment": profile.equipment,
        "members": profile.members,
        "achievements": profile.achievements,
        "is_public": profile.is_public,
    }


def achievement_snapshot(achievement: Achievement) -> dict:
    """The fields an audit event records."""
    snap = {name: getattr(achievement, name) for name in ACHIEVEMENT_FIELDS}
    snap["field"] = achievement.field.value
    snap["transfer_mode"] = achievement.transfer_mode.value
    return snap


def _require_researcher(actor: User) -> None:
    blocker = organisation_blocker(actor, role=Role.RESEARCHER)
    if blocker:
        raise PermissionDenied(blocker)


def _outbox(s: Session, *, doc_type: DocType, doc_id: int, was_public: bool, is_public: bool):
    """Keep the index to public documents only (DESIGN.md §6)."""
    if is_public:
        enqueue(s, doc_type=doc_type, doc_id=doc_id, op=OutboxOp.UPSERT)
    elif was_public:
        enqueue(s, doc_type=doc_type, doc_id=doc_id, op=OutboxOp.DELETE)


def _load_for_edit(s: Session, model, actor: User, item_id: int):
    """Lock the row; other organisations get the same 404 as for a row that does not exist."""
    item = s.get(model, item_id, with_for_update=True)
    if item is None or not can_edit(actor, item):
        raise NotFound()
    _require_researcher(actor)
    return item


def _apply_profile(profile: TeamProfile, data: ProfileInput) -> None:
    profile.team_name = data.team_name
    profile.leader_name = data.leader_name
    profile.leader_title = data.leader_title
    profile.leader_field = data.leader_field
    profile.research_fields = data.research_fields
    profile.keywords = data.keywords
    profile.equipment = data.equipment
    profile.is_public = data.is_public
    profile.members = [{"name": m.name, "title": m.title, "role": m.role} for m in data.members]
    profile.achievements = [
        {"kind": w.kind.value, "title": w.title, "number": w.number, "year": w.year}
        for w in data.works
    ]
    profile.updated_at = db.utcnow()


@db.transactional
def create_profile(s: Session, *, actor: User, data: ProfileInput) -> TeamProfile:
    """Save a new capability profile for the actor's (verified) research organisation."""
    _require_researcher(actor)
    profile = TeamProfile(
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        team_name=data.team_name,
        leader_name=data.leader_name,
    )
    _apply_profile(profile, data)
    s.add(profile)
    s.flush()
    audit.record(
        s, actor=actor, action=TeamAction.CREATE, obj=profile, after=profile_snapshot(profile)
    )
    _outbox(
        s, doc_type=DocType.PROFILE, doc_id=profile.id, was_public=False, is_public=data.is_public
    )
    return profile


@db.transactional
def update_profile(
    s: Session, *, actor: User, profile_id: int, data: ProfileInput, expected_version: int
) -> TeamProfile:
    """Save changes; a stale form (someone saved in between) is a Conflict."""
    profile = _load_for_edit(s, TeamProfile, actor, profile_id)
    if profile.version_id != expected_version:
        raise Conflict(_("该团队画像已被他人修改并保存。您填写的内容仍在下方，请核对后重新保存。"))
    before = profile_snapshot(profile)
    _apply_profile(profile, data)
    audit.record(
        s,
        actor=actor,
        action=TeamAction.UPDATE,
        obj=profile,
        before=before,
        after=profile_snapshot(profile),
    )
    _outbox(
        s,
        doc_type=DocType.PROFILE,
        doc_id=profile.id,
        was_public=before["is_public"],
        is_public=profile.is_public,
    )
    return profile


def _check_team(s: Session, actor: User, team_id: int | None) -> None:
    """An achievement may name one of its own organisation's teams, and no other."""
    if team_id is None:
        return
    team = s.get(TeamProfile, team_id)
    if team is None or not is_member(actor, team.organisation_id):
        msg = _("请选择本单位的团队。")
        raise ValidationFailed(msg, field_errors={"team_id": [msg]})


@db.transactional
def create_achievement(s: Session, *, actor: User, data: AchievementInput) -> Achievement:
    """List a technology achievement of the actor's (verified) research organisation."""
    _require_researcher(actor)
    _check_team(s, actor, data.team_id)
    achievement = Achievement(
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        **{name: getattr(data, name) for name in ACHIEVEMENT_FIELDS},
    )
    s.add(achievement)
    s.flush()
    audit.record(
        s,
        actor=actor,
        action=AchievementAction.CREATE,
        obj=achievement,
        after=achievement_snapshot(achievement),
    )
    _outbox(
        s,
        doc_type=DocType.ACHIEVEMENT,
        doc_id=achievement.id,
        was_public=False,
        is_public=data.is_public,
    )
    return achievement


@db.transactional
def update_achievement(
    s: Session, *, actor: User, achievement_id: int, data: AchievementInput, expected_version: int
) -> Achievement:
    """Save changes; a stale form (someone saved in between) is a Conflict."""
    achievement = _load_for_edit(s, Achievement, actor, achievement_id)
    if achievement.version_id != expected_version:
        raise Conflict(_("该科技成果已被他人修改并保存。您填写的内容仍在下方，请核对后重新保存。"))
    _check_team(s, actor, data.team_id)
    before = achievement_snapshot(achievement)
    for name in ACHIEVEMENT_FIELDS:
        setattr(achievement, name, getattr(data, name))
    achievement.updated_at = db.utcnow()
    audit.record(
        s,
        actor=actor,
        action=AchievementAction.UPDATE,
        obj=achievement,
        before=before,
        after=achievement_snapshot(achievement),
    )
    _outbox(
        s,
        doc_type=DocType.ACHIEVEMENT,
        doc_id=achievement.id,
        was_public=before["is_public"],
        is_public=achievement.is_public,
    )
    return achievement
