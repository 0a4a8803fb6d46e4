"""The form with which the enterprise creates a share link for one report (reports/_shares.html)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .share_services import DAYS_DEFAULT, DAYS_MAX, DAYS_MIN, RECIPIENT_MAX


class ShareForm(forms.Form):
    recipient = forms.CharField(
        label=_("接收方"),
        max_length=RECIPIENT_MAX,
        help_text=_("便于识别，如“越南进口商 ABC”。对方打开或下载报告时，会记录在这条链接名下。"),
    )
    days = forms.IntegerField(
        label=_("有效天数"),
        min_value=DAYS_MIN,
        max_value=DAYS_MAX,
        initial=DAYS_DEFAULT,
        help_text=_("1 到 90 天；到期或撤销后链接即失效。"),
    )
