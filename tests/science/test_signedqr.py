"""Tests for tichub.science.signedqr: Base45 (RFC 9285), COSE_Sign1/ES256 (RFC 9052/9053), CWT (RFC 8392)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import cbor2
import pytest
import segno
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from tichub.science import signedqr as sq
from tichub.science.signedqr import (
    B45_ALPHABET,
    BadCompression,
    BadEncoding,
    BadPrefix,
    BadSignature,
    BadStructure,
    Expired,
    NotYetValid,
    UnknownKey,
    VerificationError,
    Verified,
    b45decode,
    b45encode,
    decode,
    encode,
    generate_key,
    kid_for,
)

T0 = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)

# Keys are generated once: ECDSA key generation is cheap, but fixed keys keep hypothesis examples comparable.
KEY = generate_key()
KID = kid_for(KEY.public_key())
OTHER = generate_key()
OTHER_KID = kid_for(OTHER.public_key())
TRUST = {KID: KEY.public_key(), OTHER_KID: OTHER.public_key()}

TYPICAL = {
    "iss": "GXQI-0001",
    "no": "GXQI-R-2026-000123",
    "v": 1,
    "date": "2026-11-21",
    "prod": "白砂糖 White granulated sugar, batch 20261101",
    "concl": "pass",
    "sha": hashlib.sha256(b"report GXQI-R-2026-000123 v1").digest(),
}
TEXT = encode(TYPICAL, private_key=KEY, kid=KID, issued_at=T0)


def _sign(key: ec.EllipticCurvePrivateKey, protected: bytes, payload: bytes) -> bytes:
    # Independent ES256 signer (RFC 9052 §4.4 Sig_structure, RFC 9053 §2.1 r || s), to forge test structures.
    der = key.sign(cbor2.dumps(["Signature1", protected, b"", payload]), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _wrap(cose: Any, prefix: str = "TIC1:") -> str:
    # CBOR → zlib → Base45 → prefix, as encode() does, for hand-made COSE structures.
    return prefix + b45encode(zlib.compress(cbor2.dumps(cose), 9))


def _payload(claims: Any = None, *, iat: Any = None, exp: Any = None) -> bytes:
    cwt: dict[int, Any] = {
        6: int(T0.timestamp()) if iat is None else iat,
        -65537: TYPICAL if claims is None else claims,
    }
    if exp is not None:
        cwt[4] = exp
    return cbor2.dumps(cwt)


def _forge(
    *,
    protected: dict[int, Any] | bytes | None = None,
    unprotected: Any = None,
    payload: bytes | None = None,
    key: ec.EllipticCurvePrivateKey = KEY,
    tag: int | None = 18,
) -> str:
    # A correctly signed COSE_Sign1 with any headers and payload we like.
    prot = (
        protected if isinstance(protected, bytes) else cbor2.dumps({1: -7, 4: KID} if protected is None else protected)
    )
    body = _payload() if payload is None else payload
    cose = [prot, {} if unprotected is None else unprotected, body, _sign(key, prot, body)]
    return _wrap(cose if tag is None else cbor2.CBORTag(tag, cose))


def _unwrap(text: str) -> Any:
    return cbor2.loads(zlib.decompress(b45decode(text[len("TIC1:") :])))


# ---------------------------------------------------------------------------------------------------------------
# Base45, RFC 9285
# ---------------------------------------------------------------------------------------------------------------

RFC9285_EXAMPLES = [  # RFC 9285 §4.3 (encoding) and §4.4 (decoding)
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
]


@pytest.mark.parametrize(("raw", "text"), RFC9285_EXAMPLES)
def test_b45_rfc9285_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@pytest.mark.parametrize(
    ("text", "raw"),
    [("", b""), ("00", b"\x00"), ("U5", b"\xff"), ("000", b"\x00\x00"), ("FGW", b"\xff\xff")],
)
def test_b45_edges(text: str, raw: bytes) -> None:
    # "FGW" = 15 + 16*45 + 32*2025 = 65535 and "U5" = 30 + 5*45 = 255: the largest valid groups.
    assert b45decode(text) == raw
    assert b45encode(raw) == text


@pytest.mark.parametrize(
    "text",
    [
        "GGW",  # 16 + 16*45 + 32*2025 = 65536 > 65535: the RFC's own invalid example
        ":::",  # 91124
        "BB8GGW",  # the overflow in the second group
        "V5",  # final pair 31 + 5*45 = 256 > 255
        "::",  # final pair 2024
        "A",  # dangling single character
        "BB8A",
        "bb8",  # lowercase is not in the alphabet
        "BB=",
        "BB\n",
        "BBé",
        "BB8\x00",
    ],
)
def test_b45_rejects_invalid(text: str) -> None:
    with pytest.raises(BadEncoding) as info:
        b45decode(text)
    assert isinstance(info.value, ValueError)
    assert info.value.reason


def test_b45_alphabet_is_qr_alphanumeric() -> None:
    assert len(B45_ALPHABET) == len(set(B45_ALPHABET)) == 45
    assert segno.make(B45_ALPHABET, micro=False).mode == "alphanumeric"


@given(st.binary(max_size=600))
def test_b45_roundtrip(raw: bytes) -> None:
    text = b45encode(raw)
    assert len(text) == 3 * (len(raw) // 2) + 2 * (len(raw) % 2)
    assert b45decode(text) == raw


@given(st.text(alphabet=B45_ALPHABET, max_size=60))
def test_b45_decoding_is_injective(text: str) -> None:
    # Every accepted text is the one canonical encoding of its bytes: no two texts decode alike.
    try:
        raw = b45decode(text)
    except BadEncoding:
        return
    assert b45encode(raw) == text


# ---------------------------------------------------------------------------------------------------------------
# Round trip and wire format
# ---------------------------------------------------------------------------------------------------------------


def test_roundtrip_typical() -> None:
    got = decode(TEXT, trust=TRUST, now=T0)
    assert got == Verified(claims=TYPICAL, kid=KID, issued_at=T0, expires_at=None)


def test_roundtrip_with_expiry_and_types() -> None:
    claims: dict[str, Any] = {
        "i": -3,
        "big": 2**70,
        "f": 1.5,
        "b": True,
        "n": None,
        "l": [1, "x", b"\x00"],
        "m": {"k": [{}]},
        "": "",
    }
    exp = T0 + timedelta(days=365)
    text = encode(claims, private_key=KEY, kid=KID, issued_at=T0, expires_at=exp)
    got = decode(text, trust=TRUST, now=T0 + timedelta(days=1))
    assert got.claims == claims
    assert got.expires_at == exp
    assert got.issued_at == T0


def test_issued_at_defaults_to_now_and_truncates_to_seconds() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    got = decode(encode({}, private_key=KEY, kid=KID), trust=TRUST, now=datetime.now(UTC))
    assert before <= got.issued_at <= datetime.now(UTC)
    moment = T0 + timedelta(microseconds=999_999)
    assert decode(encode({}, private_key=KEY, kid=KID, issued_at=moment), trust=TRUST, now=T0).issued_at == T0


def test_other_timezones_are_the_same_instant() -> None:
    paris = datetime(2026, 11, 21, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))
    got = decode(encode({}, private_key=KEY, kid=KID, issued_at=paris), trust=TRUST, now=T0)
    assert got.issued_at == T0


def test_wire_format_is_the_dcc_profile() -> None:
    # Check every layer by hand, with independent calls, so that a regression cannot hide in decode().
    assert TEXT.startswith("TIC1:")
    compressed = b45decode(TEXT[5:])
    assert compressed[:2] == b"\x78\xda"  # zlib, deflate, 32 KiB window, level 9 (RFC 1950 §2.2)
    cose = cbor2.loads(zlib.decompress(compressed))
    assert isinstance(cose, cbor2.CBORTag)
    assert cose.tag == 18
    protected, unprotected, payload, signature = cose.value
    assert protected == cbor2.dumps({1: -7, 4: KID}) == b"\xa2\x01\x26\x04\x48" + KID
    assert dict(unprotected) == {}
    assert cbor2.loads(payload) == {6: int(T0.timestamp()), -65537: TYPICAL}
    assert payload == cbor2.dumps(cbor2.loads(payload), canonical=True)  # deterministic CBOR, RFC 8949 §4.2.1
    assert len(signature) == 64
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    KEY.public_key().verify(
        encode_dss_signature(r, s), cbor2.dumps(["Signature1", protected, b"", payload]), ec.ECDSA(hashes.SHA256())
    )


def test_custom_prefix() -> None:
    text = encode({"a": 1}, private_key=KEY, kid=KID, issued_at=T0, prefix="TICX:")
    assert decode(text, trust=TRUST, now=T0, prefix="TICX:").claims == {"a": 1}
    with pytest.raises(BadPrefix):
        decode(text, trust=TRUST, now=T0)


def test_untagged_cose_sign1_is_accepted() -> None:
    # The DCC specification allows the COSE_Sign1 without its tag 18.
    assert decode(_forge(tag=None), trust=TRUST, now=T0).claims == TYPICAL


def test_kid_only_in_unprotected_header_is_accepted() -> None:
    text = _forge(protected={1: -7}, unprotected={4: KID})
    assert decode(text, trust=TRUST, now=T0).kid == KID


def test_empty_claims_map_when_absent() -> None:
    text = _forge(payload=cbor2.dumps({6: int(T0.timestamp())}))
    assert decode(text, trust=TRUST, now=T0).claims == {}


# ---------------------------------------------------------------------------------------------------------------
# Size: the typical report summary must fit a small QR code
# ---------------------------------------------------------------------------------------------------------------


def test_typical_summary_fits_qr_version_15_m() -> None:
    # Measured: 394-398 characters (the ECDSA signature is random, so deflate's output varies by a byte or two),
    # which is QR version 12 at level M (capacity 419); version 15-M holds 600 alphanumeric characters.
    assert set(TEXT) <= set(B45_ALPHABET)
    assert len(TEXT) <= 420
    qr = segno.make(TEXT, error="m", micro=False, boost_error=False)
    assert qr.mode == "alphanumeric"
    assert qr.error == "M"
    assert isinstance(qr.version, int)
    assert qr.version <= 15


def test_typical_summary_with_expiry_still_fits() -> None:
    text = encode(TYPICAL, private_key=KEY, kid=KID, issued_at=T0, expires_at=T0 + timedelta(days=3650))
    version = segno.make(text, error="m", micro=False, boost_error=False).version
    assert isinstance(version, int)
    assert version <= 15


# ---------------------------------------------------------------------------------------------------------------
# Security: every tampering is a typed VerificationError
# ---------------------------------------------------------------------------------------------------------------


def test_unknown_key() -> None:
    stranger = generate_key()
    text = encode(TYPICAL, private_key=stranger, kid=kid_for(stranger.public_key()), issued_at=T0)
    with pytest.raises(UnknownKey) as info:
        decode(text, trust=TRUST, now=T0)
    assert kid_for(stranger.public_key()).hex() in info.value.reason


def test_signed_by_another_trusted_key_claiming_this_kid() -> None:
    text = encode(TYPICAL, private_key=OTHER, kid=KID, issued_at=T0)
    with pytest.raises(BadSignature):
        decode(text, trust=TRUST, now=T0)


def test_unprotected_kid_cannot_override_protected_kid() -> None:
    # Honest code plus an attacker's kid in the unprotected header: the protected kid still picks the key.
    cose = _unwrap(TEXT)
    prot, _, payload, sig = cose.value
    text = _wrap(cbor2.CBORTag(18, [prot, {4: OTHER_KID}, payload, sig]))
    assert decode(text, trust=TRUST, now=T0).kid == KID
    # Forged content signed by OTHER, protected kid of KEY, unprotected kid of OTHER: checked against KEY, fails.
    forged_payload = _payload({**TYPICAL, "concl": "fail"})
    text = _wrap(cbor2.CBORTag(18, [prot, {4: OTHER_KID}, forged_payload, _sign(OTHER, prot, forged_payload)]))
    with pytest.raises(BadSignature):
        decode(text, trust=TRUST, now=T0)


def test_swapped_payload_fails_signature() -> None:
    prot, unprot, _, sig = _unwrap(TEXT).value
    text = _wrap(cbor2.CBORTag(18, [prot, unprot, _payload({**TYPICAL, "concl": "fail"}), sig]))
    with pytest.raises(BadSignature):
        decode(text, trust=TRUST, now=T0)


def test_expired() -> None:
    exp = T0 + timedelta(days=30)
    text = encode(TYPICAL, private_key=KEY, kid=KID, issued_at=T0, expires_at=exp)
    assert decode(text, trust=TRUST, now=exp - timedelta(seconds=1)).expires_at == exp
    for now in (exp, exp + timedelta(days=1)):  # RFC 8392 §3.1.4: not accepted "on or after" exp
        with pytest.raises(Expired) as info:
            decode(text, trust=TRUST, now=now)
        assert "expired" in info.value.reason


def test_issued_in_the_future() -> None:
    text = encode(TYPICAL, private_key=KEY, kid=KID, issued_at=T0)
    assert decode(text, trust=TRUST, now=T0 - sq.CLOCK_SKEW).issued_at == T0  # within the tolerated skew
    with pytest.raises(NotYetValid):
        decode(text, trust=TRUST, now=T0 - sq.CLOCK_SKEW - timedelta(seconds=1))


def test_time_checks_come_after_the_signature() -> None:
    # An expired forgery is reported as a forgery, not as merely expired.
    text = encode(TYPICAL, private_key=OTHER, kid=KID, issued_at=T0, expires_at=T0 + timedelta(seconds=1))
    with pytest.raises(BadSignature):
        decode(text, trust=TRUST, now=T0 + timedelta(days=1))


def test_truncated_anywhere() -> None:
    # One loop, not a parametrisation: TEXT's length varies with the random signature, and pytest-xdist needs
    # every worker to collect the same tests.
    for cut in range(len(TEXT)):
        with pytest.raises(VerificationError):
            decode(TEXT[:cut], trust=TRUST, now=T0)


def test_every_single_character_change_is_refused() -> None:
    # Exhaustive over position and replacement for one code (about 17,000 variants; most fail at zlib).
    for i in range(len(TEXT)):
        for ch in B45_ALPHABET + "a~":
            if ch != TEXT[i]:
                with pytest.raises(VerificationError):
                    decode(TEXT[:i] + ch + TEXT[i + 1 :], trust=TRUST, now=T0)


# Codes signed by different keys: each fresh signature moves deflate's bit alignment, so the zlib padding check
# is exercised on many layouts. Built once so that hypothesis sees the same examples when it replays.
POOL = [
    (key, encode(TYPICAL, private_key=key, kid=kid_for(key.public_key()), issued_at=T0))
    for key in [KEY] + [generate_key() for _ in range(15)]
]


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_single_character_change_property(data: st.DataObject) -> None:
    key, text = data.draw(st.sampled_from(POOL), label="code")
    i = data.draw(st.integers(0, len(text) - 1), label="position")
    ch = data.draw(st.sampled_from(B45_ALPHABET + "a~\x00é").filter(lambda c: c != text[i]), label="replacement")
    with pytest.raises(VerificationError):
        decode(text[:i] + ch + text[i + 1 :], trust={kid_for(key.public_key()): key.public_key()}, now=T0)


def test_nonzero_deflate_padding_is_refused() -> None:
    # The bits after deflate's end-of-block code are ignored by zlib: setting them keeps content, Adler-32 and
    # signature intact. Find a code whose last deflate byte has padding, set its top bit, expect a refusal.
    for _ in range(64):
        key = generate_key()
        kid = kid_for(key.public_key())
        text = encode(TYPICAL, private_key=key, kid=kid, issued_at=T0)
        raw = bytearray(b45decode(text[5:]))
        if raw[-5] & 0x80:
            continue
        raw[-5] |= 0x80
        try:
            same = zlib.decompress(bytes(raw)) == zlib.decompress(b45decode(text[5:]))
        except zlib.error:
            same = False
        if same:
            with pytest.raises(BadCompression):
                decode("TIC1:" + b45encode(bytes(raw)), trust={kid: key.public_key()}, now=T0)
            return
    pytest.fail("no code with deflate padding bits found in 64 tries")


@pytest.mark.parametrize(
    "text",
    ["", "HC1:NCFOXN%TS3DH3ZSUZK", "tic1:BB8", " TIC1:BB8", "TIC1", "T"],
)
def test_bad_prefix(text: str) -> None:
    with pytest.raises(BadPrefix):
        decode(text, trust=TRUST, now=T0)


@pytest.mark.parametrize("text", ["TIC1:hello world!", "TIC1:GGW", "TIC1:A", "TIC1:" + "\u00e9" * 9, "TIC1:BB8\n"])
def test_non_base45_garbage(text: str) -> None:
    with pytest.raises(BadEncoding):
        decode(text, trust=TRUST, now=T0)


def test_overlong_text() -> None:
    with pytest.raises(BadEncoding):
        decode("TIC1:" + "000" * 3000, trust=TRUST, now=T0)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not zlib at all",
        zlib.compress(b"x")[:-1],  # truncated Adler-32
        zlib.compress(b"x") + b"\x00",  # trailing data after the stream
        zlib.compress(bytes(200_000), 9),  # zip bomb: 200 KB of zeros from a few hundred bytes
        b"\x78\xbb" + zlib.compress(b"x")[2:],  # preset dictionary (FDICT) requested
    ],
)
def test_bad_compression(raw: bytes) -> None:
    with pytest.raises(BadCompression):
        decode("TIC1:" + b45encode(raw), trust=TRUST, now=T0)


@pytest.mark.parametrize(
    "inner",
    [
        b"",
        b"\xff",  # break code outside an indefinite item
        b"\x84\x40\xa0",  # truncated array
        b"\x1c",  # reserved additional information
        cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"", b""])) + b"\x00",  # trailing bytes after the item
    ],
)
def test_zlib_of_non_cbor(inner: bytes) -> None:
    with pytest.raises(BadStructure):
        decode("TIC1:" + b45encode(zlib.compress(inner)), trust=TRUST, now=T0)


SIG = bytes(64)
PROT = cbor2.dumps({1: -7, 4: KID})


@pytest.mark.parametrize(
    "cose",
    [
        {"a": 1},
        cbor2.CBORTag(18, [PROT, {}, b""]),  # three elements
        cbor2.CBORTag(18, [PROT, {}, b"", SIG, b""]),  # five elements
        cbor2.CBORTag(17, [PROT, {}, b"", SIG]),  # COSE_Mac0, not COSE_Sign1
        cbor2.CBORTag(61, cbor2.CBORTag(18, [PROT, {}, b"", SIG])),  # CWT tag around it: not this profile
        cbor2.CBORTag(18, [{1: -7, 4: KID}, {}, b"", SIG]),  # protected header not wrapped in a bstr
        cbor2.CBORTag(18, [PROT, [], b"", SIG]),  # unprotected header not a map
        cbor2.CBORTag(18, [PROT, {}, None, SIG]),  # detached payload
        cbor2.CBORTag(18, [PROT, {}, "text", SIG]),  # payload not a bstr
        cbor2.CBORTag(18, [PROT, {}, b"", 0]),  # signature not a bstr
        cbor2.CBORTag(18, [b"\x01", {}, b"", SIG]),  # protected header not a map
        cbor2.CBORTag(18, [b"\xa1\x01", {}, b"", SIG]),  # protected header truncated
        cbor2.CBORTag(18, [PROT + b"\x00", {}, b"", SIG]),  # protected header with trailing bytes
        cbor2.CBORTag(18, [b"\xa3\x01\x26\x04\x41\x00\x04\x41\x01", {}, b"", SIG]),  # duplicate kid: ambiguous
        cbor2.CBORTag(18, [b"", {4: KID}, b"", SIG]),  # no alg at all
        cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {}, b"", SIG]),  # no kid anywhere
        cbor2.CBORTag(18, [cbor2.dumps({1: -7, 4: "kid"}), {}, b"", SIG]),  # kid not a bstr
        cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {4: 7}, b"", SIG]),  # unprotected kid not a bstr
    ],
)
def test_cbor_of_wrong_shape(cose: Any) -> None:
    with pytest.raises(BadStructure):
        decode(_wrap(cose), trust=TRUST, now=T0)


@pytest.mark.parametrize("alg", [-35, -36, -8, -37, 7, "ES256", None, True, -7.0])
def test_alg_other_than_es256(alg: Any) -> None:
    # Correctly signed with the trusted P-256 key, but the protected header announces another algorithm.
    with pytest.raises(BadStructure) as info:
        decode(_forge(protected={1: alg, 4: KID}), trust=TRUST, now=T0)
    assert "algorithm" in info.value.reason


def test_alg_in_unprotected_header_only_is_refused() -> None:
    with pytest.raises(BadStructure):
        decode(_forge(protected={4: KID}, unprotected={1: -7}), trust=TRUST, now=T0)


def test_critical_headers_are_refused() -> None:
    with pytest.raises(BadStructure):
        decode(_forge(protected={1: -7, 2: [99], 4: KID, 99: 0}), trust=TRUST, now=T0)


@pytest.mark.parametrize("signature", [b"", bytes(63), bytes(65), bytes(64), b"\xff" * 64])
def test_malformed_signatures(signature: bytes) -> None:
    prot, unprot, payload, _ = _unwrap(TEXT).value
    with pytest.raises(BadSignature):
        decode(_wrap(cbor2.CBORTag(18, [prot, unprot, payload, signature])), trust=TRUST, now=T0)


def test_der_signature_instead_of_raw_is_refused() -> None:
    prot, unprot, payload, _ = _unwrap(TEXT).value
    der = KEY.sign(cbor2.dumps(["Signature1", prot, b"", payload]), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(BadSignature):
        decode(_wrap(cbor2.CBORTag(18, [prot, unprot, payload, der])), trust=TRUST, now=T0)


@pytest.mark.parametrize(
    "payload",
    [
        b"\x84",  # not CBOR
        cbor2.dumps([1, 2]),  # not a map
        cbor2.dumps({-65537: TYPICAL}),  # no iat
        cbor2.dumps({6: "2026-11-21", -65537: TYPICAL}),  # iat not a number
        cbor2.dumps({6: True, -65537: TYPICAL}),  # bool is not a NumericDate
        cbor2.dumps({6: float("nan"), -65537: TYPICAL}),
        cbor2.dumps({6: 10**30, -65537: TYPICAL}),  # out of range
        cbor2.dumps({6: 0, 4: "never", -65537: TYPICAL}),
        cbor2.dumps({6: 0, -65537: [1]}),  # claims not a map
        cbor2.dumps({6: 0, -65537: {1: "x"}}),  # claim names not strings
        cbor2.dumps({6: 0}) + b"\x00",  # trailing bytes inside the signed payload
    ],
)
def test_signed_but_malformed_payload(payload: bytes) -> None:
    with pytest.raises(BadStructure):
        decode(_forge(payload=payload), trust=TRUST, now=T0)


def test_float_numeric_dates_are_accepted() -> None:
    # RFC 8392 §2 allows a floating-point NumericDate.
    got = decode(_forge(payload=_payload(iat=T0.timestamp() + 0.5)), trust=TRUST, now=T0)
    assert got.issued_at == T0 + timedelta(seconds=0.5)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_arbitrary_inner_bytes(inner: bytes) -> None:
    with pytest.raises(VerificationError):
        decode("TIC1:" + b45encode(zlib.compress(inner)), trust=TRUST, now=T0)


CBOR_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.binary(max_size=70) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.integers(-70000, 10) | st.text(), children),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(CBOR_VALUES, st.sampled_from([None, 18, 17, 61]))
def test_fuzz_arbitrary_cbor_structures(value: Any, tag: int | None) -> None:
    with pytest.raises(VerificationError):
        decode(_wrap(value if tag is None else cbor2.CBORTag(tag, value)), trust=TRUST, now=T0)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([PROT, b"", cbor2.dumps({1: -7}), cbor2.dumps({1: -7, 4: OTHER_KID})]) | CBOR_VALUES,
    st.sampled_from([{}, {4: KID}, {4: b"nope"}]) | CBOR_VALUES,
    st.sampled_from([_payload(), b""]) | CBOR_VALUES,
    st.sampled_from([SIG]) | st.binary(min_size=60, max_size=68) | CBOR_VALUES,
    st.booleans(),
)
def test_fuzz_near_valid_cose_sign1(protected: Any, unprotected: Any, payload: Any, signature: Any, tag: bool) -> None:
    # Each slot is either plausible or arbitrary, so the checks deep inside decode() get exercised too.
    cose = [protected, unprotected, payload, signature]
    with pytest.raises(VerificationError):
        decode(_wrap(cbor2.CBORTag(18, cose) if tag else cose), trust=TRUST, now=T0)


def test_every_error_has_a_plain_reason() -> None:
    for cls in (BadPrefix, BadEncoding, BadCompression, BadStructure, UnknownKey, BadSignature, Expired, NotYetValid):
        assert issubclass(cls, VerificationError)
        assert issubclass(cls, ValueError)
        exc = cls()
        assert exc.reason
        assert str(exc) == exc.reason
        assert cls("specific words").reason == "specific words"


# ---------------------------------------------------------------------------------------------------------------
# API misuse: programming errors, not verification results
# ---------------------------------------------------------------------------------------------------------------


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware") as info:
        decode(TEXT, trust=TRUST, now=datetime(2026, 11, 21))
    assert not isinstance(info.value, VerificationError)


def test_trusted_key_must_be_p256() -> None:
    with pytest.raises(ValueError, match="P-256") as info:
        decode(TEXT, trust={KID: ec.generate_private_key(ec.SECP384R1()).public_key()}, now=T0)
    assert not isinstance(info.value, VerificationError)


def test_encode_refuses_other_curves_and_key_types() -> None:
    with pytest.raises(ValueError, match="P-256"):
        encode({}, private_key=ec.generate_private_key(ec.SECP384R1()), kid=KID, issued_at=T0)
    with pytest.raises(TypeError):
        encode({}, private_key=ed25519.Ed25519PrivateKey.generate(), kid=KID, issued_at=T0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"issued_at": datetime(2026, 11, 21)}, ValueError),
        ({"issued_at": T0, "expires_at": datetime(2027, 1, 1)}, ValueError),
        ({"issued_at": T0, "expires_at": T0}, ValueError),
        ({"issued_at": T0, "kid": b""}, ValueError),
        ({"issued_at": T0, "kid": "kid"}, TypeError),
    ],
)
def test_encode_argument_checks(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        encode({}, **{"private_key": KEY, "kid": KID, **kwargs})


def test_encode_claim_checks() -> None:
    with pytest.raises(TypeError):
        encode({1: "x"}, private_key=KEY, kid=KID, issued_at=T0)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="CBOR"):
        encode({"x": object()}, private_key=KEY, kid=KID, issued_at=T0)


# ---------------------------------------------------------------------------------------------------------------
# Key helpers
# ---------------------------------------------------------------------------------------------------------------


def test_kid_for_is_sha256_of_spki() -> None:
    spki = KEY.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert hashlib.sha256(spki).digest()[:8] == KID
    assert len(KID) == 8
    assert KID != OTHER_KID


def test_pem_helpers_roundtrip() -> None:
    pem = sq.public_key_to_pem(KEY.public_key())
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert kid_for(sq.public_key_from_pem(pem)) == KID
    assert kid_for(sq.public_key_from_pem(pem.encode())) == KID
    for password in (None, b"correct horse"):
        private_pem = sq.private_key_to_pem(KEY, password)
        loaded = sq.private_key_from_pem(private_pem, password)
        assert kid_for(loaded.public_key()) == KID
    text = encode({}, private_key=sq.private_key_from_pem(sq.private_key_to_pem(KEY)), kid=KID, issued_at=T0)
    assert decode(text, trust={KID: sq.public_key_from_pem(pem)}, now=T0).kid == KID


def test_pem_helpers_refuse_other_curves() -> None:
    other = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ValueError, match="P-256"):
        sq.public_key_from_pem(sq.public_key_to_pem(other.public_key()))
    with pytest.raises(ValueError, match="P-256"):
        sq.private_key_from_pem(sq.private_key_to_pem(other))
    ed_pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(TypeError):
        sq.private_key_from_pem(ed_pem)
