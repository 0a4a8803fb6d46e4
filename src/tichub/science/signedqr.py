"""Offline-verifiable signed QR codes, after the EU Digital COVID Certificate (DCC / "hcert") profile.

The pipeline is the one of the eHealth Network "Electronic Health Certificates" specification, with our own
claim set and prefix::

    claims ──CBOR──▶ CWT claims map (RFC 8392) ──▶ COSE_Sign1, ES256 (RFC 9052 §4.2, RFC 9053 §2.1)
           ──▶ CBOR tag 18 ──▶ zlib (RFC 1950), level 9 ──▶ Base45 (RFC 9285) ──▶ "TIC1:" + text

so the text is made of the 45 characters of the QR alphanumeric mode (ISO/IEC 18004 §7.4.4, 5.5 bits a
character) and a verifier needs nothing but the issuer's public key: no network, no database.

Claim-map format (the one decision this module makes beyond the DCC profile): the COSE payload is a CWT
claims map with integer keys — ``6`` (``iat``, always present), ``4`` (``exp``, optional), both as whole
seconds since the epoch (RFC 8392 §2 NumericDate) — and the caller's string-keyed claims as one nested map
under the private-use claim key ``-65537`` (:data:`CLAIMS_KEY`; RFC 8392 §9.1 reserves keys below -65536 for
private use). We do *not* reuse the DCC's ``-260``: IANA registered it as ``hcert``, and a DCC verifier must
not mistake a test report for a health certificate. The two extra bytes it costs are negligible.

No Django here: this module only needs :mod:`cbor2` and :mod:`cryptography`.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

__all__ = [
    "B45_ALPHABET",
    "CLAIMS_KEY",
    "CLOCK_SKEW",
    "DEFAULT_PREFIX",
    "MAX_PAYLOAD_BYTES",
    "MAX_TEXT_LENGTH",
    "BadCompression",
    "BadEncoding",
    "BadPrefix",
    "BadSignature",
    "BadStructure",
    "Expired",
    "NotYetValid",
    "UnknownKey",
    "VerificationError",
    "Verified",
    "b45decode",
    "b45encode",
    "decode",
    "encode",
    "generate_key",
    "kid_for",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_pem",
    "public_key_to_pem",
]

# ---------------------------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------------------------

#: RFC 9285 §4.2, Table 1: value i is encoded by B45_ALPHABET[i]. It is exactly the QR alphanumeric character set.
B45_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

#: Default context prefix, like the DCC's "HC1:". Keep prefixes within B45_ALPHABET, or the whole QR code falls
#: back from alphanumeric to byte mode and grows by about a third.
DEFAULT_PREFIX: Final = "TIC1:"

#: Private-use CWT claim key (RFC 8392 §9.1: "less than -65536") holding the caller's string-keyed claims.
CLAIMS_KEY: Final = -65537

#: How far in the future an ``iat`` may lie before the code is refused as NotYetValid: the issuer's clock and the
#: verifier's (often a phone's) clock disagree by seconds to minutes; more than that means a forged or mis-dated code.
CLOCK_SKEW: Final = timedelta(minutes=5)

#: Zip-bomb guard: a genuine payload is a few hundred bytes; anything inflating past 64 KiB is refused unread.
MAX_PAYLOAD_BYTES: Final = 64 * 1024

#: A version-40 QR code holds at most 4,296 alphanumeric characters; 8,192 leaves room for other transports while
#: bounding the work an attacker can make us do before any check has run.
MAX_TEXT_LENGTH: Final = 8192

# CWT claim keys, RFC 8392 §3.1.4 and §3.1.6.
_CWT_EXP: Final = 4
_CWT_IAT: Final = 6
# COSE header labels, RFC 9052 §3.1, and the ES256 algorithm identifier, RFC 9053 §2.1.
_HDR_ALG: Final = 1
_HDR_CRIT: Final = 2
_HDR_KID: Final = 4
_ALG_ES256: Final = -7
# CBOR tag for COSE_Sign1, RFC 9052 §2 (Table 1).
_TAG_COSE_SIGN1: Final = 18
# P-256 field elements and scalars are 32 bytes; RFC 9053 §2.1 fixes the signature as r || s, 64 bytes.
_P256_BYTES: Final = 32
# Containers in a genuine code nest 3 or 4 deep; a small bound keeps hostile CBOR from recursing far.
_MAX_CBOR_DEPTH: Final = 32

# bytes.translate table: ASCII code -> Base45 value, 0xFF for everything outside the alphabet.
_B45_TABLE: Final = bytes(B45_ALPHABET.find(chr(i)) if chr(i) in B45_ALPHABET else 0xFF for i in range(256))


# ---------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------


class VerificationError(ValueError):
    """A code that must not be trusted; ``reason`` says why in plain English, fit for a CLI or a scanner screen."""

    reason: str = "the code could not be verified"
    #: Set on :class:`Expired` and :class:`NotYetValid` only: those are raised after the signature verified, so
    #: the content is the issuer's own and a verifier may show it ("genuine, but expired on ..."). None otherwise.
    verified: Verified | None = None

    def __init__(self, reason: str | None = None, *, verified: Verified | None = None) -> None:
        # A class-level default keeps ``raise Expired()`` meaningful; call sites add the specifics.
        if reason is not None:
            self.reason = reason
        if verified is not None:
            self.verified = verified
        super().__init__(self.reason)


class BadPrefix(VerificationError):
    """The text does not start with the expected context prefix (e.g. ``TIC1:``)."""

    reason = "this is not a TIC signed code (the prefix is missing or wrong)"


class BadEncoding(VerificationError):
    """The text is not valid Base45 (RFC 9285)."""

    reason = "the code contains characters or groups that are not valid Base45"


class BadCompression(VerificationError):
    """The Base45 data is not one complete zlib stream (RFC 1950) of acceptable size."""

    reason = "the code's compressed data is damaged or incomplete"


class BadStructure(VerificationError):
    """The data is not a well-formed COSE_Sign1 / CWT of the ES256 profile."""

    reason = "the code's content is not laid out as a signed document"


class UnknownKey(VerificationError):
    """The key identifier names no key in the caller's trust list."""

    reason = "the code was signed with a key that is not in the trust list"
    #: The key identifier the code names, so that a verifier can say which key it does not know.
    kid: bytes | None = None


class BadSignature(VerificationError):
    """The ES256 signature does not verify: the content was altered or signed with another key."""

    reason = "the signature does not match: the code was altered or forged"


class Expired(VerificationError):
    """The ``exp`` claim lies at or before ``now``."""

    reason = "the code has expired"


class NotYetValid(VerificationError):
    """The ``iat`` claim lies further in the future than :data:`CLOCK_SKEW`."""

    reason = "the code claims to be issued in the future"


@dataclass(frozen=True, slots=True)
class Verified:
    """The content of a code whose signature, structure and validity period all checked out."""

    claims: dict[str, Any]
    kid: bytes
    issued_at: datetime
    expires_at: datetime | None


# ---------------------------------------------------------------------------------------------------------------
# Base45, RFC 9285
# ---------------------------------------------------------------------------------------------------------------


def b45encode(data: bytes) -> str:
    """Encode bytes as Base45 (RFC 9285 §4).

    Each pair of bytes ``[a, b]`` becomes the 16-bit value ``n = a*256 + b`` written as three base-45 digits
    ``c, d, e`` with ``n = c + d*45 + e*45²``, least significant first; an odd last byte becomes two digits.
    """
    full = len(data) - len(data) % 2
    alphabet = B45_ALPHABET
    out: list[str] = []
    for a, b in zip(data[0:full:2], data[1:full:2], strict=True):
        n = (a << 8) | b
        d, c = divmod(n, 45)
        e, d = divmod(d, 45)
        out += (alphabet[c], alphabet[d], alphabet[e])
    if full != len(data):
        d, c = divmod(data[-1], 45)
        out += (alphabet[c], alphabet[d])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Decode Base45 (RFC 9285 §4), refusing everything the RFC's decoding rules do not produce.

    RFC 9285 §4 and §6 require a decoder to reject: characters outside the 45-character alphabet (lowercase
    included), a dangling single character, a triple whose value exceeds 65535 (e.g. ``"GGW"`` = 65536) and a
    final pair exceeding 255. Rejecting them makes decoding injective, so no two texts decode to the same bytes.

    Raises:
        BadEncoding: on any of the above.
    """
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise BadEncoding(f"character {text[exc.start]!r} at position {exc.start} is not valid Base45") from None
    # translate() maps the whole string in C; any 0xFF marks a character outside the alphabet.
    values = raw.translate(_B45_TABLE)
    bad = values.find(0xFF)
    if bad >= 0:
        raise BadEncoding(f"character {text[bad]!r} at position {bad} is not valid Base45")
    rest = len(values) % 3
    if rest == 1:
        raise BadEncoding("the Base45 text ends with a single dangling character")
    full = len(values) - rest
    words = [
        c + d * 45 + e * 2025 for c, d, e in zip(values[0:full:3], values[1:full:3], values[2:full:3], strict=True)
    ]
    if words and max(words) > 0xFFFF:
        at = next(i for i, w in enumerate(words) if w > 0xFFFF) * 3
        raise BadEncoding(f"the Base45 group {text[at : at + 3]!r} at position {at} exceeds 65535")
    out = struct.pack(f">{len(words)}H", *words)
    if rest:
        last = values[full] + values[full + 1] * 45
        if last > 0xFF:
            raise BadEncoding(f"the final Base45 pair {text[full:]!r} exceeds 255")
        out += bytes((last,))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------------------------


def generate_key() -> ec.EllipticCurvePrivateKey:
    """Generate a fresh P-256 signing key, the curve ES256 requires (RFC 9053 §2.1)."""
    return ec.generate_private_key(ec.SECP256R1())


def kid_for(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Key identifier after the EU DCC profile: the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo.

    The DCC (eHN "Electronic Health Certificates" specification, kid header) hashes the whole DER document-signer
    *certificate*; we work with bare keys, so we hash the key's SPKI (RFC 5280 §4.1.2.7) instead — same
    construction and length. Eight bytes are short enough for the QR code and long enough that two keys of one
    trust list do not collide by accident; the kid only selects a key, the signature is what proves anything.
    """
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()[:8]


def public_key_to_pem(public_key: ec.EllipticCurvePublicKey) -> str:
    """Serialise a public key as a PEM SubjectPublicKeyInfo (RFC 7468 §13), the usual trust-list format."""
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii")


def public_key_from_pem(pem: str | bytes) -> ec.EllipticCurvePublicKey:
    """Load a PEM SubjectPublicKeyInfo (RFC 7468 §13), refusing anything but a P-256 key (RFC 9053 §2.1)."""
    key = serialization.load_pem_public_key(pem.encode("ascii") if isinstance(pem, str) else pem)
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("expected a P-256 (secp256r1) public key")
    return key


def private_key_to_pem(private_key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> str:
    """Serialise a private key as PKCS #8 PEM (RFC 5958, RFC 7468 §10/§11), encrypted if a password is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    return pem.decode("ascii")


def private_key_from_pem(pem: str | bytes, password: bytes | None = None) -> ec.EllipticCurvePrivateKey:
    """Load a PKCS #8 / SEC 1 PEM private key (RFC 5958, RFC 5915), refusing anything but P-256 (RFC 9053 §2.1)."""
    key = serialization.load_pem_private_key(pem.encode("ascii") if isinstance(pem, str) else pem, password)
    _check_private_key(key)
    assert isinstance(key, ec.EllipticCurvePrivateKey)  # narrowed by _check_private_key, restated for mypy
    return key


def _check_private_key(key: object) -> None:
    # ES256 is defined on P-256 only (RFC 9053 §2.1); another curve would make codes no verifier accepts.
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("private_key must be a cryptography EllipticCurvePrivateKey")
    if not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(f"ES256 needs a P-256 (secp256r1) key, not {key.curve.name}")


# ---------------------------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------------------------


def _numeric_date(moment: datetime, name: str) -> int:
    # RFC 8392 §2 NumericDate: seconds since the epoch; whole seconds are enough and encode shorter than floats.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return math.floor(moment.timestamp())


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    # RFC 9052 §4.4: the bytes actually signed; external_aad is empty in this profile, as in the DCC.
    return cbor2.dumps(["Signature1", protected, b"", payload])


def encode(
    claims: Mapping[str, Any],
    *,
    private_key: ec.EllipticCurvePrivateKey,
    kid: bytes,
    prefix: str = DEFAULT_PREFIX,
    issued_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Sign ``claims`` and return the QR text (EU DCC pipeline: CWT → COSE_Sign1 → zlib → Base45 → prefix).

    * Payload: CWT claims map (RFC 8392 §7.1) ``{4: exp?, 6: iat, -65537: claims}`` in deterministic CBOR
      (RFC 8949 §4.2.1), so the same input always gives the same bytes.
    * COSE_Sign1 (RFC 9052 §4.2) with protected header ``{1: -7, 4: kid}`` (RFC 9052 §3.1), empty unprotected
      header, ES256 signature (RFC 9053 §2.1) over the Sig_structure of RFC 9052 §4.4, as 64 raw bytes r || s;
      wrapped in CBOR tag 18.
    * zlib (RFC 1950) at level 9, Base45 (RFC 9285), then ``prefix``.

    ``issued_at`` defaults to now; both datetimes must be timezone-aware and are truncated to whole seconds.

    Raises:
        TypeError: ``private_key`` is not an EC private key, ``kid`` not bytes, or a claim key not a string.
        ValueError: the key is not P-256, ``kid`` is empty, a datetime is naive, ``expires_at`` is not after
            ``issued_at``, or a claim value cannot be CBOR-encoded.
    """
    _check_private_key(private_key)
    if not isinstance(kid, bytes):
        raise TypeError("kid must be bytes")
    if not kid:
        raise ValueError("kid must not be empty")
    if not all(isinstance(key, str) for key in claims):
        raise TypeError("claim names must be strings")
    iat = _numeric_date(issued_at if issued_at is not None else datetime.now(UTC), "issued_at")
    cwt: dict[int, Any] = {_CWT_IAT: iat, CLAIMS_KEY: dict(claims)}
    if expires_at is not None:
        exp = _numeric_date(expires_at, "expires_at")
        if exp <= iat:
            raise ValueError("expires_at must be later than issued_at")
        cwt[_CWT_EXP] = exp
    try:
        payload = cbor2.dumps(cwt, canonical=True)
    except cbor2.CBOREncodeError as exc:
        raise ValueError(f"claims cannot be encoded as CBOR: {exc}") from exc

    protected = cbor2.dumps({_HDR_ALG: _ALG_ES256, _HDR_KID: kid})
    der = private_key.sign(_sig_structure(protected, payload), ec.ECDSA(hashes.SHA256()))
    # cryptography speaks DER (SEQUENCE of two INTEGERs); COSE wants fixed-width big-endian r || s.
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")
    cose = cbor2.dumps(cbor2.CBORTag(_TAG_COSE_SIGN1, [protected, {}, payload, signature]))
    return prefix + b45encode(zlib.compress(cose, 9))


# ---------------------------------------------------------------------------------------------------------------
# Decoding and verification
# ---------------------------------------------------------------------------------------------------------------


def _cbor_exact(data: bytes, what: str) -> Any:
    # One CBOR item, nothing after it: cbor2.loads() silently ignores trailing bytes, and an unchecked tail is
    # room for smuggled data. Duplicate map keys are refused so that no two parsers can read different headers.
    stream = io.BytesIO(data)
    try:
        item = cbor2.CBORDecoder(stream, allow_duplicate_keys=False, max_depth=_MAX_CBOR_DEPTH).decode()
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError, MemoryError):
        raise BadStructure(f"the {what} is not valid CBOR") from None
    if stream.tell() != len(data):
        raise BadStructure(f"the {what} has unexpected data after its end")
    return item


def _inflate_once(data: bytes) -> bytes:
    # RFC 1950 stream, inflated with an output cap (zip-bomb guard) and required to be complete and alone.
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_PAYLOAD_BYTES + 1)
    except zlib.error:
        raise BadCompression() from None
    if len(out) > MAX_PAYLOAD_BYTES:
        raise BadCompression(f"the code's compressed data expands beyond {MAX_PAYLOAD_BYTES // 1024} KiB")
    if not inflater.eof:
        raise BadCompression("the code's compressed data is cut short")
    if inflater.unused_data:
        raise BadCompression("the code has unexpected data after its compressed content")
    return out


def _inflate(data: bytes) -> bytes:
    """Inflate a zlib stream (RFC 1950) whose final padding bits are zero, as zlib and other encoders write them.

    Why the padding check: the bits that fill the last byte of a deflate stream (RFC 1951) after the final
    end-of-block code are ignored by inflaters, so flipping them leaves the content, the Adler-32 and therefore
    the signature intact. A misread or tampered QR character that lands there would otherwise verify. We find
    the padding by clearing the highest set bit of the last deflate byte: if the stream still inflates to the same
    bytes, that bit was padding and was not zero, and the code is refused.
    """
    out = _inflate_once(data)
    last = len(data) - 5  # the 4-byte Adler-32 trailer (RFC 1950 §2.2) follows the last deflate byte
    if last >= 2 and data[last]:
        flipped = data[last] ^ (1 << (data[last].bit_length() - 1))
        try:
            same = _inflate_once(data[:last] + bytes((flipped,)) + data[last + 1 :]) == out
        except BadCompression:
            same = False
        if same:
            raise BadCompression("the code's compressed data has stray bits after its end")
    return out


def _numeric_to_datetime(value: object, name: str) -> datetime:
    # RFC 8392 §2 NumericDate: an integer or a float (never a bool, which Python counts as int).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadStructure(f"the {name} date is not a number of seconds")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadStructure(f"the {name} date is not a number of seconds")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise BadStructure(f"the {name} date is out of range") from None


def decode(
    text: str,
    *,
    trust: Mapping[bytes, ec.EllipticCurvePublicKey],
    now: datetime,
    prefix: str = DEFAULT_PREFIX,
) -> Verified:
    """Verify a QR text made by :func:`encode` and return its content (EU DCC verification steps).

    Order of checks, cheapest and least trusting first; nothing from the payload is parsed before the signature
    verifies: prefix → Base45 (RFC 9285) → zlib (RFC 1950, capped at :data:`MAX_PAYLOAD_BYTES`) → COSE_Sign1
    (RFC 9052 §4.2; tag 18 or untagged, as the DCC profile allows) → protected header: ``alg`` must be ES256
    (-7), ``crit`` is refused (RFC 9052 §3.1: we understand no critical extensions) → ``kid``, protected header
    first, unprotected header only when the protected one has none (the DCC rule; an attacker can rewrite the
    unprotected header, never the protected one) → key lookup in ``trust`` → ES256 signature (RFC 9053 §2.1)
    → CWT claims (RFC 8392 §7.2) → ``exp`` (refused at or after it, RFC 8392 §3.1.4) and ``iat`` (refused if
    later than ``now`` + :data:`CLOCK_SKEW`, RFC 8392 §3.1.6).

    Raises:
        BadPrefix, BadEncoding, BadCompression, BadStructure, UnknownKey, BadSignature, Expired, NotYetValid:
            all subclasses of :class:`VerificationError` with a plain-English ``reason``.
        ValueError: ``now`` is naive, or the trusted key for the code's kid is not a P-256 public key (a
            configuration error, not a property of the code).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(text, str) or not text.startswith(prefix):
        raise BadPrefix(f"this is not a TIC signed code (it should start with {prefix!r})")
    if len(text) > MAX_TEXT_LENGTH:
        raise BadEncoding("the code is longer than any QR code can hold")

    cose = _cbor_exact(_inflate(b45decode(text[len(prefix) :])), "signed document")

    # COSE_Sign1 = [protected: bstr, unprotected: map, payload: bstr / nil, signature: bstr]; tag 18 optional.
    if isinstance(cose, cbor2.CBORTag):
        if cose.tag != _TAG_COSE_SIGN1:
            raise BadStructure(f"the code carries CBOR tag {cose.tag}, not a COSE_Sign1 (18)")
        cose = cose.value
    # cbor2 6 hands back tuples inside tags and lists elsewhere.
    if not isinstance(cose, list | tuple) or len(cose) != 4:
        raise BadStructure("the signed document is not a four-part COSE_Sign1")
    protected_bytes, unprotected, payload, signature = cose
    if not isinstance(protected_bytes, bytes) or not isinstance(unprotected, Mapping):
        raise BadStructure("the signed document's headers have the wrong types")
    if not isinstance(payload, bytes):
        # nil would be a detached payload (RFC 9052 §4.2), which a QR code cannot have.
        raise BadStructure("the signed document has no embedded content")
    if not isinstance(signature, bytes):
        raise BadStructure("the signature is not a byte string")

    # RFC 9052 §3: a zero-length protected bstr stands for the empty map.
    protected = _cbor_exact(protected_bytes, "protected header") if protected_bytes else {}
    if not isinstance(protected, Mapping):
        raise BadStructure("the protected header is not a map")
    alg = protected.get(_HDR_ALG)
    # type() rather than ==: in Python True == 1 and -7.0 == -7, and neither is the CBOR integer -7.
    if type(alg) is not int or alg != _ALG_ES256:
        raise BadStructure(f"unsupported signature algorithm {alg!r}: only ES256 (-7) is accepted")
    if _HDR_CRIT in protected:
        raise BadStructure("the code requires extensions this verifier does not understand")
    kid = protected[_HDR_KID] if _HDR_KID in protected else unprotected.get(_HDR_KID)
    if kid is None:
        raise BadStructure("the code does not say which key signed it")
    if not isinstance(kid, bytes):
        raise BadStructure("the code's key identifier is not a byte string")

    public_key = trust.get(kid)
    if public_key is None:
        unknown = UnknownKey(f"the code was signed with key {kid.hex()}, which is not in the trust list")
        unknown.kid = kid
        raise unknown
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, ec.SECP256R1):
        raise ValueError(f"trusted key {kid.hex()} is not a P-256 public key")

    if len(signature) != 2 * _P256_BYTES:
        raise BadSignature("the signature has the wrong length for ES256")
    r = int.from_bytes(signature[:_P256_BYTES], "big")
    s = int.from_bytes(signature[_P256_BYTES:], "big")
    try:
        public_key.verify(
            encode_dss_signature(r, s), _sig_structure(protected_bytes, payload), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature:
        raise BadSignature() from None

    # From here on the bytes are the issuer's own; the checks below catch issuer bugs, not attackers.
    cwt = _cbor_exact(payload, "signed content")
    if not isinstance(cwt, Mapping):
        raise BadStructure("the signed content is not a claims map")
    if _CWT_IAT not in cwt:
        raise BadStructure("the signed content has no issue date")
    issued_at = _numeric_to_datetime(cwt[_CWT_IAT], "issue")
    expires_at = _numeric_to_datetime(cwt[_CWT_EXP], "expiry") if _CWT_EXP in cwt else None
    claims = cwt.get(CLAIMS_KEY, {})
    if not isinstance(claims, Mapping) or not all(isinstance(key, str) for key in claims):
        raise BadStructure("the signed claims are not a map of named values")

    verified = Verified(claims=dict(claims), kid=kid, issued_at=issued_at, expires_at=expires_at)
    if expires_at is not None and now >= expires_at:
        raise Expired(f"the code expired on {expires_at.isoformat()}", verified=verified)
    if issued_at > now + CLOCK_SKEW:
        raise NotYetValid(
            f"the code claims to be issued on {issued_at.isoformat()}, which is in the future", verified=verified
        )
    return verified
