"""Fixtures for profiles and achievements: made through the real services, posted as forms."""

from __future__ import annotations

import pytest

from marketplace.accounts.models import Role, User
from marketplace.teams import services
from marketplace.teams.models import Achievement, TeamProfile
from marketplace.teams.schemas import parse_achievement, parse_profile

from ..factories import Factory


def profile_raw(**overrides) -> dict:
    """A complete, valid capability profile as a person would type it."""
    raw = {
        "team_name": "轻合金成形与表面工程团队",
        "leader_name": "李明",
        "leader_title": "教授",
        "leader_field": "材料加工工程",
        "research_fields": "镁合金压铸、铝合金轻量化构件、表面防护涂层",
        "keywords": "镁合金、轻量化，压铸 涂层",
        "equipment": "800 吨压铸机\n扫描电镜",
        "is_public": "on",
        "members": [
            {"name": "王芳", "title": "副教授", "role": "工艺设计"},
            {"name": "赵强", "title": "高级工程师", "role": "中试放大"},
        ],
        "works": [
            {
                "kind": "patent",
                "title": "一种高强镁合金及其制备方法",
                "number": "ZL 2021 1 0123456.7",
                "year": "2022",
            },
            {"kind": "paper", "title": "Die-cast Mg alloys", "number": "", "year": "2021"},
            {
                "kind": "project",
                "title": "国家重点研发计划课题",
                "number": "2022YFB0000000",
                "year": "",
            },
        ],
    }
    raw.update(overrides)
    return raw


def achievement_raw(**overrides) -> dict:
    """A complete, valid technology achievement as a person would type it."""
    raw = {
        "title": "高导热镁合金压铸件制备技术",
        "field": "materials",
        "summary": "导热系数 **≥120 W/(m·K)**，可用于 5G 基站散热壳体。",
        "trl": "6",
        "ip_status": "发明专利 ZL202110123456.7（已授权）\nCN115123456A（实审中）",
        "transfer_mode": "licence",
        "asking_price": "150",
        "team_id": "",
        "is_public": "on",
    }
    raw.update(overrides)
    return raw


def profile_form(raw: dict) -> dict:
    """The raw profile as the fields the HTML form posts (table rows in parallel lists)."""
    data = {k: v for k, v in raw.items() if k not in ("members", "works")}
    for part in ("name", "title", "role"):
        data[f"member_{part}"] = [row.get(part, "") for row in raw["members"]]
    for part in ("kind", "title", "number", "year"):
        data[f"work_{part}"] = [row.get(part, "") for row in raw["works"]]
    if not data.get("is_public"):
        data.pop("is_public", None)  # an unticked checkbox is not posted at all
    return data


def achievement_form(raw: dict) -> dict:
    data = dict(raw)
    if not data.get("is_public"):
        data.pop("is_public", None)
    return data


class TeamsFactory:
    """Profiles and achievements owned by a verified research organisation."""

    def __init__(self, factory: Factory):
        self.factory = factory

    def researcher(self, **kw) -> User:
        return self.factory.org_user(Role.RESEARCHER, **kw)

    def profile(self, owner: User | None = None, **overrides) -> TeamProfile:
        owner = owner or self.researcher()
        return services.create_profile(actor=owner, data=parse_profile(profile_raw(**overrides)))

    def achievement(self, owner: User | None = None, **overrides) -> Achievement:
        owner = owner or self.researcher()
        data = parse_achievement(achievement_raw(**overrides))
        return services.create_achievement(actor=owner, data=data)


@pytest.fixture
def teams(factory: Factory) -> TeamsFactory:
    return TeamsFactory(factory)


@pytest.fixture
def researcher(client, teams: TeamsFactory, login) -> User:
    """A logged-in admin of a verified university."""
    user = teams.researcher()
    login(client, user)
    return user
