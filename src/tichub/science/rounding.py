"""Rounding of reported values: GB/T 8170-2008 (数值修约规则) and GUM (JCGM 100:2008) 7.2.6.

GB/T 8170-2008 clause 3.2 rounds on the *written digits* of a value:

* 3.2.1 the leftmost dropped digit is < 5: drop it;
* 3.2.2 it is > 5: round up;
* 3.2.3 it is 5 followed by any non-zero digit: round up;
* 3.2.4 it is 5 followed by nothing or only zeros: round to the even neighbour ("奇进偶舍");
* 3.2.5 a negative value: round its absolute value, then put the sign back;
* 3.3 the value is rounded once, from its full written form, never in steps (15.4546 → 15, not 16).

Applied once to the exact decimal value, this is precisely :data:`decimal.ROUND_HALF_EVEN` (which is symmetric,
so 3.2.5 holds too). The only way to get it wrong is to lose the written digits first: ``2.675`` as a binary float
is 2.67499999…, so a float is refused everywhere (:class:`TypeError`) and strings are parsed strictly.

Representation: every result is a :class:`~decimal.Decimal` whose exponent is exactly ``-places``. Rounding to
tens (``places=-1``) therefore gives ``Decimal('1.27E+3')`` for 1268, which is the value 1270 written with
three significant digits, GB/T 8170's "127×10"; ``format(d, 'f')`` prints it as ``1270``. A zero result is
never negative (``-0.04`` to one place is ``Decimal('0.0')``).
"""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, ROUND_UP, Context, Decimal, localcontext
from fractions import Fraction
from typing import Final, Literal, TypeAlias

__all__ = [
    "DecimalLike",
    "format_result",
    "round_gbt8170",
    "round_significant",
    "round_to_interval",
    "round_with_uncertainty",
    "to_decimal",
]

#: What every function of :mod:`tichub.science` accepts as a number: the written digits (``str``), an exact
#: ``Decimal`` or an ``int``. Never a ``float`` (its written digits are already lost).
DecimalLike: TypeAlias = str | Decimal | int

# Plain decimal notation only: optional sign, digits with one optional '.', optional exponent. ASCII only, so
# that Decimal's own leniency (underscores "1_000", non-ASCII digits "١٢", "NaN", "Infinity") is not inherited.
_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NON_FINITE: Final = re.compile(r"[+-]?(?:nan|snan|inf|infinity)", re.IGNORECASE)
_LANGS: Final = ("zh-hans", "en")


def to_decimal(value: DecimalLike) -> Decimal:
    """Return ``value`` as an exact, finite :class:`~decimal.Decimal`, keeping its written digits.

    GB/T 8170-2008 clause 3 rounds the written digits of a value, so they must reach us intact: ``str`` is
    parsed strictly (surrounding whitespace allowed; sign, digits, one ``.`` and an optional exponent, nothing
    else), ``int`` and ``Decimal`` are exact. ``float`` and ``bool`` raise :class:`TypeError`; NaN, infinities,
    empty strings, decimal commas, thousands separators and other garbage raise :class:`ValueError`.
    """
    # bool is a subclass of int: True is not a measured value.
    if isinstance(value, bool):
        raise TypeError(f"a bool ({value!r}) is not a number here; pass a str, Decimal or int")
    if isinstance(value, float):
        raise TypeError(
            f"float {value!r} refused: a binary float has already lost the written decimal digits that "
            f"GB/T 8170-2008 rounds (2.675 is stored as 2.67499999…); pass the digits as a str, e.g. '{value!r}'"
        )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value!r} is not a finite number; NaN and Infinity are not measured values")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text):
            return Decimal(text)
        if not text:
            raise ValueError("empty string is not a number")
        if _NON_FINITE.fullmatch(text):
            raise ValueError(f"{value!r} is not a finite number; NaN and Infinity are not measured values")
        if "," in text:
            raise ValueError(
                f"{value!r} is not a number: ',' is neither a decimal point nor allowed as a thousands separator; "
                "write the decimal point as '.' and no grouping (e.g. '1.5', '1500')"
            )
        raise ValueError(
            f"{value!r} is not a number: expected ASCII digits with an optional sign, one '.' and an optional "
            "exponent (e.g. '12.25', '-0.036', '1.2E-3')"
        )
    raise TypeError(f"expected str, Decimal or int, got {type(value).__name__}")


def _check_int(name: str, value: object) -> int:
    # bool passes isinstance(_, int); a True "places" is a bug, not 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def _exact_context(value: Decimal, places: int) -> Context:
    # quantize() signals InvalidOperation when the result needs more digits than the context precision, so give
    # it room for every digit kept (plus a carry) and the widest exponent range: rounding must never be lossy twice.
    digits = value.adjusted() + places + 3
    return Context(prec=max(28, digits), rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _quantize(value: Decimal, places: int, rounding: str) -> Decimal:
    with localcontext(_exact_context(value, places)):
        result = value.quantize(Decimal((0, (1,), -places)), rounding=rounding)
    # GB/T 8170 3.2.5 puts the sign back on the rounded magnitude; a magnitude of 0 has no sign to show.
    return result.copy_abs() if result.is_zero() else result


def round_gbt8170(value: DecimalLike, places: int) -> Decimal:
    """Round ``value`` to ``places`` decimals by GB/T 8170-2008 clause 3.2 (3.2.1 to 3.2.5), once (3.3).

    ``places`` is the number of decimals kept; negative values round to tens (-1), hundreds (-2), …
    (the 修约间隔 of clause 3.1 is ``10**-places``). The result has exactly ``places`` decimals: its exponent is
    ``-places``, so ``round_gbt8170('2.5', 2) == Decimal('2.50')`` and ``round_gbt8170(1268, -2)`` is
    ``Decimal('1.3E+3')`` (GB/T 8170's "13×10²"). Never ``-0``.
    """
    places = _check_int("places", places)
    # ROUND_HALF_EVEN applied once to the exact value is clauses 3.2.1-3.2.4; it is symmetric, hence 3.2.5.
    return _quantize(to_decimal(value), places, ROUND_HALF_EVEN)


def _multiple_of(n: int, interval: Decimal) -> Decimal:
    # n × interval built from integers, so it is exact whatever the context precision; it keeps the interval's
    # exponent (0.5 → one decimal, 20 → units), as the examples of GB/T 8170 3.4 are written.
    _, digits, exponent = interval.as_tuple()
    assert isinstance(exponent, int)  # interval is finite
    coefficient = n * int("".join(map(str, digits)))
    return Decimal((int(coefficient < 0), tuple(int(c) for c in str(abs(coefficient))), exponent))


def round_to_interval(value: DecimalLike, interval: DecimalLike) -> Decimal:
    """Round ``value`` to a multiple of ``interval`` (修约间隔), GB/T 8170-2008 clauses 3.1, 3.2 and 3.4.

    Clause 3.4's 0.5-unit (interval ``'0.5'``, ``'5'``, ``'0.05'``…) and 0.2-unit (``'0.2'``, ``'20'``…) rounding
    multiply by 2 or 5, round by clause 3.2 and divide back; that is ``value / interval`` rounded half-even to an
    integer, times ``interval``, computed here exactly with fractions. Any positive interval is accepted (the
    standard itself only uses 1, 2 or 5 × 10ⁿ). The result keeps the interval's exponent:
    ``round_to_interval('60.25', '0.5') == Decimal('60.0')``, ``round_to_interval(830, 20) == Decimal('840')``.
    """
    step = to_decimal(interval)
    if step <= 0:
        raise ValueError(f"interval must be > 0, got {interval!r}")
    # Python's round() on a Fraction is round-half-even on the exact quotient: clause 3.2 on the multiplied value.
    n = round(Fraction(to_decimal(value)) / Fraction(step))
    return _multiple_of(n, step)


def _round_significant(value: Decimal, digits: int, rounding: str) -> Decimal:
    if value.is_zero():
        # Zero has no leading digit; write it with the requested number of digits as if it were of order 1.
        return _quantize(value, digits - 1, rounding)
    places = digits - 1 - value.adjusted()
    result = _quantize(value, places, rounding)
    if result.adjusted() > value.adjusted():
        # A carry (9.96 → 10.0) added a digit in front: drop the trailing zero it pushed out, exactly.
        result = _quantize(result, places - 1, rounding)
    return result


def round_significant(value: DecimalLike, digits: int) -> Decimal:
    """Round ``value`` to ``digits`` significant digits (有效位数) by GB/T 8170-2008 clause 3.2.

    The 修约间隔 is chosen from the leading digit (clause 3.1); e.g. ``('0.0012345', 3) → Decimal('0.00123')``,
    ``(123456, 2) → Decimal('1.2E+5')``, ``('9.96', 2) → Decimal('10')``. Zero gives ``digits - 1`` decimals.
    """
    digits = _check_int("digits", digits)
    if digits < 1:
        raise ValueError(f"digits must be ≥ 1, got {digits}")
    return _round_significant(to_decimal(value), digits, ROUND_HALF_EVEN)


def round_with_uncertainty(
    value: DecimalLike,
    uncertainty: DecimalLike,
    uncertainty_digits: int = 2,
    *,
    uncertainty_rounding: Literal["half_even", "up"] = "half_even",
) -> tuple[Decimal, Decimal]:
    """Round a result and its uncertainty together, GUM (JCGM 100:2008) clause 7.2.6.

    The uncertainty is rounded to ``uncertainty_digits`` significant digits (GUM: "at most two"), then the value
    to the same decimal place ("output estimates should be rounded to be consistent with their
    uncertainties"), both by the GB/T 8170-2008 rule. GUM 7.2.6 adds that "it may sometimes be appropriate to
    round uncertainties up"; ``uncertainty_rounding="up"`` does that (10.47 → 11), the default ``"half_even"``
    does not (10.47 → 10). GUM's example: ``('10.05762', '0.027') → (Decimal('10.058'), Decimal('0.027'))``.
    """
    uncertainty_digits = _check_int("uncertainty_digits", uncertainty_digits)
    if uncertainty_digits < 1:
        raise ValueError(f"uncertainty_digits must be ≥ 1, got {uncertainty_digits}")
    modes = {"half_even": ROUND_HALF_EVEN, "up": ROUND_UP}
    if uncertainty_rounding not in modes:
        raise ValueError(f"uncertainty_rounding must be 'half_even' or 'up', got {uncertainty_rounding!r}")
    u = to_decimal(uncertainty)
    # A zero or negative uncertainty has no leading digit to fix the decimal place from.
    if u <= 0:
        raise ValueError(f"uncertainty must be > 0, got {uncertainty!r}")
    # ROUND_UP is "away from zero", i.e. up, on a positive magnitude.
    u_rounded = _round_significant(u, uncertainty_digits, modes[uncertainty_rounding])
    exponent = u_rounded.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    return round_gbt8170(value, -exponent), u_rounded


def _plain(value: Decimal) -> str:
    # Positional notation as printed on reports: '1270', never '1.27E+3'; and no '-0.00'.
    return format(value.copy_abs() if value.is_zero() else value, "f")


def format_result(
    value: DecimalLike,
    *,
    places: int | None = None,
    lod: DecimalLike | None = None,
    loq: DecimalLike | None = None,
    lang: str = "zh-hans",
) -> str:
    """Text of a reported result with limits of detection/quantification; rounding by GB/T 8170-2008 clause 3.2.

    * ``value < lod``: ``"未检出 (<LOD)"`` (``lang="zh-hans"``) or ``"not detected (<LOD)"`` (``lang="en"``);
    * ``lod ≤ value < loq``: ``"<LOQ"`` in both languages (detected but not quantified);
    * otherwise the value, rounded with :func:`round_gbt8170` to ``places`` if given, else as written.

    A value equal to the LOD is detected and one equal to the LOQ is quantified (the limits are inclusive,
    "≥ LOD", "≥ LOQ"). The comparisons use the unrounded value (GB/T 8170-2008 4.3.1, 全数值比较法). LOD and LOQ
    are printed as written (``'0.010'`` stays ``0.010``), in positional notation. Never prints ``-0``.
    """
    if lang not in _LANGS:
        raise ValueError(f"lang must be one of {', '.join(_LANGS)}; got {lang!r}")
    if places is not None:
        places = _check_int("places", places)
    number = to_decimal(value)
    lod_d = None if lod is None else to_decimal(lod)
    loq_d = None if loq is None else to_decimal(loq)
    if lod_d is not None and lod_d < 0:
        raise ValueError(f"lod must be ≥ 0, got {lod!r}")
    if loq_d is not None and loq_d < 0:
        raise ValueError(f"loq must be ≥ 0, got {loq!r}")
    if lod_d is not None and loq_d is not None and loq_d < lod_d:
        raise ValueError(f"loq ({loq!r}) must be ≥ lod ({lod!r})")
    if lod_d is not None and number < lod_d:
        return f"未检出 (<{_plain(lod_d)})" if lang == "zh-hans" else f"not detected (<{_plain(lod_d)})"
    if loq_d is not None and number < loq_d:
        return f"<{_plain(loq_d)}"
    return _plain(number if places is None else round_gbt8170(number, places))
