"""Subscription digests are batched: at most one per user per Beijing day, recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlmodel import select

from marketplace import db
from marketplace.accounts.models import Role
from marketplace.notifications import Notification, NotificationKind
from marketplace.search.subscriptions import DigestRun, subscribe

from .factories import Factory

# 09:00 Beijing time on a Tuesday.
MORNING = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _digests(user_id: int) -> list[Notification]:
    db.refresh_read_session()
    return list(
        db.session().exec(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.kind == NotificationKind.DIGEST)
            .order_by(Notification.id)
        )
    )


def _tick(app) -> str:
    result = app.test_cli_runner().invoke(args=["marketplace", "tick"])
    assert result.exit_code == 0, result.output
    return result.output


def test_one_digest_a_day_and_the_next_day_brings_the_rest(app, factory: Factory):
    team = factory.org_user(Role.RESEARCHER)
    issuer = factory.org_user(Role.ENTERPRISE)
    with time_machine.travel(MORNING, tick=True) as clock:
        subscribe(actor=team, query="镁合金")
        clock.shift(timedelta(minutes=1))
        factory.challenge(issuer, title="镁合金轮毂轻量化榜单")
        assert "sent 1 subscription digest" in _tick(app)
        # Later the same day: a new match, but the day's digest has gone.
        clock.shift(timedelta(hours=3))
        factory.challenge(issuer, title="镁合金压铸件开裂榜单")
        assert "sent 0 subscription digest" in _tick(app)
        assert "sent 0 subscription digest" in _tick(app)
        [first] = _digests(team.id)
        assert "镁合金轮毂轻量化榜单" in first.body and "压铸件" not in first.body

        # 23:30 Beijing time is still the same day; 00:30 is the next one.
        clock.move_to(datetime(2026, 12, 1, 15, 30, tzinfo=UTC))
        assert "sent 0 subscription digest" in _tick(app)
        clock.move_to(datetime(2026, 12, 1, 16, 30, tzinfo=UTC))
        assert "sent 1 subscription digest" in _tick(app)
        assert "sent 0 subscription digest" in _tick(app)
    first, second = _digests(team.id)
    assert "镁合金压铸件开裂榜单" in second.body and "轮毂" not in second.body
    runs = db.session().exec(select(DigestRun).order_by(DigestRun.day)).all()
    assert [(r.user_id, r.day.isoformat(), r.challenges) for r in runs] == [
        (team.id, "2026-12-01", 1),
        (team.id, "2026-12-02", 1),
    ]


def test_several_subscriptions_make_one_digest(app, factory: Factory):
    team = factory.org_user(Role.RESEARCHER)
    issuer = factory.org_user(Role.ENTERPRISE)
    with time_machine.travel(MORNING, tick=True) as clock:
        subscribe(actor=team, query="镁合金")
        subscribe(actor=team, query="光伏")
        clock.shift(timedelta(minutes=1))
        factory.challenge(issuer, title="镁合金轮毂轻量化榜单")
        factory.challenge(issuer, title="光伏组件回收榜单")
        assert "sent 1 subscription digest" in _tick(app)
    [digest] = _digests(team.id)
    assert "订阅" in digest.title and "2" in digest.title
    assert "【镁合金】" in digest.body and "【光伏】" in digest.body
    assert "镁合金轮毂轻量化榜单" in digest.body and "光伏组件回收榜单" in digest.body
    assert digest.link == "/my/subscriptions"


def test_a_day_without_news_sends_nothing_and_keeps_the_day_open(app, factory: Factory):
    team = factory.org_user(Role.RESEARCHER)
    issuer = factory.org_user(Role.ENTERPRISE)
    with time_machine.travel(MORNING, tick=True) as clock:
        subscribe(actor=team, query="镁合金")
        assert "sent 0 subscription digest" in _tick(app)
        clock.shift(timedelta(hours=2))
        factory.challenge(issuer, title="镁合金轮毂轻量化榜单")
        assert "sent 1 subscription digest" in _tick(app)
    assert len(_digests(team.id)) == 1
