"""The three documents the cycle prints, built from their records: a proposal's application
form (申报书), a grant agreement (资助协议) and a donation agreement (捐赠协议). Amounts are
written in figures and in Chinese capitals, as such documents are."""

from flask_babel import format_date
from flask_babel import gettext as _

from funding.documents import Document
from funding.grants.models import Grant
from funding.i18n import join_localized, localized
from funding.labels import label
from funding.money import capitals, format_fen
from funding.pledges.models import Pledge, PledgeTarget
from funding.proposals.models import Proposal
from funding.transparency.annual import Annual
from funding.transparency.tables import BREAKDOWN_TITLES


def _foundation() -> str:
    return _("Shangcheng District Social Organization Development Foundation")


def _amount(fen: int) -> str:
    return f"{format_fen(fen)}\n{_('In capitals')}: {capitals(fen)}"


def _party(party) -> str:
    """A party as agreements name it: its name and its credit code."""
    return f"{party.name}\n{_('Unified social credit code')}: {party.credit_code}"


def _date(value) -> str:
    return format_date(value, "long") if value else "—"


def application_form(proposal: Proposal) -> Document:
    org = proposal.organization
    return Document(
        title=_("Application form"),
        number=f"{_('No.')} SQ-{proposal.id:06d} · {_date(proposal.submitted_at)}",
        fields=[
            (_("Program"), localized(proposal.program, "name")),
            (_("Project title"), proposal.title or ""),
            (_("Applicant"), _party(org)),
            (_("Contact"), f"{org.contact_name} · {org.contact_mobile}"),
            (
                _("Service category"),
                localized(proposal.category, "name") if proposal.category else "—",
            ),
            (_("Communities served"), join_localized(proposal.communities) or "—"),
            (_("Project period"), f"{_date(proposal.start_date)} – {_date(proposal.end_date)}"),
            (
                _("Beneficiaries"),
                _("%(direct)s direct, %(indirect)s indirect")
                % {
                    "direct": proposal.direct_beneficiaries or 0,
                    "indirect": proposal.indirect_beneficiaries or 0,
                },
            ),
            (_("Summary"), proposal.summary or ""),
            (_("Total budget"), _amount(proposal.total_budget_fen)),
            (_("Amount requested"), _amount(proposal.amount_requested_fen or 0)),
            (_("Self-funded"), _amount(proposal.self_funded_fen or 0)),
        ],
        tables=[
            (
                _("Budget"),
                [_("Item"), _("Category"), _("Quantity"), _("Unit price"), _("Total")],
                [
                    [
                        line.item,
                        label(line.category),
                        str(line.quantity),
                        format_fen(line.unit_price_fen),
                        format_fen(line.total_fen),
                    ]
                    for line in proposal.budget_lines
                ],
            ),
            (
                _("Outcomes"),
                [_("Indicator"), _("Target")],
                [[o.get("indicator", ""), o.get("target", "")] for o in proposal.outcomes or []],
            ),
            (
                _("Team"),
                [_("Name"), _("Role")],
                [[m.get("name", ""), m.get("role", "")] for m in proposal.team or []],
            ),
        ],
        clauses=[
            _(
                "The applicant declares that the information in this form is true and complete, "
                "and that the project does not receive other money for the same costs."
            )
        ],
        signatures=[_("Applicant (seal)"), _("Person in charge (signature)")],
    )


def grant_agreement(grant: Grant) -> Document:
    proposal = grant.proposal
    org = proposal.organization
    return Document(
        title=_("Grant agreement"),
        number=f"{_('No.')} ZZ-{grant.id:06d} · {_date(proposal.agreement_signed_at)}",
        fields=[
            (_("Party A (funder)"), _foundation()),
            (
                _("Party B (grantee)"),
                _party(org),
            ),
            (_("Program"), localized(proposal.program, "name")),
            (_("Project"), proposal.title or ""),
            (_("Communities served"), join_localized(proposal.communities) or "—"),
            (_("Project period"), f"{_date(proposal.start_date)} – {_date(proposal.end_date)}"),
            (_("Grant"), _amount(grant.amount_fen)),
        ],
        tables=[
            (
                _("Payment in tranches"),
                [_("Tranche"), _("Amount"), _("In capitals"), _("Condition")],
                [
                    [
                        str(t.number),
                        format_fen(t.amount_fen),
                        capitals(t.amount_fen),
                        _("On signing")
                        if t.number == 1
                        else _("After the mid-term review")
                        if t.number < len(grant.tranches)
                        else _("With the final report and the community's rating"),
                    ]
                    for t in grant.tranches
                ],
            )
        ],
        clauses=[
            _(
                "Party B uses the grant only for the project and budget above, keeps its accounts "
                "separately, and reports progress and spending before each tranche."
            ),
            _(
                "Party A pays each tranche after checking the report; money not spent at the end "
                "is not paid, and a grant ended for breach returns what is unpaid to its sources."
            ),
            _("The project, its grant and its payments are disclosed to the public."),
        ],
        signatures=[_("Party A (seal)"), _("Party B (seal)")],
    )


def donation_agreement(pledge: Pledge) -> Document:
    ent = pledge.enterprise
    if pledge.target == PledgeTarget.PROJECT:
        purpose = f"{_('Project')}: {pledge.proposal.title} · {pledge.proposal.organization.name}"
    elif pledge.target == PledgeTarget.PROGRAM:
        purpose = f"{_('Program')}: {localized(pledge.program, 'name')}"
    elif pledge.target == PledgeTarget.CATEGORY:
        purpose = f"{_('Service category')}: {localized(pledge.category, 'name')}"
    else:
        purpose = _("The general pool")
    fields = [
        (_("Donor (Party A)"), _party(ent)),
        (_("Recipient (Party B)"), _foundation()),
        (_("Purpose"), purpose),
        (_("Amount"), _amount(pledge.amount_fen)),
    ]
    if pledge.target == PledgeTarget.PROJECT and pledge.promised_match_fen:
        fields.append((_("Matching gift"), _amount(pledge.promised_match_fen)))
    fields.append((_("Payment method"), label(pledge.payment_method)))
    return Document(
        title=_("Donation agreement"),
        number=f"{_('No.')} LK-{pledge.id:06d} · {_date(pledge.created_at)}",
        fields=fields,
        tables=[
            (
                _("Payment schedule"),
                [_("Instalment"), _("Due"), _("Amount"), _("In capitals")],
                [
                    [
                        str(i.number),
                        _date(i.due_date),
                        format_fen(i.amount_fen),
                        capitals(i.amount_fen),
                    ]
                    for i in pledge.instalments
                ],
            )
        ],
        clauses=[
            _(
                "Party B uses the donation only for the purpose above, discloses its use publicly, "
                "and reports to Party A on the project's progress and finances."
            )
        ],
        signatures=[_("Party A (seal)"), _("Party B (seal)")],
    )


def annual_document(report: Annual) -> Document:
    """The annual report as a document: totals, then each breakdown and the givers."""
    totals = report.totals
    heads = [_("Grants"), _("Amount"), _("Paid"), _("Reserved"), _("Returned")]
    return Document(
        title=_("Annual report %(year)s", year=report.year),
        number=_foundation(),
        fields=[
            (_("Grants signed"), str(totals.grants)),
            (_("Granted"), _amount(totals.amount_fen)),
            (_("Paid"), format_fen(totals.paid_fen)),
            (_("Reserved, not yet paid"), format_fen(totals.reserved_fen)),
            (_("Projects finished"), str(report.finished)),
            (_("People the finished projects served"), str(report.beneficiaries)),
        ],
        tables=[
            (
                str(BREAKDOWN_TITLES[dimension]),
                [str(BREAKDOWN_TITLES[dimension]), *heads],
                [
                    [
                        name,
                        str(b.grants),
                        format_fen(b.amount_fen),
                        format_fen(b.paid_fen),
                        format_fen(b.reserved_fen),
                        format_fen(b.returned_fen),
                    ]
                    for name, b in rows
                ],
            )
            for dimension, rows in report.breakdowns.items()
        ]
        + [
            (
                _("Enterprise giving"),
                [_("Enterprise"), _("Pledged")],
                [[name, format_fen(total)] for name, total in report.givers],
            )
        ],
    )
