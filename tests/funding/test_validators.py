"""Unified social credit codes (GB 32100-2015), mobile numbers and money parsing."""

import pytest

from funding.demo import demo_credit_code
from funding.money import MoneyError, format_fen, parse_yuan
from funding.validators import CodeError, normalise_credit_code, normalise_mobile


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91110000600037341L", "91512081MA62K0260E", "91512081ma62k0260e"]
)
def test_valid_credit_codes_pass(code):
    assert normalise_credit_code(code) == code.upper()


@pytest.mark.parametrize("first", ["Y", "A", "N", "5", "1"])
def test_codes_starting_with_letters_are_valid(first):
    body = first + "1330102" + "MA2H3K4L9"
    from funding.validators import credit_check_char

    assert normalise_credit_code(body + credit_check_char(body)).startswith(first)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4Z", "characters:Z"),
        ("91350100M000100Y44", "check"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("", "length"),
        ("91350100I000100Y43", "characters:I"),
        ("91350100O000100Y43", "characters:O"),
        ("91350100S000100Y43", "characters:S"),
        ("91350100V000100Y43", "characters:V"),
        ("9135A100M000100Y43", "division"),
    ],
)
def test_invalid_credit_codes_fail_with_a_reason(code, reason):
    with pytest.raises(CodeError) as info:
        normalise_credit_code(code)
    assert str(info.value) == reason


def test_demo_codes_are_valid():
    codes = {demo_credit_code("5", "2", 10_000_000 + 7919 * i) for i in range(40)}
    assert len(codes) == 40
    assert all(normalise_credit_code(c) == c for c in codes)


@pytest.mark.parametrize(
    ("raw", "clean"), [("13800001234", "13800001234"), ("+86 138-0000-1234", "13800001234")]
)
def test_mobile_normalised(raw, clean):
    assert normalise_mobile(raw) == clean


@pytest.mark.parametrize("raw", ["12800001234", "1380000123", "138000012345", "abc", ""])
def test_bad_mobile_refused(raw):
    with pytest.raises(CodeError):
        normalise_mobile(raw)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.56", 123456),
        ("¥12", 1200),
        ("0.01", 1),
        ("30000", 3_000_000),
        ("1.50", 150),
        ("１２，０００", 1_200_000),
        ("￥ 100,000,000", 10_000_000_000),
    ],
)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1.001", "too_many_decimals"),
        ("-5", "negative"),
        ("0", "zero"),
        ("1e12", "not_a_number"),
        ("1e999999999", "not_a_number"),
        ("12,0,0", "not_a_number"),
        ("1_000", "not_a_number"),
        ("1,2345", "not_a_number"),
        ("1000000000", "too_large"),
        ("abc", "not_a_number"),
        ("NaN", "not_a_number"),
        ("", "empty"),
    ],
)
def test_parse_yuan_refuses(text, reason):
    with pytest.raises(MoneyError) as info:
        parse_yuan(text)
    assert str(info.value) == reason


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (123456, "¥1,234.56"),
        (5, "¥0.05"),
        (0, "¥0.00"),
        (-120000, "-¥1,200.00"),
        (10_000_000_000, "¥100,000,000.00"),
    ],
)
def test_format_fen(fen, shown):
    assert format_fen(fen) == shown
