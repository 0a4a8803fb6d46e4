"""Pages: the institution's signing keys (list, issue, upload a PKCS#12, revoke) and the public trust list.

Quality managers and administrators see the keys ("trust.keys.view"); administrators change them
("trust.keys.manage"). The trust list at /.well-known/tichub/trust-list.json is public, rate-limited and
cacheable (ETag, Cache-Control).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.policies import PUBLIC
from tichub.core.ratelimit import rate_limited
from tichub.core.routes import actor_of, policy

from . import key_selectors, key_services
from .choices import KeyPurpose, KeyStatus
from .forms import Pkcs12Form, RevokeForm
from .trust_list_selectors import TrustListUnavailable, trust_list_published
from .verify import fingerprint as key_fingerprint
from .verify import group_fingerprint

VIEW, MANAGE = "trust.keys.view", "trust.keys.manage"
TRUST_LIST_MAX_AGE = 300  # seconds: verifiers and CDNs may keep a copy this long; a revocation shows within it


def _platform_fingerprint() -> str:
    root = key_selectors.platform_key(KeyPurpose.PLATFORM_ROOT)
    if root is None:
        return ""
    from . import certificates

    certificate = certificates.from_pem(root.certificate_pem)[0]
    return group_fingerprint(key_fingerprint(certificate.public_key()))  # type: ignore[arg-type]


def _page(
    request: HttpRequest,
    *,
    import_form: Pkcs12Form | None = None,
    revoke_form: RevokeForm | None = None,
    revoke_key_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    keys = list(key_selectors.keys_of(actor))
    context: dict[str, Any] = {
        "keys": keys,
        "can_manage": actor.can(MANAGE),
        "import_form": import_form or Pkcs12Form(),
        "revoke_form": revoke_form,
        "revoke_key_id": revoke_key_id,
        "blank_revoke_form": RevokeForm(),
        "has_active_qr_key": any(k.purpose == KeyPurpose.INSTITUTION and k.status == KeyStatus.ACTIVE for k in keys),
        "platform_fingerprint": _platform_fingerprint(),
        "trust_list_url": reverse("trust_public:trust_list"),
    }
    return render(request, "trust/keys.html", context, status=status)


@require_GET
@policy(VIEW)
def keys(request: HttpRequest) -> HttpResponse:
    """The institution's keys with status and validity; administrators issue, upload and revoke here."""
    return _page(request)


@require_POST
@policy(MANAGE)
def key_issue(request: HttpRequest) -> HttpResponseBase:
    try:
        key = key_services.key_issue(actor=actor_of(request))
    except ServiceError as exc:
        flash.error(request, exc.message)
        return redirect("trust:keys")
    flash.success(
        request,
        _("已签发新的签名密钥 %(kid)s，有效期至 %(date)s；原有效密钥已停用，其签发的报告仍可验证。")
        % {"kid": key.kid, "date": key.not_after.date().isoformat()},
    )
    return redirect("trust:keys")


@require_POST
@policy(MANAGE)
def key_import(request: HttpRequest) -> HttpResponse:
    form = Pkcs12Form(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, import_form=form, status=400)
    try:
        imported = key_services.key_import_pkcs12(
            actor=actor_of(request), data=form.cleaned_data["pkcs12"], password=form.cleaned_data["password"]
        )
    except ServiceError as exc:
        form_error(form, exc)
        return _page(request, import_form=form, status=exc.status)
    key = imported.key
    if key.purpose == KeyPurpose.INSTITUTION:
        flash.success(request, _("已导入密钥 %(kid)s：今后用它签署二维码和 PDF。") % {"kid": key.kid})
    else:
        flash.success(request, _("已导入 RSA 证书 %(kid)s：今后用它签署 PDF。") % {"kid": key.kid})
        if imported.qr_key_issued is not None:
            flash.info(
                request,
                _("二维码只能用 ECDSA P-256 密钥签名，平台 CA 已为本机构签发二维码密钥 %(kid)s。")
                % {"kid": imported.qr_key_issued.kid},
            )
        else:
            flash.info(request, _("二维码仍由平台 CA 签发的 ECDSA P-256 密钥签名。"))
    return redirect("trust:keys")


@require_POST
@policy(MANAGE)
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponseBase:
    actor = actor_of(request)
    key = key_selectors.key_get(actor, key_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _page(request, revoke_form=form, revoke_key_id=key.pk, status=400)
    try:
        key_services.key_revoke(
            actor=actor, key_id=key.pk, reason=form.cleaned_data["reason"], revoked_at=form.cleaned_data["revoked_at"]
        )
    except ServiceError as exc:
        form_error(form, exc)
        return _page(request, revoke_form=form, revoke_key_id=key.pk, status=exc.status)
    flash.success(request, _("密钥 %(kid)s 已吊销，信任列表已更新。") % {"kid": key.kid})
    return redirect("trust:keys")


@require_GET
@policy(PUBLIC)
def trust_list(request: HttpRequest) -> HttpResponse:
    """The signed trust list (docs/trust.md). Same bytes for everyone until a key changes: ETag and max-age."""
    return trust_list_response(request)


def trust_list_response(request: HttpRequest, *, limit: bool = True) -> HttpResponse:
    """Shared by the page route and the API route: 429 over the public rate limit, 503 before `trust init`,
    304 when the client's copy is current, else the document."""
    if limit and rate_limited(request, "public"):
        response: HttpResponse = JsonResponse(
            {"code": "rate_limited", "message": _("请求过于频繁，请稍后再试。"), "fields": {}}, status=429
        )
        response["Retry-After"] = "60"
        return response
    try:
        published = trust_list_published()
    except TrustListUnavailable as exc:
        return JsonResponse({"code": exc.code, "message": exc.message, "fields": {}}, status=503)
    if published.etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(published.content, content_type="application/json")
    response["ETag"] = published.etag
    response["Cache-Control"] = f"public, max-age={TRUST_LIST_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"  # public, signed data: any web verifier may fetch it
    response["X-Content-Type-Options"] = "nosniff"
    return response
