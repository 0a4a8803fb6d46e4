"""GS1 check digits and element strings, and the unified social credit code of GB 32100-2015."""

from __future__ import annotations

import datetime as dt
import doctest
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
import stdnum.cn.uscc
from hypothesis import given
from hypothesis import strategies as st

from tichub.science.codes import (
    GS1Data,
    gtin_check_digit,
    is_valid_gtin,
    is_valid_uscc,
    parse_gs1,
    uscc_check_character,
    validate_uscc,
)


def _reference_check_digit(body: str) -> int:
    # GS1 General Specifications 7.9.1 written out independently of stdnum: weights 3, 1, 3, … from the right.
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


# --- GTIN -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("629104150021", 3),  # GS1's worked example: GTIN-13 6291041500213
        ("001234567890", 5),  # UPC-A 0 12345 67890 5 as a GTIN-13
        ("400638133393", 1),
        ("9638507", 4),  # GTIN-8
        ("0001234560001", 2),  # GTIN-14
        ("0950600013435", 2),  # GS1's sample GTIN in element strings
        ("03600029145", 2),  # GTIN-12 (UPC-A)
        ("0000000000000", 0),
    ],
)
def test_gtin_check_digit(body: str, check: int) -> None:
    assert gtin_check_digit(body) == check
    assert is_valid_gtin(body + str(check))


@pytest.mark.parametrize("body", ["", "12a4567", "١٢٣٤٥٦٧", "12 34567", "1234-567", "1" * 18])
def test_gtin_check_digit_rejects_bad_bodies(body: str) -> None:
    with pytest.raises(ValueError, match=r"digits|1 to 17"):
        gtin_check_digit(body)


@pytest.mark.parametrize(
    "code", ["6291041500213", "0012345678905", "4006381333931", "96385074", "00012345600012", "036000291452"]
)
def test_valid_gtins(code: str) -> None:
    assert is_valid_gtin(code)


@pytest.mark.parametrize(
    "code",
    [
        "6291041500214",  # wrong check digit
        "4006381333932",
        "96385075",
        "0001234567",  # 10 digits: not a GTIN length
        "123456789012345",  # 15 digits
        "629 1041 50021 3",  # separators are not part of a GTIN
        "629-104150021-3",
        "62910415002１3",  # a full-width digit
        "",
    ],
)
def test_invalid_gtins(code: str) -> None:
    assert not is_valid_gtin(code)


def test_is_valid_gtin_does_not_raise_on_other_types() -> None:
    bad: Any = 6291041500213
    assert not is_valid_gtin(bad)


@given(st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))
def test_appending_the_check_digit_gives_a_valid_gtin(body: str) -> None:
    check = gtin_check_digit(body)
    assert check == _reference_check_digit(body)
    assert is_valid_gtin(body + str(check))


@given(
    st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    st.data(),
)
def test_changing_any_single_digit_invalidates(body: str, data: st.DataObject) -> None:
    # Weights 1 and 3 are both prime to 10, so the mod-10 check catches every single-digit substitution.
    code = body + str(gtin_check_digit(body))
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    mutated = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_gtin(mutated)


# --- GS1 element strings --------------------------------------------------------------------------------------


def test_parse_hri() -> None:
    data = parse_gs1("(01)09506000134352(17)201225(10)ABC123")
    assert data == GS1Data(
        gtin="09506000134352",
        batch="ABC123",
        expiry_date=dt.date(2020, 12, 25),
        elements={"01": "09506000134352", "17": "201225", "10": "ABC123"},
    )
    assert data.production_date is None and data.serial is None and data.net_weight_kg is None


def test_parse_raw_with_group_separators() -> None:
    # FNC1 arrives as GS (0x1d) after each variable-length field that is not last.
    data = parse_gs1("01095060001343521720122510ABC123\x1d21XYZ-0042\x1d3103001250")
    assert data.gtin == "09506000134352"
    assert data.expiry_date == dt.date(2020, 12, 25)
    assert data.batch == "ABC123"
    assert data.serial == "XYZ-0042"
    assert data.net_weight_kg == Decimal("1.250")
    assert data.elements == {
        "01": "09506000134352",
        "17": "201225",
        "10": "ABC123",
        "21": "XYZ-0042",
        "3103": "001250",
    }


@pytest.mark.parametrize("prefix", ["]C1", "]d2", "]Q3", "]e0", "\x1d", "]C1\x1d"])
def test_symbology_identifiers_and_leading_fnc1(prefix: str) -> None:
    data = parse_gs1(prefix + "0109506000134352" + "10L1\x1d" + "1124011" + "5")
    assert (data.gtin, data.batch, data.production_date) == ("09506000134352", "L1", dt.date(2024, 1, 15))


def test_parse_all_dates() -> None:
    data = parse_gs1("(01)09506000134352(11)230315(15)240630(17)250101")
    assert data.production_date == dt.date(2023, 3, 15)
    assert data.best_before_date == dt.date(2024, 6, 30)
    assert data.expiry_date == dt.date(2025, 1, 1)


@pytest.mark.parametrize(
    ("yymmdd", "expected"),
    [
        ("201200", dt.date(2020, 12, 31)),
        ("240200", dt.date(2024, 2, 29)),  # leap year
        ("230200", dt.date(2023, 2, 28)),
        ("250400", dt.date(2025, 4, 30)),
    ],
)
def test_day_00_means_last_day_of_month(yymmdd: str, expected: dt.date) -> None:
    # GS1 General Specifications 3.4: "if it is not necessary to specify the day, the day field can be 00".
    assert parse_gs1(f"(01)09506000134352(17){yymmdd}").expiry_date == expected


@pytest.mark.parametrize(
    ("ai", "value", "kg"),
    [
        ("3100", "000125", Decimal("125")),
        ("3102", "012345", Decimal("123.45")),
        ("3103", "001250", Decimal("1.250")),
        ("3105", "012345", Decimal("0.12345")),
    ],
)
def test_net_weight_kg(ai: str, value: str, kg: Decimal) -> None:
    assert parse_gs1(f"(01)09506000134352({ai}){value}").net_weight_kg == kg


def test_other_ais_are_kept_as_elements() -> None:
    data = parse_gs1("(01)09506000134352(400)PO-7731(99)LAB")
    assert data.elements["400"] == "PO-7731"
    assert data.elements["99"] == "LAB"


@pytest.mark.parametrize(
    ("element_string", "reason"),
    [
        ("(01)09506000134353", "check digit"),
        ("0109506000134353", "check digit"),
        ("(01)09506000134352(999)1", "Unknown GS1 Application Identifier"),
        ("0109506000134352\x1d(", "Application Identifier"),
        ("(01)09506000134352(17)201300", "AI \\(17\\)"),  # month 13
        ("(01)09506000134352(17)200230", "date"),  # 30 February
        ("(01)09506000134352(11)231131", "date"),  # 31 November
        ("(01)0950600013435", "AI \\(01\\)"),  # 13 digits
        ("(10)ABC123", "no AI \\(01\\)"),
        ("(01)09506000134352(10)A(10)B", "twice"),
        ("(01)09506000134352(3102)012345(3103)001000", "net weight"),
        ("", "empty"),
        ("   ", "empty"),
        ("]E06291041500213", "symbology"),  # EAN-13 carries a bare GTIN, not element strings
        ("]C1", "no data"),
        ("01 09506000134352", "Application Identifier|match"),
    ],
)
def test_invalid_element_strings(element_string: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_gs1(element_string)


def test_repeated_ai_with_the_same_data_is_harmless() -> None:
    assert parse_gs1("(01)09506000134352(10)A(10)A").batch == "A"


def test_parse_gs1_needs_a_string() -> None:
    raw: Any = b"(01)09506000134352"
    with pytest.raises(TypeError):
        parse_gs1(raw)


def test_gs1_data_is_frozen_and_hashable() -> None:
    data = parse_gs1("(01)09506000134352(10)A")
    with pytest.raises(AttributeError):
        cast(Any, data).gtin = "x"
    assert hash(data) == hash(parse_gs1("(01)09506000134352(10)A"))


# --- unified social credit code -------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_known_code() -> None:
    # The example of stdnum.cn.uscc's documentation.
    assert validate_uscc("91110000600037341L") == "91110000600037341L"
    assert is_valid_uscc("91110000600037341L")
    assert uscc_check_character("91110000600037341") == "L"


def test_compact_upper_case_form() -> None:
    assert validate_uscc(" 9111-0000 6000-3734 1l ") == "91110000600037341L"
    assert uscc_check_character("91110000600037341".lower()) == "L"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000600037341", "18 characters, got 17"),
        ("91110000600037341L0", "18 characters, got 19"),
        ("", "18 characters, got 0"),
        ("91110000600I37341L", "'I' at position 12 \\(I, O, Z, S and V are not used\\)"),
        ("91110000600037341O", "'O' at position 18"),
        ("9111000060003734Z1", "'Z' at position 17"),
        ("S1110000600037341L", "'S' at position 1"),
        ("91110000V00037341L", "'V' at position 9"),
        ("9111000060003734*L", "invalid character '\\*' at position 17"),
        ("91A10000600037341L", "positions 3-8 .* digits, got 'A' at position 3"),
        ("9111000060003734 1M", "wrong check character: expected 'L', got 'M'"),
        ("91110000600037341M", "wrong check character: expected 'L', got 'M'"),
    ],
)
def test_invalid_codes_say_why(code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_uscc(code)
    assert not is_valid_uscc(code)


def test_type_errors() -> None:
    bad: Any = 91110000600037341
    with pytest.raises(TypeError):
        validate_uscc(bad)
    with pytest.raises(TypeError):
        uscc_check_character(bad)
    assert not is_valid_uscc(bad)


@pytest.mark.parametrize("body", ["9111000060003734", "911100006000373410", "91110000600I37341"])
def test_check_character_needs_a_proper_body(body: str) -> None:
    with pytest.raises(ValueError):
        uscc_check_character(body)


def test_alphabet_matches_stdnum() -> None:
    # codes.py keeps its own copy of the GB 32100 character set for its messages; it must be stdnum's.
    assert stdnum.cn.uscc._alphabet == USCC_ALPHABET


def test_letters_in_the_first_two_positions() -> None:
    # GB 32100 uses letters for some registration authorities (e.g. Y, "other"); stdnum insists on digits there.
    body = "Y1110000MA0000001"
    code = body + uscc_check_character(body)
    assert validate_uscc(code) == code
    assert not stdnum.cn.uscc.is_valid(code)


uscc_bodies = st.builds(
    lambda authority, kind, region, organisation: authority + kind + region + organisation,
    st.sampled_from("159ANY"),
    st.sampled_from("1239"),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)


@given(uscc_bodies)
def test_generated_codes_are_valid(body: str) -> None:
    code = body + uscc_check_character(body)
    assert code[-1] == stdnum.cn.uscc.calc_check_digit(body)
    assert validate_uscc(code) == code
    if body[:2].isdigit():
        assert stdnum.cn.uscc.is_valid(code)


@given(uscc_bodies, st.data())
def test_changing_any_single_character_invalidates(body: str, data: st.DataObject) -> None:
    # The weights 3^k mod 31 are non-zero modulo the prime 31, so every single substitution changes the check.
    code = body + uscc_check_character(body)
    position = data.draw(st.integers(min_value=0, max_value=17))
    replacement = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[position]]))
    mutated = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_uscc(mutated)


# --- documentation --------------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "codes.md"


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failures == 0
