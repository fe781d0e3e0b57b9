"""Every grant the foundation has signed, published in the 360Giving Data Standard: a data
package (JSON) valid against the standard's schemas (copied in ``funding/data/360giving``),
and the same grants flattened to one row each under the standard's column titles.

Money figures come from ``funding.figures``; amounts are written in yuan as exact decimal
numbers (the JSON is assembled so that no float ever holds money).
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import joinedload, selectinload

from funding import figures
from funding.dates import DISTRICT_ZONE
from funding.directory.models import Community
from funding.exports import Column, Kind, Table
from funding.extensions import db
from funding.grants.models import Grant, TrancheState
from funding.money import fen_to_input
from funding.proposals.models import Proposal

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "360giving"
CURRENCY = "CNY"
#: org-id.guide's list for the People's Republic of China: the unified social credit code.
ORG_ID_SCHEME = "CN-USCI-"
CATEGORY_VOCABULARY = "Shangcheng district service categories"


@dataclass(frozen=True)
class Yuan:
    """An amount of fen to be written as a JSON number of yuan (e.g. 1234.50)."""

    fen: int


_YUAN_MARK = re.compile(r'"\\u0000yuan:(-?\d+)"')


def _encode(value):
    if isinstance(value, Yuan):
        return f"\u0000yuan:{value.fen}"
    raise TypeError(type(value).__name__)


def dumps(document: dict) -> str:
    """JSON text with every ``Yuan`` written as a plain decimal number."""
    text = json.dumps(document, ensure_ascii=False, default=_encode, indent=1)
    return _YUAN_MARK.sub(lambda m: fen_to_input(int(m.group(1))), text)


def org_id(credit_code: str) -> str:
    return ORG_ID_SCHEME + credit_code


def grant_id(grant: Grant) -> str:
    return f"{current_app.config['OPEN_DATA_PREFIX']}-{grant.id}"


def _date(value: datetime | None) -> str | None:
    return value.astimezone(DISTRICT_ZONE).date().isoformat() if value else None


def _grants() -> list[figures.GrantMoney]:
    """Every signed grant, oldest first, with its money (from ``funding.figures``)."""
    grants = db.session.scalars(
        sa.select(Grant)
        .options(
            joinedload(Grant.proposal).joinedload(Proposal.organization),
            joinedload(Grant.proposal).joinedload(Proposal.program),
            joinedload(Grant.proposal).joinedload(Proposal.category),
            joinedload(Grant.proposal)
            .selectinload(Proposal.communities)
            .joinedload(Community.street),
            selectinload(Grant.tranches),
        )
        .order_by(Grant.id)
    ).all()
    return figures.grant_money(grants)


def funder() -> dict:
    config = current_app.config
    return {"id": org_id(config["FOUNDATION_CREDIT_CODE"]), "name": config["FOUNDATION_NAME"]}


def _location(community: Community) -> dict:
    return {
        "id": f"community-{community.id}",
        "name": f"{community.street.name} {community.name}",
        "countryCode": "CN",
        "description": f"{community.street.name_en}, {community.name}",
    }


def grant_record(money: figures.GrantMoney) -> dict:
    """One grant as the standard describes it."""
    grant, proposal = money.grant, money.grant.proposal
    organization, program = proposal.organization, proposal.program
    record = {
        "id": grant_id(grant),
        "title": proposal.title,
        "description": proposal.summary or proposal.title,
        "currency": CURRENCY,
        "amountAwarded": Yuan(money.amount_fen),
        "amountDisbursed": Yuan(money.paid_fen),
        "awardDate": _date(proposal.decided_at or grant.created_at),
        "url": url_for("proposals.disclosure", proposal_id=proposal.id, _external=True),
        "recipientOrganization": [
            {"id": org_id(organization.credit_code), "name": organization.name}
        ],
        "fundingOrganization": [funder()],
        "grantProgramme": [
            {
                "code": f"{current_app.config['OPEN_DATA_PREFIX']}-program-{program.id}",
                "title": program.name,
            }
        ],
        "fromOpenCall": "Yes",
        "dateModified": grant.created_at.isoformat(),
    }
    if proposal.amount_requested_fen:
        record["amountAppliedFor"] = Yuan(proposal.amount_requested_fen)
    if proposal.start_date:
        planned = {"startDate": proposal.start_date.isoformat()}
        if proposal.end_date:
            planned["endDate"] = proposal.end_date.isoformat()
        record["plannedDates"] = [planned]
    if proposal.category is not None:
        record["classifications"] = [
            {
                "vocabulary": CATEGORY_VOCABULARY,
                "code": proposal.category.code,
                "title": proposal.category.name,
                "description": proposal.category.name_en,
            }
        ]
    if proposal.communities:
        record["beneficiaryLocation"] = [_location(c) for c in proposal.communities]
    paid = [t for t in grant.tranches if t.state == TrancheState.PAID]
    if paid:
        record["disbursementTransaction"] = [
            {
                "id": f"{grant_id(grant)}-tranche-{t.number}",
                "transactionDate": _date(t.paid_at),
                "currency": CURRENCY,
                "value": Yuan(t.paid_fen if t.paid_fen is not None else t.amount_fen),
                "provider": funder()["id"],
                "recipient": org_id(organization.credit_code),
            }
            for t in paid
        ]
    return record


def package(issued: datetime) -> dict:
    """The data package of every signed grant."""
    config = current_app.config
    return {
        "title": config["OPEN_DATA_TITLE"],
        "description": config["OPEN_DATA_DESCRIPTION"],
        "identifier": f"{config['OPEN_DATA_PREFIX']}-grants",
        "issued": issued.astimezone(DISTRICT_ZONE).isoformat(timespec="seconds"),
        "publisher": {
            "identifier": funder()["id"],
            "name": config["FOUNDATION_NAME"],
        },
        "downloadURL": url_for("opendata.giving_json", _external=True),
        "accessURL": url_for("transparency.index", _external=True),
        "license": config["OPEN_DATA_LICENCE_URL"],
        "grants": [grant_record(m) for m in _grants()],
    }


#: The standard's column titles (its summary table), in its order, then the classification.
FLAT_COLUMNS = [
    ("Identifier", Kind.TEXT),
    ("Title", Kind.TEXT),
    ("Description", Kind.TEXT),
    ("Currency", Kind.TEXT),
    ("Amount Applied For", Kind.YUAN),
    ("Amount Awarded", Kind.YUAN),
    ("Amount Disbursed", Kind.YUAN),
    ("Award Date", Kind.TEXT),
    ("URL", Kind.TEXT),
    ("Planned Dates:Start Date", Kind.TEXT),
    ("Planned Dates:End Date", Kind.TEXT),
    ("Recipient Org:Identifier", Kind.TEXT),
    ("Recipient Org:Name", Kind.TEXT),
    ("Beneficiary Location:Name", Kind.TEXT),
    ("Beneficiary Location:Country Code", Kind.TEXT),
    ("Funding Org:Identifier", Kind.TEXT),
    ("Funding Org:Name", Kind.TEXT),
    ("Grant Programme:Code", Kind.TEXT),
    ("Grant Programme:Title", Kind.TEXT),
    ("From an open call?", Kind.TEXT),
    ("Classifications:Vocabulary", Kind.TEXT),
    ("Classifications:Code", Kind.TEXT),
    ("Classifications:Title", Kind.TEXT),
    ("Last modified", Kind.TEXT),
]


def _fen(value) -> int | None:
    return value.fen if isinstance(value, Yuan) else None


def flat_table() -> Table:
    """One row per grant under the standard's titles; several beneficiary locations are
    joined with "; " in one cell."""

    def row(record: dict) -> list:
        planned = record.get("plannedDates", [{}])[0]
        classification = record.get("classifications", [{}])[0]
        locations = record.get("beneficiaryLocation", [])
        return [
            record["id"],
            record["title"],
            record["description"],
            record["currency"],
            _fen(record.get("amountAppliedFor")),
            _fen(record["amountAwarded"]),
            _fen(record["amountDisbursed"]),
            record["awardDate"],
            record["url"],
            planned.get("startDate"),
            planned.get("endDate"),
            record["recipientOrganization"][0]["id"],
            record["recipientOrganization"][0]["name"],
            "; ".join(loc["name"] for loc in locations) or None,
            "CN" if locations else None,
            record["fundingOrganization"][0]["id"],
            record["fundingOrganization"][0]["name"],
            record["grantProgramme"][0]["code"],
            record["grantProgramme"][0]["title"],
            record["fromOpenCall"],
            classification.get("vocabulary"),
            classification.get("code"),
            classification.get("title"),
            record["dateModified"],
        ]

    return Table(
        [Column(title, kind) for title, kind in FLAT_COLUMNS],
        [row(grant_record(m)) for m in _grants()],
    )
