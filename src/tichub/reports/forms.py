"""Forms of the report pages: the list filters, issuing (or amending), withdrawal and correction reasons, and the
enterprise's choice of what the public verification page shows. They parse what a person typed; the rules are the
services' and come back as field errors (core.forms.form_error)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ReportStatus
from .report_services import MAX_REASON


class ReportFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("报告编号、样品编号或样品名称")}),
    )
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *ReportStatus.choices], required=False)


class IssueForm(forms.Form):
    """Issue version 1, or (`amendment`) the next version of a current report, which needs its reason."""

    reason = forms.CharField(
        label=_("更正原因"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("印在更正版报告上，并告知委托方。"),
    )
    valid_until = forms.DateField(
        label=_("声明有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("可选：写入签名二维码，过期后核验显示“已过有效期”。须晚于签发日期。"),
    )
    expected_version = forms.IntegerField(min_value=0, max_value=32767, widget=forms.HiddenInput)

    def __init__(self, *args: Any, amendment: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if amendment:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )


class WithdrawForm(ReasonForm):
    prefix = "withdraw"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("撤回原因")
        self.fields["reason"].help_text = _("告知委托方，并在核验页显示。")


class CorrectionForm(ReasonForm):
    prefix = "correction"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("更正原因")
        self.fields["reason"].help_text = _("记录在审计记录中；更正版报告另填更正原因。")


class SummaryForm(forms.Form):
    public = forms.TypedChoiceField(
        label=_("核验页显示样品名称与结论"),
        choices=[("1", _("显示")), ("0", _("隐藏"))],
        coerce=lambda value: value == "1",
    )
