"""Which open pledge instalment a bank credit pays: the candidates are the instalments due
for exactly the credited amount; the payer's name and a pledge number in the reference make
one more certain. One statement reads every candidate for a page of lines."""

import enum
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from funding.extensions import db
from funding.pledges.models import Instalment, InstalmentState, Pledge
from funding.reconciliation.models import BankLine


class Reason(enum.StrEnum):
    AMOUNT = "amount"  # the credit is exactly the instalment
    PAYER = "payer"  # the payer's name is the enterprise's
    REFERENCE = "reference"  # the reference names the pledge's number


#: Confidence each reason adds, out of 100.
WEIGHTS = {Reason.AMOUNT: 40, Reason.PAYER: 30, Reason.REFERENCE: 30}
#: A sure candidate this confident is ticked in advance.
TICKED_FROM = 70
#: A pledge number in a reference: "#12", "认捐12", "认捐编号：12", "pledge 12", "pledge no. 12".
PLEDGE_NUMBER = re.compile(
    r"(?:#|认捐(?:编号|号)?|pledge\s*(?:no\.?|number)?)\s*[:：]?\s*0*([1-9][0-9]{0,8})",
    re.IGNORECASE,
)
#: Words a company name may carry or drop on a bank statement.
NAME_NOISE = re.compile(r"[\s()（）·.,，、]|有限责任公司|股份有限公司|有限公司|公司")


class Verdict(enum.StrEnum):
    SURE = "sure"  # one best candidate
    AMBIGUOUS = "ambiguous"  # several equally good candidates: staff choose
    NONE = "none"  # nothing due for this amount


@dataclass(frozen=True)
class Candidate:
    instalment: Instalment
    reasons: tuple[Reason, ...]

    @property
    def confidence(self) -> int:
        return sum(WEIGHTS[r] for r in self.reasons)


@dataclass
class Proposal:
    """The candidates for one credit, best first."""

    line: BankLine
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        if not self.candidates:
            return Verdict.NONE
        best = self.candidates[0].confidence
        ties = sum(1 for c in self.candidates if c.confidence == best)
        return Verdict.SURE if ties == 1 else Verdict.AMBIGUOUS

    @property
    def best(self) -> Candidate | None:
        """The candidate shown first: the sure one, or none when staff must choose."""
        return self.candidates[0] if self.verdict == Verdict.SURE else None

    @property
    def ticked(self) -> bool:
        return self.best is not None and self.best.confidence >= TICKED_FROM


def _name(text: str) -> str:
    return NAME_NOISE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def payer_is(payer: str, enterprise_name: str) -> bool:
    """The same name once legal-form words, brackets and spaces are dropped (banks shorten
    or bracket names), or one holding the other."""
    a, b = _name(payer), _name(enterprise_name)
    return bool(a and b) and (a == b or a in b or b in a)


def pledge_numbers(reference: str) -> set[int]:
    return {int(n) for n in PLEDGE_NUMBER.findall(unicodedata.normalize("NFKC", reference))}


def propose(lines: list[BankLine]) -> dict[int, Proposal]:
    """A proposal for each unmatched credit among ``lines``, by line id."""
    credits = [line for line in lines if line.is_credit and line.instalment_id is None]
    amounts = {line.amount_fen for line in credits}
    due: dict[int, list[Instalment]] = defaultdict(list)
    if amounts:
        for instalment in db.session.scalars(
            sa.select(Instalment)
            .where(Instalment.state == InstalmentState.DUE, Instalment.amount_fen.in_(amounts))
            .options(selectinload(Instalment.pledge).selectinload(Pledge.enterprise))
            .order_by(Instalment.due_date, Instalment.id)
        ):
            due[instalment.amount_fen].append(instalment)
    proposals = {}
    for line in credits:
        numbers = pledge_numbers(line.reference)
        candidates = []
        for instalment in due[line.amount_fen]:
            reasons = [Reason.AMOUNT]
            if payer_is(line.payer, instalment.pledge.enterprise.name):
                reasons.append(Reason.PAYER)
            if instalment.pledge_id in numbers:
                reasons.append(Reason.REFERENCE)
            candidates.append(Candidate(instalment, tuple(reasons)))
        candidates.sort(key=lambda c: -c.confidence)  # stable: earliest due first among equals
        proposals[line.id] = Proposal(line, candidates)
    return proposals
