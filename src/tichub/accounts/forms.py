from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import InstitutionLevel, Ownership, Role, TokenScope


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("电子邮箱"), widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    language = forms.ChoiceField(label=_("语言"), choices=settings.LANGUAGES)


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("当前密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("6 位验证码"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("验证码为 6 位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class SignupForm(forms.Form):
    organisation_name = forms.CharField(label=_("企业名称"), max_length=200)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    name = forms.CharField(label=_("您的姓名"), max_length=100)
    email = forms.EmailField(label=_("电子邮箱"))
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("您的姓名"), max_length=100)
    password = forms.CharField(label=_("设置密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class OrganisationForm(forms.Form):
    name_zh = forms.CharField(label=_("中文名称"), max_length=200)
    name_en = forms.CharField(label=_("英文名称"), max_length=200, required=False)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    address_zh = forms.CharField(label=_("中文地址"), max_length=300, required=False)
    address_en = forms.CharField(label=_("英文地址"), max_length=300, required=False)
    ownership = forms.ChoiceField(label=_("所有制"), choices=[("", "—"), *Ownership.choices], required=False)
    level = forms.ChoiceField(label=_("级别"), choices=[("", "—"), *InstitutionLevel.choices], required=False)
    require_2fa = forms.BooleanField(label=_("要求所有成员使用双因素认证"), required=False)


def role_field(kind: str, initial: list[str] | None = None) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("角色"),
        choices=[(r.value, r.label) for r in Role.for_kind(kind)],
        initial=initial,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("至少选择一个角色。")},
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("电子邮箱"))

    def __init__(self, *args: object, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["roles"] = role_field(kind)


class RolesForm(forms.Form):
    def __init__(self, *args: object, kind: str, initial_roles: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["roles"] = role_field(kind, initial_roles)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    scope = forms.ChoiceField(label=_("权限范围"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_at = forms.DateTimeField(
        label=_("过期时间（可选）"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
