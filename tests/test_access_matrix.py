"""Every route × every role, with the expected status written down (ASVS 8.2.1).

A route that is missing from ACCESS fails the test: adding a page means deciding who may see it.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Organisation, Role

from .factories import Factory

ROLES = ["anonymous", "enterprise", "researcher", "member", "expert", "staff", "admin"]
LOGIN = 302  # anonymous visitors are sent to the login page

EVERYONE_200 = dict.fromkeys(ROLES, 200)
SIGNED_IN_200 = {**EVERYONE_200, "anonymous": LOGIN}
STAFF_ONLY = {
    "anonymous": LOGIN,
    "enterprise": 403,
    "researcher": 403,
    "member": 403,
    "expert": 403,
    "staff": 200,
    "admin": 200,
}
ADMIN_ONLY = {**STAFF_ONLY, "staff": 403}

# (endpoint, method) → expected status per role. POSTs send an empty form unless noted.
ACCESS: dict[tuple[str, str], dict[str, int]] = {
    ("dashboard.home", "GET"): EVERYONE_200,
    ("accounts.login", "GET"): EVERYONE_200,
    ("accounts.login", "POST"): dict.fromkeys(ROLES, 422),
    ("accounts.register", "GET"): EVERYONE_200,
    ("accounts.register_organisation", "GET"): EVERYONE_200,
    ("accounts.register_organisation", "POST"): dict.fromkeys(ROLES, 422),
    ("accounts.register_join", "GET"): EVERYONE_200,
    ("accounts.register_join", "POST"): dict.fromkeys(ROLES, 422),
    ("accounts.forgot_password", "GET"): EVERYONE_200,
    ("accounts.forgot_password", "POST"): EVERYONE_200,
    ("accounts.reset_password", "GET"): dict.fromkeys(ROLES, 400),  # a made-up token
    ("accounts.reset_password", "POST"): dict.fromkeys(ROLES, 400),
    ("accounts.set_language", "POST"): dict.fromkeys(ROLES, 302),
    ("accounts.account", "GET"): SIGNED_IN_200,
    ("accounts.account", "POST"): {**dict.fromkeys(ROLES, 422), "anonymous": LOGIN},
    ("accounts.members", "GET"): {
        **STAFF_ONLY,
        "enterprise": 200,
        "researcher": 200,
        "staff": 403,
        "admin": 403,
    },
    # Deciding on a pending member of the enterprise's organisation: its admin and staff may;
    # for anyone else the request is indistinguishable from one about a user who does not exist.
    ("accounts.decide_member", "POST"): {
        "anonymous": LOGIN,
        "enterprise": 302,
        "researcher": 404,
        "member": 404,
        "expert": 404,
        "staff": 302,
        "admin": 302,
    },
    ("accounts.staff_organisations", "GET"): STAFF_ONLY,
    ("accounts.staff_organisation", "GET"): STAFF_ONLY,
    ("accounts.staff_organisation", "POST"): {**STAFF_ONLY, "staff": 422, "admin": 422},
    ("accounts.admin_users", "GET"): ADMIN_ONLY,
    ("accounts.admin_create_user", "POST"): {**ADMIN_ONLY, "admin": 422},
    ("accounts.admin_user", "GET"): ADMIN_ONLY,
    ("accounts.admin_user", "POST"): ADMIN_ONLY,  # an invalid form is shown again
    ("dashboard.audit_log", "GET"): STAFF_ONLY,
    ("accounts.logout", "POST"): dict.fromkeys(ROLES, 302),
}


def _world(factory: Factory) -> dict:
    enterprise = factory.org_user(Role.ENTERPRISE)
    return {
        "enterprise": enterprise,
        "member": factory.member(enterprise),
        "pending": factory.member(enterprise, approve=False),
        "researcher": factory.org_user(Role.RESEARCHER),
        "expert": factory.expert(),
        "staff": factory.staff(),
        "admin": factory.admin(),
    }


def _url(endpoint: str, world: dict) -> str:
    org = (
        db.session()
        .exec(select(Organisation).where(Organisation.id == world["enterprise"].organisation_id))
        .one()
    )
    return {
        "dashboard.home": "/",
        "accounts.login": "/login",
        "accounts.logout": "/logout",
        "accounts.register": "/register",
        "accounts.register_organisation": "/register/organisation",
        "accounts.register_join": "/register/join",
        "accounts.forgot_password": "/password/forgot",
        "accounts.reset_password": "/password/reset/made-up-token",
        "accounts.set_language": "/lang/en",
        "accounts.account": "/account",
        "accounts.members": "/org/members",
        "accounts.decide_member": f"/org/members/{world['pending'].id}/approve",
        "accounts.staff_organisations": "/staff/organisations",
        "accounts.staff_organisation": f"/staff/organisations/{org.id}",
        "accounts.admin_users": "/admin/users",
        "accounts.admin_create_user": "/admin/users/new",
        "accounts.admin_user": f"/admin/users/{world['member'].id}",
        "dashboard.audit_log": "/staff/audit",
    }[endpoint]


def test_every_route_is_in_the_access_table(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - set(ACCESS) == set(), "new routes need a row in ACCESS"
    assert set(ACCESS) - routes == set(), "ACCESS lists routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, factory: Factory, login, role):
    world = _world(factory)
    if role != "anonymous":
        login(client, world[role])
    failures = []
    # Logout last: it ends the session the other rows need.
    for (endpoint, method), expected in sorted(
        ACCESS.items(), key=lambda item: item[0][0] == "accounts.logout"
    ):
        url = _url(endpoint, world)
        resp = client.open(url, method=method, data={} if method == "POST" else None)
        if resp.status_code != expected[role]:
            failures.append(f"{method} {url}: {resp.status_code}, expected {expected[role]}")
    assert not failures, f"as {role}:\n" + "\n".join(failures)
