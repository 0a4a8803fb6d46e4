"""Tests for tichub.science.uncertainty against JCGM 100 (GUM) worked examples and hand computations."""

from __future__ import annotations

import doctest
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from tichub.science.uncertainty import (
    Input,
    cos,
    coverage_factor,
    evaluate,
    exp,
    log,
    monte_carlo,
    sin,
    sqrt,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "uncertainty.md"


# --- GUM Annex H.1: end-gauge calibration ------------------------------------------------------------------
# Table H.1 of the GUM. d and θ are intermediate quantities made of components with their own dof, so they
# are modelled as sums (d = d̄ + d1 + d2, θ = θ̄ + Δ): this is what lets Welch-Satterthwaite see ν for each
# component, as the GUM does. The Type B half-widths are the GUM's own (α_s: ±2e-6 /°C; δα: ±1e-6 /°C;
# δθ: ±0.050 °C, H.1.3.3-H.1.3.6); the table's 1.2e-6, 0.58e-6 and 0.029 are those divided by √3 and
# rounded, and using the rounded figures gives u_c = 31.71 nm and ν_eff = 16.64 instead of the quoted values.
H1_INPUTS = {
    "l_s": Input.normal("50000623.6", 25, 18, label="calibration of the standard (H.1.3.1)"),
    "d_bar": Input.normal(215, "5.8", 24, label="repeated observations of d (H.1.3.2)"),
    "d1": Input.normal(0, "3.9", 5, label="random effects of the comparator (H.1.3.2)"),
    "d2": Input.normal(0, "6.7", 8, label="systematic effects of the comparator (H.1.3.2)"),
    "alpha_s": Input.rectangular("11.5e-6", "2e-6", label="expansion coefficient of the standard (H.1.3.3)"),
    "theta_bar": Input.normal("-0.1", "0.2", label="mean temperature deviation (H.1.3.4)"),
    "Delta": Input.arcsine(0, "0.5", label="cyclic temperature variation (H.1.3.4)"),
    "delta_alpha": Input.rectangular(0, "1e-6", 50, label="difference in expansion coefficients (H.1.3.5)"),
    "delta_theta": Input.rectangular(0, "0.05", 2, label="difference in temperatures (H.1.3.6)"),
}


def end_gauge(
    l_s: Any,
    d_bar: Any,
    d1: Any,
    d2: Any,
    alpha_s: Any,
    theta_bar: Any,
    Delta: Any,
    delta_alpha: Any,
    delta_theta: Any,
) -> Any:
    """GUM H.1.2 (eq. H.3): l = l_s + d − l_s(δα·θ + α_s·δθ), lengths in nm."""
    d = d_bar + d1 + d2
    theta = theta_bar + Delta
    return l_s + d - l_s * (delta_alpha * theta + alpha_s * delta_theta)


def test_gum_h1_end_gauge() -> None:
    result = evaluate(end_gauge, H1_INPUTS)
    # GUM H.1.5: l = l_s + d = 50.000 838 mm (the linearised model adds nothing because δα = δθ = 0).
    assert result.value == pytest.approx(50_000_838.6, abs=1e-6)
    # GUM H.1.4: u_c(l) = 32 nm, 31.7 nm unrounded; the exact divisors give 31.66 nm.
    assert result.standard_uncertainty == pytest.approx(31.66, abs=0.01)
    # GUM H.1.6: ν_eff(l) by G.2b (16.75 with the exact figures) is truncated to 16 for the t table.
    assert result.dof == pytest.approx(16.75, abs=0.01)
    assert result.coverage_factor == pytest.approx(stats.t.ppf(0.975, 16))
    assert result.coverage_factor == pytest.approx(2.12, abs=0.005)  # GUM Table G.2, ν = 16
    assert result.expanded_uncertainty == pytest.approx(result.coverage_factor * result.standard_uncertainty)
    assert round(result.expanded_uncertainty) == 67


def test_gum_h1_99_percent() -> None:
    # GUM H.1.6 quotes U99 = t99(16)·u_c = 2.92 × 32 nm = 93 nm.
    result = evaluate(end_gauge, H1_INPUTS, coverage_probability=0.99)
    assert result.coverage_factor == pytest.approx(2.92, abs=0.005)
    assert round(result.expanded_uncertainty) == 92  # 2.921 × 31.66 = 92.5; the GUM's 93 uses u_c = 32 nm
    assert result.coverage_factor * 32 == pytest.approx(93, abs=0.5)


def test_gum_h1_budget_table() -> None:
    # GUM Table H.1, column c_i·u(x_i): l_s 25 nm, d 9.7 nm (from 5.8, 3.9, 6.7), α_s 0, θ 0, δα 2.9 nm, δθ 16.6 nm.
    budget = {c.name: c for c in evaluate(end_gauge, H1_INPUTS).contributions}
    assert list(budget) == list(H1_INPUTS)  # input order, for the budget table
    assert budget["l_s"].contribution == pytest.approx(25)
    assert budget["l_s"].sensitivity == pytest.approx(1)
    assert budget["l_s"].dof == 18
    assert math.hypot(budget["d_bar"].contribution, budget["d1"].contribution, budget["d2"].contribution) == (
        pytest.approx(9.7, abs=0.05)
    )
    assert budget["alpha_s"].contribution == 0  # c = −l_s·δθ = 0
    assert budget["theta_bar"].contribution == 0  # c = −l_s·δα = 0
    assert budget["Delta"].contribution == 0
    # c(δα) = −l_s·θ = 5.0e6 nm/(1/°C); c(δθ) = −l_s·α_s = −575 nm/°C.
    assert budget["delta_alpha"].sensitivity == pytest.approx(50_000_623.6 * 0.1)
    assert budget["delta_alpha"].contribution == pytest.approx(2.9, abs=0.05)
    assert budget["delta_theta"].sensitivity == pytest.approx(-50_000_623.6 * 11.5e-6)
    assert budget["delta_theta"].contribution == pytest.approx(16.6, abs=0.05)
    assert budget["delta_theta"].dof == 2
    # The budget adds up in quadrature to u_c when the inputs are independent (GUM 5.1.3).
    assert math.hypot(*(c.contribution for c in budget.values())) == pytest.approx(31.66, abs=0.01)


def test_gum_h1_monte_carlo_sees_the_second_order_terms() -> None:
    # GUM H.1.7: with the second-order terms l_s²u²(δα)u²(θ) + l_s²u²(α_s)u²(δθ), u_c(l) = 34 nm.
    # The Monte Carlo method (JCGM 101) propagates the full model, so it must find them.
    second_order = math.sqrt(
        31.66388**2
        + (50_000_623.6 * 1e-6 / math.sqrt(3) * math.hypot(0.2, 0.5 / math.sqrt(2))) ** 2
        + (50_000_623.6 * 2e-6 / math.sqrt(3) * 0.05 / math.sqrt(3)) ** 2
    )
    assert round(second_order) == 34
    mc = monte_carlo(end_gauge, H1_INPUTS, trials=200_000, seed=20080901)
    assert mc.value == pytest.approx(50_000_838.6, abs=0.5)
    assert mc.standard_uncertainty == pytest.approx(second_order, rel=0.01)


# --- Simple models checked by hand --------------------------------------------------------------------------


def test_additive_model_by_hand() -> None:
    # y = 2a − b + 3: u² = (2·0.3)² + 0.4² = 0.52; ν_eff = 0.52² / (0.36²/4 + 0.16²/9) (GUM G.2b).
    inputs = {"a": Input.normal(10, "0.3", 4), "b": Input.normal(5, "0.4", 9)}
    result = evaluate(lambda a, b: 2 * a - b + 3, inputs)
    assert result.value == pytest.approx(18)
    assert result.standard_uncertainty == pytest.approx(math.sqrt(0.52))
    nu = 0.52**2 / (0.36**2 / 4 + 0.16**2 / 9)
    assert result.dof == pytest.approx(nu)
    assert result.coverage_factor == pytest.approx(stats.t.ppf(0.975, math.floor(nu)))
    assert [c.sensitivity for c in result.contributions] == pytest.approx([2, -1])
    assert [c.contribution for c in result.contributions] == pytest.approx([0.6, 0.4])


def test_all_infinite_dof_gives_normal_coverage_factor() -> None:
    result = evaluate(lambda x, y: x * y, {"x": Input.normal(2, "0.1"), "y": Input.rectangular(3, "0.3")})
    assert math.isinf(result.dof)
    assert result.coverage_factor == pytest.approx(1.959964, abs=1e-6)
    # Relative uncertainties add in quadrature for a product (GUM 5.1.6): (0.1/2)² + (0.3/√3/3)².
    expected = 6 * math.sqrt((0.1 / 2) ** 2 + (0.3 / math.sqrt(3) / 3) ** 2)
    assert result.standard_uncertainty == pytest.approx(expected)


def test_nonlinear_model_with_module_functions() -> None:
    # Power P = V²/R·exp(0)… plus a harmless trigonometric identity: checks that the re-exports propagate.
    inputs = {"v": Input.normal(10, "0.1"), "r": Input.normal(100, "1")}

    def power(v: Any, r: Any) -> Any:
        return sqrt(v * v) ** 2 / r * exp(log(r) - log(r)) * (sin(v) ** 2 + cos(v) ** 2)

    result = evaluate(power, inputs)
    assert result.value == pytest.approx(1.0)
    # Relative: u(P)/P = sqrt((2·0.01)² + 0.01²).
    assert result.standard_uncertainty == pytest.approx(math.sqrt(0.02**2 + 0.01**2))


def test_math_module_functions_are_refused() -> None:
    with pytest.raises(TypeError):
        evaluate(lambda x: math.sqrt(x), {"x": Input.normal(4, 1)})


def test_module_functions_accept_floats_and_arrays() -> None:
    assert sqrt(4.0) == 2.0
    assert exp(0.0) == 1.0
    assert log(1.0) == 0.0
    assert sin(0.0) == 0.0
    assert cos(0.0) == 1.0
    assert np.allclose(sqrt(np.array([1.0, 9.0])), [1, 3])


# --- Correlated inputs (GUM 5.2) ------------------------------------------------------------------------------


def test_fully_correlated_resistors_gum_5_2_2_example() -> None:
    # GUM 5.2.2 NOTE 1: ten 1000 Ω resistors, each calibrated against the same 1000 Ω standard with
    # u(R_i) = 100 mΩ, r(R_i, R_j) = +1. Their series sum R_ref = 10 kΩ has u_c = Σ u(R_i) = 1 Ω,
    # not the √10 · 0.1 = 0.32 Ω of independent resistors.
    names = [f"r{i}" for i in range(10)]
    inputs = {n: Input.normal(1000, "0.1") for n in names}
    correlations = {(a, b): 1.0 for i, a in enumerate(names) for b in names[i + 1 :]}

    def series(**r: Any) -> Any:
        return sum(r.values())

    result = evaluate(series, inputs, correlations=correlations)
    assert result.value == pytest.approx(10_000)
    assert result.standard_uncertainty == pytest.approx(1.0)
    independent = evaluate(series, inputs)
    assert independent.standard_uncertainty == pytest.approx(math.sqrt(10) * 0.1)


def test_two_inputs_r_plus_one_and_minus_one() -> None:
    inputs = {"a": Input.normal(1, "0.3"), "b": Input.normal(2, "0.4")}
    plus = evaluate(lambda a, b: a + b, inputs, correlations={("a", "b"): 1.0})
    assert plus.standard_uncertainty == pytest.approx(0.7)  # u1 + u2
    # Key order within the pair does not matter; r = −1 makes the sum's uncertainty |u1 − u2|.
    minus = evaluate(lambda a, b: a + b, inputs, correlations={("b", "a"): -1.0})
    assert minus.standard_uncertainty == pytest.approx(0.1)
    half = evaluate(lambda a, b: a - b, inputs, correlations={("a", "b"): 0.5})
    assert half.standard_uncertainty == pytest.approx(math.sqrt(0.09 + 0.16 - 2 * 0.5 * 0.3 * 0.4))


def test_correlated_finite_dof_inputs_share_their_dof() -> None:
    inputs = {"a": Input.normal(1, "0.3", 10), "b": Input.normal(2, "0.4", 10), "c": Input.normal(0, "0.1", 5)}
    result = evaluate(lambda a, b, c: a + b + c, inputs, correlations={("a", "b"): 1.0})
    assert result.standard_uncertainty == pytest.approx(math.sqrt(0.7**2 + 0.1**2))
    # The ensemble (a, b) counts as one component with ν = 10 (Willink 2007, as GTC implements it).
    assert result.dof == pytest.approx(0.5**2 / (0.49**2 / 10 + 0.01**2 / 5))
    with pytest.raises(ValueError, match="degrees of freedom"):
        evaluate(lambda a, b, c: a + b + c, inputs, correlations={("a", "c"): 0.5})


@pytest.mark.parametrize(
    "correlations",
    [
        {("a", "zz"): 0.5},
        {("a", "a"): 0.5},
        {("a", "b"): 1.5},
        {("a", "b"): 0.5, ("b", "a"): 0.4},
    ],
)
def test_bad_correlations(correlations: dict[tuple[str, str], float]) -> None:
    inputs = {"a": Input.normal(1, "0.3"), "b": Input.normal(2, "0.4")}
    with pytest.raises(ValueError):
        evaluate(lambda a, b: a + b, inputs, correlations=correlations)


# --- Type A and Type B inputs (GUM 4.2, 4.3) -----------------------------------------------------------------


def test_type_a_from_readings() -> None:
    # q̄ = 10.2; Σ(q_k − q̄)² = 0.01 + 0.01 + 0 + 0.04 + 0.04 = 0.10; s² = 0.025; u = √(0.025/5) = √0.005.
    item = Input.type_a(["10.1", "10.3", "10.2", "10.4", "10.0"])
    assert item.value == pytest.approx(10.2, abs=1e-12)
    assert item.standard_uncertainty == pytest.approx(math.sqrt(0.005), rel=1e-12)
    assert item.dof == 4
    assert item.distribution == "student_t"


def test_type_a_has_no_cancellation_for_large_offsets() -> None:
    item = Input.type_a([1e9 + 1, 1e9 + 2, 1e9 + 3])
    assert item.value == 1e9 + 2
    assert item.standard_uncertainty == pytest.approx(1 / math.sqrt(3))


def test_type_a_feeds_welch_satterthwaite() -> None:
    result = evaluate(lambda q: q, {"q": Input.type_a([1, 2, 3, 4])})
    assert result.dof == 3
    assert result.coverage_factor == pytest.approx(3.182, abs=5e-4)  # GUM Table G.2, ν = 3


def test_type_b_divisors() -> None:
    assert Input.rectangular(0, 3).standard_uncertainty == pytest.approx(math.sqrt(3))
    assert Input.triangular(0, 6).standard_uncertainty == pytest.approx(math.sqrt(6))
    assert Input.arcsine(0, 2).standard_uncertainty == pytest.approx(math.sqrt(2))
    normal = Input.normal(Decimal("1.5"), "0.2", 7, label="thermometer")
    assert (normal.value, normal.standard_uncertainty, normal.dof, normal.distribution, normal.label) == (
        1.5,
        0.2,
        7,
        "normal",
        "thermometer",
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: Input.normal(True, 1),
        lambda: Input.normal(float("nan"), 1),
        lambda: Input.normal(1, float("inf")),
        lambda: Input.normal("abc", 1),
        lambda: Input.normal(1, -1),
        lambda: Input.normal(1, 1, 0.5),
        lambda: Input.rectangular(1, -1),
        lambda: Input.type_a([1]),
        lambda: Input(1.0, 1.0, math.inf, "cauchy"),  # type: ignore[arg-type]
    ],
)
def test_input_validation(make: Any) -> None:
    with pytest.raises(ValueError):
        make()


def test_input_is_frozen() -> None:
    item = Input.normal(1, 1)
    with pytest.raises(AttributeError):
        item.value = 2  # type: ignore[misc]


# --- Edge cases ------------------------------------------------------------------------------------------------


def test_exact_inputs_keep_their_sensitivity() -> None:
    # An input with u = 0 is a constant for GTC; the budget still shows its sensitivity coefficient.
    result = evaluate(lambda x, k: k * x, {"x": Input.normal(2, "0.1", 10), "k": Input.normal(3, 0)})
    assert result.standard_uncertainty == pytest.approx(0.3)
    assert result.dof == pytest.approx(10)
    budget = {c.name: c for c in result.contributions}
    assert budget["k"].sensitivity == pytest.approx(2)
    assert budget["k"].contribution == 0


def test_model_returning_a_constant() -> None:
    result = evaluate(lambda x: 5.0, {"x": Input.normal(1, 1)})
    assert (result.value, result.standard_uncertainty, result.expanded_uncertainty) == (5.0, 0.0, 0.0)
    assert math.isinf(result.dof)


def test_model_signature_must_match_inputs() -> None:
    with pytest.raises(ValueError, match="unknown inputs"):
        evaluate(lambda a: a, {"a": Input.normal(1, 1), "b": Input.normal(1, 1)})
    with pytest.raises(ValueError, match="missing inputs"):
        evaluate(lambda a, b: a, {"a": Input.normal(1, 1)})
    with pytest.raises(ValueError):
        evaluate(lambda: 1, {})


def test_coverage_factor_truncates_dof() -> None:
    # GUM G.6.4: ν_eff = 16.75 is looked up as 16, never rounded up to 17.
    assert coverage_factor(16.99) == coverage_factor(16)
    assert coverage_factor(1.5) == pytest.approx(12.706, abs=5e-4)
    assert coverage_factor(math.inf, 0.99) == pytest.approx(2.576, abs=5e-4)
    with pytest.raises(ValueError):
        coverage_factor(0.5)
    with pytest.raises(ValueError):
        coverage_factor(10, 1.0)


# --- Monte Carlo (JCGM 101) ------------------------------------------------------------------------------------


def test_monte_carlo_agrees_with_gum_for_a_linear_model() -> None:
    # Linear model: the GUM is exact for the mean and u; the output is a convolution of a Gaussian, a
    # rectangular and a triangular distribution with infinite dof.
    inputs = {"a": Input.normal(1, 1), "b": Input.rectangular(2, math.sqrt(3)), "c": Input.triangular(0, 1)}

    def model(a: Any, b: Any, c: Any) -> Any:
        return a + 2 * b - c

    gum = evaluate(model, inputs)
    mc = monte_carlo(model, inputs, trials=200_000, seed=1)
    assert mc.trials == 200_000
    # Standard error of the mean is u/√M ≈ 0.005, of the standard deviation ≈ u/√(2M) ≈ 0.004.
    assert mc.value == pytest.approx(gum.value, abs=0.03)
    assert mc.standard_uncertainty == pytest.approx(gum.standard_uncertainty, rel=0.01)
    low, high = mc.coverage_interval
    # The output is dominated by the rectangular input, so its 95 % interval is narrower than ±1.96·u.
    assert gum.value - 1.96 * gum.standard_uncertainty < low < gum.value - gum.standard_uncertainty
    assert gum.value + gum.standard_uncertainty < high < gum.value + 1.96 * gum.standard_uncertainty


def test_monte_carlo_gaussian_interval() -> None:
    # A linear model of Gaussian inputs has a Gaussian output: the 95 % interval is y ± 1.960·u_c.
    inputs = {"a": Input.normal(1, 1), "b": Input.normal(2, "0.5")}
    gum = evaluate(lambda a, b: a - 2 * b, inputs)
    mc = monte_carlo(lambda a, b: a - 2 * b, inputs, trials=200_000, seed=2)
    low, high = mc.coverage_interval
    assert low == pytest.approx(gum.value - gum.expanded_uncertainty, abs=0.03)
    assert high == pytest.approx(gum.value + gum.expanded_uncertainty, abs=0.03)


def test_monte_carlo_correlated_and_reproducible() -> None:
    inputs = {"a": Input.normal(1, "0.3"), "b": Input.normal(2, "0.4")}
    first = monte_carlo(lambda a, b: a + b, inputs, correlations={("a", "b"): 1.0}, trials=50_000, seed=7)
    again = monte_carlo(lambda a, b: a + b, inputs, correlations={("a", "b"): 1.0}, trials=50_000, seed=7)
    assert first == again
    assert first.standard_uncertainty == pytest.approx(0.7, rel=0.02)
    with pytest.raises(ValueError, match="normal"):
        monte_carlo(
            lambda a, b: a + b,
            {"a": Input.normal(1, 1), "b": Input.rectangular(1, 1)},
            correlations={("a", "b"): 0.5},
        )


def test_monte_carlo_arcsine_and_student_t() -> None:
    # Arcsine samples stay within ±a and have standard deviation a/√2.
    mc = monte_carlo(lambda x: x, {"x": Input.arcsine(0, 2)}, trials=100_000, seed=3)
    assert mc.standard_uncertainty == pytest.approx(math.sqrt(2), rel=0.01)
    assert -2 <= mc.coverage_interval[0] < mc.coverage_interval[1] <= 2
    # JCGM 101 6.4.9: a Type A input with ν = n − 1 is a t distribution scaled by s/√n, whose standard
    # deviation is u·√(ν/(ν − 2)): for ν = 4, u·√2.
    item = Input.type_a([1, 2, 3, 4, 5])
    mc_t = monte_carlo(lambda q: q, {"q": item}, trials=400_000, seed=4)
    assert mc_t.value == pytest.approx(3, abs=0.01)
    # The 95 % interval is the t interval: x̄ ± t_0.975(4)·u.
    half = stats.t.ppf(0.975, 4) * item.standard_uncertainty
    assert mc_t.coverage_interval[0] == pytest.approx(3 - half, abs=0.03)
    assert mc_t.coverage_interval[1] == pytest.approx(3 + half, abs=0.03)


def test_monte_carlo_validation() -> None:
    inputs = {"x": Input.normal(0, 1)}
    with pytest.raises(ValueError):
        monte_carlo(lambda x: x, inputs, trials=10)  # too few for a 95 % interval
    with pytest.raises(ValueError):
        monte_carlo(lambda x: x[:5], inputs, trials=100)
    with pytest.raises(ValueError), np.errstate(invalid="ignore"):
        monte_carlo(lambda x: log(x - 10), inputs, trials=100, seed=1)
    constant = monte_carlo(lambda x: 2.0, inputs, trials=100)
    assert constant.standard_uncertainty == 0.0


@given(
    u1=st.floats(0.01, 10),
    u2=st.floats(0.01, 10),
    c1=st.floats(-5, 5),
    c2=st.floats(-5, 5),
    r=st.floats(-1, 1),
)
def test_linear_combination_matches_the_law_of_propagation(
    u1: float, u2: float, c1: float, c2: float, r: float
) -> None:
    # GUM eq. (16): u² = c1²u1² + c2²u2² + 2c1c2·r·u1u2.
    inputs = {"a": Input.normal(1, u1), "b": Input.normal(2, u2)}
    result = evaluate(lambda a, b: c1 * a + c2 * b, inputs, correlations={("a", "b"): r})
    variance = max(0.0, (c1 * u1) ** 2 + (c2 * u2) ** 2 + 2 * c1 * c2 * r * u1 * u2)
    assert result.standard_uncertainty == pytest.approx(math.sqrt(variance), rel=1e-6, abs=1e-6)
    assert result.expanded_uncertainty >= 0


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failures == 0
