"""Forms of the import pages: the upload (instrument, file, mapping) and the mapping of a stored file checked again.

The mapping's inputs are choices among the file's headers once they are known (read from the upload, or stored
with an earlier import), free text before. Only the syntax is checked here; import_services judges the mapping
against the file and names the rule it applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ..csvfile import COLUMNS, MAX_BYTES, column_labels, delimiter_label

DELIMITER_CHOICES = ("", ",", ";", "\t")


class MappingForm(forms.Form):
    """Which header holds each logical column, the delimiter, and whether to keep them for the instrument."""

    delimiter = forms.ChoiceField(label=_("分隔符"), required=False)
    save_mapping = forms.BooleanField(label=_("保存为该仪器的列映射"), required=False)

    def __init__(
        self,
        *args: Any,
        headers: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = column_labels()
        self.headers = [h for h in headers if h]
        cast(forms.ChoiceField, self.fields["delimiter"]).choices = [(d, delimiter_label(d)) for d in DELIMITER_CHOICES]
        for name in COLUMNS:
            widget: forms.Widget
            if self.headers:
                choices = [("", "—"), *((h, h) for h in self.headers)]
                current = self._current(name)
                if current and current not in self.headers:  # a saved header this file does not have
                    choices.append((current, f"{current} ✗"))
                widget = forms.Select(choices=choices)
            else:
                widget = forms.TextInput(attrs={"placeholder": _("表头名称"), "autocomplete": "off"})
            self.fields[name] = forms.CharField(label=labels[name], required=False, max_length=200, widget=widget)
        self.order_fields([*COLUMNS, "delimiter", "save_mapping"])

    def _current(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "")).strip()
        return str(self.initial.get(name, "")).strip()

    def mapping(self) -> dict[str, str]:
        """The mapping as typed (blank entries dropped); call after is_valid()."""
        return {name: self.cleaned_data[name] for name in COLUMNS if self.cleaned_data.get(name)}

    def mapping_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in COLUMNS]

    @staticmethod
    def initial_of(columns: Mapping[str, str] | None, delimiter: str | None) -> dict[str, Any]:
        return {**(columns or {}), "delimiter": delimiter or ""}


class ImportUploadForm(MappingForm):
    """The upload: the instrument that wrote the file (its saved mapping is the starting point), the file."""

    instrument = forms.ChoiceField(label=_("仪器"), required=False)
    file = forms.FileField(
        label=_("仪器导出的 CSV 文件"),
        required=False,
        help_text=_("UTF-8 或 GB18030 编码，第 1 行为表头；最大 20 MB、200,000 行。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )

    def __init__(self, *args: Any, instruments: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["instrument"]).choices = [
            ("", _("（不指定：使用各检测项目分配的仪器）")),
            *instruments,
        ]
        self.order_fields(["instrument", "file", *COLUMNS, "delimiter", "save_mapping"])

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大：上限为 %(max)d MB，请分成多个文件导入。") % {"max": MAX_BYTES // (1024 * 1024)}
            )
        return upload

    def instrument_id(self) -> int | None:
        value = self.cleaned_data.get("instrument") or ""
        return int(value) if str(value).isdigit() else None
