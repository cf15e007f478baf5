"""Hostile values in links and form fields get a message, never a 500.

A newline in ``next=`` would become a header; ``int()`` takes "٣" as 3 and refuses "²" with a
ValueError; an id past 2³¹ overflows PostgreSQL's integer. Every integer from a request goes
through ``marketplace.parsing``.
"""

from __future__ import annotations

import pytest

from marketplace.accounts.models import Role

from .factories import Factory
from .teams.conftest import TeamsFactory

HOSTILE_NEXT = ["/challenges\r\nSet-Cookie: x=1", "/challenges\nx", "/\tchallenges", "/a\x7fb"]
HOSTILE_IDS = ["99999999999", "2147483648", "²", "٣", "３", "-1", "1.5", "0x10"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_control_character_in_next_after_login_goes_home(client, factory: Factory, target):
    user = factory.org_user()
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": Factory.PASSWORD},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    assert "x=1" not in str(resp.headers)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_control_character_in_next_when_switching_language_goes_home(client, target):
    resp = client.post("/lang/en", data={"next": target})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    assert "x=1" not in str(resp.headers)


def test_a_plain_next_still_works(client):
    assert (
        client.post("/lang/en", data={"next": "/challenges?page=2"}).headers["Location"]
        == "/challenges?page=2"
    )


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_a_bad_profile_id_in_a_subscription_is_refused_with_a_message(
    client, factory: Factory, login, value
):
    teams = TeamsFactory(factory)
    owner = teams.researcher()
    teams.profile(owner)
    login(client, owner)
    resp = client.post("/my/subscriptions", data={"profile_id": value, "query": ""})
    assert resp.status_code == 422
    assert "请从列表中选择" in resp.get_data(as_text=True)
    assert "还没有订阅" in client.get("/my/subscriptions").get_data(as_text=True)


@pytest.mark.parametrize("prefix", ["org:", "user:"])
@pytest.mark.parametrize("value", ["99999999999", "2147483648", "²", "٣"])
def test_a_bad_integrity_subject_is_refused_with_a_message(
    client, factory: Factory, login, prefix, value
):
    factory.org_user(Role.RESEARCHER)
    login(client, factory.staff())
    resp = client.post(
        "/staff/integrity",
        data={"subject": prefix + value, "reason": "数据造假", "restricted_until": "2099-01-01"},
    )
    assert resp.status_code == 422
    assert "请从列表中选择单位或个人" in resp.get_data(as_text=True)


@pytest.mark.parametrize("value", ["٣", "²", "３", "99999999999999999999", "abc"])
def test_a_page_number_in_other_digits_is_the_first_page(app, value):
    from marketplace.pagination import page_arg

    with app.test_request_context("/challenges", query_string={"page": value}):
        assert page_arg() == 1


def test_a_page_number_in_ascii_digits_is_kept_within_bounds(app):
    from marketplace.pagination import page_arg

    with app.test_request_context("/challenges", query_string={"page": "3"}):
        assert page_arg() == 3
    with app.test_request_context("/challenges", query_string={"page": "9999"}):
        assert page_arg(last=50) == 50
