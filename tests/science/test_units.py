"""Laboratory units: canonical spellings, exact conversions, exponent rule, errors, round trips."""

from __future__ import annotations

import doctest
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tichub.science.units import (
    INEXACT_SIGNIFICANT_DIGITS,
    IncompatibleUnits,
    UnknownUnit,
    convert,
    parse_unit,
    ureg,
)

# --- parse_unit ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("mg/kg", "mg/kg"),
        (" mg / kg ", "mg/kg"),
        ("mg·kg⁻¹", "mg/kg"),
        ("µg/kg", "µg/kg"),  # U+00B5 micro sign
        ("μg/kg", "µg/kg"),  # U+03BC Greek mu
        ("ug/kg", "µg/kg"),
        ("µg/L", "µg/L"),
        ("ug/l", "µg/L"),
        ("μg/L", "µg/L"),
        ("ng/g", "ng/g"),
        ("mg/L", "mg/L"),
        ("mg/l", "mg/L"),
        ("mL", "mL"),
        ("% (m/m)", "% (m/m)"),
        ("%(m/m)", "% (m/m)"),
        ("% m/m", "% (m/m)"),
        ("%m/m", "% (m/m)"),
        ("% (w/w)", "% (m/m)"),
        ("% (V/V)", "% (V/V)"),
        ("%(v/v)", "% (V/V)"),
        ("% V/V", "% (V/V)"),
        ("% (m/V)", "% (m/V)"),
        ("％", "%"),
        ("%", "%"),
        ("ppm", "ppm"),
        ("ppb", "ppb"),
        ("g/100 g", "g/100 g"),
        ("g/100g", "g/100 g"),
        ("mg/100 g", "mg/100 g"),
        ("mg/100 mL", "mg/100 mL"),
        ("°C", "°C"),
        ("℃", "°C"),
        ("degC", "°C"),
        ("K", "K"),
        ("degF", "°F"),
        ("MPa", "MPa"),
        ("kPa", "kPa"),
        ("bar", "bar"),
        ("N", "N"),
        ("kN", "kN"),
        ("mm", "mm"),
        ("µm", "µm"),
        ("um", "µm"),
        ("m²", "m²"),
        ("m**2", "m²"),
        ("J/(kg*K)", "J/(kg·K)"),
        ("1/s", "1/s"),
        ("N*m", "N·m"),
    ],
)
def test_canonical_spelling(text: str, canonical: str) -> None:
    assert parse_unit(text) == canonical
    # the canonical spelling parses back to itself
    assert parse_unit(canonical) == canonical


@pytest.mark.parametrize("text", ["mpa", "foo", "mg/foo", "2 kg", "kg)", "", "   ", "% (x/y)"])
def test_unknown_unit_names_the_text(text: str) -> None:
    with pytest.raises(UnknownUnit, match="unknown unit") as caught:
        parse_unit(text)
    assert repr(text) in str(caught.value)


def test_unknown_unit_is_a_value_error() -> None:
    assert issubclass(UnknownUnit, ValueError)
    assert issubclass(IncompatibleUnits, ValueError)


def test_registry_has_the_laboratory_units() -> None:
    assert isinstance(ureg, pint.UnitRegistry)
    assert ureg.Quantity(1, "ppb").to("dimensionless").magnitude == pytest.approx(1e-9)
    assert ureg.Quantity(1, "percent_mass").to("ppm").magnitude == pytest.approx(1e4)


# --- convert: the brief's examples and the exponent rule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        ("0.05", "mg/kg", "µg/kg", "50"),
        ("0.050", "mg/kg", "µg/kg", "50"),
        ("50", "µg/kg", "mg/kg", "0.050"),
        ("1.5", "% (m/m)", "mg/kg", "15000"),
        ("15000", "mg/kg", "% (m/m)", "1.5000"),
        ("25", "degC", "K", "298.15"),
        ("25.0", "°C", "K", "298.15"),
        ("298.15", "K", "degC", "25.00"),
        ("0", "K", "°C", "-273.15"),
        ("100", "°C", "°F", "212"),
        ("-40", "°F", "°C", "-40.0"),  # slope 5/9: 1 °F resolution is ~0.6 °C, one decimal
        ("1", "MPa", "kPa", "1000"),
        ("1", "bar", "kPa", "100"),
        ("0.1", "mg/L", "µg/L", "100"),
        ("0.1", "mg/L", "ug/l", "100"),
        ("12", "ppm", "mg/kg", "12"),
        ("12", "ppb", "µg/kg", "12"),
        ("1", "ppm", "ppb", "1000"),
        ("1", "ng/g", "µg/kg", "1"),
        ("1.25", "g/100 g", "% (m/m)", "1.25"),
        ("1.25", "g/100 g", "mg/kg", "12500"),
        ("1", "% (m/V)", "g/L", "10"),
        ("1", "inch", "mm", "25.4"),
        ("25.4", "mm", "inch", "1.000"),
        ("1", "lb", "kg", "0.45359237"),
        ("2.5", "kN", "N", "2500"),
        ("1500", "µm", "mm", "1.500"),
        ("1", "mL", "µL", "1000"),
        ("0", "mg/kg", "µg/kg", "0"),
        ("-0.5", "kPa", "Pa", "-500"),
        ("1E+3", "mg", "g", "1"),
        ("1.234E-7", "kg", "mg", "0.1234"),
        (7, "g", "mg", "7000"),
        (Decimal("1.20"), "g", "g", "1.20"),
    ],
)
def test_convert(value: str | int | Decimal, source: str, target: str, expected: str) -> None:
    result = convert(value, source, target)
    assert result == Decimal(expected)
    assert str(result) == expected  # the documented representation, not only the value


def test_brief_examples_by_value() -> None:
    assert convert("0.05", "mg/kg", "µg/kg") == Decimal("50.00") == Decimal("50")
    assert convert("1.5", "% (m/m)", "mg/kg") == 15000
    assert convert("25", "degC", "K") == Decimal("298.15")
    assert convert("1", "MPa", "kPa") == 1000
    assert convert("0.1", "mg/L", "µg/L") == 100


def test_inexact_results_are_rounded_to_28_significant_digits() -> None:
    result = convert("100", "degF", "degC")
    assert result == Decimal("37.77777777777777777777777778")
    assert len(result.as_tuple().digits) == INEXACT_SIGNIFICANT_DIGITS
    assert convert("1", "torr", "Pa") == Decimal("133.3223684210526315789473684")  # 101325/760


def test_no_float_anywhere() -> None:
    # 0.1 + 0.2 style errors would show here: 0.3 mg → 300 µg exactly.
    assert str(convert("0.3", "mg", "µg")) == "300"
    assert str(convert("0.7", "mg/kg", "µg/kg")) == "700"
    with pytest.raises(TypeError):
        convert(0.3, "mg", "µg")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "target", "names"),
    [
        ("mg/kg", "MPa", ("'mg/kg'", "'MPa'", "dimensionless", "[mass]")),
        ("mg/L", "mg/kg", ("'mg/L'", "'mg/kg'", "[length]⁻³")),
        ("degC", "m", ("'°C'", "'m'", "[temperature]", "[length]")),
        ("% (V/V)", "mg/kg", ("volume fraction", "mass fraction")),
        ("mL/L", "% (m/m)", ("volume fraction", "mass fraction")),
    ],
)
def test_incompatible_units_message(source: str, target: str, names: tuple[str, ...]) -> None:
    with pytest.raises(IncompatibleUnits) as caught:
        convert("1", source, target)
    for name in names:
        assert name in str(caught.value)


@pytest.mark.parametrize(
    ("source", "target", "value", "expected"),
    [
        ("%", "% (V/V)", "5", "5"),
        ("%", "mg/kg", "1", "10000"),
        ("% (V/V)", "mL/L", "1", "10"),
        ("ppm", "µL/L", "3", "3"),
    ],
)
def test_plain_ratios_convert_to_either_kind(source: str, target: str, value: str, expected: str) -> None:
    assert convert(value, source, target) == Decimal(expected)


def test_unknown_units_in_convert() -> None:
    with pytest.raises(UnknownUnit):
        convert("1", "mg/kg", "mg/kgs2")


# --- properties -----------------------------------------------------------------------------------------------------

EXACT_PAIRS = [
    ("mg/kg", "µg/kg"),
    ("% (m/m)", "mg/kg"),
    ("g/100 g", "mg/kg"),
    ("ppm", "ppb"),
    ("mg/L", "µg/L"),
    ("MPa", "kPa"),
    ("bar", "MPa"),
    ("kN", "N"),
    ("mm", "µm"),
    ("inch", "mm"),
    ("lb", "kg"),
    ("degC", "K"),
    ("degC", "degF"),  # °C → °F is ×9/5 + 32: exact; and back
    ("% (V/V)", "mL/L"),
]
# Independent table of the exact factors (target per source), to check pint's data.
FACTORS = {
    ("mg/kg", "µg/kg"): Fraction(1000),
    ("% (m/m)", "mg/kg"): Fraction(10000),
    ("g/100 g", "mg/kg"): Fraction(10000),
    ("ppm", "ppb"): Fraction(1000),
    ("mg/L", "µg/L"): Fraction(1000),
    ("MPa", "kPa"): Fraction(1000),
    ("bar", "MPa"): Fraction(1, 10),
    ("kN", "N"): Fraction(1000),
    ("mm", "µm"): Fraction(1000),
    ("inch", "mm"): Fraction("25.4"),
    ("lb", "kg"): Fraction("0.45359237"),
    ("% (V/V)", "mL/L"): Fraction(10),
}

decimals = st.builds(
    lambda sign, coefficient, exponent: Decimal((sign, tuple(int(c) for c in str(coefficient)), exponent)),
    st.integers(0, 1),
    st.integers(0, 10**15),
    st.integers(-10, 4),
)


@given(decimals, st.sampled_from(EXACT_PAIRS))
def test_round_trip(x: Decimal, pair: tuple[str, str]) -> None:
    a, b = pair
    assert convert(convert(x, a, b), b, a) == x


@given(decimals, st.sampled_from(sorted(FACTORS)))
def test_exact_factor(x: Decimal, pair: tuple[str, str]) -> None:
    assert Fraction(convert(x, *pair)) == Fraction(x) * FACTORS[pair]


@given(decimals, st.sampled_from(EXACT_PAIRS))
def test_exponent_rule(x: Decimal, pair: tuple[str, str]) -> None:
    result = convert(x, *pair)
    exponent = result.as_tuple().exponent
    assert isinstance(exponent, int)
    assert exponent <= 0  # never '5E+1'
    assert not (result.is_zero() and result.is_signed())


@given(decimals)
def test_same_unit_keeps_the_written_digits(x: Decimal) -> None:
    if x.as_tuple().exponent <= 0:  # type: ignore[operator]
        assert str(convert(x, "mg/kg", "mg/kg")) == str(x.copy_abs() if x.is_zero() else x)


@given(st.sampled_from(["mg/kg", "µg/L", "% (m/m)", "g/100 mL", "°C", "kN·m", "J/(kg·K)", "ppb", "m³/h"]))
def test_canonical_is_a_fixed_point(text: str) -> None:
    canonical = parse_unit(text)
    assert parse_unit(canonical) == canonical


DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "units.md"


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failures == 0


def test_no_django_imported() -> None:
    code = (
        "import sys; import tichub.science.rounding, tichub.science.decision, tichub.science.units; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('django', 'ninja')]"
    )
    src = Path(__file__).resolve().parents[2] / "src"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=src)  # noqa: S603 (our own interpreter and code)


@pytest.mark.parametrize(
    ("value", "source", "target"),
    [
        ("0.050", "mg/kg", "µg/kg"),
        ("50", "µg/kg", "mg/kg"),
        ("25", "degC", "K"),
        ("298.15", "K", "degC"),
        ("98.6", "degF", "degC"),
        ("1.5", "% (m/m)", "mg/kg"),
        ("-3.25", "MPa", "kPa"),
    ],
)
def test_converter_gives_what_convert_gives(value, source, target):
    from tichub.science.units import converter

    result = converter(source, target)(value)
    assert result == convert(value, source, target)
    assert str(result) == str(convert(value, source, target))


def test_converter_refuses_before_any_value():
    from tichub.science.units import converter

    with pytest.raises(IncompatibleUnits, match="different dimensions"):
        converter("mg/kg", "MPa")
    with pytest.raises(UnknownUnit, match="'bananas'"):
        converter("bananas", "m/s")


def test_microbiological_counts_are_their_own_kind():
    assert parse_unit("cfu/g") == "CFU/g"
    assert parse_unit("MPN/100 mL") == "MPN/100 mL"
    assert convert("3200", "CFU/g", "CFU/kg") == Decimal("3200000")
    with pytest.raises(IncompatibleUnits, match="different dimensions"):
        convert("1", "CFU/g", "MPN/g")
    with pytest.raises(IncompatibleUnits, match="different dimensions"):
        convert("1", "CFU/g", "mg/kg")


def test_decimal_shift_follows_the_factor():
    from tichub.science.units import decimal_shift

    assert decimal_shift("µg/kg", "mg/kg") == -3
    assert decimal_shift("mg/kg", "µg/kg") == 3
    assert decimal_shift("degC", "K") == 0
    with pytest.raises(IncompatibleUnits):
        decimal_shift("mg/kg", "MPa")
