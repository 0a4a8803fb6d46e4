"""Forms of the review pages: which tests (ticked in a queue or named by the button), a note or a reason.

The page a form was posted from comes back as `back` (read by the view). The forms only parse; the review
services judge (a missing reason, a test not awaiting review, a reviewer checking
their own result) and their refusals are shown on the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REASON_HELP = _("将记录在审核记录和审计日志中，并告知检测人员。")


class TestIdsField(forms.Field):
    """The ticked tests (`test_ids`, repeated) as a list of ints."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        ids = []
        for item in value or []:
            text = str(item).strip()
            if not text.isdigit() or int(text) < 1:
                raise ValidationError(_("检测项目编号须为正整数（现为“%(value)s”）。"), params={"value": text})
            ids.append(int(text))
        return ids


class CheckForm(forms.Form):
    test_ids = TestIdsField(label=_("检测项目"), required=False)
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
    )


class ApproveForm(forms.Form):
    test_ids = TestIdsField(label=_("检测项目"), required=False)


class RejectForm(forms.Form):
    test_ids = TestIdsField(label=_("检测项目"), required=False)
    reason = forms.CharField(
        label=_("退回原因"),
        required=False,
        max_length=1000,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
    )


class ReasonForm(forms.Form):
    """Retest or retract one test: the reason is required (the service says so when it is missing)."""

    reason = forms.CharField(
        label=_("原因"), required=False, max_length=1000, widget=forms.TextInput(attrs={"maxlength": 1000})
    )
