"""The OCDS release package against its JSON Schema, the OpenAPI document, CSV and /open-data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
import time_machine

from marketplace.accounts.models import Role

from ..factories import Factory
from .conftest import WAN

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "marketplace" / "api" / "ocds_schema.json").read_text("utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def _errors(package: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(package)]


def _package(client, url="/api/v1/ocds/releases.json") -> dict:
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_json()


def test_the_schema_is_a_valid_json_schema_that_refuses_a_broken_package():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert _errors({"version": "1.0", "releases": [{}]})  # a broken package fails


def test_the_package_maps_challenge_award_project_milestones_and_payments(client, awarded, app):
    challenge, project = awarded["challenge"], awarded["project"]
    app.config["OCDS_OCID_PREFIX"] = "ocds-abc123"
    with time_machine.travel(awarded["later"], tick=False):
        package = _package(client)
    assert _errors(package) == []
    assert (
        package["version"] == "1.1" and "creativecommons.org/licenses/by/4.0" in package["license"]
    )
    assert package["publicationPolicy"].endswith("/open-data")
    (release,) = package["releases"]
    assert release["ocid"] == f"ocds-abc123-{challenge.code}"
    assert release["tag"] == ["tender", "award", "contract", "implementation"]
    tender = release["tender"]
    assert tender["id"] == challenge.code and tender["status"] == "complete"
    assert tender["value"] == {"amount": 3_000_000, "currency": "CNY"}  # 300 万元 in yuan
    assert tender["numberOfTenderers"] == 2  # after the deadline only
    (award,) = release["awards"]
    assert award["status"] == "active" and award["value"]["amount"] == 2_500_000
    (contract,) = release["contracts"]
    assert contract["id"] == project.number and contract["awardID"] == award["id"]
    assert contract["status"] == "active" and contract["value"]["amount"] == 2_500_000
    milestones = contract["implementation"]["milestones"]
    assert milestones[0]["status"] == "met" and "dateMet" in milestones[0]
    assert {m["status"] for m in milestones[1:]} <= {"scheduled"}
    transactions = contract["implementation"]["transactions"]
    # The released tranche: 30 万元 subsidy from the bureau, 45 万元 from the enterprise.
    assert sorted((t["payer"]["id"], t["value"]["amount"]) for t in transactions) == sorted(
        [("bureau", 300_000), (release["buyer"]["id"], 450_000)]
    )
    parties = {p["id"]: p for p in release["parties"]}
    team = award["suppliers"][0]["id"]
    assert set(parties[team]["roles"]) == {"supplier", "payee"}
    assert parties[team]["name"] == "东海理工大学"
    assert {"buyer", "payer"} <= set(parties[release["buyer"]["id"]]["roles"])
    assert "procuringEntity" in parties["bureau"]["roles"]
    # The team that lost is named nowhere in the public package.
    assert "灵湖学院" not in json.dumps(package, ensure_ascii=False)


def test_an_open_challenge_is_a_tender_with_its_bids_still_sealed(client, factory: Factory):
    from ..review.conftest import submit_bid

    issuer = factory.org_user(Role.ENTERPRISE)
    challenge = factory.challenge(issuer, stage="open")
    factory.challenge(issuer, stage="draft", title="草稿")
    submit_bid(client, _login_for(client), factory.org_user(Role.RESEARCHER), challenge)
    package = _package(client)
    assert _errors(package) == []
    (release,) = package["releases"]
    assert release["tag"] == ["tender"] and release["tender"]["status"] == "active"
    assert "numberOfTenderers" not in release["tender"]  # how many bid is sealed too
    assert "awards" not in release and "contracts" not in release


def _login_for(client):
    def login(c, user, password=Factory.PASSWORD):
        resp = c.post("/login", data={"email": user.email, "password": password})
        assert resp.status_code == 302

    return login


def test_the_package_is_paged_with_a_link_to_the_next_page(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    codes = [factory.challenge(issuer, stage="open", title=f"榜单{n}").code for n in range(3)]
    resp = client.get("/api/v1/ocds/releases.json?per_page=2")
    assert 'rel="next"' in resp.headers["Link"] and "page=2" in resp.headers["Link"]
    first = resp.get_json()
    second = _package(client, "/api/v1/ocds/releases.json?per_page=2&page=2")
    ocids = [r["ocid"] for r in first["releases"] + second["releases"]]
    assert [o.rsplit("-", 3)[-3:] for o in ocids] == [c.split("-") for c in codes]
    assert "Link" not in client.get("/api/v1/ocds/releases.json?per_page=2&page=2").headers
    assert client.get("/api/v1/ocds/releases.json?page=3&per_page=2").status_code == 404
    assert client.get("/api/v1/ocds/releases.json?per_page=500").status_code == 400


def test_openapi_is_generated_from_the_response_schemas(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.")
    assert {
        "/api/v1/challenges",
        "/api/v1/awards",
        "/api/v1/projects",
        "/api/v1/payments",
        "/api/v1/ocds/releases.json",
        "/api/v1/me/bids",
        "/api/v1/me/projects",
    } <= set(doc["paths"])
    op = doc["paths"]["/api/v1/challenges"]["get"]
    params = {p["name"] for p in op["parameters"]}
    assert params == {"page", "per_page", "year", "industry", "status"}
    assert set(op["responses"]) >= {"200", "400", "404"}
    assert doc["paths"]["/api/v1/me/bids"]["get"]["security"] == [{"bearer": []}]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    schemas = doc["components"]["schemas"]
    page = next(v for k, v in schemas.items() if k.startswith("ChallengePage"))
    assert {"items", "page", "per_page", "total", "pages"} <= set(page["properties"])


def test_csv_downloads_have_a_bom_chinese_headers_and_the_same_rows(client, awarded):
    with time_machine.travel(awarded["later"], tick=False):
        files = {
            name: client.get(f"/open-data/{name}.csv")
            for name in ("challenges", "awards", "projects", "payments")
        }
    for name, resp in files.items():
        assert resp.status_code == 200 and resp.mimetype == "text/csv", name
        assert f"filename={name}.csv" in resp.headers["Content-Disposition"]
        assert resp.data.startswith("\ufeff".encode())
    rows = {
        name: list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
        for name, resp in files.items()
    }
    assert rows["challenges"][0][:3] == ["榜单编号", "榜单名称", "产业链"]
    assert rows["challenges"][1][0] == awarded["challenge"].code
    assert rows["challenges"][1][2] == "新材料" and rows["challenges"][1][3] == "已揭榜"
    assert rows["awards"][1][4] == "250.00" and rows["awards"][1][6] == "东海理工大学"
    assert rows["projects"][1][0] == awarded["project"].number
    assert rows["payments"][1][7] == f"{75 * WAN / WAN:.2f}"
    assert client.get("/open-data/users.csv").status_code == 404


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_open_data_page_explains_the_downloads_and_the_licence(client, lang):
    client.post(f"/lang/{lang}")
    resp = client.get("/open-data")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "CC BY 4.0" in html and "/api/v1/ocds/releases.json" in html
    assert "/open-data/challenges.csv" in html and "/api/v1/openapi.json" in html
    assert "ocds-lhkj01" in html and 'rel="license"' in html


def test_csv_reads_every_batch_of_a_list_newest_first(client, factory: Factory, monkeypatch):
    from marketplace.api import views

    monkeypatch.setattr(views, "CSV_BATCH", 2)  # five rows: three batches of the same query
    issuer = factory.org_user(Role.ENTERPRISE)
    codes = [factory.challenge(issuer, stage="open", title=f"榜单{n}").code for n in range(5)]
    resp = client.get("/open-data/challenges.csv")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == codes[::-1]
    assert [r[1] for r in rows[1:]] == [f"榜单{n}" for n in range(4, -1, -1)]


def test_csv_cells_that_look_like_formulas_are_defused(client, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer, stage="open", title="=HYPERLINK(1)")
    text = client.get("/open-data/challenges.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_every_page_links_to_the_open_data_page_in_its_footer(client):
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index("<footer") :]
    assert 'href="/open-data"' in footer
