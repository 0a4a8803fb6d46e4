"""Forms of the registry pages. Forms parse input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tichub.accounts.choices import InstitutionKind, InstitutionLevel, Ownership

from .choices import AccreditationBody, ScopeStatus

# --- directory and institution self-management ------------------------------------------------------------------

ANY = [("", _("不限"))]


class DirectoryFilterForm(forms.Form):
    """The public directory's filters (GET). Every field is optional; an unknown value is an error on its field."""

    q = forms.CharField(label=_("名称"), max_length=100, required=False)
    level = forms.ChoiceField(label=_("级别"), choices=ANY + list(InstitutionLevel.choices), required=False)
    ownership = forms.ChoiceField(label=_("所有制"), choices=ANY + list(Ownership.choices), required=False)
    kind = forms.ChoiceField(label=_("机构类型"), choices=ANY + list(InstitutionKind.choices), required=False)
    region = forms.CharField(label=_("地区"), max_length=60, required=False)
    body = forms.ChoiceField(label=_("认可/资质"), choices=ANY + list(AccreditationBody.choices), required=False)


class ProfileForm(forms.Form):
    description_zh = forms.CharField(label=_("中文简介"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    description_en = forms.CharField(label=_("英文简介"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    region = forms.CharField(label=_("所在地区"), max_length=60, required=False)
    contact_person = forms.CharField(label=_("联系人"), max_length=60, required=False)
    phone = forms.CharField(label=_("电话"), max_length=40, required=False)
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    website = forms.CharField(label=_("网站"), max_length=200, required=False)
    contact_public = forms.BooleanField(label=_("向未登录访客公开联系方式"), required=False)
    prices_public = forms.BooleanField(label=_("公开参考价格"), required=False)


class SiteForm(forms.Form):
    name_zh = forms.CharField(label=_("场所名称"), max_length=200)
    name_en = forms.CharField(label=_("英文名称"), max_length=200, required=False)
    address_zh = forms.CharField(label=_("地址"), max_length=300, required=False)
    region = forms.CharField(label=_("地区"), max_length=60, required=False)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_ERRORS = {"invalid": _("请填写有效日期，格式 YYYY-MM-DD（例如 2026-03-31）。")}


class AccreditationForm(forms.Form):
    body = forms.ChoiceField(label=_("认可/资质机构"), choices=AccreditationBody.choices)
    body_name = forms.CharField(
        label=_("机构名称"), max_length=120, required=False, help_text=_("选择“其他”时必填，例如 HOKLAS、DAkkS。")
    )
    number = forms.CharField(label=_("证书编号"), max_length=60)
    mra_signatory = forms.BooleanField(label=_("认可机构为 ILAC/IAF/APAC 互认协议签约方"), required=False)
    valid_from = forms.DateField(label=_("生效日期"), widget=DateInput(), error_messages=DATE_ERRORS)
    valid_until = forms.DateField(label=_("有效期至"), widget=DateInput(), error_messages=DATE_ERRORS)
    scope_document = forms.FileField(
        label=_("范围文件"),
        required=False,
        help_text=_("PDF，不超过 10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    sites = forms.TypedMultipleChoiceField(
        label=_("检测场所"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示覆盖本机构所有场所。"),
    )

    def __init__(self, *args: Any, sites: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].choices = sites  # type: ignore[attr-defined]


class ScopeFilterForm(forms.Form):
    q = forms.CharField(label=_("对象、参数或标准号"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=ANY + list(ScopeStatus.choices), required=False)
    site = forms.TypedChoiceField(label=_("检测场所"), coerce=int, required=False, empty_value=None)
    accreditation = forms.ChoiceField(label=_("资质"), required=False)

    def __init__(
        self, *args: Any, sites: list[tuple[int, str]], accreditations: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = ANY + sites  # type: ignore[attr-defined]
        self.fields["accreditation"].choices = [*ANY, ("none", _("无资质覆盖")), *accreditations]  # type: ignore[attr-defined]


class ScopeRowForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=ScopeStatus.choices)
    turnaround_days = forms.IntegerField(label=_("典型周期（工作日）"), required=False)
    list_price = forms.CharField(label=_("参考价格（元）"), max_length=20, required=False)
    limitation = forms.CharField(label=_("限制范围"), max_length=300, required=False)
    accreditations = forms.TypedMultipleChoiceField(
        label=_("覆盖此条目的资质"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("原因"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("暂停或撤销时必填。"),
    )

    def __init__(self, *args: Any, accreditations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accreditations"].choices = accreditations  # type: ignore[attr-defined]


class ScopeBulkForm(forms.Form):
    rows = forms.TypedMultipleChoiceField(
        label=_("所选条目"), coerce=int, error_messages={"required": _("请至少选择一条能力范围。")}
    )
    status = forms.ChoiceField(label=_("改为"), choices=ScopeStatus.choices)
    reason = forms.CharField(label=_("原因"), required=False, max_length=500, help_text=_("暂停或撤销时必填。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")  # it shares the page with the filter form's ids
        super().__init__(*args, **kwargs)
        # The ids are checked by the service against the institution's rows, all at once.
        raw = self.data.getlist("rows") if hasattr(self.data, "getlist") else self.data.get("rows", [])
        self.fields["rows"].choices = [(value, value) for value in raw]  # type: ignore[attr-defined]
