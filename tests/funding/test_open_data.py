"""The grants in the 360Giving Data Standard: the package is valid against the standard's own
schemas, carries what the foundation disclosed, and its figures equal the public ones."""

import csv
import io
import json
from decimal import Decimal

import pytest
from jsonschema import Draft4Validator, FormatChecker
from openpyxl import load_workbook
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from funding.accounts.models import Role
from funding.grants import tranches
from funding.opendata.giving360 import FLAT_COLUMNS, SCHEMA_DIR
from tests.funding.money_helpers import (
    key,
    matching_program,
    request_next,
    reserve_proposed,
    signed_grant,
)

GRANT_SCHEMA_URL = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/master/schema/"
    "360-giving-schema.json"
)


def _validator() -> Draft4Validator:
    """The package schema, its reference to the grant schema resolved to the local copy."""
    package = json.loads((SCHEMA_DIR / "360-giving-package-schema.json").read_text())
    grant = json.loads((SCHEMA_DIR / "360-giving-schema.json").read_text())
    registry = Registry().with_resource(
        GRANT_SCHEMA_URL, Resource.from_contents(grant, default_specification=DRAFT4)
    )
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


@pytest.fixture
def grants(make):
    """Two grants: one paid in both tranches, one signed and not yet paid."""
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    worker = make.user(Role.COMMUNITY_WORKER)
    program = matching_program(own_fen=9_000_000, ratio_pct=0, tranches=[50, 50])
    qingbo, hubin = make.community("清波门社区"), make.community("东坡路社区")
    paid = signed_grant(
        staff, member, program, 2_000_050, communities=[qingbo, hubin], category_code="A"
    )
    waiting = signed_grant(staff, member, program, 1_000_000, communities=[])
    for grant in (paid, waiting):
        reserve_proposed(staff, grant)
    for _ in paid.tranches:
        tranches.sign_tranche(staff, request_next(member, staff, worker, paid), key())
    return {"paid": paid, "waiting": waiting, "org": member.party}


def test_package_is_valid_against_the_standards_schemas(grants, client):
    response = client.get("/open-data/360giving.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = json.loads(response.get_data(as_text=True), parse_float=Decimal)
    errors = [f"{list(e.path)}: {e.message}" for e in _validator().iter_errors(document)]
    assert errors == []
    assert document["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert len(document["grants"]) == 2


def test_an_invalid_package_is_refused_by_the_validator(grants, client):
    """The validator really checks the grants against the grant schema."""
    document = json.loads(client.get("/open-data/360giving.json").get_data(as_text=True))
    del document["grants"][0]["recipientOrganization"]
    document["grants"][1]["currency"] = "yuan"
    messages = {e.message for e in _validator().iter_errors(document)}
    assert "'recipientOrganization' is a required property" in messages
    assert any("'yuan' is not one of" in m for m in messages)


def test_each_grant_says_who_what_where_and_how_much(grants, client, app):
    document = json.loads(
        client.get("/open-data/360giving.json").get_data(as_text=True), parse_float=Decimal
    )
    prefix = app.config["OPEN_DATA_PREFIX"]
    paid_grant, waiting_grant = grants["paid"], grants["waiting"]
    first, second = document["grants"]
    assert first["id"] == f"{prefix}-{paid_grant.id}"
    assert first["currency"] == "CNY"
    assert first["amountAwarded"] == Decimal("20000.50")  # exact, from integer fen
    assert first["recipientOrganization"][0]["id"] == "CN-USCI-" + grants["org"].credit_code
    assert first["fundingOrganization"][0] == {
        "id": "CN-USCI-" + app.config["FOUNDATION_CREDIT_CODE"],
        "name": app.config["FOUNDATION_NAME"],
    }
    assert first["grantProgramme"][0]["title"] == paid_grant.proposal.program.name
    assert first["classifications"][0]["code"] == "A"
    assert [loc["name"] for loc in first["beneficiaryLocation"]] == [
        f"{c.street.name} {c.name}" for c in paid_grant.proposal.communities
    ]
    assert first["plannedDates"][0]["startDate"] == paid_grant.proposal.start_date.isoformat()
    # one disbursement per paid tranche, and they add up to the public "paid" figure
    payments = first["disbursementTransaction"]
    assert [p["id"] for p in payments] == [f"{first['id']}-tranche-1", f"{first['id']}-tranche-2"]
    assert sum(p["value"] for p in payments) == first["amountDisbursed"] == first["amountAwarded"]
    assert second["id"] == f"{prefix}-{waiting_grant.id}"
    assert second["amountDisbursed"] == 0 and "disbursementTransaction" not in second
    assert "beneficiaryLocation" not in second


def test_flat_files_use_the_standards_titles(grants, client):
    text = client.get("/open-data/360giving.csv").data.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == [title for title, _kind in FLAT_COLUMNS]
    assert header[:4] == ["Identifier", "Title", "Description", "Currency"]
    assert len(rows) == 2
    awarded = header.index("Amount Awarded")
    assert [r[awarded] for r in rows] == ["20000.50", "10000.00"]
    assert "; " in rows[0][header.index("Beneficiary Location:Name")]
    book = load_workbook(io.BytesIO(client.get("/open-data/360giving.xlsx").data))
    sheet = book.active
    assert [c.value for c in sheet[1]] == header
    assert sheet.cell(row=2, column=awarded + 1).value == pytest.approx(20000.5)


def test_transparency_page_links_the_open_data_and_its_licence(client):
    page = client.get("/transparency?lang=en").get_data(as_text=True)
    assert 'href="/open-data/360giving.json"' in page
    assert 'href="/open-data/360giving.csv"' in page
    assert 'rel="license">CC BY 4.0</a>' in page
