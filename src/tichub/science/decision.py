"""Statements of conformity under a decision rule, ILAC-G8:09/2019 clause 4.2 (with JCGM 106:2012 for the risk).

Three rules (ILAC-G8 4.2.1 to 4.2.3), each with a guard band ``w = guard_factor × U`` where ``U`` is the expanded
uncertainty of the measured value ``x`` and ``[lower, upper]`` the tolerance interval (one side may be open):

* simple acceptance (4.2.1, ``w = 0``): pass if ``x`` is within the tolerance limits, else fail; ``U`` ignored;
* binary statement with guard band (4.2.2): the acceptance limits are the tolerance limits moved inward by
  ``w``; pass if ``x`` is within the acceptance limits, else fail;
* non-binary statement with guard band (4.2.3): pass / conditional pass / conditional fail / fail, the zones
  being bounded by ``TL - w``, ``TL`` and ``TL + w``.

ILAC-G8 words the zones with "below" and "above" and leaves the boundary points open; this module decides them
(all comparisons are exact, on :class:`~decimal.Decimal` inputs):

* the tolerance interval is closed, as in JCGM 106:2012 (a value *on* a tolerance limit is within it): under
  simple acceptance ``x == upper`` passes;
* the acceptance interval is closed too: under a guard band ``x == upper - w`` passes. Equivalently, pass
  means "the interval ``[x - w, x + w]`` lies within the closed tolerance interval";
* non-binary: ``x == upper - w`` is pass, ``upper - w < x ≤ upper`` conditional pass (``x == upper`` included:
  within the limit, interval crossing it), ``upper < x ≤ upper + w`` conditional fail (``x == upper + w``
  included: its interval still touches a conforming value), ``x > upper + w`` fail ("above the tolerance limit
  added to the guard band"). Mirror images for the lower limit;
* two-sided limits whose guard bands meet or overlap (``w > 0`` and ``2w ≥ upper - lower``) leave no acceptance
  zone: a measurement this uncertain cannot demonstrate conformity, so guarded acceptance always fails and
  non-binary never passes (at best conditional pass). With ``w = 0`` both rules reduce to simple acceptance.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

from tichub.science.rounding import DecimalLike, to_decimal

__all__ = ["Decision", "DecisionRule", "decide", "false_accept_probability"]

_LANGS: Final = ("zh-hans", "en")
_KINDS: Final = ("simple", "guarded", "non_binary")


class Decision(enum.StrEnum):
    """A statement of conformity, ILAC-G8:09/2019 clause 4.2 (binary: pass/fail; non-binary: all four)."""

    PASS = "pass"  # noqa: S105 (not a password)
    CONDITIONAL_PASS = "conditional_pass"  # noqa: S105
    CONDITIONAL_FAIL = "conditional_fail"
    FAIL = "fail"


def _plain(value: Decimal) -> str:
    # 1, 1.5, 0.83 as a person writes a factor: no exponent, no trailing zeros.
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class DecisionRule:
    """A decision rule of ILAC-G8:09/2019 clause 4.2: its ``kind`` and guard band factor (``w = guard_factor × U``).

    Build it with :meth:`simple_acceptance` (4.2.1), :meth:`guarded_acceptance` (4.2.2) or :meth:`non_binary`
    (4.2.3). Usual guard factors: 0.83, 1, 1.5 and 3 (with ``k = 2``, specific false-accept risks at the acceptance
    limit of about 5 %, 2.5 %, 0.1 % and nil; see :func:`false_accept_probability`).
    """

    kind: Literal["simple", "guarded", "non_binary"]
    guard_factor: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be one of {', '.join(_KINDS)}; got {self.kind!r}")
        factor = to_decimal(self.guard_factor)
        if factor < 0:
            raise ValueError(f"guard_factor must be ≥ 0, got {self.guard_factor!r}")
        if self.kind == "simple" and factor != 0:
            raise ValueError("simple acceptance has no guard band (ILAC-G8 4.2.1: w = 0); guard_factor must be 0")
        # Frozen: store the parsed Decimal even when a str or int was passed.
        object.__setattr__(self, "guard_factor", factor)

    @classmethod
    def simple_acceptance(cls) -> DecisionRule:
        """Binary statement for simple acceptance rule, ILAC-G8:09/2019 4.2.1 (``w = 0``; shared risk)."""
        return cls("simple", Decimal(0))

    @classmethod
    def guarded_acceptance(cls, guard_factor: DecimalLike) -> DecisionRule:
        """Binary statement with guard band, ILAC-G8:09/2019 4.2.2: acceptance limit ``AL = TL ∓ guard_factor × U``."""
        return cls("guarded", to_decimal(guard_factor))

    @classmethod
    def non_binary(cls, guard_factor: DecimalLike) -> DecisionRule:
        """Non-binary statement with guard band, ILAC-G8:09/2019 4.2.3: zones bounded by ``TL ± guard_factor × U``."""
        return cls("non_binary", to_decimal(guard_factor))

    def describe(self, lang: str = "zh-hans") -> str:
        """The decision-rule statement printed on a report (ISO/IEC 17025:2017 7.8.6.2), ILAC-G8:09/2019 4.2.x.

        E.g. ``"判定规则：简单接受（ILAC-G8:09/2019 4.2.1），w = 0"`` or, for ``lang="en"``,
        ``"Decision rule: binary statement with guard band (ILAC-G8:09/2019 4.2.2), guard band w = 1 × U"``.
        """
        if lang not in _LANGS:
            raise ValueError(f"lang must be one of {', '.join(_LANGS)}; got {lang!r}")
        factor = _plain(self.guard_factor)
        if self.kind == "simple":
            if lang == "zh-hans":
                return "判定规则：简单接受（ILAC-G8:09/2019 4.2.1），w = 0"
            return "Decision rule: simple acceptance (ILAC-G8:09/2019 4.2.1), w = 0"
        clause = "4.2.2" if self.kind == "guarded" else "4.2.3"
        if lang == "zh-hans":
            name = "带保护带的二元判定" if self.kind == "guarded" else "带保护带的非二元判定"
            return f"判定规则：{name}（ILAC-G8:09/2019 {clause}），保护带 w = {factor} × U"
        name = "binary statement with guard band" if self.kind == "guarded" else "non-binary statement with guard band"
        return f"Decision rule: {name} (ILAC-G8:09/2019 {clause}), guard band w = {factor} × U"


def _limits(lower: DecimalLike | None, upper: DecimalLike | None) -> tuple[Fraction | None, Fraction | None]:
    if lower is None and upper is None:
        raise ValueError("at least one of lower, upper is required (a tolerance limit)")
    lo = None if lower is None else Fraction(to_decimal(lower))
    hi = None if upper is None else Fraction(to_decimal(upper))
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"lower ({lower!r}) must be ≤ upper ({upper!r})")
    return lo, hi


def decide(
    value: DecimalLike,
    *,
    lower: DecimalLike | None = None,
    upper: DecimalLike | None = None,
    uncertainty: DecimalLike = Decimal(0),
    rule: DecisionRule,
) -> Decision:
    """Statement of conformity of ``value`` to ``[lower, upper]`` under ``rule``, ILAC-G8:09/2019 clause 4.2.

    ``uncertainty`` is the expanded uncertainty ``U`` (``w = rule.guard_factor × U``). One-sided limits leave the
    other side ``None``. Boundary points, exactly: see the module docstring (closed tolerance and acceptance
    intervals; ``x == TL`` is conditional pass and ``x == TL + w`` conditional fail under the non-binary rule).
    """
    if not isinstance(rule, DecisionRule):
        raise TypeError(f"rule must be a DecisionRule, got {type(rule).__name__}")
    lo, hi = _limits(lower, upper)
    u = to_decimal(uncertainty)
    if u < 0:
        raise ValueError(f"uncertainty must be ≥ 0, got {uncertainty!r}")
    # Fractions: x ± w and the comparisons are exact whatever the number of digits.
    x = Fraction(to_decimal(value))
    within = (lo is None or x >= lo) and (hi is None or x <= hi)
    if rule.kind == "simple":
        # ILAC-G8 4.2.1: AL = TL; the uncertainty plays no part.
        return Decision.PASS if within else Decision.FAIL
    w = Fraction(rule.guard_factor) * Fraction(u)
    # [x - w, x + w] inside the closed tolerance interval ⇔ x inside the closed acceptance interval.
    accepted = (lo is None or x - w >= lo) and (hi is None or x + w <= hi)
    if w > 0 and lo is not None and hi is not None and 2 * w >= hi - lo:
        # Guard bands meeting or overlapping: no acceptance zone (a single point is not a zone).
        accepted = False
    if rule.kind == "guarded":
        return Decision.PASS if accepted else Decision.FAIL
    if accepted:
        return Decision.PASS
    if within:
        return Decision.CONDITIONAL_PASS
    # Outside the tolerance; conditional while the interval still reaches a conforming value (x ≤ TL + w).
    touches = (lo is None or x + w >= lo) and (hi is None or x - w <= hi)
    return Decision.CONDITIONAL_FAIL if touches else Decision.FAIL


def false_accept_probability(
    value: DecimalLike,
    *,
    lower: DecimalLike | None = None,
    upper: DecimalLike | None = None,
    standard_uncertainty: DecimalLike,
) -> float:
    """Probability that the true value lies outside ``[lower, upper]``: the specific false-accept risk.

    JCGM 106:2012 clause 9 (specific consumer's risk) as used by ILAC-G8:09/2019 clause 4: the knowledge of the
    measurand is a normal distribution centred on the measured ``value`` with standard deviation
    ``standard_uncertainty`` (``u = U / k``). 50 % on a limit (simple acceptance, worst case), about 2.3 % at
    ``TL - U`` with ``k = 2`` (guard band ``w = U``). A probability, hence a ``float`` (not a reported value).
    """
    lo, hi = _limits(lower, upper)
    u = Fraction(to_decimal(standard_uncertainty))
    if u <= 0:
        raise ValueError(f"standard_uncertainty must be > 0, got {standard_uncertainty!r}")
    x = Fraction(to_decimal(value))
    # Each tail is 1/2·erfc(d / (u√2)) with d the signed distance inside the limit; erfc keeps far tails accurate.
    p = 0.0
    if lo is not None:
        p += 0.5 * math.erfc(float((x - lo) / u) / math.sqrt(2))
    if hi is not None:
        p += 0.5 * math.erfc(float((hi - x) / u) / math.sqrt(2))
    return min(p, 1.0)
