"""Shewhart control charts (ISO 7870-2), run rules (Western Electric, Nelson) and process capability.

* Control limit factors A2, A3, B3, B4, D3, D4, d2, c4 for subgroup sizes 2 to 25 (ISO 7870-2, Table 2;
  the same values as ASTM STP 15D and Montgomery, *Introduction to Statistical Quality Control*, App. VI).
* Variables charts: X̄–R, X̄–s, individuals and moving range (I–MR).
* Attributes charts: p, np, c, u.
* Run rules: the Western Electric rules 1-4 (Western Electric Statistical Quality Control Handbook, 1956)
  and the eight Nelson rules (L. S. Nelson, J. Quality Technology 16 (1984) 237).
* Capability (Cp, Cpk) and performance (Pp, Ppk) indices (ISO 22514-2 / ISO 22514-4 definitions).

Everything is computed in floating point from ``Decimal``, ``str``, ``int`` or ``float`` inputs.
"""

from __future__ import annotations

import itertools
import math
import operator
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .numbers import Number, to_float

__all__ = [
    "Capability",
    "Chart",
    "ChartPair",
    "Constants",
    "VariableLimitChart",
    "c_chart_limits",
    "capability",
    "constants",
    "imr_limits",
    "nelson",
    "np_chart_limits",
    "p_chart_limits",
    "u_chart_limits",
    "western_electric",
    "xbar_r_limits",
    "xbar_s_limits",
]


# --- Control limit factors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constants:
    """Factors for computing control chart lines for one subgroup size n (ISO 7870-2, Table 2)."""

    n: int
    A2: float  # X̄ chart limits from R̄: X̿ ± A2·R̄ (= 3/(d2·√n))
    A3: float  # X̄ chart limits from s̄: X̿ ± A3·s̄ (= 3/(c4·√n))
    B3: float  # s chart LCL = B3·s̄
    B4: float  # s chart UCL = B4·s̄
    D3: float  # R chart LCL = D3·R̄
    D4: float  # R chart UCL = D4·R̄
    d2: float  # E(R)/σ for normal data: σ̂ = R̄/d2
    c4: float  # E(s)/σ for normal data: σ̂ = s̄/c4


# n: (A2, A3, B3, B4, D3, D4, d2, c4), as printed (three decimals, c4 four). The printed D3/D4 at n = 18, 19,
# 22 and 24 come from the rounded d2 and d3 and differ by one in the last decimal from the exact values
# (e.g. exact D4(18) = 1.6087); we keep the printed table, which is what users check results against.
_TABLE: dict[int, tuple[float, float, float, float, float, float, float, float]] = {
    2: (1.880, 2.659, 0.000, 3.267, 0.000, 3.267, 1.128, 0.7979),
    3: (1.023, 1.954, 0.000, 2.568, 0.000, 2.574, 1.693, 0.8862),
    4: (0.729, 1.628, 0.000, 2.266, 0.000, 2.282, 2.059, 0.9213),
    5: (0.577, 1.427, 0.000, 2.089, 0.000, 2.114, 2.326, 0.9400),
    6: (0.483, 1.287, 0.030, 1.970, 0.000, 2.004, 2.534, 0.9515),
    7: (0.419, 1.182, 0.118, 1.882, 0.076, 1.924, 2.704, 0.9594),
    8: (0.373, 1.099, 0.185, 1.815, 0.136, 1.864, 2.847, 0.9650),
    9: (0.337, 1.032, 0.239, 1.761, 0.184, 1.816, 2.970, 0.9693),
    10: (0.308, 0.975, 0.284, 1.716, 0.223, 1.777, 3.078, 0.9727),
    11: (0.285, 0.927, 0.321, 1.679, 0.256, 1.744, 3.173, 0.9754),
    12: (0.266, 0.886, 0.354, 1.646, 0.283, 1.717, 3.258, 0.9776),
    13: (0.249, 0.850, 0.382, 1.618, 0.307, 1.693, 3.336, 0.9794),
    14: (0.235, 0.817, 0.406, 1.594, 0.328, 1.672, 3.407, 0.9810),
    15: (0.223, 0.789, 0.428, 1.572, 0.347, 1.653, 3.472, 0.9823),
    16: (0.212, 0.763, 0.448, 1.552, 0.363, 1.637, 3.532, 0.9835),
    17: (0.203, 0.739, 0.466, 1.534, 0.378, 1.622, 3.588, 0.9845),
    18: (0.194, 0.718, 0.482, 1.518, 0.391, 1.608, 3.640, 0.9854),
    19: (0.187, 0.698, 0.497, 1.503, 0.403, 1.597, 3.689, 0.9862),
    20: (0.180, 0.680, 0.510, 1.490, 0.415, 1.585, 3.735, 0.9869),
    21: (0.173, 0.663, 0.523, 1.477, 0.425, 1.575, 3.778, 0.9876),
    22: (0.167, 0.647, 0.534, 1.466, 0.434, 1.566, 3.819, 0.9882),
    23: (0.162, 0.633, 0.545, 1.455, 0.443, 1.557, 3.858, 0.9887),
    24: (0.157, 0.619, 0.555, 1.445, 0.451, 1.548, 3.895, 0.9892),
    25: (0.153, 0.606, 0.565, 1.435, 0.459, 1.541, 3.931, 0.9896),
}

# Individuals chart: X̄ ± 3·MR̄/d2(2) = X̄ ± 2.66·MR̄; moving range chart UCL = D4(2)·MR̄ = 3.267·MR̄.
_E2 = 2.66
_MR_D4 = 3.267


def constants(n: int) -> Constants:
    """Control limit factors for subgroup size ``n`` = 2..25 (ISO 7870-2, Table 2); ``ValueError`` otherwise."""
    if isinstance(n, bool) or not isinstance(n, int) or n not in _TABLE:
        raise ValueError(f"control chart factors are tabulated for subgroup sizes 2 to 25, got {n!r}")
    return Constants(n, *_TABLE[n])


# --- Chart results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A control chart with constant limits: centre line, LCL, UCL and the plotted points."""

    statistic: str  # "xbar", "R", "s", "I", "MR", "np" or "c"
    centre: float
    lcl: float
    ucl: float
    points: tuple[float, ...]

    @property
    def sigma(self) -> float:
        """σ of the plotted statistic, (UCL − centre)/3: the ``sigma`` argument for the run rules."""
        return (self.ucl - self.centre) / 3

    @property
    def out_of_limits(self) -> tuple[int, ...]:
        """Indexes of points strictly outside [LCL, UCL]."""
        return tuple(i for i, x in enumerate(self.points) if x < self.lcl or x > self.ucl)


@dataclass(frozen=True)
class VariableLimitChart:
    """A p or u chart: one LCL and UCL per subgroup, because they depend on that subgroup's size."""

    statistic: str  # "p" or "u"
    centre: float
    lcl: tuple[float, ...]
    ucl: tuple[float, ...]
    points: tuple[float, ...]

    @property
    def out_of_limits(self) -> tuple[int, ...]:
        """Indexes of points strictly outside their own [LCL, UCL]."""
        return tuple(
            i for i, (x, lo, hi) in enumerate(zip(self.points, self.lcl, self.ucl, strict=True)) if x < lo or x > hi
        )


@dataclass(frozen=True)
class ChartPair:
    """A location chart (X̄ or I) and the dispersion chart plotted under it (R, s or MR)."""

    location: Chart
    dispersion: Chart


# --- Variables charts (ISO 7870-2, control limit formulae, standard values not given) -----------------------


def _subgroups(subgroups: Iterable[Iterable[Number]]) -> tuple[list[list[float]], int]:
    groups = [[to_float(x) for x in group] for group in subgroups]
    if not groups:
        raise ValueError("at least one subgroup is needed")
    sizes = {len(g) for g in groups}
    if len(sizes) != 1:
        raise ValueError(f"all subgroups must have the same size, got sizes {sorted(sizes)}")
    return groups, sizes.pop()


def xbar_r_limits(subgroups: Iterable[Iterable[Number]]) -> ChartPair:
    """X̄ and R charts, standard values not given (ISO 7870-2).

    X̄ chart: centre X̿, limits X̿ ± A2·R̄. R chart: centre R̄, LCL = D3·R̄, UCL = D4·R̄.
    All subgroups must have the same size n, 2 ≤ n ≤ 25.
    """
    groups, n = _subgroups(subgroups)
    k = constants(n)
    means = tuple(statistics.fmean(g) for g in groups)
    ranges = tuple(max(g) - min(g) for g in groups)
    grand, r_bar = statistics.fmean(means), statistics.fmean(ranges)
    return ChartPair(
        Chart("xbar", grand, grand - k.A2 * r_bar, grand + k.A2 * r_bar, means),
        Chart("R", r_bar, k.D3 * r_bar, k.D4 * r_bar, ranges),
    )


def xbar_s_limits(subgroups: Iterable[Iterable[Number]]) -> ChartPair:
    """X̄ and s charts, standard values not given (ISO 7870-2).

    X̄ chart: centre X̿, limits X̿ ± A3·s̄. s chart (subgroup sd with divisor n − 1): centre s̄,
    LCL = B3·s̄, UCL = B4·s̄. All subgroups must have the same size n, 2 ≤ n ≤ 25.
    """
    groups, n = _subgroups(subgroups)
    k = constants(n)
    means = tuple(statistics.fmean(g) for g in groups)
    sds = tuple(statistics.stdev(g) for g in groups)
    grand, s_bar = statistics.fmean(means), statistics.fmean(sds)
    return ChartPair(
        Chart("xbar", grand, grand - k.A3 * s_bar, grand + k.A3 * s_bar, means),
        Chart("s", s_bar, k.B3 * s_bar, k.B4 * s_bar, sds),
    )


def _moving_ranges(xs: Sequence[float]) -> tuple[float, ...]:
    return tuple(abs(b - a) for a, b in itertools.pairwise(xs))


def imr_limits(values: Iterable[Number]) -> ChartPair:
    """Individuals (I) and moving range (MR) charts (ISO 7870-2, moving ranges of two consecutive values).

    I chart: centre X̄, limits X̄ ± 2.66·MR̄ (2.66 = 3/d2 with d2 = 1.128). MR chart: centre MR̄, LCL 0,
    UCL 3.267·MR̄. The MR chart has one point fewer: ``dispersion.points[i]`` is |x_(i+1) − x_i|, plotted
    against the individual value with index i + 1.
    """
    xs = [to_float(v) for v in values]
    if len(xs) < 2:
        raise ValueError("an individuals chart needs at least two values")
    ranges = _moving_ranges(xs)
    mean, mr_bar = statistics.fmean(xs), statistics.fmean(ranges)
    return ChartPair(
        Chart("I", mean, mean - _E2 * mr_bar, mean + _E2 * mr_bar, tuple(xs)),
        Chart("MR", mr_bar, 0.0, _MR_D4 * mr_bar, ranges),
    )


# --- Attributes charts (ISO 7870-2, control limit formulae for attributes) ---------------------------------


def _count(name: str, x: int) -> int:
    if isinstance(x, bool):
        raise ValueError(f"{name} must be a count, got {x!r}")
    try:
        value = operator.index(x)  # accepts int and NumPy integers, refuses 2.5 and "3"
    except TypeError as exc:
        raise ValueError(f"{name} must be an integer count, got {x!r}") from exc
    if value < 0:
        raise ValueError(f"{name} cannot be negative, got {value}")
    return value


def _defectives(defectives: Sequence[int], sample_sizes: Sequence[int]) -> tuple[list[int], list[int]]:
    d = [_count("a number of nonconforming items", x) for x in defectives]
    n = [_count("a sample size", x) for x in sample_sizes]
    if not d or len(d) != len(n):
        raise ValueError("one sample size per subgroup is needed, and at least one subgroup")
    for di, ni in zip(d, n, strict=True):
        if ni == 0:
            raise ValueError("a sample size must be positive")
        if di > ni:
            raise ValueError(f"{di} nonconforming items in a sample of {ni}")
    return d, n


def p_chart_limits(defectives: Sequence[int], sample_sizes: Sequence[int]) -> VariableLimitChart:
    """p chart of the proportion nonconforming (ISO 7870-2).

    p̄ = Σd_i/Σn_i; for subgroup i, limits p̄ ± 3√(p̄(1 − p̄)/n_i), so they vary when the sizes vary.
    A proportion lies in [0, 1], so LCL is clipped at 0 and UCL at 1.
    """
    d, n = _defectives(defectives, sample_sizes)
    p_bar = sum(d) / sum(n)
    half = [3 * math.sqrt(p_bar * (1 - p_bar) / ni) for ni in n]
    return VariableLimitChart(
        "p",
        p_bar,
        tuple(max(0.0, p_bar - h) for h in half),
        tuple(min(1.0, p_bar + h) for h in half),
        tuple(di / ni for di, ni in zip(d, n, strict=True)),
    )


def np_chart_limits(defectives: Sequence[int], sample_size: int) -> Chart:
    """np chart of the number nonconforming in samples of a constant size n (ISO 7870-2).

    Centre n·p̄, limits n·p̄ ± 3√(n·p̄(1 − p̄)), LCL clipped at 0 and UCL at n.
    """
    n_items = _count("the sample size", sample_size)
    d, _ = _defectives(defectives, [n_items] * len(defectives))
    p_bar = sum(d) / (n_items * len(d))
    centre = n_items * p_bar
    half = 3 * math.sqrt(centre * (1 - p_bar))
    return Chart("np", centre, max(0.0, centre - half), min(float(n_items), centre + half), tuple(map(float, d)))


def c_chart_limits(counts: Sequence[int]) -> Chart:
    """c chart of the number of nonconformities per equal inspection unit (ISO 7870-2).

    Centre c̄, limits c̄ ± 3√c̄, LCL clipped at 0.
    """
    c = [_count("a number of nonconformities", x) for x in counts]
    if not c:
        raise ValueError("at least one count is needed")
    c_bar = statistics.fmean(c)
    half = 3 * math.sqrt(c_bar)
    return Chart("c", c_bar, max(0.0, c_bar - half), c_bar + half, tuple(map(float, c)))


def u_chart_limits(counts: Sequence[int], sample_sizes: Sequence[Number]) -> VariableLimitChart:
    """u chart of nonconformities per unit (ISO 7870-2).

    ū = Σc_i/Σn_i; for subgroup i, limits ū ± 3√(ū/n_i), LCL clipped at 0. Sizes are numbers of inspection
    units and may be fractional (e.g. 2.5 m² of fabric).
    """
    c = [_count("a number of nonconformities", x) for x in counts]
    n = [to_float(x) for x in sample_sizes]
    if not c or len(c) != len(n):
        raise ValueError("one sample size per subgroup is needed, and at least one subgroup")
    if any(ni <= 0 for ni in n):
        raise ValueError("sample sizes must be positive")
    u_bar = sum(c) / math.fsum(n)
    half = [3 * math.sqrt(u_bar / ni) for ni in n]
    return VariableLimitChart(
        "u",
        u_bar,
        tuple(max(0.0, u_bar - h) for h in half),
        tuple(u_bar + h for h in half),
        tuple(ci / ni for ci, ni in zip(c, n, strict=True)),
    )


# --- Run rules ------------------------------------------------------------------------------------------------------
# Index convention: a rule is reported at the index of the point that completes the pattern, i.e. the last
# point of the run or window, which must itself be one of the qualifying points. That is the point at
# which a chart kept in real time would raise the signal. A long run is reported at every point from the one
# that completes it onwards (nine points on one side give indexes 7 and 8 for an eight-point rule).
# "Beyond kσ" is strict: a point exactly on a zone boundary is not beyond it. A point exactly on the centre
# line is on neither side and breaks a same-side run.


def _zones(points: Iterable[Number], centre: Number, sigma: Number) -> list[float]:
    c, s = to_float(centre), to_float(sigma)
    if s <= 0:
        raise ValueError(f"sigma must be positive, got {s}")
    return [(to_float(x) - c) / s for x in points]


def _side(z: float) -> int:
    return (z > 0) - (z < 0)


def _k_of_m_beyond(z: Sequence[float], k: int, m: int, limit: float) -> list[int]:
    """k of m successive points beyond ``limit``·σ on the same side, the last point being one of them."""
    hits = []
    for i in range(m - 1, len(z)):
        side = _side(z[i])
        if side == 0 or abs(z[i]) <= limit:
            continue
        window = z[i - m + 1 : i + 1]
        if sum(1 for x in window if _side(x) == side and abs(x) > limit) >= k:
            hits.append(i)
    return hits


def _run(z: Sequence[float], length: int, same: Callable[[Sequence[float]], bool]) -> list[int]:
    """Indexes i at which the ``length`` points ending at i satisfy ``same``."""
    return [i for i in range(length - 1, len(z)) if same(z[i - length + 1 : i + 1])]


def _same_side(window: Sequence[float]) -> bool:
    side = _side(window[0])
    return side != 0 and all(_side(x) == side for x in window)


def _beyond_three(z: Sequence[float]) -> list[int]:
    return [i for i, x in enumerate(z) if abs(x) > 3]


def western_electric(points: Iterable[Number], centre: Number, sigma: Number) -> dict[str, list[int]]:
    """Western Electric zone rules 1-4 (Statistical Quality Control Handbook, 1956).

    * ``rule_1``: one point beyond 3σ (either side);
    * ``rule_2``: 2 of 3 successive points beyond 2σ, on the same side;
    * ``rule_3``: 4 of 5 successive points beyond 1σ, on the same side;
    * ``rule_4``: 8 successive points on the same side of the centre line.

    ``sigma`` is the standard deviation of the plotted statistic (``Chart.sigma``). Each rule maps to the
    indexes of the points that complete a triggering pattern (see the index convention above).
    """
    z = _zones(points, centre, sigma)
    return {
        "rule_1": _beyond_three(z),
        "rule_2": _k_of_m_beyond(z, 2, 3, 2.0),
        "rule_3": _k_of_m_beyond(z, 4, 5, 1.0),
        "rule_4": _run(z, 8, _same_side),
    }


def _monotone(window: Sequence[float]) -> bool:
    steps = [b - a for a, b in itertools.pairwise(window)]
    return all(s > 0 for s in steps) or all(s < 0 for s in steps)


def _alternating(window: Sequence[float]) -> bool:
    steps = [b - a for a, b in itertools.pairwise(window)]
    return all(s != 0 for s in steps) and all((a > 0) != (b > 0) for a, b in itertools.pairwise(steps))


def nelson(points: Iterable[Number], centre: Number, sigma: Number) -> dict[str, list[int]]:
    """The eight Nelson rules (L. S. Nelson, J. Quality Technology 16 (1984) 237).

    * ``rule_1``: one point beyond 3σ;
    * ``rule_2``: nine points in a row on the same side of the centre line;
    * ``rule_3``: six points in a row steadily increasing or steadily decreasing (ties break the trend);
    * ``rule_4``: fourteen points in a row alternating up and down;
    * ``rule_5``: two of three points in a row beyond 2σ on the same side;
    * ``rule_6``: four of five points in a row beyond 1σ on the same side;
    * ``rule_7``: fifteen points in a row within 1σ of the centre line (either side, strictly within);
    * ``rule_8``: eight points in a row beyond 1σ, on either side (none within 1σ).

    Same conventions as :func:`western_electric`.
    """
    z = _zones(points, centre, sigma)
    return {
        "rule_1": _beyond_three(z),
        "rule_2": _run(z, 9, _same_side),
        "rule_3": _run(z, 6, _monotone),
        "rule_4": _run(z, 14, _alternating),
        "rule_5": _k_of_m_beyond(z, 2, 3, 2.0),
        "rule_6": _k_of_m_beyond(z, 4, 5, 1.0),
        "rule_7": _run(z, 15, lambda w: all(abs(x) < 1 for x in w)),
        "rule_8": _run(z, 8, lambda w: all(abs(x) > 1 for x in w)),
    }


# --- Capability -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capability:
    """Capability (within-subgroup σ) and performance (overall σ) indices; ``None`` where a limit is missing."""

    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float
    pp: float | None
    ppk: float


def capability(
    values: Iterable[Number],
    lsl: Number | None = None,
    usl: Number | None = None,
    *,
    subgroup_size: int = 1,
) -> Capability:
    """Process capability Cp, Cpk and performance Pp, Ppk (ISO 22514-2 definitions).

    * σ_within: MR̄/d2(2) = MR̄/1.128 for individual values (``subgroup_size=1``), or R̄/d2(n) for the values
      read as consecutive subgroups of ``subgroup_size`` (2..25; the count must be a multiple of it).
    * σ_overall: the sample standard deviation of all values (divisor N − 1).
    * Cp = (USL − LSL)/(6σ_within), Cpk = min(USL − x̄, x̄ − LSL)/(3σ_within); Pp, Ppk the same with σ_overall.
    * One-sided specification: only the one-sided index exists, so ``cp`` and ``pp`` are ``None`` and
      ``cpk``/``ppk`` are CPU = (USL − x̄)/(3σ) or CPL = (x̄ − LSL)/(3σ).

    The indices assume a stable, roughly normal process; check the control chart first.
    """
    xs = [to_float(v) for v in values]
    low = None if lsl is None else to_float(lsl)
    high = None if usl is None else to_float(usl)
    if low is None and high is None:
        raise ValueError("at least one specification limit is needed")
    if low is not None and high is not None and low >= high:
        raise ValueError(f"LSL must be below USL, got {low} and {high}")
    if isinstance(subgroup_size, bool) or not isinstance(subgroup_size, int) or subgroup_size < 1:
        raise ValueError(f"subgroup_size must be a positive integer, got {subgroup_size!r}")
    if len(xs) < 2:
        raise ValueError("at least two values are needed")

    if subgroup_size == 1:
        sigma_within = statistics.fmean(_moving_ranges(xs)) / constants(2).d2
    else:
        if len(xs) % subgroup_size:
            raise ValueError(f"{len(xs)} values do not split into subgroups of {subgroup_size}")
        k = constants(subgroup_size)
        groups = [xs[i : i + subgroup_size] for i in range(0, len(xs), subgroup_size)]
        sigma_within = statistics.fmean(max(g) - min(g) for g in groups) / k.d2
    sigma_overall = statistics.stdev(xs)
    if sigma_within == 0 or sigma_overall == 0:
        raise ValueError("the values show no variation: capability indices are undefined")
    mean = statistics.fmean(xs)

    def indices(sigma: float) -> tuple[float | None, float]:
        sides = []
        if high is not None:
            sides.append((high - mean) / (3 * sigma))
        if low is not None:
            sides.append((mean - low) / (3 * sigma))
        spread = None if low is None or high is None else (high - low) / (6 * sigma)
        return spread, min(sides)

    cp, cpk = indices(sigma_within)
    pp, ppk = indices(sigma_overall)
    return Capability(mean, sigma_within, sigma_overall, cp, cpk, pp, ppk)
