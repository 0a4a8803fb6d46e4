"""Laboratory units: parsing to a canonical spelling and exact decimal conversion, on top of :mod:`pint`.

Units come from pint's default registry (SI with prefixes, °C/K/°F, bar, mmHg, inch, …) plus the spellings
of test reports: ``% (m/m)`` (also ``%(m/m)``, ``% m/m``, ``% (w/w)``), ``% (V/V)`` (``% v/v``…), ``% (m/V)``
(= g/100 mL), ``g/100 g`` and ``…/100 mL``, ``ppm`` (10⁻⁶) and ``ppb`` (10⁻⁹), ``µ``/``μ``/``u`` for micro,
``℃``/``°C``/``degC``, ``·`` for products.

**Exactness.** :func:`convert` never goes through a float. It converts with a second pint registry whose
definition numbers are parsed as :class:`fractions.Fraction` (``non_int_type=Fraction``): the factors are the
exact rationals written in pint's definition file (mg/kg → µg/kg is exactly 1000, °C → K adds exactly 273.15,
°F → K is exactly ×5/9 + 45967/180). The exact result is then written as a Decimal:

* **exponent rule**: the result keeps at least the resolution of the input shifted by the power of ten of the
  factor (``floor(log10(factor))``), never has a positive exponent, and always has as many decimals as the
  exact result needs: ``convert('0.050', 'mg/kg', 'µg/kg') == Decimal('50')``, ``convert('0.05', 'mg/kg',
  'µg/kg') == Decimal('50')``, ``convert('50', 'µg/kg', 'mg/kg') == Decimal('0.050')``,
  ``convert('25', 'degC', 'K') == Decimal('298.15')``, ``convert('298.15', 'K', 'degC') == Decimal('25.00')``;
* a result with no finite decimal expansion (a factor with 3, 7… in its denominator: °F → °C, torr → Pa) is
  rounded half-even to 28 significant digits (:data:`INEXACT_SIGNIFICANT_DIGITS`); round it with
  :func:`tichub.science.rounding.round_gbt8170` before reporting, as any other computed value;
* pint definitions that are not rational (a few physical constants with roots; logarithmic units) come back
  as floats and are written with 15 significant digits.

**Quantity kinds.** pint sees mg/kg, mL/L and % (V/V) all as "dimensionless". A mass fraction (``% (m/m)``,
``mg/kg``, ``g/100 g``) is not a volume fraction (``% (V/V)``, ``mL/L``) without a density, so that conversion
raises :class:`IncompatibleUnits`; ``%``, ``ppm``, ``ppb`` and ``‰`` are plain ratios and convert to either.

:data:`ureg` is an ordinary (float) pint registry with the same definitions, for code that wants pint
quantities; do not use its floats for reported values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import pint

from tichub.science.rounding import DecimalLike, to_decimal

__all__ = [
    "INEXACT_SIGNIFICANT_DIGITS",
    "IncompatibleUnits",
    "UnknownUnit",
    "convert",
    "converter",
    "parse_unit",
    "ureg",
]

#: Significant digits of a conversion result that has no finite decimal expansion (e.g. °F → °C).
INEXACT_SIGNIFICANT_DIGITS: Final = 28

# Added to pint's default definitions (both registries). Kept dimensionless/dimensional exactly as pint sees them;
# the fraction kinds are tracked separately (_KIND_OF_NAME).
_DEFINITIONS: Final = (
    "ppb = 1e-9",
    "percent_mass = 0.01",
    "percent_volume = 0.01",
    "hundred_gram = 100 * gram",
    "hundred_milliliter = 100 * milliliter",
    "percent_mass_volume = gram / hundred_milliliter",
    # Microbiological counts (GB 4789): colonies and most-probable numbers are counts of their own kind, so
    # CFU/g converts to CFU/kg but never to MPN/g or to a mass fraction.
    "colony_forming_unit = [colony_count] = CFU = cfu",
    "most_probable_number = [probable_count] = MPN",
)

# Canonical symbols where pint's own would not do (pint writes litre "l"; GB 3100 and reports use "L").
_SYMBOLS: Final[Mapping[str, str]] = {
    "percent_mass": "% (m/m)",
    "percent_volume": "% (V/V)",
    "percent_mass_volume": "% (m/V)",
    "hundred_gram": "100 g",
    "hundred_milliliter": "100 mL",
}
_KIND_OF_NAME: Final[Mapping[str, str]] = {"percent_mass": "mass fraction", "percent_volume": "volume fraction"}
# Dimension of the numerator of a dimensionless ratio → its kind (mg/kg is a mass fraction, mL/L a volume one).
_KIND_OF_NUMERATOR: Final[Mapping[tuple[tuple[str, Any], ...], str]] = {
    (("[mass]", 1),): "mass fraction",
    (("[length]", 3),): "volume fraction",
    (("[substance]", 1),): "amount fraction",
}
_DIMENSION_ORDER: Final = ("[length]", "[mass]", "[time]", "[current]", "[temperature]", "[substance]", "[luminosity]")


def _percent(pairs: str) -> re.Pattern[str]:
    # "% (m/m)", "%(m/m)", "% m/m" (the bare form must not run into a following letter: "% m/mL" is not "% m/m").
    alternatives = "|".join(rf"{a}\s*/\s*{b}" for a, b in (pair.split("/") for pair in pairs.split()))
    return re.compile(rf"[%％]\s*(?:\(\s*(?:{alternatives})\s*\)|(?:{alternatives})(?![A-Za-z]))", re.IGNORECASE)


_PERCENT_PATTERNS: Final = (
    (_percent("m/v w/v"), " percent_mass_volume "),
    (_percent("m/m w/w"), " percent_mass "),
    (_percent("v/v"), " percent_volume "),
)
# "g/100 g", "mg/100 mL": a number inside a unit is not a pint unit expression; name the 100 g / 100 mL units.
_HUNDRED: Final = re.compile(r"(?<![\w.])100\s*(g|mL|ml)(?!\w)")
_CHARACTERS: Final = {"·": "*", "⋅": "*", "℃": "degC", "℉": "degF", "％": "%"}
_SUPERSCRIPTS: Final = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class UnknownUnit(ValueError):
    """The text is not a unit this registry knows."""


class IncompatibleUnits(ValueError):
    """The two units measure different quantities (dimension or fraction kind)."""


def _build_registry(non_int_type: type) -> pint.UnitRegistry[Any]:
    registry: pint.UnitRegistry[Any] = pint.UnitRegistry(non_int_type=non_int_type)
    for definition in _DEFINITIONS:
        registry.define(definition)
    return registry


#: Ordinary (float) pint registry with the laboratory units; built once, at import.
ureg: Final = _build_registry(float)


@functools.cache
def _exact_registry() -> pint.UnitRegistry[Any]:
    # Built once, on first conversion: definition numbers as Fractions, so every factor is the exact rational.
    return _build_registry(Fraction)


@dataclass(frozen=True)
class _Unit:
    text: str  # as given
    expression: str  # what pint parses
    units: tuple[tuple[str, Any], ...]  # pint names and exponents, in the order written
    dimensions: tuple[tuple[str, Any], ...]
    canonical: str
    kind: str | None  # "mass fraction", "volume fraction", "amount fraction" for such dimensionless ratios

    def describe(self) -> str:
        dims = _format_dimensions(self.dimensions)
        return f"{self.canonical!r} ({dims}, {self.kind})" if self.kind else f"{self.canonical!r} ({dims})"


def _normalize(text: str) -> str:
    expression = text.strip()
    for character, replacement in _CHARACTERS.items():
        expression = expression.replace(character, replacement)
    for pattern, replacement in _PERCENT_PATTERNS:
        expression = pattern.sub(replacement, expression)
    return _HUNDRED.sub(lambda m: "hundred_gram" if m[1] == "g" else "hundred_milliliter", expression).strip()


def _exponent(value: Any) -> str:
    if value == int(value):
        return "" if value == 1 else str(int(value)).translate(_SUPERSCRIPTS)
    return f"**{value}"


def _symbol(name: str) -> str:
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    symbol = str(ureg.get_symbol(name))
    if name.endswith("liter") and symbol.endswith("l"):
        symbol = symbol[:-1] + "L"
    return symbol


def _format_units(units: tuple[tuple[str, Any], ...]) -> str:
    numerator = [_symbol(name) + _exponent(e) for name, e in units if e > 0]
    denominator = [_symbol(name) + _exponent(-e) for name, e in units if e < 0]
    top = "·".join(numerator) or "1"
    if not denominator:
        return top
    bottom = denominator[0] if len(denominator) == 1 else "(" + "·".join(denominator) + ")"
    return f"{top}/{bottom}"


def _format_dimensions(dimensions: tuple[tuple[str, Any], ...]) -> str:
    if not dimensions:
        return "dimensionless"
    ordered = sorted(dimensions, key=lambda d: (_DIMENSION_ORDER.index(d[0]) if d[0] in _DIMENSION_ORDER else 99, d[0]))
    return "·".join(name + _exponent(e) for name, e in ordered)


def _kind(units: tuple[tuple[str, Any], ...], dimensions: tuple[tuple[str, Any], ...]) -> str | None:
    if dimensions:
        return None
    for name, _ in units:
        if name in _KIND_OF_NAME:
            return _KIND_OF_NAME[name]
    numerator = pint.util.UnitsContainer()
    for name, e in units:
        if e > 0:
            numerator *= ureg.get_dimensionality(name) ** e
    # Exponents may be int or float (1 == 1.0, same hash): the tuple is a valid key either way.
    return _KIND_OF_NUMERATOR.get(tuple(sorted(numerator.items())))


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> _Unit:
    if not isinstance(text, str):
        raise TypeError(f"a unit is a str, got {type(text).__name__}")
    expression = _normalize(text)
    if not expression:
        raise UnknownUnit(f"unknown unit {text!r}: empty unit text")
    try:
        unit = ureg.parse_units(expression)
    except Exception as exc:  # pint raises a zoo of types (undefined name, syntax, "scaling factor")
        raise UnknownUnit(f"unknown unit {text!r}: {exc}") from exc
    units = tuple(unit._units.items())
    dimensions = tuple(ureg.get_dimensionality(unit).items())
    return _Unit(text, expression, units, dimensions, _format_units(units), _kind(units, dimensions))


def parse_unit(text: str) -> str:
    """Canonical spelling of a unit: pint symbols, ``µ`` (U+00B5) for micro, ``L`` for litre, ``·`` and ``/``.

    ``parse_unit('ug/l') == 'µg/L'``, ``parse_unit('%(m/m)') == '% (m/m)'``, ``parse_unit('℃') == '°C'``,
    ``parse_unit('mg·kg⁻¹') == 'mg/kg'``. The canonical spelling parses back to itself. Unknown text raises
    :class:`UnknownUnit` naming it.
    """
    return _parse(text).canonical


def _floor_log10(q: Fraction) -> int:
    # Exact ⌊log10 q⌋ for q > 0, from the digit counts, corrected by integer comparisons.
    n, d = q.numerator, q.denominator
    k = len(str(n)) - len(str(d))
    while Fraction(10) ** k > q:
        k -= 1
    while Fraction(10) ** (k + 1) <= q:
        k += 1
    return k


def _decimal_digits(coefficient: int, exponent: int) -> Decimal:
    # Built from the digits: exact, independent of the decimal context precision. Never -0.
    sign = int(coefficient < 0)
    return Decimal((sign, tuple(int(c) for c in str(abs(coefficient))), exponent))


def _to_decimal(result: Fraction, preferred_exponent: int) -> Decimal:
    ceiling = min(preferred_exponent, 0)
    denominator, twos, fives = result.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator == 1:
        # Terminating: exact, with the preferred resolution or finer when the value needs it.
        exponent = min(ceiling, -max(twos, fives))
        return _decimal_digits(int(result * Fraction(10) ** -exponent), exponent)
    exponent = min(ceiling, _floor_log10(abs(result)) - INEXACT_SIGNIFICANT_DIGITS + 1)
    # round() on a Fraction is half-even, the GB/T 8170 rule.
    return _decimal_digits(round(result * Fraction(10) ** -exponent), exponent)


def _magnitude(value: Fraction, source: _Unit, target: _Unit) -> Fraction:
    registry = _exact_registry()
    try:
        magnitude = registry.Quantity(value, source.expression).to(target.expression).magnitude
    except (pint.errors.PintError, pint.errors.PintTypeError) as exc:
        # Not str(exc): pint cannot format Fraction exponents in its messages on Python 3.11.
        raise IncompatibleUnits(
            f"cannot convert {source.describe()} to {target.describe()} ({type(exc).__name__})"
        ) from exc
    if isinstance(magnitude, float):
        # Irrational pint definition: the float carries about 15 significant digits, no more.
        return Fraction(Decimal(f"{magnitude:.15g}"))
    return Fraction(magnitude)


def convert(value: DecimalLike, from_unit: str, to_unit: str) -> Decimal:
    """Convert ``value`` from ``from_unit`` to ``to_unit`` exactly (factors as exact rationals, no float).

    The exponent rule, inexact results and fraction kinds are described in the module docstring, e.g.
    ``convert('1.5', '% (m/m)', 'mg/kg') == Decimal('15000')``, ``convert('1', 'MPa', 'kPa') == Decimal('1000')``.
    Different dimensions (``'mg/kg'`` → ``'MPa'``) or a mass fraction to a volume fraction raise
    :class:`IncompatibleUnits` naming both units and what they measure; unknown text raises :class:`UnknownUnit`.
    """
    return converter(from_unit, to_unit)(value)


@functools.lru_cache(maxsize=1024)
def converter(from_unit: str, to_unit: str) -> Callable[[DecimalLike], Decimal]:
    """The conversion ``from_unit`` → ``to_unit`` as a function, for converting many values: the units are parsed
    and the exact (affine) factor found once, so each value costs a few rational operations instead of a pint
    quantity. ``converter(a, b)(x) == convert(x, a, b)`` for every ``x``; errors are raised here, before any value.
    """
    source, target = _parse(from_unit), _parse(to_unit)
    if dict(source.dimensions) != dict(target.dimensions):
        raise IncompatibleUnits(f"cannot convert {source.describe()} to {target.describe()}: different dimensions")
    if source.kind and target.kind and source.kind != target.kind:
        raise IncompatibleUnits(
            f"cannot convert {source.describe()} to {target.describe()}: converting a {source.kind} into a "
            f"{target.kind} needs densities or molar masses, not a unit factor"
        )
    offset = _magnitude(Fraction(0), source, target)
    slope = _magnitude(Fraction(1), source, target) - offset
    shift = _shift(source, target)

    def apply(value: DecimalLike) -> Decimal:
        number = to_decimal(value)
        # The slope of the (affine) conversion fixes how far the input's last digit moves: mg → µg moves it 3.
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)  # to_decimal returns finite values
        return _to_decimal(Fraction(number) * slope + offset, exponent + shift)

    return apply


def decimal_shift(from_unit: str, to_unit: str) -> int:
    """How many places the decimal point moves when converting: ⌊log10⌋ of the conversion's slope.

    ``decimal_shift('µg/kg', 'mg/kg') == -3``: a result kept to 2 decimals in µg/kg is kept to 5 in mg/kg.
    Raises like :func:`converter` for unknown or incompatible units.
    """
    converter(from_unit, to_unit)  # the same refusals as a conversion
    return _shift(_parse(from_unit), _parse(to_unit))


@functools.lru_cache(maxsize=1024)
def _shift(source: _Unit, target: _Unit) -> int:
    slope = _magnitude(Fraction(1), source, target) - _magnitude(Fraction(0), source, target)
    return _floor_log10(abs(slope)) if slope else 0
