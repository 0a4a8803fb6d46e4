"""Forms of the signing-keys page: upload a PKCS#12 file, revoke a key with a reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .certificates import MAX_PKCS12_BYTES
from .key_services import REASON_MAX


class Pkcs12Form(forms.Form):
    pkcs12 = forms.FileField(
        label=_("PKCS#12 文件（.p12 / .pfx）"),
        help_text=_("包含私钥和证书的文件，由外部 CA 签发给本机构；ECDSA P-256 或至少 2048 位的 RSA。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
    )
    password = forms.CharField(
        label=_("文件密码"), required=False, strip=False, max_length=200, widget=forms.PasswordInput(render_value=False)
    )

    def clean_pkcs12(self) -> bytes:
        upload = self.cleaned_data["pkcs12"]
        if upload.size > MAX_PKCS12_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size)s 字节）：PKCS#12 文件最多 %(limit)s 字节。")
                % {"size": upload.size, "limit": MAX_PKCS12_BYTES}
            )
        return bytes(upload.read())


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("吊销原因"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("会公布在信任列表中，并显示给每位验证者，例如：私钥可能泄露。"),
    )
    revoked_at = forms.DateTimeField(
        label=_("吊销生效时间"),
        required=False,
        help_text=_("留空表示现在；如私钥可能早已泄露，填写泄露开始的时间。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
