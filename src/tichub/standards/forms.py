"""Forms of the catalogue pages: search, withdrawal/replacement, catalogue import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tichub.core.errors import ServiceError

from .choices import StandardStatus
from .imports import MAX_BYTES
from .models import StandardEdition
from .selectors import standard_by_code


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("标准号或名称"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("例如 GB 5009.12、GB/T 2828.1-2012、白砂糖、lead"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=[("", gettext_lazy("全部")), *StandardStatus.choices]
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    on = forms.DateField(
        label=gettext_lazy("废止日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text=gettext_lazy("今天或以前：废止；以后：即将废止。填写代替标准时可留空，取代替标准的实施日期。"),
    )
    replaced_by = forms.CharField(
        label=gettext_lazy("代替标准（被代替为）"),
        required=False,
        max_length=80,
        help_text=gettext_lazy("目录中的标准号，例如 GB 5009.12-2017"),
    )
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("例如：国家标准化管理委员会公告 2017 年第 7 号"),
    )

    def __init__(self, *args: Any, edition: StandardEdition | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.edition = edition
        self.replacement: StandardEdition | None = None

    def clean_replaced_by(self) -> str:
        text: str = self.cleaned_data["replaced_by"].strip()
        if not text:
            return text
        try:
            exact, _others, code = standard_by_code(text)
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from exc
        if exact is None:
            raise forms.ValidationError(
                _("目录中没有 %(code)s：请先把它加入目录（导入目录文件）。") % {"code": code.canonical}
            )
        self.replacement = exact
        return code.canonical

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("on") and not data.get("replaced_by") and not self.errors:
            self.add_error("on", _("请填写废止日期，或填写代替标准。"))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("目录文件（CSV 或 XLSX）"),
        help_text=gettext_lazy(
            "表头：标准号、中文名称、英文名称、ICS、状态、发布日期、实施日期、废止日期、代替标准、被代替为、采用国际标准"
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件过大（上限 20 MB）。"))
        return upload
