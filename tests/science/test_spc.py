"""Tests for tichub.science.spc: control chart factors and limits, run rules, capability indices."""

from __future__ import annotations

import doctest
import math
import statistics
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from tichub.science.spc import (
    _TABLE,
    c_chart_limits,
    capability,
    constants,
    imr_limits,
    nelson,
    np_chart_limits,
    p_chart_limits,
    u_chart_limits,
    western_electric,
    xbar_r_limits,
    xbar_s_limits,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "spc.md"


# --- Factors ---------------------------------------------------------------------------------------------------------


def test_constants_for_n_5() -> None:
    # ISO 7870-2, Table 2, row n = 5.
    k = constants(5)
    assert (k.A2, k.A3, k.B3, k.B4, k.D3, k.D4, k.d2, k.c4) == (0.577, 1.427, 0, 2.089, 0, 2.114, 2.326, 0.9400)


@pytest.mark.parametrize(
    ("n", "a2", "d3", "d4", "d2"),
    [
        (2, 1.880, 0, 3.267, 1.128),
        (7, 0.419, 0.076, 1.924, 2.704),
        (10, 0.308, 0.223, 1.777, 3.078),
        (25, 0.153, 0.459, 1.541, 3.931),
    ],
)
def test_constants_other_rows(n: int, a2: float, d3: float, d4: float, d2: float) -> None:
    k = constants(n)
    assert (k.n, k.A2, k.D3, k.D4, k.d2) == (n, a2, d3, d4, d2)


@pytest.mark.parametrize("n", [0, 1, 26, True, 5.0])
def test_constants_outside_the_table(n: object) -> None:
    with pytest.raises(ValueError):
        constants(n)  # type: ignore[arg-type]


def _c4(n: int) -> float:
    return math.sqrt(2 / (n - 1)) * math.exp(special.gammaln(n / 2) - special.gammaln((n - 1) / 2))


def test_table_agrees_with_the_theory() -> None:
    # Every printed factor is its defining formula rounded to the printed decimals (c4: 4, others: 3), except
    # D3/D4 at n = 18, 19, 22, 24, which the classic tables derive from rounded d2, d3: one unit off at most.
    # d2 = E(R/σ) and d3 = sd(R/σ) for normal samples of n, by numerical integration of the range distribution.
    grid = np.linspace(-8, 8, 801)
    h = grid[1] - grid[0]
    cdf = stats.norm.cdf(grid)
    fx, fy = cdf[:, None], cdf[None, :]
    weight = np.triu(np.ones((grid.size, grid.size)), 1) + 0.5 * np.eye(grid.size)  # y > x, trapezoid diagonal
    assert sorted(_TABLE) == list(range(2, 26))
    for n in range(2, 26):
        k = constants(n)
        d2 = float(np.trapezoid(1 - (1 - cdf) ** n - cdf**n, grid))
        d3 = math.sqrt(2 * float(((1 - fy**n - (1 - fx) ** n + (fy - fx) ** n) * weight).sum()) * h * h - d2**2)
        c4 = _c4(n)
        exact = {
            "A2": 3 / (d2 * math.sqrt(n)),
            "A3": 3 / (c4 * math.sqrt(n)),
            "B3": max(0.0, 1 - 3 * math.sqrt(1 - c4**2) / c4),
            "B4": 1 + 3 * math.sqrt(1 - c4**2) / c4,
            "d2": d2,
        }
        for name, value in exact.items():
            assert getattr(k, name) == pytest.approx(value, abs=0.0005 + 2e-5), (n, name)
        assert k.c4 == pytest.approx(c4, abs=0.00005), n
        assert abs(k.D3 - max(0.0, 1 - 3 * d3 / d2)) <= 0.0011, n
        assert abs(k.D4 - (1 + 3 * d3 / d2)) <= 0.0011, n


# --- Variables charts --------------------------------------------------------------------------------------------

SUBGROUPS = [[10, 12, 11, 13, 9], [11, 11, 12, 10, 11], [12, 14, 13, 12, 14]]


def test_xbar_r_by_hand() -> None:
    pair = xbar_r_limits(SUBGROUPS)
    # Means 11, 11, 13; ranges 4, 2, 2: X̿ = 35/3, R̄ = 8/3; A2 = 0.577, D3 = 0, D4 = 2.114 for n = 5.
    assert pair.location.points == (11, 11, 13)
    assert pair.location.centre == pytest.approx(35 / 3)
    assert pair.location.ucl == pytest.approx(35 / 3 + 0.577 * 8 / 3)
    assert pair.location.lcl == pytest.approx(35 / 3 - 0.577 * 8 / 3)
    assert pair.dispersion.points == (4, 2, 2)
    assert pair.dispersion.centre == pytest.approx(8 / 3)
    assert pair.dispersion.lcl == 0
    assert pair.dispersion.ucl == pytest.approx(2.114 * 8 / 3)
    assert pair.location.statistic == "xbar"
    assert pair.dispersion.statistic == "R"
    assert pair.location.sigma == pytest.approx(0.577 * 8 / 3 / 3)


def test_xbar_s_by_hand() -> None:
    pair = xbar_s_limits([[Decimal(x) for x in g] for g in SUBGROUPS])
    # s = √(10/4), √(2/4), √(4/4); A3 = 1.427, B3 = 0, B4 = 2.089 for n = 5.
    s = (math.sqrt(2.5), math.sqrt(0.5), 1.0)
    s_bar = sum(s) / 3
    assert pair.dispersion.points == pytest.approx(s)
    assert pair.dispersion.centre == pytest.approx(s_bar)
    assert pair.dispersion.lcl == 0
    assert pair.dispersion.ucl == pytest.approx(2.089 * s_bar)
    assert pair.location.ucl == pytest.approx(35 / 3 + 1.427 * s_bar)
    assert pair.location.lcl == pytest.approx(35 / 3 - 1.427 * s_bar)


def test_xbar_r_with_a_positive_lower_range_limit() -> None:
    pair = xbar_r_limits([[1, 2, 3, 4, 5, 6, 7], [2, 3, 4, 5, 6, 7, 8]])
    assert pair.dispersion.lcl == pytest.approx(0.076 * 6)


def test_subgroup_validation() -> None:
    with pytest.raises(ValueError, match="same size"):
        xbar_r_limits([[1, 2], [1, 2, 3]])
    with pytest.raises(ValueError):
        xbar_r_limits([[1], [2]])
    with pytest.raises(ValueError):
        xbar_s_limits([])
    with pytest.raises(ValueError):
        xbar_r_limits([[1, float("nan")], [1, 2]])


def test_imr_by_hand() -> None:
    pair = imr_limits(["10", "12", "11", "14", "13"])
    # Moving ranges 2, 1, 3, 1: MR̄ = 1.75; X̄ = 12.
    assert pair.dispersion.points == (2, 1, 3, 1)
    assert pair.location.centre == 12
    assert pair.location.ucl == pytest.approx(12 + 2.66 * 1.75)
    assert pair.location.lcl == pytest.approx(12 - 2.66 * 1.75)
    assert (pair.dispersion.centre, pair.dispersion.lcl) == (1.75, 0)
    assert pair.dispersion.ucl == pytest.approx(3.267 * 1.75)
    assert pair.location.out_of_limits == ()
    with pytest.raises(ValueError):
        imr_limits([1])


def test_imr_lower_limit_may_be_negative() -> None:
    # Individual values can be negative; only the moving range chart is bounded by 0.
    pair = imr_limits([0, 5, 0, 5])
    assert pair.location.lcl < 0
    assert pair.location.out_of_limits == ()


# --- Attributes charts -------------------------------------------------------------------------------------------


def test_p_chart_with_varying_sizes() -> None:
    chart = p_chart_limits([2, 4, 3], [100, 200, 100])
    p_bar = 9 / 400
    assert chart.centre == pytest.approx(p_bar)
    assert chart.points == pytest.approx((0.02, 0.02, 0.03))
    half = [3 * math.sqrt(p_bar * (1 - p_bar) / n) for n in (100, 200, 100)]
    assert chart.ucl == pytest.approx(tuple(p_bar + h for h in half))
    assert chart.lcl == (0, 0, 0)  # p̄ − 3σ is negative for every subgroup: clipped at 0
    assert chart.ucl[0] != chart.ucl[1]


def test_p_chart_clips_at_one_and_flags_points() -> None:
    chart = p_chart_limits([1, 1, 0], [2, 2, 2])
    assert chart.ucl == (1.0, 1.0, 1.0)
    big = p_chart_limits([5, 5, 5, 5, 40], [100] * 5)
    assert big.lcl[0] > 0
    assert big.out_of_limits == (4,)


@pytest.mark.parametrize(
    ("defectives", "sizes"),
    [([1, 2], [10]), ([], []), ([11], [10]), ([1], [0]), ([-1], [10]), ([1.5], [10]), ([True], [10])],
)
def test_p_chart_validation(defectives: list[int], sizes: list[int]) -> None:
    with pytest.raises(ValueError):
        p_chart_limits(defectives, sizes)


def test_np_chart_by_hand() -> None:
    chart = np_chart_limits([3, 5, 4, 2], 50)
    # p̄ = 14/200 = 0.07, n·p̄ = 3.5, 3√(3.5 × 0.93) = 5.4125.
    assert chart.centre == pytest.approx(3.5)
    assert chart.ucl == pytest.approx(3.5 + 3 * math.sqrt(3.5 * 0.93))
    assert chart.lcl == 0
    assert chart.points == (3, 5, 4, 2)
    assert np_chart_limits([8, 10, 9], 10).ucl == 10  # 9 + 3√0.9 = 11.8, but never more than n


def test_c_chart_by_hand() -> None:
    chart = c_chart_limits([4, 6, 5, 9])
    assert (chart.centre, chart.lcl) == (6, 0)
    assert chart.ucl == pytest.approx(6 + 3 * math.sqrt(6))
    high = c_chart_limits([25, 25])
    assert (high.lcl, high.ucl) == (10, 40)
    with pytest.raises(ValueError):
        c_chart_limits([])


def test_u_chart_by_hand() -> None:
    chart = u_chart_limits([3, 6, 2], ["1.5", 3, 1])
    # ū = 11/5.5 = 2; limits 2 ± 3√(2/n_i).
    assert chart.centre == pytest.approx(2)
    assert chart.points == pytest.approx((2, 2, 2))
    assert chart.ucl == pytest.approx(tuple(2 + 3 * math.sqrt(2 / n) for n in (1.5, 3, 1)))
    assert chart.lcl == (0, 0, 0)
    with pytest.raises(ValueError):
        u_chart_limits([1], [0])
    with pytest.raises(ValueError):
        u_chart_limits([1, 2], [1])


# --- Run rules -----------------------------------------------------------------------------------------------------


def test_rule_1_beyond_three_sigma() -> None:
    points = [0, 3.5, 0, -3.2, 3.0]  # exactly 3σ is not beyond
    assert western_electric(points, 0, 1)["rule_1"] == [1, 3]
    assert nelson(points, 0, 1)["rule_1"] == [1, 3]


def test_rule_two_of_three_beyond_two_sigma() -> None:
    # Index 3 completes 2.5, 0.5, 2.1 (two above +2σ); index 7 completes −2.5, 2.5, −2.5 (two below −2σ).
    points = [0, 2.5, 0.5, 2.1, 0, -2.5, 2.5, -2.5]
    assert western_electric(points, 0, 1)["rule_2"] == [3, 7]
    assert nelson(points, 0, 1)["rule_5"] == [3, 7]
    # On opposite sides, or exactly on 2σ, nothing.
    assert western_electric([2.5, -2.5, 0.0, 2.5, -2.5], 0, 1)["rule_2"] == []
    assert western_electric([2.0, 2.0, 2.0], 0, 1)["rule_2"] == []


def test_rule_four_of_five_beyond_one_sigma() -> None:
    points = [1.5, 1.2, 0.3, 1.1, 1.8, 0, -1.5]
    assert western_electric(points, 0, 1)["rule_3"] == [4]
    assert nelson(points, 0, 1)["rule_6"] == [4]
    # Shifted and scaled: centre 10, σ 2 gives the same pattern.
    assert western_electric([10 + 2 * p for p in points], 10, 2)["rule_3"] == [4]


def test_we_rule_4_eight_on_one_side() -> None:
    points = [0.1] * 8 + [0.2, -0.1]
    assert western_electric(points, 0, 1)["rule_4"] == [7, 8]
    # A point exactly on the centre line breaks the run.
    assert western_electric([0.1] * 4 + [0] + [0.1] * 4, 0, 1)["rule_4"] == []
    assert western_electric([-0.1] * 8, 0, 1)["rule_4"] == [7]


def test_nelson_rule_2_nine_on_one_side() -> None:
    assert nelson([0.5] * 8, 0, 1)["rule_2"] == []
    assert nelson([0.5] * 10, 0, 1)["rule_2"] == [8, 9]
    assert western_electric([0.5] * 10, 0, 1)["rule_4"] == [7, 8, 9]


def test_nelson_rule_3_six_trending() -> None:
    up = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.5]  # the tie at the end breaks the trend
    assert nelson(up, 0, 1)["rule_3"] == [5]
    down = [2, 1.5, 1, 0.5, 0, -0.5, -1]
    assert nelson(down, 0, 1)["rule_3"] == [5, 6]
    assert nelson([0, 0.1, 0.2, 0.3, 0.4], 0, 1)["rule_3"] == []


def test_nelson_rule_4_fourteen_alternating() -> None:
    assert nelson([0, 1] * 7, 0, 1)["rule_4"] == [13]
    assert nelson([0, 1] * 7 + [0], 0, 1)["rule_4"] == [13, 14]
    assert nelson([0, 1] * 6 + [0], 0, 1)["rule_4"] == []  # thirteen points
    assert nelson([0, 1] * 3 + [1] + [0, 1] * 4, 0, 1)["rule_4"] == []  # a repeated value breaks it


def test_nelson_rule_7_fifteen_hugging_the_centre() -> None:
    points = [0.5, -0.5] * 8
    assert nelson(points, 0, 1)["rule_7"] == [14, 15]
    assert nelson([0.5] * 7 + [1.0] + [0.5] * 7, 0, 1)["rule_7"] == []  # exactly 1σ is not within


def test_nelson_rule_8_eight_avoiding_the_centre() -> None:
    points = [1.5, -1.5] * 4
    assert nelson(points, 0, 1)["rule_8"] == [7]
    assert nelson([1.5, -1.5] * 3 + [0.5, 1.5], 0, 1)["rule_8"] == []


def test_stable_series_triggers_nothing() -> None:
    points = [0.5, -0.5, 0.2, -0.3, 0.1, 0.4, -0.6, 0.3, -0.2, 0.0]
    assert all(not hits for hits in western_electric(points, 0, 1).values())
    assert all(not hits for hits in nelson(points, 0, 1).values())
    assert sorted(nelson(points, 0, 1)) == [f"rule_{i}" for i in range(1, 9)]
    assert sorted(western_electric(points, 0, 1)) == [f"rule_{i}" for i in range(1, 5)]


def test_run_rules_with_a_chart() -> None:
    pair = imr_limits([10, 10.5, 9.5, 10.2, 9.8, 10.1, 9.9, 10.0, 14])
    rules = western_electric(pair.location.points, pair.location.centre, pair.location.sigma)
    assert pair.location.out_of_limits == (8,)
    assert rules["rule_1"] == [8]


def test_run_rules_validation() -> None:
    with pytest.raises(ValueError):
        western_electric([1, 2], 0, 0)
    with pytest.raises(ValueError):
        nelson([1, 2], 0, -1)
    assert western_electric([], 0, 1)["rule_1"] == []


# --- Capability ----------------------------------------------------------------------------------------------------


def test_capability_individuals_by_hand() -> None:
    result = capability([10, 12, 11, 14, 13], lsl=5, usl=20)
    sigma_within = 1.75 / 1.128  # MR̄/d2
    sigma_overall = math.sqrt(10 / 4)
    assert result.mean == 12
    assert result.sigma_within == pytest.approx(sigma_within)
    assert result.sigma_overall == pytest.approx(sigma_overall)
    assert result.cp == pytest.approx(15 / (6 * sigma_within))
    # USL − x̄ = 8, x̄ − LSL = 7: the lower side is the nearer one.
    assert result.cpk == pytest.approx(7 / (3 * sigma_within))
    assert result.pp == pytest.approx(15 / (6 * sigma_overall))
    assert result.ppk == pytest.approx(7 / (3 * sigma_overall))


def test_capability_one_sided() -> None:
    upper = capability([10, 12, 11, 14, 13], usl="20")
    assert upper.cp is None and upper.pp is None
    assert upper.cpk == pytest.approx(8 / (3 * 1.75 / 1.128))
    lower = capability([10, 12, 11, 14, 13], lsl=Decimal(5))
    assert lower.ppk == pytest.approx(7 / (3 * math.sqrt(2.5)))


def test_capability_with_subgroups() -> None:
    values = [x for g in SUBGROUPS for x in g]
    result = capability(values, 5, 20, subgroup_size=5)
    sigma_within = (8 / 3) / 2.326  # R̄/d2(5)
    assert result.sigma_within == pytest.approx(sigma_within)
    assert result.sigma_overall == pytest.approx(statistics.stdev(values))
    assert result.cp == pytest.approx(15 / (6 * sigma_within))
    assert result.cpk == pytest.approx(min(20 - 35 / 3, 35 / 3 - 5) / (3 * sigma_within))


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"values": [1, 2, 3]},
        {"values": [1, 2, 3], "lsl": 5, "usl": 5},
        {"values": [1], "usl": 5},
        {"values": [1, 1, 1], "usl": 5},
        {"values": [1, 2, 3], "usl": 5, "subgroup_size": 2},
        {"values": [1, 2, 3], "usl": 5, "subgroup_size": 0},
    ],
)
def test_capability_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        capability(**kwargs)  # type: ignore[arg-type]


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False)
    assert attempted > 0
    assert failures == 0
