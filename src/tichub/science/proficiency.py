"""Proficiency testing statistics after ISO 13528:2022 (statistical methods for interlaboratory comparisons).

* Algorithm A (Annex C.3): robust mean x* and robust standard deviation s* of the participants' results,
  typically used as assigned value x_pt and standard deviation for proficiency assessment σ_pt.
* Performance statistics (clause 9): z, z′, ζ (zeta) and E_n scores, and their classification.

Scores are computed in floating point; :func:`classify` compares exactly (see there).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Literal

from .numbers import Number, to_float

__all__ = [
    "Classification",
    "ScoreKind",
    "algorithm_a",
    "classify",
    "en_score",
    "z_prime_score",
    "z_score",
    "zeta_score",
]

ScoreKind = Literal["z", "z_prime", "zeta", "en"]
Classification = Literal["satisfactory", "questionable", "unsatisfactory"]


# --- Algorithm A (ISO 13528:2022 C.3) -----------------------------------------------------------------------

_MAD_FACTOR = 1.483  # C.3.1: makes the median absolute deviation a consistent estimate of σ for normal data
_CLIP_FACTOR = 1.5  # C.3.2: δ = 1.5 s*
_SD_FACTOR = 1.134  # C.3.2: corrects the standard deviation of data winsorised at ±1.5 s*


def _start(xs: list[float]) -> tuple[float, float]:
    """Initial x* = median, s* = 1.483·median|x_i − x*| (ISO 13528:2022 C.3.1); refuses a zero MAD."""
    x_star = statistics.median(xs)
    s_star = _MAD_FACTOR * statistics.median(abs(x - x_star) for x in xs)
    if s_star == 0.0 and max(xs) != min(xs):
        # More than half of the results are identical. δ = 0 would clip every result to the median, and
        # restarting from another scale (e.g. the sample standard deviation) does not help: with such a
        # majority the iteration shrinks s* geometrically towards 0 (e.g. 0, 0, 0, 0, 1) and never meets the
        # stop rule. ISO 13528 leaves this case to the PT provider; we refuse it rather than return a number.
        raise ValueError(
            "more than half of the results are identical (median absolute deviation 0): Algorithm A is not"
            " applicable, choose σ_pt by another method (ISO 13528:2022 clause 8)"
        )
    return x_star, s_star


def _step(xs: list[float], x_star: float, s_star: float) -> tuple[float, float]:
    """One update of ISO 13528:2022 C.3.2: winsorise at x* ± 1.5 s*, then mean and 1.134 × sample sd."""
    delta = _CLIP_FACTOR * s_star
    low, high = x_star - delta, x_star + delta
    clipped = [min(max(x, low), high) for x in xs]
    # statistics works on exact fractions: no cancellation when the results share a large offset.
    return statistics.fmean(clipped), _SD_FACTOR * statistics.stdev(clipped)


def _unchanged(old: tuple[float, float], new: tuple[float, float], significant_figures: int) -> bool:
    """ISO 13528:2022 C.3.3 stop rule.

    Converged when, from one iteration to the next, there is no change in the ``significant_figures``-th
    significant figure of s* *and of the equivalent figure in x**, i.e. x* is compared at the same decimal
    place as s*, not at its own third significant figure (which for x* = 50 000, s* = 0.5 would stop
    at once). Both values are rounded at that place (set by the new s*) and compared.
    """
    if old == new:
        return True
    s_new = new[1]
    if s_new == 0.0:
        return old[1] == 0.0 and old[0] == new[0]
    place = math.floor(math.log10(s_new)) - (significant_figures - 1)
    unit = 10.0**place
    return round(old[0] / unit) == round(new[0] / unit) and round(old[1] / unit) == round(new[1] / unit)


def _iterations(xs: list[float]) -> Iterator[tuple[float, float]]:
    """Yield the starting values, then (x*, s*) after each update; used by :func:`algorithm_a` and its tests."""
    current = _start(xs)
    yield current
    while True:
        current = _step(xs, *current)
        yield current


def algorithm_a(
    values: Iterable[Number], *, significant_figures: int = 3, max_iterations: int = 1000
) -> tuple[float, float]:
    """Robust mean x* and robust standard deviation s* by Algorithm A (ISO 13528:2022 Annex C.3).

    1. Start (C.3.1): x* = median of x_i, s* = 1.483 · median |x_i − x*|.
    2. Update (C.3.2): δ = 1.5 s*; winsorise every x_i to [x* − δ, x* + δ]; x* = mean of the winsorised
       values, s* = 1.134 × their sample standard deviation (divisor p − 1).
    3. Stop (C.3.3) when neither s* nor x* changes in the ``significant_figures``-th significant figure of s*
       (default 3, the standard's rule; x* is compared at the same decimal place). A larger value iterates
       closer to the fixed point. ``RuntimeError`` after ``max_iterations`` updates without convergence.

    Needs at least three results (``ValueError``). If every result is equal, returns (x, 0.0). If more than
    half of them (but not all) are equal the scaled MAD is zero and Algorithm A degenerates (see
    :func:`_start`): ``ValueError``, since the standard leaves the choice of another estimator to the provider.
    """
    xs = [to_float(v) for v in values]
    if len(xs) < 3:
        raise ValueError(f"Algorithm A needs at least 3 results, got {len(xs)}")
    if isinstance(significant_figures, bool) or not isinstance(significant_figures, int) or significant_figures < 1:
        raise ValueError(f"significant_figures must be a positive integer, got {significant_figures!r}")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or max_iterations < 1:
        raise ValueError(f"max_iterations must be a positive integer, got {max_iterations!r}")

    steps = _iterations(xs)
    previous = next(steps)
    if previous[1] == 0.0:
        return previous  # every result equal: nothing to estimate
    for _ in range(max_iterations):
        current = next(steps)
        if _unchanged(previous, current, significant_figures):
            return current
        previous = current
    raise RuntimeError(f"Algorithm A did not converge in {max_iterations} iterations")


# --- Performance statistics (ISO 13528:2022 clause 9) --------------------------------------------------------


def _positive(name: str, value: float) -> float:
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def _non_negative(name: str, value: Number) -> float:
    result = to_float(value)
    if result < 0:
        raise ValueError(f"{name} cannot be negative, got {result}")
    return result


def z_score(x: Number, assigned: Number, sigma_pt: Number) -> float:
    """z = (x − x_pt)/σ_pt (ISO 13528:2022 9.4)."""
    return (to_float(x) - to_float(assigned)) / _positive("sigma_pt", to_float(sigma_pt))


def z_prime_score(x: Number, assigned: Number, sigma_pt: Number, u_assigned: Number) -> float:
    """z′ = (x − x_pt)/√(σ_pt² + u²(x_pt)) (ISO 13528:2022 9.5).

    For when the standard uncertainty of the assigned value is not negligible against σ_pt (9.5.1).
    """
    sigma = _positive("sigma_pt", to_float(sigma_pt))
    u = _non_negative("u_assigned", u_assigned)
    return (to_float(x) - to_float(assigned)) / math.hypot(sigma, u)


def zeta_score(x: Number, u_x: Number, assigned: Number, u_assigned: Number) -> float:
    """ζ = (x − x_pt)/√(u²(x) + u²(x_pt)), with *standard* uncertainties (ISO 13528:2022 9.6)."""
    denominator = math.hypot(_non_negative("u_x", u_x), _non_negative("u_assigned", u_assigned))
    return (to_float(x) - to_float(assigned)) / _positive("sqrt(u_x² + u_assigned²)", denominator)


def en_score(x: Number, U_x: Number, assigned: Number, U_assigned: Number) -> float:
    """E_n = (x − x_pt)/√(U²(x) + U²(x_pt)), with *expanded* uncertainties (ISO 13528:2022 9.7)."""
    denominator = math.hypot(_non_negative("U_x", U_x), _non_negative("U_assigned", U_assigned))
    return (to_float(x) - to_float(assigned)) / _positive("sqrt(U_x² + U_assigned²)", denominator)


_TWO = Decimal(2)
_THREE = Decimal(3)
_ONE = Decimal(1)


def classify(score: Number, kind: ScoreKind) -> Classification:
    """Classify a performance score (ISO 13528:2022 9.4.1 for z, 9.5 for z′, 9.6 for ζ, 9.7 for E_n).

    * ``"z"``, ``"z_prime"``, ``"zeta"``: |s| ≤ 2.0 satisfactory; 2.0 < |s| < 3.0 questionable (warning
      signal); |s| ≥ 3.0 unsatisfactory (action signal). So exactly 2.0 is satisfactory and exactly 3.0
      unsatisfactory.
    * ``"en"``: |E_n| ≤ 1.0 satisfactory, |E_n| > 1.0 unsatisfactory; E_n has no "questionable" band.

    The comparison is exact: the score is converted to ``Decimal`` without rounding (a float's binary value
    is kept), so a score computed as 2.0000000000000004 is questionable. Round the score first if the report
    shows it rounded (ISO 13528 5.5.4) and the rounded value is to decide.
    """
    if isinstance(score, bool):
        raise ValueError("a boolean is not a score")
    try:
        if isinstance(score, Decimal | str | int | float):
            value = abs(Decimal(score.strip()) if isinstance(score, str) else Decimal(score))
        else:
            value = abs(Decimal(to_float(score)))
    except ArithmeticError as exc:  # decimal.InvalidOperation for a malformed string
        raise ValueError(f"not a number: {score!r}") from exc
    if not value.is_finite():
        raise ValueError(f"score must be finite, got {score!r}")
    if kind in ("z", "z_prime", "zeta"):
        if value <= _TWO:
            return "satisfactory"
        if value < _THREE:
            return "questionable"
        return "unsatisfactory"
    if kind == "en":
        return "satisfactory" if value <= _ONE else "unsatisfactory"
    raise ValueError(f"unknown score kind {kind!r}; expected 'z', 'z_prime', 'zeta' or 'en'")
