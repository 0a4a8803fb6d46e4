"""Measurement uncertainty after JCGM 100:2008 (the GUM), with a JCGM 101:2008 Monte Carlo check.

The law of propagation of uncertainty (GUM 5.1.2, 5.2.2) is not re-implemented here: the model is evaluated
with GTC (the GUM Tree Calculator, Measurement Standards Laboratory of New Zealand) uncertain numbers, which
carry the first-order sensitivity coefficients through every arithmetic operation. This module only

* turns the usual Type A / Type B statements into standard uncertainties (GUM 4.2, 4.3),
* declares correlations (GUM 5.2) in the way GTC needs them,
* reads back the combined standard uncertainty, the Welch-Satterthwaite effective degrees of freedom
  (GUM G.4.1), the coverage factor (GUM G.6.4) and an uncertainty budget.

A model is a plain Python function whose parameter names are the input names::

    def model(l_s, d, alpha_s, theta):
        return l_s + d - l_s * alpha_s * theta

It is called once with GTC uncertain numbers, so it may only use arithmetic operators and functions that
understand those numbers: :func:`sqrt`, :func:`exp`, :func:`log`, :func:`sin`, :func:`cos` from this module (or
``GTC.sqrt`` etc.), never :mod:`math`, which would raise ``TypeError``.
"""

from __future__ import annotations

import inspect
import math
import numbers
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import GTC
import numpy as np
from scipy import stats

from .numbers import Number, to_float

__all__ = [
    "Contribution",
    "Distribution",
    "Input",
    "MonteCarloResult",
    "Result",
    "cos",
    "coverage_factor",
    "evaluate",
    "exp",
    "log",
    "monte_carlo",
    "sin",
    "sqrt",
]

Distribution = Literal["normal", "rectangular", "triangular", "arcsine", "student_t"]
_DISTRIBUTIONS: frozenset[str] = frozenset({"normal", "rectangular", "triangular", "arcsine", "student_t"})


def _to_dof(x: Number) -> float:
    """Degrees of freedom: a real number >= 1, or infinity (an exactly known standard uncertainty).

    GTC refuses fewer than one degree of freedom, and so does the Student t coverage factor of GUM G.6.4.
    """
    if isinstance(x, float | Decimal) and math.isinf(x) and x > 0:
        return math.inf
    if isinstance(x, str) and x.strip().lower() in {"inf", "infinity", "+inf", "∞"}:
        return math.inf
    dof = to_float(x)
    if dof < 1:
        raise ValueError(f"degrees of freedom must be >= 1 or infinite, got {x!r}")
    return dof


@dataclass(frozen=True)
class Input:
    """One input quantity X_i of a measurement model: its estimate x_i, u(x_i) and degrees of freedom ν_i.

    Build it with the named constructors, which apply the GUM's divisors; the distribution is recorded
    for the budget table and for :func:`monte_carlo` (JCGM 101 6.4), the GUM itself only needs ``u``.
    """

    value: float
    standard_uncertainty: float
    dof: float = math.inf
    distribution: Distribution = "normal"
    label: str = ""

    def __post_init__(self) -> None:
        # Normalise here (not only in the constructors) so that Input(Decimal("1.2"), "0.1") is also checked.
        object.__setattr__(self, "value", to_float(self.value))
        u = to_float(self.standard_uncertainty)
        if u < 0:
            raise ValueError(f"a standard uncertainty cannot be negative, got {u}")
        object.__setattr__(self, "standard_uncertainty", u)
        object.__setattr__(self, "dof", _to_dof(self.dof))
        if self.distribution not in _DISTRIBUTIONS:
            raise ValueError(f"unknown distribution {self.distribution!r}")

    @classmethod
    def normal(cls, value: Number, u: Number, dof: Number = math.inf, label: str = "") -> Input:
        """Type B input given directly as a standard uncertainty, e.g. U/k from a certificate (GUM 4.3.3)."""
        return cls(to_float(value), to_float(u), _to_dof(dof), "normal", label)

    @classmethod
    def rectangular(cls, value: Number, half_width: Number, dof: Number = math.inf, label: str = "") -> Input:
        """Type B input known only to lie in value ± a: u = a/√3 (GUM 4.3.7, JCGM 101 6.4.2)."""
        return cls(to_float(value), _half_width(half_width) / math.sqrt(3), _to_dof(dof), "rectangular", label)

    @classmethod
    def triangular(cls, value: Number, half_width: Number, dof: Number = math.inf, label: str = "") -> Input:
        """Type B input with values near the centre more likely than near the limits: u = a/√6 (GUM 4.3.9)."""
        return cls(to_float(value), _half_width(half_width) / math.sqrt(6), _to_dof(dof), "triangular", label)

    @classmethod
    def arcsine(cls, value: Number, half_width: Number, dof: Number = math.inf, label: str = "") -> Input:
        """Type B input for a sinusoidal (U-shaped) variation of amplitude a: u = a/√2.

        Used in GUM H.1.3.4 for the cyclic temperature variation Δ; the distribution is JCGM 101 6.4.6.
        """
        return cls(to_float(value), _half_width(half_width) / math.sqrt(2), _to_dof(dof), "arcsine", label)

    @classmethod
    def type_a(cls, readings: Iterable[Number], label: str = "") -> Input:
        """Type A evaluation from n independent repeated readings (GUM 4.2.1, 4.2.2, 4.2.3, G.3.3).

        Estimate: the arithmetic mean q̄; standard uncertainty: s(q̄) = s(q_k)/√n with the n − 1 experimental
        standard deviation; degrees of freedom ν = n − 1. The Monte Carlo counterpart is a scaled and
        shifted Student t distribution (JCGM 101 6.4.9), hence the ``"student_t"`` distribution.
        """
        values = [to_float(r) for r in readings]
        if len(values) < 2:
            raise ValueError("a Type A evaluation needs at least two readings")
        # statistics.fmean/stdev work on exact fractions internally: no cancellation for large offsets.
        mean = statistics.fmean(values)
        u = statistics.stdev(values) / math.sqrt(len(values))
        return cls(mean, u, float(len(values) - 1), "student_t", label)


def _half_width(a: Number) -> float:
    half_width = to_float(a)
    if half_width < 0:
        raise ValueError(f"a half-width cannot be negative, got {half_width}")
    return half_width


@dataclass(frozen=True)
class Contribution:
    """One row of an uncertainty budget (GUM 8, Table H.1): c_i, u(x_i), |c_i|·u(x_i) and ν_i."""

    name: str
    sensitivity: float
    standard_uncertainty: float
    contribution: float
    dof: float


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`evaluate`: y, u_c(y), ν_eff, k, U = k·u_c and the budget, all unrounded.

    Rounding for a report (GUM 7.2.6) is the job of :mod:`tichub.science.rounding`, not of this class.
    """

    value: float
    standard_uncertainty: float
    dof: float
    coverage_factor: float
    expanded_uncertainty: float
    contributions: list[Contribution] = field(default_factory=list)
    coverage_probability: float = 0.95


def coverage_factor(dof: float, coverage_probability: float = 0.95) -> float:
    """Coverage factor k_p = t_p(ν) for an effective dof ν (GUM G.6.4, Table G.2).

    GUM G.6.4 truncates ν_eff to the next lower integer before looking up t; we do the same (never below one
    degree of freedom). For ν = ∞ it is the normal quantile (1.960 for p = 95 %, 2.576 for p = 99 %).
    """
    if not 0 < coverage_probability < 1:
        raise ValueError(f"coverage probability must lie in (0, 1), got {coverage_probability}")
    tail = (1 + coverage_probability) / 2  # two-sided interval: p = 95 % uses the 97.5 % quantile
    if math.isinf(dof):
        return float(stats.norm.ppf(tail))
    if math.isnan(dof) or dof < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {dof}")
    return float(stats.t.ppf(tail, max(1, math.floor(dof))))


def _check_model(model: Callable[..., Any], names: list[str]) -> None:
    # Fail early with a clear message: a misspelt input name would otherwise surface as a TypeError from
    # deep inside the caller's model.
    try:
        signature = inspect.signature(model)
    except (TypeError, ValueError):  # builtins without a signature: let the call itself decide
        return
    params = signature.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = {
        n
        for n, p in params.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    unknown = [n for n in names if n not in accepted]
    required = [
        n
        for n, p in params.items()
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    missing = [n for n in required if n not in names]
    if unknown or missing:
        raise ValueError(f"model parameters and inputs differ: unknown inputs {unknown}, missing inputs {missing}")


def _correlation_pairs(
    correlations: Mapping[tuple[str, str], float] | None, inputs: Mapping[str, Input]
) -> dict[tuple[str, str], float]:
    """Validate r(x_i, x_j) (GUM 5.2.2) and key each pair in input order, so (a, b) and (b, a) are one pair."""
    order = {name: i for i, name in enumerate(inputs)}
    pairs: dict[tuple[str, str], float] = {}
    for key, value in (correlations or {}).items():
        if len(key) != 2:
            raise ValueError(f"a correlation is keyed by a pair of input names, got {key!r}")
        a, b = key
        if a not in order or b not in order:
            raise ValueError(f"correlation {key!r} names an unknown input")
        if a == b:
            raise ValueError(f"an input cannot be correlated with itself: {key!r}")
        r = to_float(value)
        if not -1.0 <= r <= 1.0:
            raise ValueError(f"a correlation coefficient lies in [-1, 1], got {r} for {key!r}")
        pair = (a, b) if order[a] < order[b] else (b, a)
        if pair in pairs and pairs[pair] != r:
            raise ValueError(f"correlation between {a!r} and {b!r} given twice with different values")
        pairs[pair] = r
    return {pair: r for pair, r in pairs.items() if r != 0.0}


def _groups(names: list[str], pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of correlated inputs (union-find), each in input order."""
    parent = {n: n for n in names}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in pairs:
        parent[root(a)] = root(b)
    grouped: dict[str, list[str]] = {}
    for n in names:
        grouped.setdefault(root(n), []).append(n)
    return [g for g in grouped.values() if len(g) > 1]


def _uncertain_inputs(
    inputs: Mapping[str, Input], pairs: Mapping[tuple[str, str], float], unit_for_zero: bool = False
) -> dict[str, Any]:
    """Create one GTC elementary uncertain number per input, declaring correlations where given.

    GTC only allows correlation between inputs that are declared dependent; for finite degrees of freedom
    they must also form an *ensemble* with a common ν (Willink, Metrologia 44 (2007) 340), the only case in
    which a Welch-Satterthwaite effective dof remains defined. The GUM's own G.4.1 assumes independent
    inputs, so correlated inputs with different ν are refused rather than given a meaningless ν_eff.
    """
    names = list(inputs)

    def u_of(name: str) -> float:
        u = inputs[name].standard_uncertainty
        # GTC turns u = 0 into a constant and reports a zero sensitivity; the second pass of evaluate()
        # gives such inputs a unit uncertainty only to read off c_i.
        return 1.0 if unit_for_zero and u == 0 else u

    result: dict[str, Any] = {}
    for group in _groups(names, pairs):
        dofs = {inputs[n].dof for n in group}
        if len(dofs) != 1:
            raise ValueError(
                f"correlated inputs {group} have different degrees of freedom {sorted(dofs)}: the Welch-Satterthwaite"
                " formula (GUM G.4.1) is not defined for them; give them a common dof"
            )
        members = GTC.multiple_ureal([inputs[n].value for n in group], [u_of(n) for n in group], dofs.pop(), group)
        result.update(zip(group, members, strict=True))
    for (a, b), r in pairs.items():
        GTC.set_correlation(r, result[a], result[b])
    for n in names:
        if n not in result:
            item = inputs[n]
            result[n] = GTC.ureal(item.value, u_of(n), item.dof, label=n)
    return {n: result[n] for n in names}


def evaluate(
    model: Callable[..., Any],
    inputs: Mapping[str, Input],
    *,
    correlations: Mapping[tuple[str, str], float] | None = None,
    coverage_probability: float = 0.95,
) -> Result:
    """Evaluate y = f(x_1, …, x_N) and its uncertainty by the law of propagation (GUM 5.1.2, 5.2.2, G.4, G.6).

    * ``model`` is called with keyword arguments named like ``inputs``, each a GTC uncertain real.
    * ``correlations`` maps pairs of input names to r(x_i, x_j) (GUM 5.2.2); order within a pair is free.
    * ``dof`` is ν_eff by Welch-Satterthwaite (GUM G.4.1, eq. G.2b), ∞ when every ν_i is ∞; when the
      combined uncertainty is exactly zero, ν_eff is undefined and reported as ∞ (then U = 0 anyway).
    * ``coverage_factor`` is t_p(⌊ν_eff⌋) (GUM G.6.4); ``expanded_uncertainty`` = k·u_c, unrounded.
    * ``contributions`` lists, in input order, c_i = ∂f/∂x_i, u(x_i), |c_i|·u(x_i) and ν_i (GUM 5.1.3).

    The propagation is first order (GUM 5.1.2); for strongly non-linear models compare with
    :func:`monte_carlo` (JCGM 101 8), as GUM H.1.7 does for the second-order terms of the gauge block model.
    """
    names = list(inputs)
    if not names:
        raise ValueError("a measurement model needs at least one input")
    for name, item in inputs.items():
        if not isinstance(item, Input):
            raise TypeError(f"input {name!r} must be an Input, got {type(item).__name__}")
    _check_model(model, names)
    pairs = _correlation_pairs(correlations, inputs)
    uncertain = _uncertain_inputs(inputs, pairs)
    y = model(**uncertain)

    if isinstance(y, GTC.lib.UncertainReal):
        value, u_c, dof = float(y.x), float(y.u), float(y.df)
    elif isinstance(y, numbers.Real) and not isinstance(y, bool):
        # The model ignores its inputs: an exactly known constant.
        value, u_c, dof = float(y), 0.0, math.inf
    else:
        raise TypeError(f"the model must return a real number, got {type(y).__name__}")
    if u_c == 0.0 or math.isnan(dof):
        # GTC reports ν_eff = NaN for u_c = 0 (G.2b divides by u_c^4); U is zero whatever k is.
        dof = math.inf

    sensitivities = {n: _sensitivity(y, uncertain[n]) for n in names}
    if any(inputs[n].standard_uncertainty == 0 for n in names):
        # Second pass only to recover ∂f/∂x_i of the exactly known inputs (see _uncertain_inputs).
        unit_inputs = _uncertain_inputs(inputs, pairs, unit_for_zero=True)
        y_unit = model(**unit_inputs)
        for n in names:
            if inputs[n].standard_uncertainty == 0:
                sensitivities[n] = _sensitivity(y_unit, unit_inputs[n])

    contributions = [
        Contribution(
            name=n,
            sensitivity=sensitivities[n],
            standard_uncertainty=inputs[n].standard_uncertainty,
            contribution=abs(sensitivities[n]) * inputs[n].standard_uncertainty,
            dof=inputs[n].dof,
        )
        for n in names
    ]
    k = coverage_factor(dof, coverage_probability)
    return Result(
        value=value,
        standard_uncertainty=u_c,
        dof=dof,
        coverage_factor=k,
        expanded_uncertainty=k * u_c,
        contributions=contributions,
        coverage_probability=coverage_probability,
    )


def _sensitivity(y: Any, x: Any) -> float:
    """c_i = ∂y/∂x_i as GTC propagated it (GUM 5.1.3); a constant model output has no sensitivity."""
    if isinstance(y, GTC.lib.UncertainReal):
        return float(GTC.rp.sensitivity(y, x))
    return 0.0


# --- Functions usable inside a model ---------------------------------------------------------------------
# The same model function serves evaluate() (GTC uncertain numbers, scalar floats) and monte_carlo()
# (NumPy arrays of trials). math.sqrt accepts neither uncertain numbers nor arrays, so these dispatch.


def sqrt(x: Any) -> Any:
    """Square root of a float, a GTC uncertain number (propagating u) or a NumPy array of Monte Carlo trials."""
    return np.sqrt(x) if isinstance(x, np.ndarray) else GTC.sqrt(x)


def exp(x: Any) -> Any:
    """Exponential of a float, a GTC uncertain number or a NumPy array (see :func:`sqrt`)."""
    return np.exp(x) if isinstance(x, np.ndarray) else GTC.exp(x)


def log(x: Any) -> Any:
    """Natural logarithm of a float, a GTC uncertain number or a NumPy array (see :func:`sqrt`)."""
    return np.log(x) if isinstance(x, np.ndarray) else GTC.log(x)


def sin(x: Any) -> Any:
    """Sine (radians) of a float, a GTC uncertain number or a NumPy array (see :func:`sqrt`)."""
    return np.sin(x) if isinstance(x, np.ndarray) else GTC.sin(x)


def cos(x: Any) -> Any:
    """Cosine (radians) of a float, a GTC uncertain number or a NumPy array (see :func:`sqrt`)."""
    return np.cos(x) if isinstance(x, np.ndarray) else GTC.cos(x)


# --- JCGM 101 Monte Carlo -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonteCarloResult:
    """Outcome of :func:`monte_carlo` (JCGM 101 7.6, 7.7): estimate, standard uncertainty, coverage interval."""

    value: float
    standard_uncertainty: float
    coverage_interval: tuple[float, float]
    coverage_probability: float
    trials: int


def _draw(item: Input, rng: np.random.Generator, trials: int) -> np.ndarray:
    """Sample one input from the PDF JCGM 101 6.4 assigns to it, scaled to its standard uncertainty."""
    x, u = item.value, item.standard_uncertainty
    if item.distribution == "rectangular":  # JCGM 101 6.4.2.4: X = a + (b − a) r
        a = u * math.sqrt(3)
        return rng.uniform(x - a, x + a, trials)
    if item.distribution == "triangular":  # JCGM 101 6.4.5.4: X = a + (b − a)(r1 + r2)/2
        a = u * math.sqrt(6)
        return x + a * (rng.random(trials) + rng.random(trials) - 1.0)
    if item.distribution == "arcsine":  # JCGM 101 6.4.6.4: X = (a + b)/2 + (b − a)/2 · sin(2π r)
        a = u * math.sqrt(2)
        return x + a * np.sin(2 * math.pi * rng.random(trials))
    if item.distribution == "student_t" and math.isfinite(item.dof):
        # JCGM 101 6.4.9.7: X = x̄ + (s/√n)·t_ν, i.e. scaled by u itself (so its variance exceeds u² when ν is small).
        return x + u * rng.standard_t(item.dof, trials)
    # Gaussian (JCGM 101 6.4.7). A ν on a Type B normal input expresses how well u is known (GUM G.4.2);
    # JCGM 101 has no counterpart for it, so the Gaussian is sampled as such.
    return x + u * rng.standard_normal(trials)


def _coverage_interval(samples: np.ndarray, p: float) -> tuple[float, float]:
    """Probabilistically symmetric coverage interval from the sorted model values (JCGM 101 7.7.1)."""
    m = samples.size
    ordered = np.sort(samples)
    q = int(p * m) if float(p * m).is_integer() else int(p * m + 0.5)
    r = (m - q) // 2 if (m - q) % 2 == 0 else (m - q + 1) // 2
    if r < 1 or r + q > m:
        raise ValueError(f"{m} trials are too few for a {p:.0%} coverage interval")
    # JCGM 101 indexes from 1: [y_(r), y_(r+q)].
    return float(ordered[r - 1]), float(ordered[r + q - 1])


def monte_carlo(
    model: Callable[..., Any],
    inputs: Mapping[str, Input],
    *,
    correlations: Mapping[tuple[str, str], float] | None = None,
    trials: int = 10**5,
    seed: int | None = None,
    coverage_probability: float = 0.95,
) -> MonteCarloResult:
    """Propagate distributions by the Monte Carlo method of JCGM 101:2008 (clause 7).

    The model is called once, with one NumPy array of ``trials`` draws per input, so it must be written with
    operators and the functions of this module (:func:`sqrt` etc.), exactly as for :func:`evaluate`.
    Inputs are sampled per :func:`_draw` (JCGM 101 6.4). Correlations are supported between ``"normal"``
    inputs only, as a multivariate Gaussian (JCGM 101 6.4.8); other correlated pairs raise ``ValueError``.

    JCGM 101 7.2.2 suggests M ≥ 10⁴/(1 − p) trials; pass ``seed`` for a reproducible run.
    Returns the mean and standard deviation of the model values (7.6) and the probabilistically symmetric
    coverage interval (7.7.1).
    """
    names = list(inputs)
    if not names:
        raise ValueError("a measurement model needs at least one input")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 2:
        raise ValueError(f"trials must be an integer >= 2, got {trials!r}")
    if not 0 < coverage_probability < 1:
        raise ValueError(f"coverage probability must lie in (0, 1), got {coverage_probability}")
    _check_model(model, names)
    pairs = _correlation_pairs(correlations, inputs)
    rng = np.random.default_rng(seed)

    draws: dict[str, np.ndarray] = {}
    for group in _groups(names, pairs):
        if any(inputs[n].distribution != "normal" for n in group):
            raise ValueError(f"correlated inputs {group} must all be 'normal' for the Monte Carlo method")
        u = np.array([inputs[n].standard_uncertainty for n in group])
        corr = np.eye(len(group))
        for (a, b), r in pairs.items():
            if a in group:
                i, j = group.index(a), group.index(b)
                corr[i, j] = corr[j, i] = r
        if np.linalg.eigvalsh(corr).min() < -1e-12:
            raise ValueError(f"the correlation matrix of {group} is not positive semi-definite")
        # eigh, not Cholesky: r = ±1 gives a singular (semi-definite) matrix, which is legitimate.
        sample = rng.multivariate_normal(
            [inputs[n].value for n in group], corr * np.outer(u, u), size=trials, method="eigh"
        )
        for i, n in enumerate(group):
            draws[n] = sample[:, i]
    for n in names:
        if n not in draws:
            draws[n] = _draw(inputs[n], rng, trials)

    y = np.asarray(model(**{n: draws[n] for n in names}), dtype=float)
    if y.shape == ():
        y = np.full(trials, float(y))
    if y.shape != (trials,):
        raise ValueError(f"the model returned shape {y.shape}, expected ({trials},)")
    if not np.all(np.isfinite(y)):
        raise ValueError("the model returned non-finite values for some trials")
    return MonteCarloResult(
        value=float(np.mean(y)),
        standard_uncertainty=float(np.std(y, ddof=1)),
        coverage_interval=_coverage_interval(y, coverage_probability),
        coverage_probability=coverage_probability,
        trials=trials,
    )
