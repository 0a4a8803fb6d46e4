"""Private keys at rest: AES-256-GCM under a key derived from the TICHUB_SIGNING_SECRET environment secret.

Layout of a sealed key: ``b"\\x01" || nonce (12 bytes) || AES-GCM(PKCS #8 DER)`` with the key's kid as associated
data, so a sealed key copied onto another row (another kid) fails to open instead of signing for the wrong key.
The key-encryption key is HKDF-SHA256 (RFC 5869) of the secret; the leading version byte leaves room to change
the scheme (or the secret) later by re-sealing every row.

This module reads Django settings only in :func:`signing_secret`; everything else takes the secret as a value.
"""

from __future__ import annotations

import functools
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .certificates import PrivateKey

VERSION: Final = b"\x01"
NONCE_BYTES: Final = 12
MIN_SECRET_LENGTH: Final = 32
_INFO: Final = b"tichub.trust signing-key encryption v1"
_SALT: Final = b"tichub.trust"


class SealError(RuntimeError):
    """A sealed key cannot be opened: wrong secret, damaged row, or a row copied from another key."""


def signing_secret() -> str:
    """The secret from settings (TICHUB_SIGNING_SECRET); production settings refuse to start without it."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    secret = str(getattr(settings, "TICHUB_SIGNING_SECRET", "") or "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(
            f"TICHUB_SIGNING_SECRET must be set (at least {MIN_SECRET_LENGTH} characters): it encrypts the "
            "signing keys at rest."
        )
    return secret


@functools.lru_cache(maxsize=4)
def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret.encode("utf-8"))
    return AESGCM(key)


def _aad(kid: str) -> bytes:
    return b"tichub.trust kid=" + kid.encode("ascii")


def seal_private_key(private_key: PrivateKey, *, kid: str, secret: str) -> bytes:
    """The private key as PKCS #8 DER, encrypted and bound to `kid`."""
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + _aead(secret).encrypt(nonce, der, _aad(kid))


def open_private_key(sealed: bytes, *, kid: str, secret: str) -> PrivateKey:
    """The private key sealed by :func:`seal_private_key` for `kid`; SealError if it does not open."""
    sealed = bytes(sealed)
    if not sealed.startswith(VERSION) or len(sealed) < 1 + NONCE_BYTES + 16:
        raise SealError(f"the sealed private key of {kid} has an unknown format")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        der = _aead(secret).decrypt(nonce, body, _aad(kid))
    except InvalidTag:
        raise SealError(
            f"the private key of {kid} does not open: TICHUB_SIGNING_SECRET differs from the one it was sealed "
            "with, or the row was altered"
        ) from None
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SealError(f"the private key of {kid} is neither EC nor RSA")
    return key
