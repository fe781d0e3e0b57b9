"""What the transparency charts draw: rows of values per series, from the same figures as the
tables beside them (``templates/_charts.html`` draws them)."""

from dataclasses import dataclass

from flask_babel import gettext as _

from funding import figures
from funding.i18n import localized
from funding.proposals.funnel import STAGES, Funnel


@dataclass(frozen=True)
class Chart:
    series: list[str]
    rows: list[tuple[str, list[int]]]


def programs(money: list[figures.ProgramMoney]) -> Chart:
    """Each program's fund: paid, reserved for grants, committed, available."""
    return Chart(
        [_("Paid"), _("Reserved"), _("Committed"), _("Available")],
        [
            (
                localized(m.program, "name"),
                [m.paid_fen, m.reserved_fen, m.committed_fen, max(m.available_fen, 0)],
            )
            for m in money
        ],
    )


def breakdown(rows: list[tuple[str, figures.Bucket]]) -> Chart:
    """Granted money by street, category or year: paid, reserved and not yet paid, returned."""
    return Chart(
        [_("Paid"), _("Reserved"), _("Not yet reserved"), _("Returned")],
        [
            (name, [b.paid_fen, b.reserved_fen, b.unreserved_fen, b.returned_fen])
            for name, b in rows
        ],
    )


def funnel(stages: Funnel) -> Chart:
    """How many proposals reached each stage of the cycle."""
    return Chart([_("Proposals")], [(str(STAGES[k]), [n]) for k, n in stages.counts.items()])
