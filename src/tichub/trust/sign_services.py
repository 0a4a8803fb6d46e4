"""Signing with an institution's keys: the one call reports and certificates use.

    sealed = sign_services.document_seal(
        actor=actor, claims={"no": "GXQI-R-2026-000123", "v": 1, ...}, render=lambda qr_text: render_pdf(...),
        reason="检测报告签发 Test report issued", location="南宁 Nanning",
    )
    sealed.pdf, sealed.qr_text, sealed.sha256, sealed.kid

These are building blocks for other services (report issue, certificate decision), which check their own policy
first and write their own audit events; here the actor only says whose keys to use (its institution's) and who
asked. The QR code is signed with the active ES256 key and names the institution in the "iss" claim (what
verifiers match against the key's owner); the PDF with the active PDF-only key (an outside CA's RSA certificate)
when there is one, else with the same ES256 key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.errors import Conflict, ServiceError
from tichub.core.tenancy import Actor
from tichub.science import signedqr

from . import certificates
from .choices import KeyPurpose
from .crypto import open_private_key, signing_secret
from .key_selectors import active_key
from .models import SigningKey
from .pdf_signing import DEFAULT_FIELD, SignerKey, pdf_sign
from .verify import ISSUER_CLAIM


@dataclass(frozen=True)
class InstitutionSigner:
    """An institution's signing material, decrypted in memory: keep it for one batch, never store it."""

    organisation_id: int
    qr_kid: str
    qr_key: ec.EllipticCurvePrivateKey
    qr_not_after: dt.datetime
    pdf: SignerKey
    pdf_kid: str


@dataclass(frozen=True)
class Sealed:
    pdf: bytes
    qr_text: str
    sha256: str  # of the signed PDF, as stored and as an uploaded copy is compared
    kid: str  # the QR key
    pdf_kid: str


def _usable(key: SigningKey | None, now: dt.datetime) -> SigningKey:
    if key is None:
        raise Conflict(
            _("本机构还没有有效的签名密钥：请机构管理员在“签名密钥”页签发或上传一个。"), code="no_signing_key"
        )
    if not key.not_before - signedqr.CLOCK_SKEW <= now < key.not_after:
        raise Conflict(
            _("本机构的签名密钥 %(kid)s 已于 %(date)s 过期：请机构管理员签发新密钥。")
            % {"kid": key.kid, "date": timezone.localtime(key.not_after).date().isoformat()},
            code="signing_key_expired",
        )
    return key


def signer_for(*, actor: Actor, now: dt.datetime | None = None) -> InstitutionSigner:
    """The actor's institution's active keys, opened. Conflict when it has none, or its key has expired."""
    now = now or timezone.now()
    organisation_id = actor.tenant_id
    qr_row = _usable(active_key(organisation_id, KeyPurpose.INSTITUTION), now)
    pdf_row = active_key(organisation_id, KeyPurpose.INSTITUTION_PDF)
    pdf_row = _usable(pdf_row, now) if pdf_row is not None else qr_row
    secret = signing_secret()
    qr_private = open_private_key(qr_row.private_key_encrypted, kid=qr_row.kid, secret=secret)
    assert isinstance(qr_private, ec.EllipticCurvePrivateKey)
    pdf_private = (
        qr_private
        if pdf_row.pk == qr_row.pk
        else open_private_key(pdf_row.private_key_encrypted, kid=pdf_row.kid, secret=secret)
    )
    pdf_key = SignerKey(
        private_key=pdf_private,
        certificate=certificates.from_pem(pdf_row.certificate_pem)[0],
        chain=tuple(certificates.from_pem(pdf_row.chain_pem)),
    )
    return InstitutionSigner(
        organisation_id=organisation_id,
        qr_kid=qr_row.kid,
        qr_key=qr_private,
        qr_not_after=qr_row.not_after,
        pdf=pdf_key,
        pdf_kid=pdf_row.kid,
    )


def _claims_with_issuer(claims: Mapping[str, Any], organisation_id: int) -> dict[str, Any]:
    stated = claims.get(ISSUER_CLAIM, organisation_id)
    if stated != organisation_id:
        raise ServiceError.field(ISSUER_CLAIM, _("二维码只能以本机构的名义签发。"))
    return {**claims, ISSUER_CLAIM: organisation_id}


def qr_sign(
    *,
    actor: Actor,
    claims: Mapping[str, Any],
    issued_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    signer: InstitutionSigner | None = None,
) -> str:
    """The signed QR text ("TIC1:...") of `claims`, with "iss" set to the actor's institution id."""
    signer = signer or signer_for(actor=actor)
    return signedqr.encode(
        _claims_with_issuer(claims, signer.organisation_id),
        private_key=signer.qr_key,
        kid=bytes.fromhex(signer.qr_kid),
        issued_at=issued_at or timezone.now(),
        expires_at=expires_at,
    )


def pdf_seal(
    *,
    actor: Actor,
    pdf_bytes: bytes,
    reason: str,
    location: str,
    field_name: str = DEFAULT_FIELD,
    visible: bool = False,
    signer: InstitutionSigner | None = None,
) -> bytes:
    """The PDF signed (PAdES B-B) with the institution's PDF key."""
    signer = signer or signer_for(actor=actor)
    return pdf_sign(pdf_bytes, key=signer.pdf, reason=reason, location=location, field_name=field_name, visible=visible)


def document_seal(
    *,
    actor: Actor,
    claims: Mapping[str, Any],
    render: Callable[[str], bytes],
    reason: str,
    location: str,
    expires_at: dt.datetime | None = None,
    visible: bool = False,
) -> Sealed:
    """Sign the QR claims, render the PDF with that QR text (`render(qr_text)`), sign the PDF: one call."""
    signer = signer_for(actor=actor)
    qr_text = qr_sign(actor=actor, claims=claims, expires_at=expires_at, signer=signer)
    signed = pdf_seal(
        actor=actor, pdf_bytes=render(qr_text), reason=reason, location=location, visible=visible, signer=signer
    )
    return Sealed(
        pdf=signed,
        qr_text=qr_text,
        sha256=hashlib.sha256(signed).hexdigest(),
        kid=signer.qr_kid,
        pdf_kid=signer.pdf_kid,
    )
