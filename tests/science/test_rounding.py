"""GB/T 8170-2008 and GUM 7.2.6 rounding: the standard's own examples, strict parsing, and properties."""

from __future__ import annotations

import doctest
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tichub.science.rounding import (
    format_result,
    round_gbt8170,
    round_significant,
    round_to_interval,
    round_with_uncertainty,
    to_decimal,
)

# --- to_decimal -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("12.25", "12.25"),
        ("  -0.0365 ", "-0.0365"),
        ("+5", "5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("1.2E-3", "0.0012"),
        ("1e3", "1E+3"),
        (7, "7"),
        (Decimal("2.50"), "2.50"),
    ],
)
def test_to_decimal_accepts_written_numbers(given: str | Decimal | int, expected: str) -> None:
    assert to_decimal(given) == Decimal(expected)


def test_to_decimal_keeps_trailing_zeros() -> None:
    assert str(to_decimal("2.50")) == "2.50"


@pytest.mark.parametrize("bad", [2.675, 1.0, True, False, None, [1], Decimal("1").as_tuple()])
def test_to_decimal_refuses_non_numbers_with_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        to_decimal(bad)  # type: ignore[arg-type]


def test_float_message_explains_why() -> None:
    with pytest.raises(TypeError, match="written decimal digits"):
        to_decimal(2.675)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("NaN", "finite"),
        ("-inf", "finite"),
        ("Infinity", "finite"),
        ("1,5", "decimal point"),
        ("1,000.5", "decimal point"),
        ("1_000", "ASCII digits"),
        ("١٢", "ASCII digits"),
        ("12.5 mg", "ASCII digits"),
        ("1.2.3", "ASCII digits"),
        ("0x10", "ASCII digits"),
        ("−5", "ASCII digits"),  # U+2212 minus sign
        ("e5", "ASCII digits"),
    ],
)
def test_to_decimal_refuses_garbage_with_value_error(bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_decimal(bad)


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_to_decimal_refuses_non_finite_decimals(bad: Decimal) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_decimal(bad)


# --- round_gbt8170: the examples of GB/T 8170-2008 clause 3 -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        # 3.2.1: dropped digit < 5
        ("12.1498", 1, "12.1"),
        ("12.1498", 0, "12"),
        # 3.2.2: dropped digit > 5 (1268 to hundreds: 13×10²)
        (1268, -2, "1.3E+3"),
        (1268, -1, "1.27E+3"),
        # 3.2.3: 5 followed by a non-zero digit
        ("10.5002", 0, "11"),
        # 3.2.4: 5 followed by nothing or zeros: to even
        ("1.050", 1, "1.0"),
        ("0.35", 1, "0.4"),
        (2500, -3, "2E+3"),
        (3500, -3, "4E+3"),
        ("0.5", 0, "0"),
        ("1.5", 0, "2"),
        ("2.5", 0, "2"),
        ("12.25", 1, "12.2"),
        ("12.35", 1, "12.4"),
        # 3.2.5: negatives by magnitude
        (-355, -1, "-3.6E+2"),
        (-325, -1, "-3.2E+2"),
        ("-0.0365", 3, "-0.036"),
        # 3.3.1: once, never in steps
        ("15.4546", 0, "15"),
        ("2.5447", 1, "2.5"),
        # on the written digits (the float 2.675 is 2.67499…)
        ("2.675", 2, "2.68"),
        # padding to the requested places
        ("2.5", 2, "2.50"),
        (7, 2, "7.00"),
    ],
)
def test_gbt8170_examples(value: str | int, places: int, expected: str) -> None:
    result = round_gbt8170(value, places)
    assert result == Decimal(expected)
    assert str(result) == expected  # same representation, exponent -places included


def test_three_significant_digits_example() -> None:
    # GB/T 8170 3.3: 8.53459 to three significant digits is 8.53 (not 8.5346 → 8.535 → 8.54).
    assert round_significant("8.53459", 3) == Decimal("8.53")


def test_never_negative_zero() -> None:
    assert str(round_gbt8170("-0.04", 1)) == "0.0"
    assert str(round_gbt8170("-0.05", 1)) == "0.0"
    assert str(round_gbt8170("-4", -1)) == "0E+1"
    assert not round_gbt8170("-0.000", 2).is_signed()


def test_places_must_be_int() -> None:
    with pytest.raises(TypeError):
        round_gbt8170("1.5", True)
    with pytest.raises(TypeError):
        round_gbt8170("1.5", 1.0)  # type: ignore[arg-type]


def test_float_value_refused() -> None:
    with pytest.raises(TypeError):
        round_gbt8170(2.675, 2)  # type: ignore[arg-type]


def test_many_digits_do_not_overflow_context() -> None:
    big = "1" * 60 + ".5"
    assert round_gbt8170(big, 0) == Decimal("1" * 59 + "2")
    assert round_gbt8170("1E+40", 2) == Decimal("1E+40")


# --- round_to_interval: GB/T 8170 3.4 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "interval", "expected"),
    [
        # 3.4.1 0.5-unit rounding to units (interval 0.5)
        ("60.25", "0.5", "60.0"),
        ("60.38", "0.5", "60.5"),
        ("60.28", "0.5", "60.5"),
        ("-60.75", "0.5", "-61.0"),
        # 3.4.2 0.2-unit rounding to hundreds (interval 20)
        (830, "20", "840"),
        (842, "20", "840"),
        (832, "20", "840"),
        (-930, "20", "-920"),
        # other intervals
        ("1.23", "0.02", "1.24"),
        ("1.25", "0.02", "1.24"),
        ("12.5", "5", "10"),
        ("17.5", "5", "20"),
        ("12.1498", "0.1", "12.1"),
        ("-0.01", "0.5", "0.0"),
    ],
)
def test_round_to_interval_examples(value: str | int, interval: str, expected: str) -> None:
    result = round_to_interval(value, interval)
    assert str(result) == expected


@pytest.mark.parametrize("interval", ["0", "-0.5"])
def test_round_to_interval_needs_positive_interval(interval: str) -> None:
    with pytest.raises(ValueError, match="interval"):
        round_to_interval("1", interval)


# --- round_significant ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        ("0.0012345", 3, "0.00123"),
        (123456, 2, "1.2E+5"),
        ("9.96", 2, "10"),
        ("0.0995", 2, "0.10"),
        ("-0.0365", 2, "-0.036"),
        ("35000", 2, "3.5E+4"),
        ("0", 3, "0.00"),
        ("1.5", 1, "2"),
        ("2.5", 1, "2"),
    ],
)
def test_round_significant(value: str | int, digits: int, expected: str) -> None:
    assert str(round_significant(value, digits)) == expected


def test_round_significant_needs_positive_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        round_significant("1", 0)


# --- round_with_uncertainty: GUM 7.2.6 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "u", "digits", "mode", "expected"),
    [
        ("100.02147", "0.0035", 2, "half_even", ("100.0215", "0.0035")),
        # the value gains a decimal to match the uncertainty's last digit
        ("10.0", "0.123", 2, "half_even", ("10.00", "0.12")),
        # GUM 7.2.6: y = 10.05762 Ω, uc = 27 mΩ → 10.058 Ω
        ("10.05762", "0.027", 2, "half_even", ("10.058", "0.027")),
        # GUM 7.2.6: 10.47 may be rounded up to 11; 28.05 "should be rounded down to 28"
        ("100", "10.47", 2, "up", ("100", "11")),
        ("100", "10.47", 2, "half_even", ("100", "10")),
        ("1000", "28.05", 2, "half_even", ("1000", "28")),
        ("1000", "28.05", 2, "up", ("1000", "29")),
        # carry in the uncertainty keeps two significant digits
        ("1.23456", "0.0995", 2, "up", ("1.23", "0.10")),
        ("1.23456", "0.0995", 2, "half_even", ("1.23", "0.10")),
        # one significant digit, and an uncertainty of tens
        ("1234.5", "23.4", 1, "half_even", ("1.23E+3", "2E+1")),
        ("-0.0004", "0.0123", 2, "half_even", ("0.000", "0.012")),
    ],
)
def test_round_with_uncertainty(value: str, u: str, digits: int, mode: str, expected: tuple[str, str]) -> None:
    got = round_with_uncertainty(value, u, digits, uncertainty_rounding=mode)  # type: ignore[arg-type]
    assert (str(got[0]), str(got[1])) == expected


@pytest.mark.parametrize("u", ["0", "-0.1"])
def test_round_with_uncertainty_needs_positive_uncertainty(u: str) -> None:
    with pytest.raises(ValueError, match="uncertainty"):
        round_with_uncertainty("1", u)


def test_round_with_uncertainty_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="uncertainty_rounding"):
        round_with_uncertainty("1", "0.1", uncertainty_rounding="down")  # type: ignore[arg-type]


# --- format_result ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        ("0.005", {"lod": "0.01", "loq": "0.05"}, "未检出 (<0.01)"),
        ("0.005", {"lod": "0.01", "loq": "0.05", "lang": "en"}, "not detected (<0.01)"),
        ("-0.3", {"lod": "0.01"}, "未检出 (<0.01)"),
        # equal to the LOD: detected; below the LOQ: "<LOQ"
        ("0.01", {"lod": "0.01", "loq": "0.05"}, "<0.05"),
        ("0.049", {"lod": "0.01", "loq": "0.05", "lang": "en"}, "<0.05"),
        # equal to the LOQ: quantified
        ("0.05", {"lod": "0.01", "loq": "0.05"}, "0.05"),
        ("0.0512", {"lod": "0.01", "loq": "0.05", "places": 2}, "0.05"),
        # LOD and LOQ printed as written
        ("0.001", {"lod": "0.010", "loq": "0.030"}, "未检出 (<0.010)"),
        ("0.02", {"lod": "0.010", "loq": "0.030"}, "<0.030"),
        ("0.001", {"lod": "1E-2"}, "未检出 (<0.01)"),
        # LOQ only: anything below it is "<LOQ"
        ("0.001", {"loq": "0.05"}, "<0.05"),
        # the comparison uses the unrounded value: 0.0499 rounds to 0.05 but is still below the LOQ
        ("0.0499", {"loq": "0.05", "places": 2}, "<0.05"),
        # plain values
        ("12.25", {"places": 1}, "12.2"),
        ("12.250", {}, "12.250"),
        (1268, {"places": -1}, "1270"),
        ("-0.001", {"places": 2}, "0.00"),
        ("-0.00", {}, "0.00"),
        ("1.2E-3", {}, "0.0012"),
    ],
)
def test_format_result(value: str, kwargs: dict[str, object], expected: str) -> None:
    assert format_result(value, **kwargs) == expected  # type: ignore[arg-type]


def test_format_result_language_checked() -> None:
    with pytest.raises(ValueError, match="lang"):
        format_result("1", lang="fr")


def test_format_result_loq_below_lod_refused() -> None:
    with pytest.raises(ValueError, match="loq"):
        format_result("1", lod="0.05", loq="0.01")


# --- properties -----------------------------------------------------------------------------------------------------

values = st.builds(
    lambda sign, coefficient, exponent: Decimal((sign, tuple(int(c) for c in str(coefficient)), exponent)),
    st.integers(0, 1),
    st.integers(0, 10**20),
    st.integers(-12, 6),
)
places_st = st.integers(-6, 10)


@given(values, places_st)
def test_result_has_exactly_places_decimals(value: Decimal, places: int) -> None:
    assert round_gbt8170(value, places).as_tuple().exponent == -places


@given(values, places_st)
def test_error_is_at_most_half_a_unit(value: Decimal, places: int) -> None:
    with localcontext() as ctx:
        ctx.prec = 100
        assert abs(round_gbt8170(value, places) - value) <= Decimal(5).scaleb(-places - 1)


@given(values, places_st)
def test_idempotent(value: Decimal, places: int) -> None:
    once = round_gbt8170(value, places)
    twice = round_gbt8170(once, places)
    assert twice == once
    assert str(twice) == str(once)


@given(values, places_st)
def test_symmetric(value: Decimal, places: int) -> None:
    assert round_gbt8170(-value, places) == -round_gbt8170(value, places)


@given(values, places_st)
def test_never_signed_zero(value: Decimal, places: int) -> None:
    result = round_gbt8170(value, places)
    assert not (result.is_zero() and result.is_signed())


@given(values, places_st)
def test_agrees_with_quantize_half_even(value: Decimal, places: int) -> None:
    with localcontext() as ctx:
        ctx.prec = 100
        expected = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    assert round_gbt8170(value, places) == expected


@given(values, places_st)
def test_str_input_same_as_decimal(value: Decimal, places: int) -> None:
    assert round_gbt8170(str(value), places) == round_gbt8170(value, places)


@given(values, st.sampled_from(["0.5", "0.2", "5", "20", "0.02", "0.05", "1", "0.1"]))
def test_interval_result_is_nearest_multiple(value: Decimal, interval: str) -> None:
    step = Decimal(interval)
    result = round_to_interval(value, interval)
    with localcontext() as ctx:
        ctx.prec = 100
        assert (result / step) % 1 == 0
        assert abs(result - value) <= step / 2


@given(values, st.integers(-6, 10))
def test_interval_of_a_power_of_ten_is_round_gbt8170(value: Decimal, places: int) -> None:
    assert round_to_interval(value, Decimal(1).scaleb(-places)) == round_gbt8170(value, places)


@given(values, st.integers(1, 8))
def test_significant_digits_count(value: Decimal, digits: int) -> None:
    result = round_significant(value, digits)
    if not result.is_zero():
        assert len(result.as_tuple().digits) == digits


@given(values.filter(lambda d: d > 0), values, st.integers(1, 3), st.sampled_from(["half_even", "up"]))
def test_value_and_uncertainty_share_the_last_place(u: Decimal, value: Decimal, digits: int, mode: str) -> None:
    v, ur = round_with_uncertainty(value, u, digits, uncertainty_rounding=mode)  # type: ignore[arg-type]
    assert v.as_tuple().exponent == ur.as_tuple().exponent
    assert len(ur.as_tuple().digits) == digits
    if mode == "up":
        assert ur >= u


DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "rounding.md"


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failures == 0
