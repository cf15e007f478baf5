"""Who may open each award and project page (the rows reported for tests/test_access_matrix.py).

POSTs send an empty form, as the access matrix does. Roles: the issuer's admin and another
member, another enterprise, a researcher of the winning organisation, a researcher of no
standing in the award (an outsider), an expert, staff and an admin.
"""

from __future__ import annotations

import io
from datetime import timedelta

import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.awards import services
from marketplace.awards.models import ObjectionAttachment
from marketplace.challenges.models import ChallengeStatus

from ..factories import Factory
from .test_awards import _propose

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LOGIN = 302


def _users(reviewed, factory: Factory) -> dict:
    return {
        "anonymous": None,
        "enterprise": reviewed["issuer"],
        "member": factory.member(reviewed["issuer"]),
        "other_enterprise": factory.org_user(Role.ENTERPRISE),
        "winner": reviewed["teams"][0],
        "researcher": factory.org_user(Role.RESEARCHER),
        "expert": factory.expert(),
        "staff": reviewed["staff"],
        "admin": factory.admin(),
    }


def _status(app, login, user, method: str, url: str, data=None) -> int:
    client = app.test_client()
    if user is not None:
        login(client, user)
    resp = client.open(url, method=method, data=data or {})
    resp.close()  # a download holds its file open until closed
    return resp.status_code


def _check(app, login, users, method, url, expected: dict, data=None) -> None:
    got = {role: _status(app, login, u, method, url, data) for role, u in users.items()}
    assert got == expected, (method, url)


def _signed_in(status: int) -> dict:
    return {**dict.fromkeys(ROLES, status), "anonymous": LOGIN}


ROLES = [
    "anonymous",
    "enterprise",
    "member",
    "other_enterprise",
    "winner",
    "researcher",
    "expert",
    "staff",
    "admin",
]


def _staff_do(status: int) -> dict:
    return {**_signed_in(403), "staff": status, "admin": status}


def test_every_award_route_by_role(reviewed, app, factory: Factory, login, client):
    award = _propose(reviewed)
    users = _users(reviewed, factory)
    challenge_id = reviewed["challenge"].id
    with time_machine.travel(reviewed["at"] + timedelta(hours=2), tick=False):
        everyone = dict.fromkeys(ROLES, 200)
        _check(app, login, users, "GET", "/notices", everyone)
        _check(app, login, users, "GET", f"/notices/{award.id}", everyone)
        _check(app, login, users, "GET", "/notices/999999", dict.fromkeys(ROLES, 404))
        objecting = {
            **dict.fromkeys(ROLES, 422),
            **dict.fromkeys(("anonymous", "expert", "staff", "admin"), 403),
        }
        _check(app, login, users, "POST", f"/notices/{award.id}/objections", objecting)
        staff_only = {**_signed_in(403), "staff": 200, "admin": 200}
        _check(app, login, users, "GET", f"/staff/challenges/{challenge_id}/award", staff_only)
        _check(app, login, users, "POST", f"/staff/challenges/{challenge_id}/award", _staff_do(422))
        _check(app, login, users, "POST", f"/staff/challenges/{challenge_id}/fail", _staff_do(422))
        _check(app, login, users, "GET", f"/staff/awards/{award.id}", staff_only)
        _check(app, login, users, "POST", f"/staff/awards/{award.id}/confirm", _staff_do(409))
        _check(app, login, users, "POST", f"/staff/awards/{award.id}/revoke", _staff_do(422))

        login(client, users["researcher"])
        resp = client.post(
            f"/notices/{award.id}/objections",
            data={"reasons": "证明材料见附件", "file": (io.BytesIO(PDF), "证据.pdf")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 302
        attachment = db.session().exec(select(ObjectionAttachment)).one()
        objection_id = attachment.objection_id
        url = f"/staff/objections/{objection_id}/evidence/{attachment.id}"
        _check(app, login, users, "GET", url, staff_only)
        _check(app, login, users, "POST", f"/staff/objections/{objection_id}/resolve",
               _staff_do(422))  # fmt: skip
        services.resolve_objection(
            actor=users["staff"], objection_id=objection_id, upheld=False, resolution="不成立"
        )
    with time_machine.travel(award.ends_at + timedelta(hours=1), tick=False):
        project = services.confirm_award(actor=users["staff"], award_id=award.id)
        parties = {
            **_signed_in(404),
            **dict.fromkeys(("enterprise", "member", "winner", "staff", "admin"), 200),
        }
        _check(app, login, users, "GET", f"/projects/{project.id}", parties)


def test_repost_is_for_the_issuer_of_a_failed_challenge(app, factory: Factory, login):
    staff = factory.staff()
    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    users = {
        "anonymous": None,
        "enterprise": issuer,
        "member": factory.member(issuer),
        "other_enterprise": factory.org_user(Role.ENTERPRISE),
        "researcher": factory.org_user(Role.RESEARCHER),
        "expert": factory.expert(),
        "staff": staff,
        "admin": factory.admin(),
    }
    url = f"/challenges/{challenge.id}/repost"
    refused = {
        **dict.fromkeys(users, 403),
        "anonymous": LOGIN,
        "enterprise": 404,
        "member": 404,
        "other_enterprise": 404,
    }
    with time_machine.travel(challenge.deadline + timedelta(hours=1), tick=False):
        _check(app, login, users, "POST", url, refused)  # not failed: nothing to re-post
        failed = services.fail_challenge(actor=staff, challenge_id=challenge.id, reason="无人揭榜")
        assert failed.status is ChallengeStatus.FAILED
        _check(app, login, users, "POST", url, {**refused, "enterprise": 302, "member": 302})
