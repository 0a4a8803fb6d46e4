"""Forms of the method, lab settings and signatory pages: they parse input; the services judge it."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import UncertaintyKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RANGE_ROWS_MAX = 50


class MethodForm(forms.Form):
    keyword = forms.CharField(
        label=_("代码"),
        max_length=40,
        help_text=_("公式与仪器数据导入中使用，如 pb、moisture：小写字母开头，只含小写字母、数字和下划线。"),
    )
    parameter = forms.CharField(label=_("项目/参数"), max_length=200)
    parameter_en = forms.CharField(label=_("项目/参数（英文）"), max_length=200, required=False)
    standard_code = forms.CharField(
        label=_("标准号"), max_length=80, help_text=_("带年代号的标准版本，如 GB 5009.12-2017。")
    )
    clause = forms.CharField(label=_("条款"), max_length=60, required=False)
    unit = forms.CharField(label=_("单位"), max_length=40, help_text=_("如 mg/kg、µg/L、% (m/m)、°C。"))
    places = forms.IntegerField(
        label=_("保留小数位数"),
        required=False,
        help_text=_("-6 到 12；负数表示修约到十位（-1）、百位（-2）……；留空则不修约（GB/T 8170）。"),
    )
    round_to_uncertainty = forms.BooleanField(
        label=_("按不确定度修约"), required=False, help_text=_("结果修约到与扩展不确定度（两位有效数字）相同的位数。")
    )
    lod = forms.CharField(label=_("检出限"), max_length=40, required=False, help_text=_("以方法单位表示。"))
    loq = forms.CharField(label=_("定量限"), max_length=40, required=False, help_text=_("不得小于检出限。"))
    uncertainty_kind = forms.ChoiceField(label=_("不确定度"), choices=UncertaintyKind.choices)
    uncertainty_value = forms.CharField(
        label=_("扩展不确定度"),
        max_length=40,
        required=False,
        help_text=_("绝对值以方法单位表示；相对值以 % 表示（0 到 100）。按浓度范围时填写下方的范围表。"),
    )
    coverage_factor = forms.CharField(label=_("包含因子 k"), max_length=10, initial="2")
    formula = forms.CharField(
        label=_("计算公式"),
        max_length=300,
        required=False,
        help_text=_("计算结果用：以其他方法的代码引用其结果，如 (m1 - m2) / m0 * 100。"),
    )
    non_negative = forms.BooleanField(label=_("结果不得为负"), required=False, initial=True)


class RangeRowForm(forms.Form):
    """One line of the uncertainty table: from ≤ value < to (the last line includes its upper end)."""

    low = forms.CharField(label=_("下限"), max_length=40)
    high = forms.CharField(label=_("上限"), max_length=40)
    value = forms.CharField(label=_("不确定度"), max_length=40)
    relative = forms.BooleanField(label=_("相对值（%）"), required=False)

    #: The service's names of these fields (uncertainty_ranges.<n>.<name>).
    SERVICE_NAMES = {"low": "from", "high": "to", "value": "value", "relative": "relative"}

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"from": data["low"], "to": data["high"], "value": data["value"], "relative": data["relative"]}


class RangeRows(forms.BaseFormSet):
    """Every row shown is typed anew (rows carried over after "add a row" are initial values, not saved forms);
    an empty row is left out."""

    def initial_form_count(self) -> int:
        return 0


RangeFormSet = forms.formset_factory(
    RangeRowForm, formset=RangeRows, extra=1, max_num=RANGE_ROWS_MAX, validate_max=True, absolute_max=RANGE_ROWS_MAX
)


class LabSettingsForm(forms.Form):
    review_levels = forms.TypedChoiceField(
        label=_("审核级数"),
        coerce=int,
        choices=[
            (1, _("1 级：仅批准（授权签字人批准）")),
            (2, _("2 级：审核 + 批准（审核人审核后，授权签字人批准）")),
            (3, _("3 级：两级审核 + 批准（两名审核人先后审核后，授权签字人批准）")),
        ],
        widget=forms.RadioSelect,
    )
    retention_days = forms.IntegerField(
        label=_("样品保存期（天）"), help_text=_("1 到 3650 天；收样时据此计算保存期至。")
    )


class AuthorisationGrantForm(forms.Form):
    user_id = forms.TypedChoiceField(label=_("授权签字人"), coerce=int)
    standard_code = forms.CharField(
        label=_("标准版本"),
        max_length=80,
        required=False,
        help_text=_("授权批准该标准版本的全部结果，如 GB 5009.12-2017；或在下方选择一个检测方法。"),
    )
    method_id = forms.TypedChoiceField(label=_("或检测方法"), coerce=int, required=False, empty_value=None)
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE)
    valid_until = forms.DateField(label=_("有效期至"), widget=DATE, required=False, help_text=_("留空为长期有效。"))

    def __init__(
        self,
        *args: Any,
        signatories: list[tuple[int, str]] | None = None,
        methods: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["user_id"]).choices = [("", "—"), *(signatories or [])]
        cast(forms.ChoiceField, self.fields["method_id"]).choices = [("", "—"), *(methods or [])]


class AuthorisationEndForm(forms.Form):
    valid_until = forms.DateField(label=_("有效期至"), widget=DATE, help_text=_("授权覆盖的最后一天。"))
