"""ILAC-G8:09/2019 decision rules: every zone and every boundary, exactly, plus risk and properties."""

from __future__ import annotations

import doctest
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tichub.science.decision import Decision, DecisionRule, decide, false_accept_probability

P, CP, CF, F = Decision.PASS, Decision.CONDITIONAL_PASS, Decision.CONDITIONAL_FAIL, Decision.FAIL
SEVERITY = {P: 0, CP: 1, CF: 2, F: 3}

SIMPLE = DecisionRule.simple_acceptance()
GUARDED = DecisionRule.guarded_acceptance(Decimal(1))
NON_BINARY = DecisionRule.non_binary(Decimal(1))

# --- the rule object ------------------------------------------------------------------------------------------------


def test_rule_attributes() -> None:
    assert (SIMPLE.kind, SIMPLE.guard_factor) == ("simple", Decimal(0))
    assert (GUARDED.kind, GUARDED.guard_factor) == ("guarded", Decimal(1))
    assert (NON_BINARY.kind, NON_BINARY.guard_factor) == ("non_binary", Decimal(1))
    assert DecisionRule.guarded_acceptance("1.5").guard_factor == Decimal("1.5")
    assert DecisionRule.guarded_acceptance("1.0") == DecisionRule.guarded_acceptance(1)


def test_rule_is_frozen() -> None:
    with pytest.raises(AttributeError):
        GUARDED.guard_factor = Decimal(2)  # type: ignore[misc]


@pytest.mark.parametrize("factory", [DecisionRule.guarded_acceptance, DecisionRule.non_binary])
def test_negative_guard_factor_refused(factory: object) -> None:
    with pytest.raises(ValueError, match="guard_factor"):
        factory(Decimal("-0.1"))  # type: ignore[operator]


def test_float_guard_factor_refused() -> None:
    with pytest.raises(TypeError):
        DecisionRule.guarded_acceptance(1.5)  # type: ignore[arg-type]


def test_bad_kind_and_simple_with_guard_band_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        DecisionRule("strict", Decimal(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="w = 0"):
        DecisionRule("simple", Decimal(1))


@pytest.mark.parametrize(
    ("rule", "lang", "expected"),
    [
        (SIMPLE, "zh-hans", "判定规则：简单接受（ILAC-G8:09/2019 4.2.1），w = 0"),
        (SIMPLE, "en", "Decision rule: simple acceptance (ILAC-G8:09/2019 4.2.1), w = 0"),
        (GUARDED, "zh-hans", "判定规则：带保护带的二元判定（ILAC-G8:09/2019 4.2.2），保护带 w = 1 × U"),
        (
            DecisionRule.guarded_acceptance("1.50"),
            "en",
            "Decision rule: binary statement with guard band (ILAC-G8:09/2019 4.2.2), guard band w = 1.5 × U",
        ),
        (
            DecisionRule.non_binary("0.83"),
            "zh-hans",
            "判定规则：带保护带的非二元判定（ILAC-G8:09/2019 4.2.3），保护带 w = 0.83 × U",
        ),
        (
            DecisionRule.non_binary(3),
            "en",
            "Decision rule: non-binary statement with guard band (ILAC-G8:09/2019 4.2.3), guard band w = 3 × U",
        ),
        (
            DecisionRule.non_binary("10"),
            "en",
            "Decision rule: non-binary statement with guard band (ILAC-G8:09/2019 4.2.3), guard band w = 10 × U",
        ),
    ],
)
def test_describe(rule: DecisionRule, lang: str, expected: str) -> None:
    assert rule.describe(lang) == expected


def test_describe_default_language_and_check() -> None:
    assert SIMPLE.describe().startswith("判定规则")
    with pytest.raises(ValueError, match="lang"):
        SIMPLE.describe("de")


def test_decision_values() -> None:
    assert [d.value for d in Decision] == ["pass", "conditional_pass", "conditional_fail", "fail"]
    assert Decision("conditional_fail") is CF


# --- table: every zone, every boundary ----------------------------------------------------------------------------
# Upper limit 10, U = 1 (w = 1 with factor 1): AL = 9, TL + w = 11.
UPPER_ONLY = [
    # value, simple, guarded(1), non_binary(1)
    ("8", P, P, P),
    ("9", P, P, P),  # exactly on the acceptance limit: accepted
    ("9.0001", P, F, CP),
    ("9.5", P, F, CP),
    ("10", P, F, CP),  # exactly on the tolerance limit: within it
    ("10.0001", F, F, CF),
    ("10.5", F, F, CF),
    ("11", F, F, CF),  # exactly on TL + w: its interval still touches the limit
    ("11.0001", F, F, F),
    ("50", F, F, F),
    ("-1000", P, P, P),
]
# Lower limit 10, mirror image.
LOWER_ONLY = [
    ("12", P, P, P),
    ("11", P, P, P),
    ("10.9999", P, F, CP),
    ("10", P, F, CP),
    ("9.9999", F, F, CF),
    ("9", F, F, CF),
    ("8.9999", F, F, F),
    ("1000", P, P, P),
]
# Two-sided [10, 20], U = 1.
TWO_SIDED = [
    ("8.9", F, F, F),
    ("9", F, F, CF),
    ("9.5", F, F, CF),
    ("10", P, F, CP),
    ("10.5", P, F, CP),
    ("11", P, P, P),
    ("15", P, P, P),
    ("19", P, P, P),
    ("19.5", P, F, CP),
    ("20", P, F, CP),
    ("20.5", F, F, CF),
    ("21", F, F, CF),
    ("21.1", F, F, F),
]


def _check(value: str, expected: tuple[Decision, Decision, Decision], **limits: str) -> None:
    got = tuple(decide(value, uncertainty="1", rule=rule, **limits) for rule in (SIMPLE, GUARDED, NON_BINARY))
    assert got == expected, value


@pytest.mark.parametrize(("value", "simple", "guarded", "non_binary"), UPPER_ONLY)
def test_upper_limit_zones(value: str, simple: Decision, guarded: Decision, non_binary: Decision) -> None:
    _check(value, (simple, guarded, non_binary), upper="10")


@pytest.mark.parametrize(("value", "simple", "guarded", "non_binary"), LOWER_ONLY)
def test_lower_limit_zones(value: str, simple: Decision, guarded: Decision, non_binary: Decision) -> None:
    _check(value, (simple, guarded, non_binary), lower="10")


@pytest.mark.parametrize(("value", "simple", "guarded", "non_binary"), TWO_SIDED)
def test_two_sided_zones(value: str, simple: Decision, guarded: Decision, non_binary: Decision) -> None:
    _check(value, (simple, guarded, non_binary), lower="10", upper="20")


@pytest.mark.parametrize("factor", ["0.83", "1.5", "3"])
def test_usual_guard_factors_place_the_acceptance_limit(factor: str) -> None:
    w = Decimal(factor) * Decimal("0.2")
    upper = Decimal(100)
    assert decide(upper - w, upper=upper, uncertainty="0.2", rule=DecisionRule.guarded_acceptance(factor)) == P
    assert (
        decide(
            upper - w + Decimal("1E-9"), upper=upper, uncertainty="0.2", rule=DecisionRule.guarded_acceptance(factor)
        )
        == F
    )
    nb = DecisionRule.non_binary(factor)
    assert decide(upper + w, upper=upper, uncertainty="0.2", rule=nb) == CF
    assert decide(upper + w + Decimal("1E-9"), upper=upper, uncertainty="0.2", rule=nb) == F


def test_overlapping_guard_bands_leave_no_acceptance_zone() -> None:
    # [10, 12] with w = 1: the zone would be the single point 11; with w = 1.5 it would be empty.
    for u in ("1", "1.5", "5"):
        for value in ("10", "10.5", "11", "11.5", "12"):
            assert decide(value, lower="10", upper="12", uncertainty=u, rule=GUARDED) == F
            assert decide(value, lower="10", upper="12", uncertainty=u, rule=NON_BINARY) == CP
    # just short of meeting: the middle passes
    assert decide("11", lower="10", upper="12", uncertainty="0.999", rule=GUARDED) == P


def test_degenerate_tolerance_interval() -> None:
    assert decide("5", lower="5", upper="5", rule=SIMPLE) == P
    assert decide("5", lower="5", upper="5", uncertainty="0", rule=GUARDED) == P
    assert decide("5", lower="5", upper="5", uncertainty="0.1", rule=GUARDED) == F
    assert decide("5", lower="5", upper="5", uncertainty="0.1", rule=NON_BINARY) == CP


def test_simple_acceptance_ignores_uncertainty() -> None:
    assert decide("10", upper="10", uncertainty="1000", rule=SIMPLE) == P


def test_inputs_are_parsed_strictly() -> None:
    assert decide(Decimal("9.5"), upper=10, uncertainty=Decimal("0.5"), rule=GUARDED) == P
    with pytest.raises(TypeError):
        decide(9.5, upper="10", rule=SIMPLE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        decide("9.5", upper=10.0, rule=SIMPLE)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        decide("9,5", upper="10", rule=SIMPLE)
    with pytest.raises(TypeError, match="DecisionRule"):
        decide("1", upper="2", rule="simple")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "lower, upper"),
        ({"lower": "2", "upper": "1"}, "lower"),
        ({"upper": "1", "uncertainty": "-0.1"}, "uncertainty"),
    ],
)
def test_argument_errors_name_the_argument(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decide("1", rule=SIMPLE, **kwargs)


# --- false_accept_probability -------------------------------------------------------------------------------------


def test_simple_acceptance_worst_case_is_one_half() -> None:
    assert false_accept_probability("10", upper="10", standard_uncertainty="0.5") == pytest.approx(0.5)
    assert false_accept_probability("10", lower="10", standard_uncertainty="0.5") == pytest.approx(0.5)


def test_guard_band_of_u_gives_2_3_percent_with_k2() -> None:
    # ILAC-G8: w = U (k = 2) at the acceptance limit: the one-sided 2σ tail, 2.275 %.
    upper, big_u = Decimal("10"), Decimal("0.4")
    p = false_accept_probability(upper - big_u, upper=upper, standard_uncertainty=big_u / 2)
    assert p == pytest.approx(0.022750131948, rel=1e-9)


@pytest.mark.parametrize(
    ("factor", "expected"),
    [("0.83", 0.0484572), ("1", 0.0227501), ("1.5", 0.0013499), ("3", 9.8659e-10)],
)
def test_usual_guard_factors_risk(factor: str, expected: float) -> None:
    big_u = Decimal("2")
    value = Decimal(100) - Decimal(factor) * big_u
    p = false_accept_probability(value, upper="100", standard_uncertainty=big_u / 2)
    assert p == pytest.approx(expected, rel=1e-4)


def test_two_sided_probability_adds_both_tails() -> None:
    p = false_accept_probability("0", lower="-1", upper="1", standard_uncertainty="1")
    assert p == pytest.approx(math.erfc(1 / math.sqrt(2)), rel=1e-12)  # 31.73 %
    assert false_accept_probability("100", lower="-1", upper="1", standard_uncertainty="1") == 1.0


def test_probability_argument_checks() -> None:
    with pytest.raises(ValueError, match="standard_uncertainty"):
        false_accept_probability("1", upper="2", standard_uncertainty="0")
    with pytest.raises(ValueError, match="lower, upper"):
        false_accept_probability("1", standard_uncertainty="1")
    with pytest.raises(TypeError):
        false_accept_probability(1.0, upper="2", standard_uncertainty="1")  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------------------------------

numbers = st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False, allow_infinity=False)
uncertainties = st.decimals(min_value=0, max_value=50, places=3, allow_nan=False, allow_infinity=False)
factors = st.sampled_from(["0", "0.5", "0.83", "1", "1.5", "2", "3"])
kinds = st.sampled_from(["guarded", "non_binary", "simple"])


def _rule(kind: str, factor: str) -> DecisionRule:
    if kind == "simple":
        return SIMPLE
    return DecisionRule.guarded_acceptance(factor) if kind == "guarded" else DecisionRule.non_binary(factor)


@given(numbers, numbers, numbers, uncertainties, kinds, factors)
def test_moving_outward_never_improves_upper(
    a: Decimal, b: Decimal, limit: Decimal, u: Decimal, kind: str, factor: str
) -> None:
    x1, x2 = sorted((a, b))
    rule = _rule(kind, factor)
    d1 = decide(x1, upper=limit, uncertainty=u, rule=rule)
    d2 = decide(x2, upper=limit, uncertainty=u, rule=rule)
    assert SEVERITY[d1] <= SEVERITY[d2]


@given(numbers, numbers, numbers, uncertainties, kinds, factors)
def test_moving_outward_never_improves_lower(
    a: Decimal, b: Decimal, limit: Decimal, u: Decimal, kind: str, factor: str
) -> None:
    x1, x2 = sorted((a, b))
    rule = _rule(kind, factor)
    d1 = decide(x1, lower=limit, uncertainty=u, rule=rule)
    d2 = decide(x2, lower=limit, uncertainty=u, rule=rule)
    assert SEVERITY[d2] <= SEVERITY[d1]


@given(numbers, numbers, numbers, numbers, uncertainties, kinds, factors)
def test_moving_away_from_the_middle_never_improves_two_sided(
    a: Decimal, b: Decimal, l1: Decimal, l2: Decimal, u: Decimal, kind: str, factor: str
) -> None:
    lower, upper = sorted((l1, l2))
    middle = (lower + upper) / 2
    rule = _rule(kind, factor)
    # both on the same side of the middle, the farther one is never better
    near, far = sorted((a, b), key=lambda x: abs(x - middle))
    if (near - middle) * (far - middle) < 0:
        return
    d_near = decide(near, lower=lower, upper=upper, uncertainty=u, rule=rule)
    d_far = decide(far, lower=lower, upper=upper, uncertainty=u, rule=rule)
    assert SEVERITY[d_near] <= SEVERITY[d_far]


@given(numbers, st.one_of(st.none(), numbers), st.one_of(st.none(), numbers), uncertainties)
def test_zero_guard_factor_is_simple_acceptance(x: Decimal, l1: Decimal | None, l2: Decimal | None, u: Decimal) -> None:
    if l1 is None and l2 is None:
        l1 = Decimal(0)
    lower, upper = l1, l2
    if lower is not None and upper is not None and lower > upper:
        lower, upper = upper, lower
    simple = decide(x, lower=lower, upper=upper, uncertainty=u, rule=SIMPLE)
    for rule in (DecisionRule.guarded_acceptance(0), DecisionRule.non_binary(0)):
        assert decide(x, lower=lower, upper=upper, uncertainty=u, rule=rule) == simple


@given(numbers, numbers, numbers, uncertainties, factors)
def test_binary_and_non_binary_agree(x: Decimal, l1: Decimal, l2: Decimal, u: Decimal, factor: str) -> None:
    lower, upper = sorted((l1, l2))
    guarded = decide(x, lower=lower, upper=upper, uncertainty=u, rule=DecisionRule.guarded_acceptance(factor))
    non_binary = decide(x, lower=lower, upper=upper, uncertainty=u, rule=DecisionRule.non_binary(factor))
    simple = decide(x, lower=lower, upper=upper, uncertainty=u, rule=SIMPLE)
    # guarded pass ⇔ non-binary pass; within tolerance ⇔ non-binary pass or conditional pass
    assert (guarded == P) == (non_binary == P)
    assert (simple == P) == (non_binary in (P, CP))


@given(numbers, numbers, uncertainties, uncertainties, kinds, factors)
def test_more_uncertainty_only_moves_towards_the_conditional_zones(
    x: Decimal, limit: Decimal, u1: Decimal, u2: Decimal, kind: str, factor: str
) -> None:
    small, large = sorted((u1, u2))
    rule = _rule(kind, factor)
    d_small = decide(x, upper=limit, uncertainty=small, rule=rule)
    d_large = decide(x, upper=limit, uncertainty=large, rule=rule)
    # A wider guard band never crosses the tolerance limit: a pass may become conditional, a fail may become
    # conditional (its interval now reaches the limit), nothing else changes.
    allowed = {P: {P, CP, F}, CP: {CP, F}, CF: {CF}, F: {F, CF}}
    if kind == "non_binary":
        allowed = {P: {P, CP}, CP: {CP}, CF: {CF}, F: {F, CF}}
    assert d_large in allowed[d_small]


@given(numbers, numbers, st.decimals(min_value="0.001", max_value=50, places=3))
def test_probability_is_a_probability(x: Decimal, limit: Decimal, u: Decimal) -> None:
    p = false_accept_probability(x, upper=limit, standard_uncertainty=u)
    assert 0.0 <= p <= 1.0
    assert (p >= 0.5) == (x >= limit)


DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "decision.md"


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failures == 0
