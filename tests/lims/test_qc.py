"""Acceptance checks of QC measurements (lims/qc.py, ISO/IEC 17025 7.7.1): exact numbers, both languages."""

from decimal import Decimal

import pytest
from django.utils import translation

from tichub.lims import qc


def outcome(result: qc.QcOutcome) -> tuple[bool, str, str]:
    return result.accepted, result.text_zh, result.text_en


# --- blank --------------------------------------------------------------------------------------------------------


def test_blank_at_or_above_the_lod_is_rejected_below_it_accepted():
    assert outcome(qc.check_blank("0.012", lod="0.005")) == (
        False,
        "空白 0.012 ≥ 检出限 0.005：不合格",
        "blank 0.012 ≥ LOD 0.005: rejected",
    )
    assert outcome(qc.check_blank("0.005", lod="0.005")) == (
        False,
        "空白 0.005 ≥ 检出限 0.005：不合格",
        "blank 0.005 ≥ LOD 0.005: rejected",
    )
    assert outcome(qc.check_blank("0.0049", lod="0.005")) == (
        True,
        "空白 0.0049 < 检出限 0.005：合格",
        "blank 0.0049 < LOD 0.005: accepted",
    )
    assert outcome(qc.check_blank("-0.001", lod="0.005"))[0] is True


def test_blank_explicit_limit_wins_over_the_lod():
    assert outcome(qc.check_blank("0.008", lod="0.005", limit="0.010")) == (
        True,
        "空白 0.008 < 限值 0.010：合格",
        "blank 0.008 < limit 0.010: accepted",
    )
    assert outcome(qc.check_blank("1.2E-3", lod="", limit="0.001")) == (
        False,
        "空白 0.0012 ≥ 限值 0.001：不合格",
        "blank 0.0012 ≥ limit 0.001: rejected",
    )


def test_blank_without_lod_or_limit_is_refused():
    with pytest.raises(qc.QcRefused) as caught:
        qc.check_blank("0.001", lod="", limit="")
    assert (caught.value.field, caught.value.message) == (
        "expected",
        "空白无从判定：方法没有检出限，请为空白填写限值。",
    )


# --- duplicate ----------------------------------------------------------------------------------------------------


def test_duplicate_absolute_tolerance_boundary_is_accepted():
    assert outcome(qc.check_duplicate("0.470", "0.480", tolerance="0.010")) == (
        True,
        "平行样 0.470，原样 0.480，差 0.010 ≤ 允许差 0.010：合格",
        "duplicate 0.470, sample 0.480, difference 0.010 ≤ tolerance 0.010: accepted",
    )
    assert outcome(qc.check_duplicate("0.469", "0.480", tolerance="0.01")) == (
        False,
        "平行样 0.469，原样 0.480，差 0.011 > 允许差 0.01：不合格",
        "duplicate 0.469, sample 0.480, difference 0.011 > tolerance 0.01: rejected",
    )


def test_duplicate_relative_tolerance_is_a_share_of_the_mean():
    # mean 0.475, 10 % of it 0.0475; difference 0.010.
    assert outcome(qc.check_duplicate("0.470", "0.480", tolerance="10%")) == (
        True,
        "平行样 0.470，原样 0.480，差 0.010 ≤ 允许差 0.0475（均值 0.475 的 10%）：合格",
        "duplicate 0.470, sample 0.480, difference 0.010 ≤ tolerance 0.0475 (10% of the mean 0.475): accepted",
    )
    # mean 0.45, 2 % of it 0.009 < 0.1 → rejected; "2 %" with a space is read alike.
    assert outcome(qc.check_duplicate("0.40", "0.50", tolerance=" 2 % ")) == (
        False,
        "平行样 0.40，原样 0.50，差 0.10 > 允许差 0.009（均值 0.45 的 2%）：不合格",
        "duplicate 0.40, sample 0.50, difference 0.10 > tolerance 0.009 (2% of the mean 0.45): rejected",
    )
    assert qc.check_duplicate("0", "0", tolerance="5%").accepted is True


def test_duplicate_needs_the_partner_value():
    with pytest.raises(qc.QcRefused) as caught:
        qc.check_duplicate("0.47", "", tolerance="0.02")
    assert (caught.value.field, caught.value.message) == (
        "partner",
        "平行样对应的检测项目尚无结果：请先录入该项目的结果。",
    )


# --- reference material -------------------------------------------------------------------------------------------


def test_reference_absolute_and_relative():
    assert outcome(qc.check_reference("0.512", certified="0.500", tolerance="0.025")) == (
        True,
        "标准物质 0.512，标准值 0.500，偏差 0.012 ≤ 允许差 0.025：合格",
        "reference material 0.512, certified 0.500, deviation 0.012 ≤ tolerance 0.025: accepted",
    )
    assert outcome(qc.check_reference("0.530", certified="0.500", tolerance="5%")) == (
        False,
        "标准物质 0.530，标准值 0.500，偏差 0.030 > 允许差 0.025（标准值的 5%）：不合格",
        "reference material 0.530, certified 0.500, deviation 0.030 > tolerance 0.025 (5% of the certified value): "
        "rejected",
    )
    assert qc.check_reference(Decimal("0.475"), certified="0.500", tolerance="5%").accepted is True
    assert qc.check_reference("0.4749", certified="0.500", tolerance="5%").accepted is False


# --- dispatch, language, refusals ---------------------------------------------------------------------------------


def test_check_dispatches_by_kind_and_text_follows_the_language():
    result = qc.check("blank", "0.012", lod="0.005")
    assert result.text == "空白 0.012 ≥ 检出限 0.005：不合格"
    with translation.override("en"):
        assert result.text == "blank 0.012 ≥ LOD 0.005: rejected"
    assert qc.check("duplicate", "1.0", tolerance="0.1", partner="1.1").accepted is True
    assert qc.check("reference", "9.9", expected="10.0", tolerance="1%").accepted is True


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda: qc.check_blank("", lod="0.005"), "value", "请填写空白结果。"),
        (
            lambda: qc.check_blank("0,012", lod="0.005"),
            "value",
            "空白结果 “0,012” 不是数值：请输入数字，可带正负号、小数点和指数（如 0.012、1.2E-3）。",
        ),
        (lambda: qc.check_blank(0.012, lod="0.005"), "value", "空白结果须以文本形式的数字提交，如 “0.012”。"),
        (lambda: qc.check_blank("0.001", limit="0"), "expected", "空白限值须大于零（现为 0）。"),
        (lambda: qc.check_duplicate("0.4", "0.5", tolerance=""), "tolerance", "请填写允许差。"),
        (lambda: qc.check_duplicate("0.4", "0.5", tolerance="%"), "tolerance",
         "允许差 “%” 缺少百分数，应写作如 “10%”。"),
        (lambda: qc.check_duplicate("0.4", "0.5", tolerance="-0.1"), "tolerance", "允许差须大于零（现为 -0.1）。"),
        (lambda: qc.check_duplicate("0.4", "0.5", tolerance="ten%"), "tolerance",
         "允许差 “ten” 不是数值：请输入数字，可带正负号、小数点和指数（如 0.012、1.2E-3）。"),
        (lambda: qc.check_reference("0.4", certified="", tolerance="0.1"), "expected", "请填写标准值。"),
        (lambda: qc.check_reference("x", certified="0.5", tolerance="0.1"), "value",
         "标准物质结果 “x” 不是数值：请输入数字，可带正负号、小数点和指数（如 0.012、1.2E-3）。"),
        (lambda: qc.check("sample", "1"), "kind", "样品位置没有质控判定。"),
    ],
)  # fmt: skip
def test_invalid_inputs_are_refused_naming_the_field(call, field, message):
    with pytest.raises(qc.QcRefused) as caught:
        call()
    assert (caught.value.field, caught.value.message) == (field, message)


@pytest.mark.parametrize(
    ("kind", "expected", "tolerance", "lod", "field", "message"),
    [
        ("blank", "", "0.1", "0.005", "tolerance", "空白按限值判定，不需要允许差：请清空允许差。"),
        ("blank", "", "", "", "expected", "空白无从判定：方法没有检出限，请为空白填写限值。"),
        ("blank", "abc", "", "0.005", "expected",
         "空白限值 “abc” 不是数值：请输入数字，可带正负号、小数点和指数（如 0.012、1.2E-3）。"),
        ("duplicate", "0.5", "10%", "", "expected", "平行样与原样比较，不需要标准值：请清空标准值。"),
        ("duplicate", "", "", "", "tolerance", "请填写允许差。"),
        ("reference", "", "0.1", "", "expected", "请填写标准值。"),
        ("reference", "0.5", "0", "", "tolerance", "允许差须大于零（现为 0）。"),
        ("control", "", "", "", "kind",
         "未知的质控类型 “control”：应为 blank（空白）、duplicate（平行样）或 reference（标准物质）。"),
    ],
)  # fmt: skip
def test_setup_refused_before_measuring(kind, expected, tolerance, lod, field, message):
    with pytest.raises(qc.QcRefused) as caught:
        qc.check_setup(kind, expected=expected, tolerance=tolerance, lod=lod)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_setup_accepted():
    qc.check_setup("blank", expected="", tolerance="", lod="0.005")
    qc.check_setup("blank", expected="0.01", tolerance="", lod="")
    qc.check_setup("duplicate", expected="", tolerance="10%")
    qc.check_setup("reference", expected="0.500", tolerance="0.025")
