"""Sign-in, two-factor, password reset, organisation switching, members, invitations and API tokens."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.ratelimit import rate_limited
from tichub.core.routes import actor_of, policy

from . import selectors, services
from .choices import OrganisationKind
from .forms import (
    AcceptInvitationForm,
    CodeForm,
    InviteForm,
    LoginForm,
    OrganisationForm,
    PasswordChangeForm,
    ProfileForm,
    RolesForm,
    SignupForm,
    TokenForm,
)
from .middleware import SESSION_2FA, SESSION_ORG
from .tasks import enqueue_email

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest, default: str = "core:dashboard") -> Any:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _too_many(request: HttpRequest, template: str, form: Any) -> HttpResponse | None:
    if rate_limited(request, "login"):
        form.add_error(None, _("请求过于频繁，请稍后再试。"))
        return render(request, template, {"form": form}, status=429)
    return None


@policy("public")
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        if limited := _too_many(request, "accounts/login.html", form):
            return limited
        if form.is_valid():
            try:
                user = services.user_authenticate(**form.cleaned_data)
            except ServiceError as exc:
                form_error(form, exc)
            else:
                login(request, user, backend=BACKEND)
                return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@policy("signed_in")
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已退出登录。"))
    return redirect("core:home")


@policy("signed_in")
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret as a QR code, confirm with a first code."""
    user = actor_of(request).user
    assert user is not None
    if user.has_totp:
        return redirect("accounts:2fa_verify")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm(user=user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            request.session[SESSION_2FA] = True
            messages.success(request, _("双因素认证已启用。"))
            return redirect("core:dashboard")
    if not user.totp_secret or request.method == "GET":
        services.totp_begin(user=user)
    uri = services.totp_uri(user)
    import segno

    qr_svg = segno.make(uri, error="m").svg_inline(scale=4)
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "secret": user.totp_secret, "qr_svg": qr_svg},
        status=400 if form.errors else 200,
    )


@policy("signed_in")
def totp_verify(request: HttpRequest) -> HttpResponse:
    user = actor_of(request).user
    assert user is not None
    if not user.has_totp:
        return redirect("accounts:2fa_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if limited := _too_many(request, "accounts/totp_verify.html", form):
            return limited
        if form.is_valid():
            if services.totp_check(user=user, code=form.cleaned_data["code"]):
                request.session.cycle_key()
                request.session[SESSION_2FA] = True
                return redirect(_next_url(request))
            form.add_error("code", _("验证码不正确或已使用。"))
    return render(request, "accounts/totp_verify.html", {"form": form}, status=400 if form.errors else 200)


@policy("public")
def signup(request: HttpRequest) -> HttpResponse:
    """An enterprise registers itself and its first user, who becomes its owner."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, org = services.enterprise_register(
                email=data["email"],
                name=data["name"],
                password=data["password"],
                organisation_name=data["organisation_name"],
                uscc=data["uscc"],
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            login(request, user, backend=BACKEND)
            request.session[SESSION_ORG] = org.pk
            messages.success(request, _("欢迎！企业已注册。"))
            return redirect("core:dashboard")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


class QueuedPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        enqueue_email(
            to=to_email,
            template="accounts/email/password_reset",
            context={
                "uid": context["uid"],
                "token": context["token"],
                "name": context["user"].name,
            },
        )


class AuditedSetPasswordForm(SetPasswordForm):
    def save(self, commit: bool = True) -> Any:
        services.user_set_password(user=self.user, password=self.cleaned_data["new_password1"])  # type: ignore[arg-type]
        return self.user


password_reset = policy("public")(
    auth_views.PasswordResetView.as_view(
        form_class=QueuedPasswordResetForm,
        template_name="accounts/password_reset.html",
        success_url="/accounts/password-reset/sent/",
    )
)
password_reset_sent = policy("public")(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html")
)
password_reset_confirm = policy("public")(
    auth_views.PasswordResetConfirmView.as_view(
        form_class=AuditedSetPasswordForm,
        template_name="accounts/password_reset_confirm.html",
        success_url="/accounts/password-reset/done/",
    )
)
password_reset_done = policy("public")(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_done.html")
)


@require_POST
@policy("signed_in")
def switch_organisation(request: HttpRequest) -> HttpResponse:
    try:
        org_id = int(request.POST.get("organisation", ""))
    except ValueError:
        org_id = -1
    if org_id not in {org.pk for org in getattr(request, "organisations", {})}:
        messages.error(request, _("您不是该组织的成员。"))
    else:
        request.session[SESSION_ORG] = org_id
    return redirect(_next_url(request))


@policy("signed_in")
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own name, language and password."""
    user = actor_of(request).person
    profile_form = ProfileForm(
        request.POST if "save_profile" in request.POST else None, initial={"name": user.name, "language": user.language}
    )
    password_form = PasswordChangeForm(request.POST if "change_password" in request.POST else None)
    for form, save in (
        (profile_form, lambda data: services.user_update_profile(user=user, **data)),
        (
            password_form,
            lambda data: services.user_change_password(
                user=user, current=data["current_password"], new=data["new_password"]
            ),
        ),
    ):
        if form.is_bound and form.is_valid():
            try:
                save(form.cleaned_data)
            except ServiceError as exc:
                form_error(form, exc)
            else:
                if form is password_form:
                    update_session_auth_hash(request, user)
                response = redirect("accounts:profile")
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language)
                messages.success(request, _("已保存。"))
                return response
    errors = profile_form.errors or password_form.errors
    context = {"profile_form": profile_form, "password_form": password_form}
    return render(request, "accounts/profile.html", context, status=400 if errors else 200)


@policy("organisation.view")
def organisation(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    org = selectors.organisation_of(actor)
    form = None
    if actor.can("organisation.update"):
        initial = {name: getattr(org, name) for name in OrganisationForm.base_fields}
        form = OrganisationForm(request.POST or None, initial=initial)
        if org.kind != OrganisationKind.INSTITUTION:
            del form.fields["ownership"], form.fields["level"]
        if request.method == "POST" and form.is_valid():
            try:
                services.organisation_update(actor=actor, **form.cleaned_data)
            except ServiceError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("accounts:organisation")
    elif request.method == "POST":
        actor.require("organisation.update")
    status = 400 if form is not None and form.errors else 200
    return render(request, "accounts/organisation.html", {"organisation": org, "form": form}, status=status)


@policy("membership.view")
def members(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    org = selectors.organisation_of(actor)
    form = InviteForm(request.POST or None, kind=org.kind) if actor.can("membership.manage") else None
    context = {
        "members": selectors.members_of(actor),
        "invitations": selectors.invitations_pending(actor) if form else [],
        "form": form,
    }
    return render(request, "accounts/members.html", context)


@require_POST
@policy("membership.manage")
def invite(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    org = selectors.organisation_of(actor)
    form = InviteForm(request.POST, kind=org.kind)
    if form.is_valid():
        try:
            services.invitation_create(actor=actor, **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("邀请已发送至 %(email)s。") % {"email": form.cleaned_data["email"]})
            return redirect("accounts:members")
    context = {
        "members": selectors.members_of(actor),
        "invitations": selectors.invitations_pending(actor),
        "form": form,
    }
    return render(request, "accounts/members.html", context, status=400)


@policy("membership.manage")
def member_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = actor_of(request)
    member, roles = selectors.member_get(actor, user_id)
    form = RolesForm(request.POST or None, kind=actor.organisation.kind, initial_roles=roles)  # type: ignore[union-attr]
    if request.method == "POST" and form.is_valid():
        try:
            if "remove" in request.POST:
                services.membership_remove(actor=actor, user_id=user_id, reason=request.POST.get("reason", ""))
            else:
                services.membership_set_roles(actor=actor, user_id=user_id, roles=form.cleaned_data["roles"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("accounts:members")
    return render(
        request, "accounts/member_edit.html", {"member": member, "form": form}, status=400 if form.errors else 200
    )


@policy("public")
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open an invitation: a signed-in invitee accepts; a newcomer sets a name and password first."""
    try:
        invitation = services.invitation_find(token)
    except ServiceError as exc:
        return render(request, "accounts/invitation_invalid.html", {"message": exc.message}, status=exc.status)
    user = actor_of(request).user
    form = AcceptInvitationForm(request.POST or None)
    if user is not None:  # an existing account only confirms
        del form.fields["name"], form.fields["password"]
    if request.method == "POST" and form.is_valid():
        try:
            if user is None:
                user = services.invitee_register(token=token, **form.cleaned_data)
                login(request, user, backend=BACKEND)
            else:
                services.invitation_accept(token=token, user=user)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            request.session[SESSION_ORG] = invitation.organisation_id
            messages.success(request, _("您已加入 %(org)s。") % {"org": invitation.organisation.name_zh})
            return redirect("core:dashboard")
    context = {"invitation": invitation, "form": form, "existing_user": user}
    return render(request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200)


@policy("token.use")
def tokens(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, created = services.api_token_create(actor=actor, **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
    context = {"tokens": selectors.tokens_of(actor), "form": form, "created": created}
    return render(request, "accounts/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@policy("token.use")
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = actor_of(request)
    token = selectors.token_get(actor, token_id)
    services.api_token_revoke(actor=actor, token_id=token.pk)
    messages.success(request, _("令牌已撤销。"))
    return redirect("accounts:tokens")
