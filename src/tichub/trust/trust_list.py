"""The trust list format (docs/trust.md): build, canonicalise and sign. Pure Python + `cryptography`, no Django.

A trust list is ``{"signed": BODY, "signature": {"alg": "ES256", "kid": HEX, "value": B64URL}}`` where the value
is an ES256 signature (raw r || s, RFC 7518 §3.4) over the UTF-8 bytes of the RFC 8785 (JCS) canonical form of
BODY. The body holds only strings, integers below 2^53, booleans, null, arrays and objects with ASCII member
names, for which JCS is exactly ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``; the
served file is the canonical form of the whole document, so the same keys give the same bytes (and ETag).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

FORMAT: Final = "tichub-trust-list"
VERSION: Final = 1
MAX_SAFE_INTEGER: Final = 2**53 - 1  # RFC 8785 §3.2.2.3: numbers are IEEE 754 doubles; integers stay exact below
VALIDITY: Final = dt.timedelta(days=7)  # next_update = issued_at + 7 days; verifiers call an older list stale
USES_QR_AND_PDF: Final = ("pdf", "qr")
USES_PDF: Final = ("pdf",)


class CanonicalError(ValueError):
    """A value outside the subset of JSON this format uses (floats, huge integers, non-ASCII member names)."""


def _check(value: Any) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalError(f"integer {value} is beyond 2^53")
        return
    if isinstance(value, float):
        raise CanonicalError("floats are not used in trust lists")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise CanonicalError(f"member name {key!r} is not an ASCII string")
            _check(item)
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check(item)
        return
    raise CanonicalError(f"{type(value).__name__} is not JSON")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON for the subset described in the module docstring (CanonicalError outside it)."""
    _check(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.isascii() or "=" in text:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def timestamp(moment: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC, whole seconds, with a Z: "2026-11-22T08:00:00Z"."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class KeyRecord:
    """One key as the trust list states it (public data only)."""

    kid: str
    purpose: str
    alg: str
    public_key: str  # base64 (RFC 4648 §4, padded) of the DER SubjectPublicKeyInfo
    not_before: dt.datetime
    not_after: dt.datetime
    status: str
    retired_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    reason: str = ""
    institution_id: int | None = None
    name_zh: str = ""
    name_en: str = ""
    certificate: str = ""  # base64 DER; platform keys only
    certificate_sha256: str = ""  # hex SHA-256 of the DER certificate; institution keys (PDF signer certificates)

    def platform_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "purpose": self.purpose,
            "alg": self.alg,
            "public_key": self.public_key,
            "certificate": self.certificate,
            "not_before": timestamp(self.not_before),
            "not_after": timestamp(self.not_after),
            "status": self.status,
            "retired_at": timestamp(self.retired_at),
            "revoked_at": timestamp(self.revoked_at),
            "reason": self.reason,
        }

    def institution_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "purpose": self.purpose,
            "alg": self.alg,
            "use": list(USES_QR_AND_PDF if self.purpose == "institution" else USES_PDF),
            "institution": {"id": self.institution_id, "name_zh": self.name_zh, "name_en": self.name_en},
            "public_key": self.public_key,
            "certificate_sha256": self.certificate_sha256,
            "not_before": timestamp(self.not_before),
            "not_after": timestamp(self.not_after),
            "status": self.status,
            "retired_at": timestamp(self.retired_at),
            "revoked_at": timestamp(self.revoked_at),
            "reason": self.reason,
        }


def issued_at_for(now: dt.datetime, last_change: dt.datetime | None) -> dt.datetime:
    """The list's issue time: the later of the last key change and midnight UTC today, so that one day's lists are
    byte-identical (deterministic signature) until a key changes, and a change shows at once."""
    midnight = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if last_change is None:
        return midnight
    return max(midnight, last_change.astimezone(dt.UTC).replace(microsecond=0))


def build_body(
    *,
    issuer: str,
    issued_at: dt.datetime,
    platform: Iterable[KeyRecord],
    keys: Iterable[KeyRecord],
) -> dict[str, Any]:
    """The signed part. Platform keys sorted by (purpose, kid); institution keys by (institution id, kid)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "issuer": issuer,
        "issued_at": timestamp(issued_at),
        "next_update": timestamp(issued_at + VALIDITY),
        "platform": [k.platform_json() for k in sorted(platform, key=lambda k: (k.purpose, k.kid))],
        "keys": [k.institution_json() for k in sorted(keys, key=lambda k: (k.institution_id or 0, k.kid))],
    }


def es256_raw(private_key: ec.EllipticCurvePrivateKey, data: bytes, *, deterministic: bool = True) -> bytes:
    """ES256 as JWS and COSE write it (r || s, 32 bytes each). Deterministic (RFC 6979) unless asked otherwise."""
    der = private_key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=deterministic))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign_document(body: Mapping[str, Any], *, private_key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    signature = es256_raw(private_key, canonical_json(body))
    return {"signed": dict(body), "signature": {"alg": "ES256", "kid": kid, "value": b64url(signature)}}


def serialise(document: Mapping[str, Any]) -> bytes:
    """The bytes served and exported: the canonical form of the whole document."""
    return canonical_json(document)
