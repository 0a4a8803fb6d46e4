"""Trust API schemas."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from ninja import Field, Schema

from .certificates import MAX_PKCS12_BYTES


class KeyOut(Schema):
    id: int
    kid: str = Field(description="first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo, hex; the QR's key id")
    purpose: str = Field(description="institution (QR codes and PDFs) or institution_pdf (PDFs only, outside CA)")
    algorithm: str = Field(description="ES256 or RSA")
    key_size: int
    source: str = Field(description="platform (issued by the platform CA) or imported (PKCS#12)")
    status: str = Field(description="active, retired (still verifies what it signed) or revoked (verifies nothing)")
    subject: str
    issuer: str
    serial: str = Field(description="certificate serial number, hex")
    not_before: dt.datetime
    not_after: dt.datetime
    created_at: dt.datetime
    retired_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revocation_reason: str
    public_key: str = Field(description="base64 of the DER SubjectPublicKeyInfo")
    fingerprint: str = Field("", description="SHA-256 of the DER SubjectPublicKeyInfo, hex")
    certificate_pem: str

    @staticmethod
    def resolve_fingerprint(obj: Any) -> str:
        return hashlib.sha256(base64.b64decode(obj.public_key)).hexdigest()


class KeyImportIn(Schema):
    pkcs12: str = Field(
        description="the PKCS#12 file (.p12 / .pfx), base64", max_length=(MAX_PKCS12_BYTES * 4) // 3 + 8
    )
    password: str = Field("", max_length=200)


class KeyImportOut(Schema):
    key: KeyOut
    qr_key_issued: KeyOut | None = Field(
        None, description="for an RSA certificate, the ES256 QR key the platform CA issued when there was none"
    )
    retired: list[KeyOut]


class KeyRevokeIn(Schema):
    reason: str = Field(description="required, at most 500 characters; published in the trust list", max_length=2000)
    revoked_at: dt.datetime | None = Field(
        None, description="when the revocation takes effect (default now; not in the future); ISO 8601 with offset"
    )
