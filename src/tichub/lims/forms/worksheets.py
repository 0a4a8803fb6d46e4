"""Forms of the worksheet pages: one row per slot (inputs prefixed "s<slot id>", so that the whole worksheet posts
as one form without JavaScript and one row posts alone with HTMX), and the QC rows of a new worksheet."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import QcKind

#: The inputs of a row, named as the services name their faults (entries.<i>.<field>).
ROW_FIELDS = ("value", "reason", "version")
QC_KIND_CHOICES = [("", "—"), *((k.value, k.label) for k in (QcKind.BLANK, QcKind.DUPLICATE, QcKind.REFERENCE))]


def slot_prefix(slot_id: int) -> str:
    return f"s{slot_id}"


class SlotRowForm(forms.Form):
    """One row of the worksheet. Only the syntax is checked here; values are judged by the services (lims.qc,
    lims.evaluation), which name the rule they apply."""

    value = forms.CharField(label=_("结果"), required=False, strip=True)
    reason = forms.CharField(label=_("更正理由"), required=False)
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, data: Any, slot_id: int) -> None:
        super().__init__(data, prefix=slot_prefix(slot_id))
        self.slot_id = slot_id

    def raw(self) -> dict[str, str]:
        """The row's inputs as typed (to show them again next to their faults)."""
        return {name: str(self.data.get(self.add_prefix(name), "")) for name in ROW_FIELDS}


class MeasuredOnForm(forms.Form):
    measured_on = forms.DateField(label=_("测试日期"), required=False)


class QcRowForm(forms.Form):
    """A QC slot of a new worksheet; a row without a kind is left out."""

    kind = forms.ChoiceField(label=_("质控类型"), choices=QC_KIND_CHOICES, required=False)
    expected = forms.CharField(
        label=_("标准值/限值"), required=False, help_text=_("标准物质：标准值；空白：限值（留空按方法检出限）")
    )
    tolerance = forms.CharField(label=_("允许差"), required=False, help_text=_("绝对值，如 0.02；或相对值，如 10%"))
    # The choices (tests on offer) are only shown; the service checks that the test is on the worksheet.
    duplicate_of = forms.IntegerField(label=_("平行样对应"), required=False, min_value=1, widget=forms.Select)
    position = forms.IntegerField(label=_("位置"), required=False, min_value=1)

    def __init__(self, *args: Any, partners: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, partners or [])

    def row(self) -> dict[str, Any] | None:
        """The row as the service takes it (qc=[...]), or None for an empty row."""
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        row: dict[str, Any] = {"kind": data["kind"], "expected": data["expected"], "tolerance": data["tolerance"]}
        if data.get("duplicate_of") is not None:
            row["duplicate_of_test_id"] = data["duplicate_of"]
        if data.get("position") is not None:
            row["position"] = data["position"]
        return row


def offer(form: forms.Form, partners: list[tuple[int, str]]) -> None:
    """The tests a duplicate may name, as the choices of its select."""
    cast(forms.Select, form.fields["duplicate_of"].widget).choices = [("", "—"), *partners]


QcRowFormSet = forms.formset_factory(QcRowForm, extra=3, max_num=20, validate_max=True)


def posted_ids(data: Any, name: str) -> list[int]:
    """The ids ticked under `name` (anything that is not an id is left out)."""
    return [int(text) for text in data.getlist(name) if str(text).isdigit()]


def posted_id(data: Any, name: str) -> int | None:
    text = str(data.get(name, "")).strip()
    return int(text) if text.isdigit() else None
