"""The sample's statement of conformity from its tests' decisions (ISO/IEC 17025 7.8.6, ILAC-G8:09/2019 4.2)."""

from tichub.lims.statement import ItemDecision, sample_statement

NON_BINARY_ZH = "判定规则：带保护带的非二元判定（ILAC-G8:09/2019 4.2.3），保护带 w = 1 × U"
NON_BINARY_EN = "decision rule: non-binary statement with guard band (ILAC-G8:09/2019 4.2.3), guard band w = 1 × U"
SIMPLE_ZH = "判定规则：简单接受（ILAC-G8:09/2019 4.2.1），w = 0"


def lead(decision, has_limit=True):
    return ItemDecision("铅", "Lead", has_limit, decision)


def cadmium(decision, has_limit=True):
    return ItemDecision("镉", "Cadmium", has_limit, decision)


def moisture(decision="none"):
    return ItemDecision("水分", "", False, decision)


def test_all_pass_conforms_naming_the_rule():
    statement = sample_statement([lead("pass"), cadmium("pass"), moisture()], "simple")
    assert (statement.decision, statement.text_zh, statement.text_en) == (
        "pass",
        f"所检项目符合要求（{SIMPLE_ZH}）",
        "The items tested conform (decision rule: simple acceptance (ILAC-G8:09/2019 4.2.1), w = 0)",
    )
    assert (statement.items, statement.pending, statement.made) == ({}, (), True)


def test_conditional_pass_says_so_and_names_the_item():
    statement = sample_statement([lead("conditional_pass"), cadmium("pass")], "non_binary")
    assert statement.decision == "conditional_pass"
    assert statement.text_zh == (
        f"所检项目有条件符合要求（{NON_BINARY_ZH}）。有条件合格项目：铅（测得值在限量以内，但与限量之差小于保护带，"
        "不能以约定的置信水平确认符合，ILAC-G8:09/2019 4.2.3）。"
    )
    assert statement.text_en == (
        f"The items tested conditionally conform ({NON_BINARY_EN}). Items that conditionally pass: Lead (the "
        "measured value is within the limit by less than the guard band, so conformity is not demonstrated at the "
        "agreed level of confidence, ILAC-G8:09/2019 4.2.3)."
    )
    assert statement.items == {"conditional_pass": ("铅",)}


def test_the_worst_decides_and_every_failing_or_conditional_item_is_listed():
    items = [lead("conditional_fail"), cadmium("fail"), ItemDecision("砷", "Arsenic", True, "conditional_pass")]
    statement = sample_statement(items, "non_binary")
    assert statement.decision == "fail"
    assert statement.text_zh.startswith(
        f"所检项目不符合要求（{NON_BINARY_ZH}）。不合格项目：镉；有条件不合格项目：铅（"
    )
    assert "；有条件合格项目：砷（" in statement.text_zh
    assert statement.text_en.startswith(
        f"The items tested do not conform ({NON_BINARY_EN}). Items that fail: Cadmium; Items that conditionally fail: "
        "Lead (the measured value is beyond the limit by no more than the guard band"
    )
    assert statement.items == {"fail": ("镉",), "conditional_fail": ("铅",), "conditional_pass": ("砷",)}
    assert sample_statement([lead("conditional_fail"), cadmium("conditional_pass")], "non_binary").decision == (
        "conditional_fail"
    )


def test_no_statement_under_rule_none_or_without_limits():
    for statement in (
        sample_statement([lead("none"), cadmium("none")], "none"),
        sample_statement([moisture(), moisture()], "simple"),
        sample_statement([], "simple"),
    ):
        assert (statement.decision, statement.text_zh, statement.text_en, statement.made) == ("none", "", "", False)
    assert sample_statement([], "none").rule_zh == ""
    assert sample_statement([], "simple").rule_zh == SIMPLE_ZH


def test_items_without_a_result_leave_the_statement_provisional():
    statement = sample_statement([lead(""), cadmium("fail")], "simple")
    assert (statement.decision, statement.pending) == ("fail", ("铅",))
    statement = sample_statement([lead(""), cadmium("")], "simple")
    assert (statement.decision, statement.pending, statement.made) == ("none", ("铅", "镉"), False)


def test_an_item_without_an_english_name_is_listed_by_its_chinese_one():
    statement = sample_statement([ItemDecision("总糖", "", True, "fail")], "simple")
    assert statement.text_en.endswith("Items that fail: 总糖.")
