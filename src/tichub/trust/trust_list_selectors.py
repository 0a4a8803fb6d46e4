"""The published trust list: every institution key and the platform keys, signed by the platform trust-list key.

Public data (what a verifier needs and nothing more: no private key, no user, no certificate of an institution).
The document is a pure function of the keys and the day (deterministic ES256, issue time = the later of the last
key change and midnight UTC), so every web process serves the same bytes and the same ETag; it is cached per
(number of keys, issue time) and rebuilt at once when a key changes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.errors import ServiceError

from . import trust_list
from .choices import KeyPurpose
from .crypto import open_private_key, signing_secret
from .key_selectors import platform_key, trust_list_keys, trust_list_state
from .models import SigningKey

CACHE_SECONDS = 300


class TrustListUnavailable(ServiceError):
    """The platform has no trust-list key yet (`tichub trust init` not run)."""

    status = 503


@dataclass(frozen=True)
class Published:
    content: bytes
    etag: str  # quoted, strong: "sha256-hex"
    issued_at: dt.datetime


def _first_der(pem: str) -> bytes:
    """The DER bytes of the first certificate of a PEM text (RFC 7468 §2), without parsing the X.509: six times
    faster than loading it, which counts with a thousand institutions."""
    begin = pem.index("-----BEGIN CERTIFICATE-----") + len("-----BEGIN CERTIFICATE-----")
    end = pem.index("-----END CERTIFICATE-----", begin)
    return base64.b64decode("".join(pem[begin:end].split()))


def _record(key: SigningKey, *, with_certificate: bool) -> trust_list.KeyRecord:
    der = _first_der(key.certificate_pem)
    certificate = base64.b64encode(der).decode("ascii") if with_certificate else ""
    organisation = key.organisation if key.organisation_id else None
    return trust_list.KeyRecord(
        kid=key.kid,
        purpose=key.purpose,
        alg=key.algorithm,
        public_key=key.public_key,
        not_before=key.not_before,
        not_after=key.not_after,
        status=key.status,
        retired_at=key.retired_at,
        revoked_at=key.revoked_at,
        reason=key.revocation_reason,
        institution_id=organisation.pk if organisation else None,
        name_zh=organisation.name_zh if organisation else "",
        name_en=organisation.name_en if organisation else "",
        certificate=certificate,
        certificate_sha256="" if with_certificate else hashlib.sha256(der).hexdigest(),
    )


def trust_list_build(*, now: dt.datetime | None = None) -> Published:
    """Build and sign the trust list from the database (no cache)."""
    now = now or timezone.now()
    signer = platform_key(KeyPurpose.PLATFORM_TRUST_LIST)
    if signer is None:
        raise TrustListUnavailable(
            _("信任列表尚未发布：平台运营方须先运行 “tichub trust init”。"), code="trust_list_unavailable"
        )
    _count, last = trust_list_state()
    issued_at = trust_list.issued_at_for(now, last)
    platform, keys = trust_list_keys()
    body = trust_list.build_body(
        issuer=str(getattr(settings, "TRUST_PLATFORM_NAME", "TICHub") or "TICHub"),
        issued_at=issued_at,
        platform=[_record(k, with_certificate=True) for k in platform],
        keys=[_record(k, with_certificate=False) for k in keys],
    )
    private = open_private_key(signer.private_key_encrypted, kid=signer.kid, secret=signing_secret())
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    content = trust_list.serialise(trust_list.sign_document(body, private_key=private, kid=signer.kid))
    return Published(content=content, etag=f'"{hashlib.sha256(content).hexdigest()}"', issued_at=issued_at)


def trust_list_published(*, now: dt.datetime | None = None) -> Published:
    """The current trust list, from the cache when no key changed since it was built."""
    now = now or timezone.now()
    count, last = trust_list_state()
    issued_at = trust_list.issued_at_for(now, last)
    cache_key = f"trust:list:v{trust_list.VERSION}:{count}:{trust_list.timestamp(issued_at)}"
    found = cache.get(cache_key)
    if isinstance(found, Published):
        return found
    published = trust_list_build(now=now)
    cache.set(cache_key, published, CACHE_SECONDS)
    return published
