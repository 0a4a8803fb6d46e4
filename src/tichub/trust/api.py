"""The trust API at /api/v1/trust: an institution's signing keys (list, issue, import a PKCS#12, revoke) and the
public trust list (the same document as /.well-known/tichub/trust-list.json)."""

import base64
import binascii
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.throttling import BaseThrottle

from tichub.core.api_support import PUBLIC_THROTTLE, Error
from tichub.core.errors import ServiceError
from tichub.core.policies import PUBLIC
from tichub.core.routes import actor_of, policy

from . import key_selectors, key_services
from .schemas import KeyImportIn, KeyImportOut, KeyOut, KeyRevokeIn
from .views import trust_list_response

router = Router(tags=["trust"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, MANAGE = "trust.keys.view", "trust.keys.manage"
THROTTLE: list[BaseThrottle] = list(PUBLIC_THROTTLE)


@router.get("/keys", response={200: list[KeyOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def keys(request: HttpRequest) -> Any:
    """The institution's signing keys, newest first, whatever their status."""
    return key_selectors.keys_of(actor_of(request))


@router.post("/keys", response={201: KeyOut, **ERRORS})
@policy(MANAGE, api=True)
def key_issue(request: HttpRequest) -> Any:
    """The platform CA issues a new ES256 key and certificate (3 years); the previous active key is retired and
    keeps verifying what it signed."""
    return Status(201, key_services.key_issue(actor=actor_of(request)))


@router.post("/keys/import", response={201: KeyImportOut, **ERRORS})
@policy(MANAGE, api=True)
def key_import(request: HttpRequest, payload: KeyImportIn) -> Any:
    """Register a key and certificate from an outside CA (PKCS#12, base64). ECDSA P-256 signs QR codes and PDFs;
    RSA (>= 2048 bits) signs PDFs only, QR codes stay with the platform-issued ES256 key (issued now if missing)."""
    try:
        data = base64.b64decode(payload.pkcs12, validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError.field("pkcs12", _("文件内容须为 Base64 编码。")) from None
    imported = key_services.key_import_pkcs12(actor=actor_of(request), data=data, password=payload.password)
    return Status(
        201, {"key": imported.key, "qr_key_issued": imported.qr_key_issued, "retired": list(imported.retired)}
    )


@router.post("/keys/{key_id}/revoke", response={200: KeyOut, **ERRORS})
@policy(MANAGE, api=True)
def key_revoke(request: HttpRequest, key_id: int, payload: KeyRevokeIn) -> Any:
    """Revoke a key with a reason: nothing it signed verifies as genuine any more, whatever its date."""
    return key_services.key_revoke(
        actor=actor_of(request), key_id=key_id, reason=payload.reason, revoked_at=payload.revoked_at
    )


@router.get(
    "/trust-list",
    response={200: dict[str, Any], 429: Error, 503: Error},
    auth=None,
    throttle=THROTTLE,
)
@policy(PUBLIC, api=True)
def trust_list(request: HttpRequest) -> HttpResponse:
    """The signed trust list: every institution key and the platform keys (docs/trust.md). ETag / If-None-Match."""
    return trust_list_response(request, limit=False)  # ninja's throttle counts this route
