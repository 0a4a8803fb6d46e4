"""Forms of the test list: its filters and the bulk assignment (analyst, instrument, due date)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import TestStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RefusalSelect(forms.Select):
    """A select whose blocked options stay visible, disabled, with the reason they are blocked (an instrument out
    of calibration shows why instead of vanishing)."""

    def __init__(self, *args: Any, refusals: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refusals = dict(refusals or {})

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: Any,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, label, selected, index, subindex, attrs)
        reason = self.refusals.get(str(value))
        if reason:
            option["attrs"]["disabled"] = True
            option["attrs"]["title"] = reason
            option["label"] = f"{label} — {reason}"
        return option


class TickedIdsField(forms.Field):
    """The ids of the ticked tests (checkboxes named test_ids in the table)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [int(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("检测项目须以编号（整数）列出。")) from exc


class TestFilterForm(forms.Form):
    __test__ = False  # a form about laboratory tests, not a pytest class

    status = forms.ChoiceField(label=_("状态"), required=False)
    analyst = forms.TypedChoiceField(label=_("检测人员"), required=False, coerce=int, empty_value=None)
    keyword = forms.CharField(label=_("代码"), max_length=40, required=False)
    q = forms.CharField(label=_("搜索"), max_length=100, required=False, help_text=_("样品编号、委托单号或项目"))
    unassigned = forms.BooleanField(label=_("未分配"), required=False)
    overdue = forms.BooleanField(label=_("已逾期"), required=False)

    def __init__(self, *args: Any, analysts: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("全部状态")),
            ("open", _("未完成")),
            *TestStatus.choices,
        ]
        cast(forms.ChoiceField, self.fields["analyst"]).choices = [("", _("全部人员")), *(analysts or [])]


class AssignForm(forms.Form):
    test_ids = TickedIdsField(label=_("检测项目"))
    analyst_id = forms.TypedChoiceField(label=_("检测人员"), required=False, coerce=int, empty_value=None)
    instrument_id = forms.TypedChoiceField(label=_("仪器"), required=False, coerce=int, empty_value=None)
    due_date = forms.DateField(label=_("要求完成日期"), required=False, widget=DATE)

    def __init__(
        self,
        *args: Any,
        analysts: list[tuple[int, str]] | None = None,
        instruments: list[tuple[int, str, str | None]] | None = None,
        **kwargs: Any,
    ) -> None:
        """`instruments`: (id, label, refusal reason or None) of every instrument."""
        super().__init__(*args, **kwargs)
        rows = instruments or []
        cast(forms.ChoiceField, self.fields["analyst_id"]).choices = [("", _("（不变）")), *(analysts or [])]
        instrument = cast(forms.ChoiceField, self.fields["instrument_id"])
        instrument.choices = [("", _("（不变）")), *((pk, label) for pk, label, _reason in rows)]
        instrument.widget = RefusalSelect(
            choices=instrument.choices, refusals={str(pk): reason for pk, _label, reason in rows if reason}
        )
