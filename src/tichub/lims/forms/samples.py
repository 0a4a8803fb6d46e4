"""Forms of the samples pages: the scan box, the receipt record, the list filters, custody, sub-samples, disposal.

They parse what a person typed; the rules (deviations, custody, retention) are the services' and come back as
field errors (core.forms.form_error).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import SampleCondition, SampleStatus

SEAL_CHOICES = [("", _("无封识")), ("yes", _("封识完好")), ("no", _("封识破损"))]


def _seal(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("标签内容或样品编号"),
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
        help_text=_("用扫码枪扫描委托方样品标签上的二维码（扫码枪会自动回车），或手工输入样品编号。"),
    )


class ReceiveForm(forms.Form):
    """What the reception records when the sample arrives (ISO/IEC 17025 7.4)."""

    condition = forms.ChoiceField(label=_("样品状态"), choices=SampleCondition.choices, initial=SampleCondition.INTACT)
    condition_note = forms.CharField(label=_("状态说明"), max_length=300, required=False)
    seal_intact = forms.TypedChoiceField(
        label=_("封识"), choices=SEAL_CHOICES, coerce=_seal, empty_value=None, required=False, initial="yes"
    )
    temperature = forms.CharField(
        label=_("接收温度（°C）"), max_length=12, required=False, help_text=_("如 4.5 或 -18；未测量可不填。")
    )
    quantity = forms.CharField(
        label=_("数量"), max_length=60, required=False, help_text=_("不填则为委托方登记的数量。")
    )
    storage_location = forms.CharField(label=_("存放位置"), max_length=120, required=False)
    deviation = forms.CharField(label=_("偏离情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    consult_customer = forms.BooleanField(label=_("就偏离征询客户（在委托留言中发送偏离说明）"), required=False)
    disclaimer = forms.CharField(
        label=_("报告声明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("存在偏离而继续检测时，写入报告的声明。"),
    )
    internal_note = forms.CharField(
        label=_("内部备注"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("仅本机构可见，不会出现在客户的进度和报告中。"),
    )


class SampleFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    q = forms.CharField(label=_("搜索"), max_length=100, required=False, help_text=_("样品编号、描述或委托单号"))
    awaiting = forms.BooleanField(label=_("待处置（已过保存期）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("全部状态")), *SampleStatus.choices]


class HandoverForm(forms.Form):
    to_person_id = forms.TypedChoiceField(label=_("接收人"), coerce=int)
    to_location = forms.CharField(label=_("去向位置"), max_length=120, required=False, help_text=_("同时移库时填写。"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["to_person_id"]).choices = [("", "—"), *(people or [])]


class MoveForm(forms.Form):
    to_location = forms.CharField(label=_("去向位置"), max_length=120)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("退还说明"), max_length=300, help_text=_("退还方式、经手人等。"))


CUSTODY_FORMS: dict[str, type[forms.Form]] = {"handover": HandoverForm, "move": MoveForm, "return": ReturnForm}


def custody_form(kind: str, data: Any = None, *, people: list[tuple[int, str]]) -> forms.Form:
    """The form of one kind of custody record, prefixed by its kind (the three share the sample's page)."""
    if kind == "handover":
        return HandoverForm(data, prefix=kind, people=people)
    return CUSTODY_FORMS[kind](data, prefix=kind)


class PartForm(forms.Form):
    description = forms.CharField(label=_("样品描述"), max_length=300, required=False)
    quantity = forms.CharField(label=_("数量"), max_length=60, required=False)
    storage_location = forms.CharField(label=_("存放位置"), max_length=120, required=False)


PartFormSet = forms.formset_factory(PartForm, extra=3, max_num=20, validate_max=True)


class SplitTestsForm(forms.Form):
    test_ids = forms.TypedMultipleChoiceField(
        label=_("移交给分样的检测项目"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("仅待检项目；移交检测项目时一次只分出一份。"),
    )

    def __init__(self, *args: Any, tests: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["test_ids"]).choices = tests or []


class DisposeForm(forms.Form):
    method = forms.CharField(label=_("处置方式"), max_length=200, help_text=_("如：按危险废物交有资质单位处理。"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
    early_reason = forms.CharField(
        label=_("提前处置原因"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("保存期未满时必填。"),
    )
