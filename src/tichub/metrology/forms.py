"""Forms of the instrument pages: they parse input; the services judge it."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import InstrumentStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstrumentForm(forms.Form):
    asset_number = forms.CharField(label=_("设备编号"), max_length=40, help_text=_("本机构内唯一，如 ICP-01"))
    name = forms.CharField(label=_("名称"), max_length=200)
    make = forms.CharField(label=_("制造商"), max_length=120, required=False)
    model = forms.CharField(label=_("型号"), max_length=120, required=False)
    serial_number = forms.CharField(label=_("出厂编号"), max_length=80, required=False)
    location = forms.CharField(label=_("存放地点"), max_length=120, required=False)
    calibration_required = forms.BooleanField(
        label=_("需要校准"), required=False, initial=True, help_text=_("需要校准的仪器在校准有效期内才能用于检测。")
    )


class InstrumentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=InstrumentStatus.choices)
    reason = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500})
    )


class CalibrationForm(forms.Form):
    calibrated_on = forms.DateField(label=_("校准日期"), widget=DATE)
    calibration_due = forms.DateField(label=_("校准有效期至"), widget=DATE, help_text=_("到期当天仍可使用。"))


class InstrumentFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    due = forms.ChoiceField(
        label=_("校准"),
        required=False,
        choices=[("", _("全部")), ("soon", _("30 天内到期")), ("overdue", _("已过期"))],
    )
    q = forms.CharField(label=_("搜索"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("全部状态")), *InstrumentStatus.choices]
