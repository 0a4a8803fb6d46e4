"""Tests for tichub.science.proficiency (ISO 13528:2022 Algorithm A and performance scores)."""

from __future__ import annotations

import doctest
import itertools
import math
import statistics
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tichub.science.proficiency import (
    _iterations,
    algorithm_a,
    classify,
    en_score,
    z_prime_score,
    z_score,
    zeta_score,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "proficiency.md"

# Twelve laboratory results used to teach Algorithm A (ISO 13528 / ISO 5725-5 style worked example).
TWELVE = ["1.69", "0.74", "2.05", "1.14", "2.19", "1.39", "1.52", "1.50", "1.58", "0.80", "1.21", "1.63"]


# --- Algorithm A -------------------------------------------------------------------------------------------------


def test_algorithm_a_iterations_by_hand() -> None:
    trace = list(itertools.islice(_iterations([float(v) for v in TWELVE]), 4))
    # C.3.1: median of the sorted results = (1.50 + 1.52)/2; the sorted |x_i − 1.51| have median (0.18 + 0.30)/2.
    assert trace[0] == pytest.approx((1.51, 1.483 * 0.24))
    # δ = 1.5 × 0.35592 = 0.53388: 0.74 and 0.80 move up to 0.97612, 2.05 and 2.19 down to 2.04388.
    clipped = [0.97612, 0.97612, 1.14, 1.21, 1.39, 1.50, 1.52, 1.58, 1.63, 1.69, 2.04388, 2.04388]
    assert trace[1][0] == pytest.approx(1.475)
    assert trace[1][1] == pytest.approx(1.134 * statistics.stdev(clipped))
    assert trace[1][1] == pytest.approx(0.4072, abs=5e-5)
    assert trace[2] == pytest.approx((1.4603, 0.4486), abs=5e-5)
    assert trace[3] == pytest.approx((1.4526, 0.4786), abs=5e-5)


def test_algorithm_a_twelve_results_converged() -> None:
    x_star, s_star = algorithm_a(TWELVE)
    # At convergence δ = 1.5 × 0.496 = 0.744 and every result lies within x* ± δ, so x* is the plain mean
    # and s* is 1.134 × the sample standard deviation.
    plain = [float(v) for v in TWELVE]
    assert x_star == pytest.approx(statistics.fmean(plain))
    assert s_star == pytest.approx(1.134 * statistics.stdev(plain))
    assert (round(x_star, 3), round(s_star, 3)) == (1.453, 0.496)


def test_algorithm_a_small_example_with_outlier() -> None:
    values = [1, 2, 3, 4, 100]
    # Start: median 3, |x − 3| = 2, 1, 0, 1, 97 → median 1 → s* = 1.483.
    trace = list(itertools.islice(_iterations([float(v) for v in values]), 2))
    assert trace[0] == (3, 1.483)
    # δ = 2.2245: 100 is winsorised to 5.2245, the other four stay.
    step = [1, 2, 3, 4, 3 + 1.5 * 1.483]
    assert trace[1] == pytest.approx((statistics.fmean(step), 1.134 * statistics.stdev(step)))
    x_star, s_star = algorithm_a(values)
    # The outlier is winsorised at x* + 1.5 s* in every iteration instead of being averaged in (plain mean 22,
    # sd 43.6). With five results that pulls s* up to the fixed point x* ≈ s* ≈ 4: there 4x* = 10 + 1.5 s*
    # and s* = 1.134 × stdev(1, 2, 3, 4, x* + 1.5 s*).
    assert x_star == pytest.approx(4.0, abs=0.02)
    assert s_star == pytest.approx(4.0, abs=0.02)
    _assert_converged(values, x_star, s_star)


def _assert_converged(values: list[int] | list[float], x_star: float, s_star: float) -> None:
    """One more update changes neither value in the third significant figure of s* (ISO 13528 C.3.3)."""
    delta = 1.5 * s_star
    clipped = [min(max(float(v), x_star - delta), x_star + delta) for v in values]
    unit = 10 ** (math.floor(math.log10(s_star)) - 2)
    assert abs(statistics.fmean(clipped) - x_star) < unit
    assert abs(1.134 * statistics.stdev(clipped) - s_star) < unit


def test_stop_rule_uses_the_decimal_place_of_s_star() -> None:
    # Shifting the results by 10⁶ must not stop the iteration at x*'s own third significant figure (10⁴).
    shifted = [float(v) + 1_000_000 for v in TWELVE]
    x_star, s_star = algorithm_a(shifted)
    assert x_star == pytest.approx(1_000_001.4533, abs=1e-4)
    assert s_star == pytest.approx(0.4961, abs=1e-4)


def test_stricter_stop_rule_iterates_closer_to_the_fixed_point() -> None:
    # ISO 5725-5 creosote example (nine laboratory means): convergence is slow, so the three-figure rule
    # stops measurably before the fixed point that ten figures reach.
    means = [24.140, 20.155, 19.500, 20.300, 20.705, 17.570, 20.100, 20.940, 21.185]
    coarse = algorithm_a(means)
    fine = algorithm_a(means, significant_figures=10)
    assert coarse[0] == pytest.approx(fine[0], abs=0.01)
    assert coarse[1] == pytest.approx(fine[1], rel=0.02)
    _assert_converged(means, *coarse)
    # At the fixed point one update reproduces the values to ten figures.
    delta = 1.5 * fine[1]
    clipped = [min(max(v, fine[0] - delta), fine[0] + delta) for v in means]
    assert 1.134 * statistics.stdev(clipped) == pytest.approx(fine[1], rel=1e-8)


def test_algorithm_a_inputs() -> None:
    assert algorithm_a([Decimal("1.0"), "2.0", 3, 4.0]) == algorithm_a([1, 2, 3, 4])
    with pytest.raises(ValueError, match="at least 3"):
        algorithm_a([1, 2])
    with pytest.raises(ValueError):
        algorithm_a([1, 2, float("nan")])
    with pytest.raises(ValueError):
        algorithm_a([1, 2, True])
    with pytest.raises(ValueError):
        algorithm_a([1, 2, 3], significant_figures=0)
    with pytest.raises(ValueError):
        algorithm_a([1, 2, 3], max_iterations=0)


def test_algorithm_a_max_iterations() -> None:
    means = [24.140, 20.155, 19.500, 20.300, 20.705, 17.570, 20.100, 20.940, 21.185]
    with pytest.raises(RuntimeError, match="did not converge"):
        algorithm_a(means, significant_figures=10, max_iterations=2)


@pytest.mark.parametrize("values", [[0, 0, 0, 0, 1], [5, 5, 5, 6, 9], [2, 2, 1]])
def test_zero_mad_is_refused(values: list[int]) -> None:
    # More than half of the results equal: 1.483 × MAD = 0. Starting instead from the sample standard
    # deviation would, for 0, 0, 0, 0, 1, shrink s* by about 4 % per iteration towards 0 and never converge.
    with pytest.raises(ValueError, match="more than half"):
        algorithm_a(values)


def test_all_results_equal() -> None:
    assert algorithm_a([7, 7, 7, 7]) == (7, 0.0)


# Laboratory results are reported to a finite number of decimals; arbitrary floats such as 0, 1, 3.6e-173
# start Algorithm A from s* = 5e-173, from which it needs about 1 500 iterations to grow back to the data's
# scale (the standard's method, but beyond the default max_iterations).
finite = st.integers(min_value=-100_000, max_value=100_000).map(lambda i: i / 100)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(finite, min_size=3, max_size=30),
    a=st.floats(min_value=0.01, max_value=100).flatmap(lambda m: st.sampled_from([m, -m])),
    b=st.floats(min_value=-1e3, max_value=1e3),
)
def test_algorithm_a_is_shift_and_scale_equivariant(values: list[float], a: float, b: float) -> None:
    spread = max(values) - min(values)
    assume(spread > 0)
    assume(statistics.median(abs(v - statistics.median(values)) for v in values) > 0)
    # A strict stop rule brings both runs close to the same fixed point; the default three-figure rule may
    # stop one iteration apart on rounding boundaries, which is not what this property is about.
    x_star, s_star = algorithm_a(values, significant_figures=9)
    x_t, s_t = algorithm_a([a * v + b for v in values], significant_figures=9)
    assert x_t == pytest.approx(a * x_star + b, abs=1e-6 * abs(a) * spread + 1e-9 * abs(b))
    assert s_t == pytest.approx(abs(a) * s_star, rel=1e-6)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(finite, min_size=3, max_size=30))
def test_algorithm_a_stays_within_the_data(values: list[float]) -> None:
    if len(set(values)) > 1:
        assume(statistics.median(abs(v - statistics.median(values)) for v in values) > 0)
    x_star, s_star = algorithm_a(values)
    assert min(values) - 1e-9 <= x_star <= max(values) + 1e-9
    assert s_star >= 0
    if len(set(values)) == 1:
        assert s_star == 0


# --- Scores --------------------------------------------------------------------------------------------------------


def test_z_score() -> None:
    assert z_score(12, 10, "0.5") == pytest.approx(4.0)
    assert z_score(Decimal("9.5"), "10", 1) == pytest.approx(-0.5)
    for bad in (0, -1):
        with pytest.raises(ValueError):
            z_score(1, 1, bad)


def test_z_prime_score() -> None:
    # (12 − 10)/√(0.3² + 0.4²) = 2/0.5 = 4.
    assert z_prime_score(12, 10, "0.3", "0.4") == pytest.approx(4.0)
    assert z_prime_score(12, 10, 1, 0) == z_score(12, 10, 1)
    with pytest.raises(ValueError):
        z_prime_score(12, 10, 0, 1)
    with pytest.raises(ValueError):
        z_prime_score(12, 10, 1, -1)


def test_zeta_score() -> None:
    # (10.9 − 10)/√(0.3² + 0.4²) = 0.9/0.5 = 1.8, with standard uncertainties.
    assert zeta_score("10.9", "0.3", 10, "0.4") == pytest.approx(1.8)
    assert zeta_score(10, 0, 9, 1) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        zeta_score(10, 0, 9, 0)
    with pytest.raises(ValueError):
        zeta_score(10, -0.1, 9, 1)


def test_en_score() -> None:
    # Expanded uncertainties: (101.5 − 100)/√(1.2² + 0.9²) = 1.5/1.5 = 1.
    assert en_score("101.5", "1.2", 100, "0.9") == pytest.approx(1.0)
    assert en_score(99, U_x=0.6, assigned=100, U_assigned=0.8) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        en_score(1, 0, 1, 0)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, "satisfactory"),
        (-1.99, "satisfactory"),
        (2.0, "satisfactory"),  # exactly 2.0 is still satisfactory (|z| ≤ 2.0)
        (-2.0, "satisfactory"),
        (Decimal("2.0000000001"), "questionable"),
        (2.5, "questionable"),
        (-2.999, "questionable"),
        (3.0, "unsatisfactory"),  # exactly 3.0 is already unsatisfactory (|z| ≥ 3.0)
        ("-3.0", "unsatisfactory"),
        (12, "unsatisfactory"),
    ],
)
@pytest.mark.parametrize("kind", ["z", "z_prime", "zeta"])
def test_classify_z_like(score: float | str | Decimal, expected: str, kind: str) -> None:
    assert classify(score, kind) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, "satisfactory"),
        (1.0, "satisfactory"),  # exactly 1.0 is satisfactory
        (-1.0, "satisfactory"),
        (Decimal("1.0000001"), "unsatisfactory"),
        (1.5, "unsatisfactory"),  # never "questionable"
        (2.5, "unsatisfactory"),
        (-7, "unsatisfactory"),
    ],
)
def test_classify_en(score: float | Decimal, expected: str) -> None:
    assert classify(score, "en") == expected


def test_classify_is_exact_on_floats() -> None:
    # A float two ulps above 2.0 is questionable; round first if the report shows the score rounded.
    just_above = 2 + 2 * 2.220446049250313e-16
    assert just_above > 2.0
    assert classify(just_above, "z") == "questionable"
    assert classify(round(just_above, 2), "z") == "satisfactory"


def test_classify_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown score kind"):
        classify(1.0, "t")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        classify(float("nan"), "z")
    with pytest.raises(ValueError):
        classify("abc", "z")
    with pytest.raises(ValueError):
        classify(True, "z")


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False)
    assert attempted > 0
    assert failures == 0
