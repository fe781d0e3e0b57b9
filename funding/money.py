"""Money: integer fen inside, ``¥1,234.56`` outside. The only place that converts."""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

import cn2an

#: The largest amount a form accepts: ¥100,000,000.00 (no grant here comes near it).
MAX_FEN = 100_000_000 * 100


class MoneyError(ValueError):
    """An amount a person typed that cannot be money."""


def parse_yuan(text: str | None, *, allow_zero: bool = False) -> int:
    """Turn '1,234.5' or '¥1234.50' into fen (123450); refuse anything inexact or absurd."""
    if text is None or not str(text).strip():
        raise MoneyError("empty")
    cleaned = str(text).strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyError("not_a_number") from exc
    if not value.is_finite():
        raise MoneyError("not_a_number")
    if abs(value) * 100 > MAX_FEN:  # far beyond any grant; also keeps the arithmetic bounded
        raise MoneyError("too_large")
    if value.as_tuple().exponent < -2 and value != value.quantize(Decimal("0.01"), ROUND_DOWN):
        raise MoneyError("too_many_decimals")
    if value < 0:
        raise MoneyError("negative")
    if value == 0 and not allow_zero:
        raise MoneyError("zero")
    fen = int(value * 100)
    return fen


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
