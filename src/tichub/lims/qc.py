"""Acceptance checks of quality-control measurements on a worksheet (ISO/IEC 17025 7.7.1 b, c, e).

No database here: each check takes decimal text (or `Decimal`) and returns a `QcOutcome`, accepted or rejected,
with an explanation that shows the numbers, in Chinese and in English (a QC record is read like a raw record, in
both languages whatever the interface language). Input that cannot be judged raises `QcRefused` naming the field.

* blank (空白): accepted when its value is below the method's limit of detection, or below an explicit limit
  when one is given; a blank at the limit is a detection, hence rejected;
* duplicate (平行样): accepted when |a − b| ≤ tolerance; the tolerance is absolute ("0.02") or, written with %
  ("10%"), relative to the mean of the two values;
* reference material (标准物质): accepted when |value − certified| ≤ tolerance, absolute or % of the certified
  value.

Comparisons are exact on the written digits (no rounding, no binary floats); a difference equal to the tolerance
is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tichub.science.rounding import to_decimal

from .choices import QcKind

Number = str | Decimal


class QcRefused(ValueError):
    """Input a QC check cannot judge; `field` is the input at fault, `message` says why for people."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Tolerance:
    value: Decimal
    relative: bool  # a percentage

    def allowed(self, base: Decimal) -> Decimal:
        """The largest accepted difference: the value itself, or its percentage of |base|."""
        return abs(base) * self.value / 100 if self.relative else self.value


@dataclass(frozen=True)
class QcOutcome:
    accepted: bool
    text_zh: str
    text_en: str

    @property
    def text(self) -> str:
        """The explanation in the active language (Chinese unless English is active)."""
        return self.text_en if (get_language() or "").startswith("en") else self.text_zh


def _plain(number: Decimal) -> str:
    """Positional notation, never an exponent ("0.0000001", not "1E-7")."""
    return format(number, "f")


def _computed(number: Decimal) -> str:
    """A derived number without the trailing zeros of its arithmetic (0.04750 → 0.0475)."""
    return _plain(number.normalize()) if number else "0"


def _verdict(accepted: bool) -> tuple[str, str]:
    return ("合格", "accepted") if accepted else ("不合格", "rejected")


def parse_number(raw: object, field: str, *, label: str) -> Decimal:
    """Decimal text as typed, or QcRefused naming the field."""
    if isinstance(raw, Decimal):
        return to_decimal(raw)
    if not isinstance(raw, str):
        raise QcRefused(field, _("%(label)s须以文本形式的数字提交，如 “0.012”。") % {"label": label})
    if not raw.strip():
        raise QcRefused(field, _("请填写%(label)s。") % {"label": label})
    try:
        return to_decimal(raw)
    except ValueError:
        raise QcRefused(
            field,
            _("%(label)s “%(raw)s” 不是数值：请输入数字，可带正负号、小数点和指数（如 0.012、1.2E-3）。")
            % {"label": label, "raw": raw},
        ) from None


def _positive(raw: object, field: str, *, label: str) -> Decimal:
    number = parse_number(raw, field, label=label)
    if number <= 0:
        raise QcRefused(field, _("%(label)s须大于零（现为 %(value)s）。") % {"label": label, "value": _plain(number)})
    return number


def parse_tolerance(raw: object, field: str = "tolerance") -> Tolerance:
    """An absolute tolerance ("0.02") or a relative one ("10%"), greater than zero."""
    label = _("允许差")
    if isinstance(raw, str) and raw.strip().endswith("%"):
        number = raw.strip()[:-1].strip()
        if not number:
            raise QcRefused(field, _("允许差 “%(raw)s” 缺少百分数，应写作如 “10%%”。") % {"raw": raw})
        return Tolerance(_positive(number, field, label=label), relative=True)
    return Tolerance(_positive(raw, field, label=label), relative=False)


def _given(raw: object) -> bool:
    return raw is not None and not (isinstance(raw, str) and not raw.strip())


def check_blank(value: Number, *, lod: Number | None = None, limit: Number | None = None) -> QcOutcome:
    """A blank: accepted when below `limit` if given, else below the method's `lod` (7.7.1 b)."""
    measured = parse_number(value, "value", label=_("空白结果"))
    if _given(limit):
        bound = _positive(limit, "expected", label=_("空白限值"))
        names = ("限值", "limit")
    elif _given(lod):
        bound = _positive(lod, "lod", label=_("检出限"))
        names = ("检出限", "LOD")
    else:
        raise QcRefused("expected", _("空白无从判定：方法没有检出限，请为空白填写限值。"))
    accepted = measured < bound
    sign = "<" if accepted else "≥"
    zh, en = _verdict(accepted)
    return QcOutcome(
        accepted,
        f"空白 {_plain(measured)} {sign} {names[0]} {_plain(bound)}：{zh}",
        f"blank {_plain(measured)} {sign} {names[1]} {_plain(bound)}: {en}",
    )


def check_duplicate(value: Number, partner: Number | None, *, tolerance: object) -> QcOutcome:
    """A duplicate of a sample's measurement: |value − partner| ≤ tolerance, a % of their mean (7.7.1 c)."""
    measured = parse_number(value, "value", label=_("平行样结果"))
    allowed_by = parse_tolerance(tolerance)
    if not _given(partner):
        raise QcRefused("partner", _("平行样对应的检测项目尚无结果：请先录入该项目的结果。"))
    original = parse_number(partner, "partner", label=_("原样结果"))
    difference = abs(measured - original)
    mean = (measured + original) / 2
    allowed = allowed_by.allowed(mean)
    accepted = difference <= allowed
    sign = "≤" if accepted else ">"
    zh, en = _verdict(accepted)
    if allowed_by.relative:
        share = _computed(allowed_by.value)
        basis_zh = f"{_computed(allowed)}（均值 {_computed(mean)} 的 {share}%）"
        basis_en = f"{_computed(allowed)} ({share}% of the mean {_computed(mean)})"
    else:
        basis_zh = basis_en = _plain(allowed)
    return QcOutcome(
        accepted,
        f"平行样 {_plain(measured)}，原样 {_plain(original)}，差 {_plain(difference)} {sign} 允许差 {basis_zh}：{zh}",
        f"duplicate {_plain(measured)}, sample {_plain(original)}, difference {_plain(difference)} {sign} "
        f"tolerance {basis_en}: {en}",
    )


def check_reference(value: Number, *, certified: Number, tolerance: object) -> QcOutcome:
    """A reference material: |value − certified| ≤ tolerance, absolute or a % of the certified value (7.7.1 e)."""
    measured = parse_number(value, "value", label=_("标准物质结果"))
    reference = parse_number(certified, "expected", label=_("标准值"))
    allowed_by = parse_tolerance(tolerance)
    deviation = abs(measured - reference)
    allowed = allowed_by.allowed(reference)
    accepted = deviation <= allowed
    sign = "≤" if accepted else ">"
    zh, en = _verdict(accepted)
    if allowed_by.relative:
        share = _computed(allowed_by.value)
        basis_zh = f"{_computed(allowed)}（标准值的 {share}%）"
        basis_en = f"{_computed(allowed)} ({share}% of the certified value)"
    else:
        basis_zh = basis_en = _plain(allowed)
    return QcOutcome(
        accepted,
        f"标准物质 {_plain(measured)}，标准值 {_plain(reference)}，"
        f"偏差 {_plain(deviation)} {sign} 允许差 {basis_zh}：{zh}",
        f"reference material {_plain(measured)}, certified {_plain(reference)}, deviation {_plain(deviation)} "
        f"{sign} tolerance {basis_en}: {en}",
    )


def check_setup(kind: str, *, expected: str, tolerance: str, lod: str = "") -> None:
    """Refuse a QC slot that could never be judged, before any value is measured.

    blank: a limit > 0, or the method's LOD, and no tolerance; duplicate: a tolerance and no expected value;
    reference: a certified value and a tolerance.
    """
    if kind == QcKind.BLANK:
        if _given(tolerance):
            raise QcRefused("tolerance", _("空白按限值判定，不需要允许差：请清空允许差。"))
        if _given(expected):
            _positive(expected, "expected", label=_("空白限值"))
        elif not _given(lod):
            raise QcRefused("expected", _("空白无从判定：方法没有检出限，请为空白填写限值。"))
    elif kind == QcKind.DUPLICATE:
        if _given(expected):
            raise QcRefused("expected", _("平行样与原样比较，不需要标准值：请清空标准值。"))
        parse_tolerance(tolerance)
    elif kind == QcKind.REFERENCE:
        parse_number(expected, "expected", label=_("标准值"))
        parse_tolerance(tolerance)
    else:
        raise QcRefused(
            "kind",
            _("未知的质控类型 “%(kind)s”：应为 blank（空白）、duplicate（平行样）或 reference（标准物质）。")
            % {"kind": kind},
        )


def check(
    kind: str, value: Number, *, expected: str = "", tolerance: str = "", lod: str = "", partner: str | None = None
) -> QcOutcome:
    """Judge one QC value by its kind (the worksheet slot's settings; `partner`: the duplicated test's value)."""
    if kind == QcKind.BLANK:
        return check_blank(value, lod=lod, limit=expected)
    if kind == QcKind.DUPLICATE:
        return check_duplicate(value, partner, tolerance=tolerance)
    if kind == QcKind.REFERENCE:
        return check_reference(value, certified=expected, tolerance=tolerance)
    raise QcRefused("kind", _("样品位置没有质控判定。"))
