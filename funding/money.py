"""Money: integer fen inside, ``¥1,234.56`` outside. The only place that converts."""

import re
import unicodedata
from decimal import Decimal

import cn2an

#: The largest amount a form accepts: ¥100,000,000.00 (no grant here comes near it).
MAX_FEN = 100_000_000 * 100
#: A plain amount: digits, or digits grouped in threes by commas, then up to a few places.
AMOUNT = re.compile(
    r"(?P<sign>-?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<places>[0-9]{1,12}))?"
)


class MoneyError(ValueError):
    """An amount a person typed that cannot be money."""


def parse_yuan(text: str | None, *, allow_zero: bool = False) -> int:
    """Turn '1,234.5' or '¥1234.50' into fen (123450); refuse anything inexact or absurd.

    Only plain decimals are read: commas must group thousands (``12,0,0`` is refused), and
    exponents or underscores (``1e3``, ``1_000``) are not amounts a person types.
    """
    if text is None or not str(text).strip():
        raise MoneyError("empty")
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().lstrip("¥").strip()
    match = AMOUNT.fullmatch(cleaned)
    if match is None:
        raise MoneyError("not_a_number")
    sign, whole, places = match.group("sign"), match.group("whole"), match.group("places") or ""
    whole = whole.replace(",", "").lstrip("0") or "0"
    if len(whole) > len(str(MAX_FEN // 100)):
        raise MoneyError("too_large")
    if len(places.rstrip("0")) > 2:
        raise MoneyError("too_many_decimals")
    value = Decimal(f"{whole}.{places[:2] or '0'}")
    if value * 100 > MAX_FEN:
        raise MoneyError("too_large")
    if sign and value != 0:
        raise MoneyError("negative")
    if value == 0 and not allow_zero:
        raise MoneyError("zero")
    return int(value * 100)


def format_fen(fen: int | None) -> str:
    """Format fen as ``¥1,234.56`` (``-¥12.00`` for negatives) with integer arithmetic only."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def fen_to_input(fen: int | None) -> str:
    """Render fen for an input box: ``1234.56`` with no grouping, or '' when unset."""
    if fen is None:
        return ""
    yuan, cents = divmod(int(fen), 100)
    return f"{yuan}.{cents:02d}"


def capitals(fen: int) -> str:
    """The amount in Chinese capitals (人民币大写), as donation agreements write it:
    ``123456`` fen -> ``人民币壹仟贰佰叁拾肆元伍角陆分``."""
    yuan, cents = divmod(int(fen), 100)
    return "人民币" + cn2an.an2cn(f"{yuan}.{cents:02d}", "rmb")
