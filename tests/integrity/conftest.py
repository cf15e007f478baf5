"""Integrity fixtures: a staff member, subjects of every kind, and a way to record a measure."""

from __future__ import annotations

import io
from datetime import date

import pytest

from marketplace.accounts.models import Role
from marketplace.integrity import services
from marketplace.integrity.models import Measure

from ..bids.conftest import market, start_bid  # noqa: F401 (fixtures for the bidding tests)
from ..factories import Factory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people(factory: Factory):
    """Staff, a research organisation (its admin and a member), an outsider, an expert."""
    team = factory.org_user(Role.RESEARCHER, org_name="灵湖学院")
    return {
        "staff": factory.staff(),
        "team": team,
        "colleague": factory.member(team),
        "outsider": factory.org_user(Role.RESEARCHER),
        "expert": factory.expert(name="吴建国"),
    }


@pytest.fixture
def record(people):
    """Record a measure (a 3-year bar from today unless told otherwise) as staff."""

    def _record(*, measure: Measure = Measure.BAR, years: int | None = 3,
                starts_on: date | None = None, **subject):  # fmt: skip
        return services.record_measure(
            actor=people["staff"],
            measure=measure,
            finding="在项目验收中伪造检测数据，涉及联系人 13800000000。",
            legal_basis="《科研失信行为调查处理规则》",
            summary="项目验收材料弄虚作假",
            starts_on=starts_on or services.today(),
            period_years=years if measure is Measure.BAR else None,
            **subject,
        )

    return _record


def apply(client, record_id: int, *, statement: str = "已全部整改，退回全部资金。", pdf=PDF):
    """Post the 信用修复 form as the browser does (multipart, one PDF)."""
    data = {"statement": statement}
    if pdf is not None:
        data["file"] = (io.BytesIO(pdf), "整改报告.pdf")
    return client.post(
        f"/my/integrity/{record_id}/repair", data=data, content_type="multipart/form-data"
    )
