"""Forms of the result grid: one row per test, its inputs prefixed "t<test id>" so that the whole grid posts as one
form without JavaScript and one row posts alone with HTMX."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..result_services import ResultEntry

#: The inputs of a row, named as the service names its faults (entries.<i>.<field>).
ROW_FIELDS = ("value", "unit", "instrument_id", "measured_on", "reason", "version")


def row_prefix(test_id: int) -> str:
    return f"t{test_id}"


class ResultRowForm(forms.Form):
    """One row of the grid. Only the syntax is checked here (a date, a number); the value itself is judged by
    the service (lims.evaluation), which names the rule it applies."""

    value = forms.CharField(label=_("结果"), required=False)
    unit = forms.CharField(label=_("单位"), required=False)
    instrument_id = forms.IntegerField(label=_("仪器设备"), required=False, min_value=1)
    measured_on = forms.DateField(label=_("测试日期"), required=False)
    reason = forms.CharField(label=_("更正理由"), required=False)
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, data: Any, test_id: int) -> None:
        super().__init__(data, prefix=row_prefix(test_id))
        self.test_id = test_id

    def raw(self) -> dict[str, str]:
        """The row's inputs as typed (to show them again next to their faults)."""
        return {name: str(self.data.get(self.add_prefix(name), "")) for name in ROW_FIELDS}

    def entry(self) -> ResultEntry:
        data = self.cleaned_data
        return ResultEntry(
            test_id=self.test_id,
            value=data["value"],
            unit=data["unit"],
            measured_on=data["measured_on"],
            instrument_id=data["instrument_id"],
            reason=data["reason"],
            version=data["version"],
        )


def posted_test_ids(data: Any) -> list[int]:
    """The test ids ticked for submission (anything that is not an id is left out)."""
    return [int(text) for text in data.getlist("test_ids") if str(text).isdigit()]
