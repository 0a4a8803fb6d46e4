"""lims.evaluation: from a typed value to a reported result, with exact values (no database)."""

import dataclasses
from decimal import Decimal

import pytest
from django.utils import translation

from tichub.lims.evaluation import Range, ResultRefused, Rules, evaluate, expanded_uncertainty, ranges_of

D = Decimal
# Lead in sugar as the shared world sets it up: mg/kg, 3 decimals, LOD 0.005, LOQ 0.020, U 10 % relative, ≤ 0.5.
LEAD = Rules(
    unit="mg/kg",
    places=3,
    lod=D("0.005"),
    loq=D("0.020"),
    uncertainty_kind="relative",
    uncertainty_value=D("10"),
    upper=D("0.5"),
    decision_rule="non_binary",
)


def refusal(raw, unit="", rules=LEAD):
    with pytest.raises(ResultRefused) as caught:
        evaluate(raw, unit, rules)
    return caught.value.field, caught.value.message


def summary(result):
    return (
        result.raw_value,
        result.raw_unit,
        result.value,
        result.reported,
        result.uncertainty,
        result.text_zh,
        result.text_en,
        result.decision,
    )


# --- conversion ---------------------------------------------------------------------------------------------------


def test_micrograms_per_kilogram_are_converted_to_the_tests_milligrams_per_kilogram():
    result = evaluate("480", "µg/kg", LEAD)
    assert summary(result) == (
        "480",
        "µg/kg",
        D("0.480"),
        D("0.480"),
        D("0.048"),
        "0.480",
        "0.480",
        "conditional_pass",
    )
    # Spelled with the Greek mu or "ug": the same unit.
    assert evaluate("480", "μg/kg", LEAD).value == D("0.480")
    assert evaluate("480", "ug/kg", LEAD).value == D("0.480")


def test_the_tests_own_unit_and_an_empty_unit_are_not_converted():
    assert summary(evaluate(" 0.4805 ", "", LEAD)) == (
        "0.4805",
        "mg/kg",
        D("0.4805"),
        D("0.480"),
        D("0.048"),
        "0.480",
        "0.480",
        "conditional_pass",
    )
    assert evaluate("4.8E-1", "mg/kg", LEAD).value == D("0.48")


# --- LOD and LOQ --------------------------------------------------------------------------------------------------


def test_below_the_lod_is_not_detected_in_both_languages():
    result = evaluate("0.003", "mg/kg", LEAD)
    assert summary(result) == (
        "0.003",
        "mg/kg",
        D("0.003"),
        None,
        D("0.00030"),
        "未检出 (<0.005)",
        "not detected (<0.005)",
        "pass",
    )
    assert result.below_lod is True


def test_between_lod_and_loq_is_below_the_loq_in_both_languages():
    result = evaluate("0.010", "mg/kg", LEAD)
    assert (result.reported, result.text_zh, result.text_en, result.below_lod) == (None, "<0.020", "<0.020", False)


def test_the_limits_themselves_are_detected_and_quantified():
    at_lod = evaluate("0.005", "", LEAD)
    assert (at_lod.reported, at_lod.text_zh) == (None, "<0.020")  # detected, not quantified
    at_loq = evaluate("0.020", "", LEAD)
    assert (at_loq.reported, at_loq.text_zh, at_loq.text_en) == (D("0.020"), "0.020", "0.020")


def test_the_lod_is_compared_after_conversion():
    # 4 µg/kg = 0.004 mg/kg < 0.005 mg/kg.
    assert evaluate("4", "µg/kg", LEAD).text_en == "not detected (<0.005)"


# --- uncertainty --------------------------------------------------------------------------------------------------


def test_relative_uncertainty_is_a_percentage_of_the_value():
    assert expanded_uncertainty(D("0.48"), LEAD) == D("0.048")
    assert evaluate("0.1234", "", LEAD).uncertainty == D("0.012")  # 0.01234 to two significant digits


def test_absolute_uncertainty_is_the_methods_value():
    rules = Rules(unit="mg/kg", places=3, uncertainty_kind="absolute", uncertainty_value=D("0.002"))
    assert expanded_uncertainty(D("0.3"), rules) == D("0.002")
    assert evaluate("0.3", "", rules).uncertainty == D("0.0020")


def test_range_table_uncertainty_by_concentration_with_the_last_line_closed():
    table = ranges_of(
        [{"from": "0", "to": "1", "value": "0.05"}, {"from": "1", "to": "10", "value": "5", "relative": True}]
    )
    assert table == (
        Range(D("0"), D("1"), D("0.05"), False),
        Range(D("1"), D("10"), D("5"), True),
    )
    rules = Rules(unit="mg/kg", places=2, uncertainty_kind="ranges", uncertainty_ranges=table)
    assert [evaluate(v, "", rules).uncertainty for v in ("0.5", "1", "4", "10", "11")] == [
        D("0.050"),  # first line, absolute
        D("0.050"),  # 1 opens the second line: 5 % of 1
        D("0.20"),
        D("0.50"),  # the last line includes its upper end
        None,  # outside the table: no uncertainty
    ]


def test_no_uncertainty_when_the_method_reports_none():
    rules = Rules(unit="mg/kg", places=3)
    assert (expanded_uncertainty(D("1"), rules), evaluate("1", "", rules).uncertainty) == (None, None)


# --- rounding -----------------------------------------------------------------------------------------------------


def test_rounding_to_the_methods_places_is_gbt8170_half_even_on_the_written_digits():
    rules = Rules(unit="mg/kg", places=2)
    assert [evaluate(v, "", rules).reported for v in ("2.675", "2.665", "2.6651", "0.125", "3")] == [
        D("2.68"),
        D("2.66"),
        D("2.67"),
        D("0.12"),
        D("3.00"),
    ]


def test_rounding_to_the_uncertainty_gum_7_2_6_example():
    rules = Rules(unit="g", round_to_uncertainty=True, uncertainty_kind="absolute", uncertainty_value=D("0.027"))
    result = evaluate("10.05762", "g", rules)
    assert (result.value, result.reported, result.uncertainty, result.text_zh, result.text_en) == (
        D("10.05762"),
        D("10.058"),
        D("0.027"),
        "10.058",
        "10.058",
    )
    assert result.decision == "none"


def test_without_places_the_value_is_reported_as_written():
    result = evaluate("12.250", "", Rules(unit="mg/kg"))
    assert (result.reported, result.text_zh) == (D("12.250"), "12.250")


# --- decisions ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decision"),
    [
        ("0.44", "pass"),
        ("0.45", "pass"),  # x + U = 0.5: still inside the tolerance
        ("0.48", "conditional_pass"),
        ("0.5", "conditional_pass"),  # on the limit
        ("0.53", "conditional_fail"),
        ("0.55", "conditional_fail"),  # x − U = 0.5: still touches the tolerance
        ("0.56", "fail"),
    ],
)
def test_non_binary_rule_around_an_upper_limit_with_u_0_05(value, decision):
    rules = Rules(unit="mg/kg", upper=D("0.5"), uncertainty_kind="absolute", uncertainty_value=D("0.05"))
    rules = dataclasses.replace(rules, decision_rule="non_binary")
    assert evaluate(value, "", rules).decision == decision


def test_simple_acceptance_ignores_the_uncertainty():
    rules = Rules(unit="mg/kg", upper=D("0.5"), decision_rule="simple")
    assert [evaluate(v, "", rules).decision for v in ("0.5", "0.5001")] == ["pass", "fail"]


def test_guarded_acceptance_subtracts_u_from_the_limit():
    rules = Rules(
        unit="mg/kg", upper=D("0.5"), uncertainty_kind="absolute", uncertainty_value=D("0.05"), decision_rule="guarded"
    )
    assert [evaluate(v, "", rules).decision for v in ("0.45", "0.46", "0.5")] == ["pass", "fail", "fail"]


def test_lower_limit_and_no_limit_and_rule_none():
    lower = Rules(unit="%", lower=D("99.6"), decision_rule="simple")
    assert [evaluate(v, "", lower).decision for v in ("99.6", "99.59")] == ["pass", "fail"]
    assert evaluate("5", "", Rules(unit="mg/kg", decision_rule="simple")).decision == "none"
    assert evaluate("5", "", Rules(unit="mg/kg", upper=D("0.5"), decision_rule="none")).decision == "none"


def test_decision_uses_the_unrounded_value():
    rules = Rules(unit="mg/kg", places=1, upper=D("0.5"), decision_rule="simple")
    result = evaluate("0.504", "", rules)
    assert (result.reported, result.decision) == (D("0.5"), "fail")


def test_guarded_and_non_binary_rules_refuse_a_result_without_uncertainty():
    for rule, name in (("guarded", "带保护带的二元判定"), ("non_binary", "带保护带的非二元判定")):
        field, message = refusal("0.4", rules=Rules(unit="mg/kg", upper=D("0.5"), decision_rule=rule))
        assert field == "uncertainty"
        assert message == (
            f"约定的判定规则（判定规则：{name}（ILAC-G8:09/2019 {'4.2.2' if rule == 'guarded' else '4.2.3'}），"
            "保护带 w = 1 × U）需要测量不确定度：请在方法设置中给出本项目的扩展不确定度。"
        )


# --- refusals -----------------------------------------------------------------------------------------------------


def test_negative_concentration_is_refused():
    assert refusal("-0.01") == ("value", "结果 -0.01 为负值：本项目（浓度、含量等）的结果不能小于零。")
    assert refusal("-10", "µg/kg") == ("value", "结果 -10 为负值：本项目（浓度、含量等）的结果不能小于零。")


def test_negative_allowed_where_the_method_says_so():
    rules = Rules(unit="°C", non_negative=False)
    assert evaluate("-18.5", "", rules).value == D("-18.5")


def test_non_numeric_text_is_refused_with_the_rule():
    assert refusal("abc") == (
        "value",
        "“abc”不是数值：请输入数字，可带正负号、小数点和指数（如 12.25、-0.036、1.2E-3）。",
    )
    assert refusal("0.5 mg/kg") == (
        "value",
        "“0.5 mg/kg”不是数值：请输入数字，可带正负号、小数点和指数（如 12.25、-0.036、1.2E-3）。",
    )
    assert refusal("   ") == ("value", "请填写结果。")


def test_decimal_comma_is_refused_with_its_own_message():
    assert refusal("0,48") == ("value", "“0,48”不是数值：小数点请用“.”，不要用逗号或千位分隔符。")
    assert refusal("1,234.5") == ("value", "“1,234.5”不是数值：小数点请用“.”，不要用逗号或千位分隔符。")


def test_a_number_that_is_not_text_is_refused():
    assert refusal(0.48) == ("value", '结果须以文本形式的数字提交，如 "12.5"。')


def test_unknown_unit_and_wrong_dimension_are_refused():
    assert refusal("1", "bananas") == ("unit", "未知单位“bananas”。")
    assert refusal("1", "mg/L") == ("unit", "单位“mg/L”与本项目的单位“mg/kg”量纲不同，不能换算。")


def test_the_displays_do_not_depend_on_the_active_language():
    with translation.override("en"):
        result = evaluate("0.003", "", LEAD)
    assert (result.text_zh, result.text_en) == ("未检出 (<0.005)", "not detected (<0.005)")
