"""Offline verification: the trust list's own signature, then signed QR codes against it, with verdicts in plain words.

Pure Python (`cryptography`, `cbor2`, tichub.science.signedqr): no Django, no database, no network, so that anyone
can verify a code with a saved trust list (`tichub verify`) and the same code runs on the public page. Every
verdict carries a Chinese and an English sentence meant to be shown as they are. docs/trust.md describes the
trust list format and the order of the checks; "Revocation" there explains why a revoked key verifies nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tichub.science import signedqr

from .trust_list import FORMAT, VERSION, CanonicalError, b64url_decode, canonical_json

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

ISSUER_CLAIM: Final = "iss"  # the issuing institution's id, as the trust list numbers institutions
CLOCK_SKEW: Final = signedqr.CLOCK_SKEW
MAX_TRUST_LIST_BYTES: Final = 64 * 1024 * 1024
_HEX = re.compile(r"[0-9a-f]{16}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class TrustListError(ValueError):
    """The trust list cannot be used: unreadable, malformed, badly signed or not the pinned platform's."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.message_zh = zh
        self.message_en = en


def fingerprint(public_key: PublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, 64 lowercase hex digits."""
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def normalise_fingerprint(text: str) -> str:
    """Accept a fingerprint as people copy it: any case, with colons, spaces or a "sha256:" prefix."""
    cleaned = text.strip().lower().removeprefix("sha256:")
    return re.sub(r"[^0-9a-f]", "", cleaned)


def group_fingerprint(value: str) -> str:
    """ "abcd 1234 ..." in groups of four, for reading aloud and comparing by eye."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


@dataclass(frozen=True)
class KeyEntry:
    """One key of the trust list, parsed."""

    kid: str
    purpose: str
    alg: str
    uses: frozenset[str]
    public_key: PublicKey
    not_before: dt.datetime
    not_after: dt.datetime
    status: str
    retired_at: dt.datetime | None
    revoked_at: dt.datetime | None
    reason: str
    institution_id: int | None = None
    name_zh: str = ""
    name_en: str = ""
    certificate: x509.Certificate | None = None  # platform keys
    certificate_sha256: str = ""  # institution keys: the certificate a PDF signature must carry

    @property
    def owner_zh(self) -> str:
        return self.name_zh or (f"机构 #{self.institution_id}" if self.institution_id else "平台")

    @property
    def owner_en(self) -> str:
        return (
            self.name_en
            or self.name_zh
            or (f"institution #{self.institution_id}" if self.institution_id else "the platform")
        )


@dataclass(frozen=True)
class TrustList:
    """A trust list whose signature verified against its platform root (pinned or not: see `pinned`)."""

    issuer: str
    issued_at: dt.datetime
    next_update: dt.datetime
    keys: Mapping[str, KeyEntry]  # institution keys by kid (hex)
    platform: tuple[KeyEntry, ...]
    root: KeyEntry
    signer: KeyEntry
    pinned: bool
    qr_keys: Mapping[bytes, ec.EllipticCurvePublicKey] = field(repr=False)
    institutions: Mapping[int, tuple[str, str]] = field(repr=False)  # id -> (name_zh, name_en)

    @property
    def root_fingerprint(self) -> str:
        return fingerprint(self.root.public_key)

    def is_stale(self, now: dt.datetime) -> bool:
        return now > self.next_update


# --- loading the trust list -----------------------------------------------------------------------------------


def _bad(what: str) -> TrustListError:
    return TrustListError(f"信任列表格式不正确：{what}。", f"The trust list is malformed: {what}.")


def _str(obj: Mapping[str, Any], name: str, *, empty: bool = True) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or (not empty and not value):
        raise _bad(f"{name} is missing or not text")
    return value


def _time(obj: Mapping[str, Any], name: str, *, optional: bool = False) -> dt.datetime | None:
    value = obj.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise _bad(f"{name} is not a UTC time like 2026-01-31T08:00:00Z")
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise _bad(f"{name} is not a valid time") from None


def _b64(value: str, name: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(f"{name} is not base64") from None


def _public_key(obj: Mapping[str, Any], alg: str) -> PublicKey:
    der = _b64(_str(obj, "public_key", empty=False), "public_key")
    try:
        key = serialization.load_der_public_key(der)
    except ValueError:
        raise _bad("a public key is not a DER SubjectPublicKeyInfo") from None
    if alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    if alg == "RSA" and isinstance(key, rsa.RSAPublicKey):
        return key
    raise _bad(f"a public key does not match its algorithm {alg}")


def _entry(obj: Any, *, platform: bool) -> KeyEntry:
    if not isinstance(obj, Mapping):
        raise _bad("a key is not an object")
    kid = _str(obj, "kid")
    if not _HEX.fullmatch(kid):
        raise _bad(f"kid {kid!r} is not 16 lowercase hex digits")
    alg = _str(obj, "alg")
    if alg not in ("ES256", "RSA"):
        raise _bad(f"key {kid} has an unknown algorithm")
    public_key = _public_key(obj, alg)
    if fingerprint(public_key)[:16] != kid:
        raise _bad(f"kid {kid} does not match its public key")
    status = _str(obj, "status")
    if status not in ("active", "retired", "revoked"):
        raise _bad(f"key {kid} has an unknown status")
    purpose = _str(obj, "purpose")
    not_before, not_after = _time(obj, "not_before"), _time(obj, "not_after")
    assert not_before is not None and not_after is not None
    common: dict[str, Any] = {
        "kid": kid,
        "purpose": purpose,
        "alg": alg,
        "public_key": public_key,
        "not_before": not_before,
        "not_after": not_after,
        "status": status,
        "retired_at": _time(obj, "retired_at", optional=True),
        "revoked_at": _time(obj, "revoked_at", optional=True),
        "reason": _str(obj, "reason"),
    }
    if status == "revoked" and common["revoked_at"] is None:
        raise _bad(f"revoked key {kid} has no revoked_at")
    if platform:
        if purpose not in ("platform_root", "platform_trust_list"):
            raise _bad(f"platform key {kid} has purpose {purpose!r}")
        try:
            certificate = x509.load_der_x509_certificate(_b64(_str(obj, "certificate", empty=False), "certificate"))
        except ValueError:
            raise _bad(f"the certificate of platform key {kid} is not DER") from None
        if fingerprint(certificate.public_key()) != fingerprint(public_key):  # type: ignore[arg-type]
            raise _bad(f"the certificate of platform key {kid} is for another key")
        return KeyEntry(uses=frozenset(), certificate=certificate, **common)
    if purpose not in ("institution", "institution_pdf"):
        raise _bad(f"institution key {kid} has purpose {purpose!r}")
    uses = obj.get("use")
    if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
        raise _bad(f"key {kid} has no list of uses")
    if "qr" in uses and (alg != "ES256" or purpose != "institution"):
        raise _bad(f"key {kid} is marked for QR codes but is not an ES256 institution key")
    certificate_sha256 = _str(obj, "certificate_sha256")
    if not re.fullmatch(r"[0-9a-f]{64}", certificate_sha256):
        raise _bad(f"key {kid} has no certificate_sha256 of 64 lowercase hex digits")
    owner = obj.get("institution")
    if not isinstance(owner, Mapping) or type(owner.get("id")) is not int:
        raise _bad(f"key {kid} names no institution id")
    return KeyEntry(
        uses=frozenset(uses),
        institution_id=owner["id"],
        name_zh=_str(owner, "name_zh"),
        name_en=_str(owner, "name_en"),
        certificate_sha256=certificate_sha256,
        **common,
    )


def _verify_chain(root: KeyEntry, signer: KeyEntry, issued_at: dt.datetime) -> None:
    assert root.certificate is not None and signer.certificate is not None
    try:
        root.certificate.verify_directly_issued_by(root.certificate)
        signer.certificate.verify_directly_issued_by(root.certificate)
    except (ValueError, TypeError, InvalidSignature):
        raise TrustListError(
            "信任列表签名者的证书不是平台根证书签发的。",
            "The trust list signer's certificate is not issued by the platform root.",
        ) from None
    if not signer.certificate.not_valid_before_utc <= issued_at <= signer.certificate.not_valid_after_utc:
        raise TrustListError(
            "信任列表签发时，签名者的证书不在有效期内。",
            "The trust list signer's certificate was not valid when the list was issued.",
        )
    if signer.status == "revoked":
        raise TrustListError("信任列表的签名密钥已被吊销。", "The trust list was signed with a revoked platform key.")


def load_trust_list(data: bytes | str, *, platform_key_fingerprint: str | None = None) -> TrustList:
    """Parse a trust list and check its signature (docs/trust.md, "Checking a trust list").

    With `platform_key_fingerprint` (SHA-256 of the platform root's SubjectPublicKeyInfo, as `tichub trust init`
    and the CLI print it), a list from any other root is refused; without it the list is only self-consistent,
    and `TrustList.pinned` is False so that a caller can say so.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_TRUST_LIST_BYTES:
        raise _bad("the file is too large")
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise TrustListError("信任列表不是 JSON 文件。", "The trust list is not a JSON file.") from None
    if not isinstance(document, Mapping) or set(document) != {"signed", "signature"}:
        raise _bad("expected exactly the members signed and signature")
    body, signature = document["signed"], document["signature"]
    if not isinstance(body, Mapping) or not isinstance(signature, Mapping):
        raise _bad("signed and signature must be objects")
    if body.get("format") != FORMAT or type(body.get("version")) is not int:
        raise _bad(f"format is not {FORMAT}")
    if body["version"] != VERSION:
        raise TrustListError(
            f"不支持的信任列表版本 {body['version']}：请更新验证工具。",
            f"Trust list version {body['version']} is not supported by this verifier: update it.",
        )
    issued_at, next_update = _time(body, "issued_at"), _time(body, "next_update")
    assert issued_at is not None and next_update is not None
    platform_items, key_items = body.get("platform"), body.get("keys")
    if not isinstance(platform_items, list) or not isinstance(key_items, list):
        raise _bad("platform and keys must be lists")
    platform = [_entry(item, platform=True) for item in platform_items]
    roots = [k for k in platform if k.purpose == "platform_root" and k.status == "active"]
    if len(roots) != 1:
        raise _bad("there must be exactly one active platform root key")
    root = roots[0]
    if platform_key_fingerprint is not None:
        pinned = normalise_fingerprint(platform_key_fingerprint)
        if len(pinned) != 64:
            raise TrustListError(
                "平台密钥指纹应为 64 位十六进制数字（SHA-256）。",
                "The platform key fingerprint must be 64 hexadecimal digits (SHA-256).",
            )
        if pinned != fingerprint(root.public_key):
            raise TrustListError(
                f"信任列表不是所指定平台的：其根密钥指纹为 {fingerprint(root.public_key)}，与指定的不同。",
                f"The trust list is not from the pinned platform: its root key fingerprint is "
                f"{fingerprint(root.public_key)}, not the one given.",
            )
    kid = _str(signature, "kid")
    signers = [k for k in platform if k.kid == kid and k.purpose == "platform_trust_list"]
    if signature.get("alg") != "ES256" or not signers:
        raise TrustListError(
            "信任列表的签名不是由列表中的平台信任列表密钥作出的。",
            "The trust list's signature is not made by a platform trust-list key of the list.",
        )
    signer = signers[0]
    _verify_chain(root, signer, issued_at)
    try:
        raw = b64url_decode(_str(signature, "value"))
        message = canonical_json(body)
    except (ValueError, CanonicalError):
        raise _bad("the signature or the signed content cannot be read") from None
    if len(raw) != 64:
        raise TrustListError("信任列表的签名无效。", "The trust list's signature is invalid.")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        assert isinstance(signer.public_key, ec.EllipticCurvePublicKey)
        signer.public_key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise TrustListError(
            "信任列表的签名无效：文件在签发后被改动过。请重新下载。",
            "The trust list's signature is invalid: the file was changed after it was issued. Download it again.",
        ) from None
    keys = [_entry(item, platform=False) for item in key_items]
    by_kid = {k.kid: k for k in keys}
    if len(by_kid) != len(keys) or set(by_kid) & {k.kid for k in platform}:
        raise _bad("a kid appears twice")
    return TrustList(
        issuer=_str(body, "issuer"),
        issued_at=issued_at,
        next_update=next_update,
        keys=by_kid,
        platform=tuple(platform),
        root=root,
        signer=signer,
        pinned=platform_key_fingerprint is not None,
        qr_keys={
            bytes.fromhex(k.kid): k.public_key
            for k in keys
            if "qr" in k.uses and isinstance(k.public_key, ec.EllipticCurvePublicKey)
        },
        institutions={k.institution_id: (k.name_zh, k.name_en) for k in keys if k.institution_id is not None},
    )


# --- verdicts ---------------------------------------------------------------------------------------------------


class Status(StrEnum):
    GENUINE = "genuine"
    ALTERED = "altered"  # the signature does not match the content
    MALFORMED = "malformed"  # not a readable TICHub code
    UNKNOWN_KEY = "unknown_key"
    WRONG_INSTITUTION = "wrong_institution"  # another institution's key, claiming this one
    REVOKED = "revoked"
    KEY_NOT_VALID = "key_not_valid"  # signed outside the key's validity, or after it was retired
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


HEADLINES: Final[Mapping[Status, tuple[str, str]]] = {
    Status.GENUINE: ("真实有效", "Genuine"),
    Status.ALTERED: ("内容被改动或伪造", "Altered or forged"),
    Status.MALFORMED: ("无法识别", "Not readable"),
    Status.UNKNOWN_KEY: ("未知签名密钥", "Unknown signing key"),
    Status.WRONG_INSTITUTION: ("冒用机构名义", "Signed by another institution"),
    Status.REVOKED: ("签名密钥已吊销", "Signing key revoked"),
    Status.KEY_NOT_VALID: ("签名时密钥不在有效期内", "Key not valid when signed"),
    Status.EXPIRED: ("已过期", "Expired"),
    Status.NOT_YET_VALID: ("签发时间在未来", "Issued in the future"),
}


@dataclass(frozen=True)
class Verdict:
    """What a verifier tells a person. `genuine`: the signature is good and the key may sign it; `ok`: genuine and
    current (not expired, trust list up to date), the only case for exit status 0 of `tichub verify`."""

    status: Status
    message_zh: str
    message_en: str
    claims: dict[str, Any] | None = None
    kid: str | None = None
    key: KeyEntry | None = None
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    trust_list_stale: bool = False
    stale_zh: str = ""
    stale_en: str = ""

    @property
    def genuine(self) -> bool:
        return self.status is Status.GENUINE

    @property
    def ok(self) -> bool:
        return self.genuine and not self.trust_list_stale

    @property
    def headline_zh(self) -> str:
        return HEADLINES[self.status][0]

    @property
    def headline_en(self) -> str:
        return HEADLINES[self.status][1]


def day(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).date().isoformat() if moment else "—"


def minute(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


_MALFORMED_ZH: Final[Mapping[type[signedqr.VerificationError], str]] = {
    signedqr.BadPrefix: "开头不是 TIC1:",
    signedqr.BadEncoding: "含有无效字符或长度不对",
    signedqr.BadCompression: "压缩数据损坏或不完整",
    signedqr.BadStructure: "内容不是签名文档的结构",
}


def _malformed(exc: signedqr.VerificationError) -> tuple[str, str]:
    detail_zh = next((text for kind, text in _MALFORMED_ZH.items() if isinstance(exc, kind)), "无法解析")
    return (
        f"无法识别：这不是可读的 TICHub 签名二维码（{detail_zh}）。它可能已损坏、输错，或根本不是 TICHub 二维码。",
        f"Not readable: this is not a readable TICHub signed code ({exc.reason}). It may be damaged, mistyped "
        "or not a TICHub code at all.",
    )


def _claimed_names(trust: TrustList, claimed: object) -> tuple[str, str]:
    if type(claimed) is int and claimed in trust.institutions:
        zh, en = trust.institutions[claimed]
        return zh or f"机构 #{claimed}", en or zh or f"institution #{claimed}"
    return f"机构 #{claimed}", f"institution #{claimed}"


def _judge(verified: signedqr.Verified, key: KeyEntry, trust: TrustList) -> tuple[Status, str, str] | None:
    """The trust-list checks on a code whose signature verified; None when the key may sign it."""
    claimed = verified.claims.get(ISSUER_CLAIM)
    if type(claimed) is not int:
        return (
            Status.MALFORMED,
            "无法识别：二维码没有写明签发机构。",
            "Not readable: the code does not name its issuing institution.",
        )
    if claimed != key.institution_id:
        claimed_zh, claimed_en = _claimed_names(trust, claimed)
        return (
            Status.WRONG_INSTITUTION,
            f"冒用机构名义：二维码声称由{claimed_zh}签发，但签名密钥 {key.kid} 属于{key.owner_zh}。请勿信任此二维码。",
            f"Signed by another institution: the code claims to be issued by {claimed_en}, but it was signed "
            f"with key {key.kid} of {key.owner_en}. Do not trust this code.",
        )
    if key.status == "revoked":
        # Said plainly when the code predates the revocation: that is the case people will ask about.
        before_zh = before_en = ""
        if key.revoked_at is not None and verified.issued_at < key.revoked_at:
            before_zh = f"此二维码标注的签发日期（{day(verified.issued_at)}）早于吊销日期，但同样不能作数。"
            before_en = (
                f" This code states it was issued on {day(verified.issued_at)}, before the revocation: that "
                "counts for nothing."
            )
        return (
            Status.REVOKED,
            f"签名密钥已于 {day(key.revoked_at)} 吊销：{key.reason}。此密钥签出的二维码一律不再视为真实，"
            f"无论其标注的签发日期：该日期由密钥持有人自己写入，密钥吊销后不能证明任何事。{before_zh}"
            f"如报告确在吊销前签发，请向{key.owner_zh}索取重新签发的报告。",
            f"Key revoked on {day(key.revoked_at)}: {key.reason}. Codes signed with this key no longer count as "
            "genuine, whatever issue date they state: that date is written by whoever holds the key, so after a "
            f"revocation it proves nothing.{before_en} If the report was issued before then, ask {key.owner_en} "
            "for a re-signed copy.",
        )
    iat = verified.issued_at
    if iat < key.not_before - CLOCK_SKEW or iat > key.not_after:
        return (
            Status.KEY_NOT_VALID,
            f"签名时密钥不在有效期内：二维码签发于 {minute(iat)}，而密钥 {key.kid} 的有效期为 "
            f"{minute(key.not_before)} 至 {minute(key.not_after)}。请勿信任此二维码。",
            f"Key not valid when signed: the code was issued on {minute(iat)}, but key {key.kid} is valid from "
            f"{minute(key.not_before)} to {minute(key.not_after)}. Do not trust this code.",
        )
    if key.status == "retired" and key.retired_at is not None and iat > key.retired_at + CLOCK_SKEW:
        return (
            Status.KEY_NOT_VALID,
            f"密钥停用后签发：二维码签发于 {minute(iat)}，而密钥 {key.kid} 已于 {minute(key.retired_at)} 停用。"
            "请勿信任此二维码。",
            f"Signed after its key was retired: the code was issued on {minute(iat)}, but key {key.kid} was "
            f"retired on {minute(key.retired_at)}. Do not trust this code.",
        )
    return None


def verify_qr(text: str, trust_list: TrustList, now: dt.datetime) -> Verdict:
    """The verdict on a scanned or pasted code. Checks, in order: the code itself (signedqr: prefix, Base45, zlib,
    COSE, key id, ES256 signature), the claimed issuer against the key's owner, revocation, the key's validity
    and retirement at the code's issue time, then the code's own expiry and issue date against `now`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    text = text.strip() if isinstance(text, str) else text
    stale = trust_list.is_stale(now)
    notes = {
        "trust_list_stale": stale,
        "stale_zh": f"注意：信任列表已过期（应于 {day(trust_list.next_update)} 更新），此后吊销的密钥无从得知。"
        "请下载最新的信任列表。"
        if stale
        else "",
        "stale_en": f"Note: the trust list is out of date (it was due for renewal on {day(trust_list.next_update)}): "
        "a key revoked since then would not show. Fetch the latest trust list."
        if stale
        else "",
    }
    verified: signedqr.Verified | None
    time_error: signedqr.VerificationError | None = None
    try:
        verified = signedqr.decode(text, trust=trust_list.qr_keys, now=now)
    except (signedqr.Expired, signedqr.NotYetValid) as exc:
        verified, time_error = exc.verified, exc
    except signedqr.UnknownKey as exc:
        kid = exc.kid.hex() if exc.kid else "?"
        return Verdict(
            Status.UNKNOWN_KEY,
            f"未知签名密钥：签名密钥 {kid} 不在信任列表中。二维码可能是伪造的，也可能您的信任列表已过时——"
            "请下载最新的信任列表后重试。",
            f"Unknown signing key: key {kid} is not in the trust list. The code may be forged, or your trust list "
            "may be out of date: fetch the latest and try again.",
            kid=kid,
            **notes,  # type: ignore[arg-type]
        )
    except signedqr.BadSignature:
        return Verdict(
            Status.ALTERED,
            "内容被改动或伪造：签名与二维码内容不符。请勿信任此二维码。",
            "Altered or forged: the signature does not match the content of the code. Do not trust this code.",
            **notes,  # type: ignore[arg-type]
        )
    except signedqr.VerificationError as exc:
        zh, en = _malformed(exc)
        return Verdict(Status.MALFORMED, zh, en, **notes)  # type: ignore[arg-type]
    assert verified is not None
    kid = verified.kid.hex()
    key = trust_list.keys[kid]
    found: dict[str, Any] = {
        "claims": verified.claims,
        "kid": kid,
        "key": key,
        "issued_at": verified.issued_at,
        "expires_at": verified.expires_at,
        **notes,
    }
    judged = _judge(verified, key, trust_list)
    if judged is not None:
        return Verdict(*judged, **found)
    if isinstance(time_error, signedqr.Expired):
        return Verdict(
            Status.EXPIRED,
            f"已过期：二维码内容真实（由{key.owner_zh}签发），但已于 {minute(verified.expires_at)} 过期。",
            f"Expired: the content is genuine (issued by {key.owner_en}), but the code expired on "
            f"{minute(verified.expires_at)}.",
            **found,
        )
    if isinstance(time_error, signedqr.NotYetValid):
        return Verdict(
            Status.NOT_YET_VALID,
            f"签发时间在未来（{minute(verified.issued_at)}）：请检查本机时间；如时间无误，请勿信任此二维码。",
            f"Issued in the future ({minute(verified.issued_at)}): check this device's clock; if it is right, do "
            "not trust this code.",
            **found,
        )
    retired = ""
    retired_en = ""
    if key.status == "retired":
        retired = f"（签名密钥已于 {day(key.retired_at)} 正常轮换停用，此前签发的仍然有效）"
        retired_en = f" (the key was rotated out on {day(key.retired_at)}; what it signed before stays valid)"
    return Verdict(
        Status.GENUINE,
        f"真实有效：由{key.owner_zh}签发，签名与内容一致{retired}。",
        f"Genuine: issued by {key.owner_en}; the signature matches the content{retired_en}.",
        **found,
    )


# --- claims in plain words -------------------------------------------------------------------------------------

CLAIM_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "iss": ("签发机构", "Issuing institution"),
    "no": ("编号", "Number"),
    "v": ("版本", "Version"),
    "date": ("签发日期", "Date of issue"),
    "prod": ("产品", "Product"),
    "concl": ("结论", "Conclusion"),
    "sha": ("报告数据 SHA-256", "Report data SHA-256 (report.json)"),
    "id": ("公开编号", "Public id"),
}
#: A report's statement of conformity (the `concl` claim: tichub.lims.choices.ResultDecision, ILAC-G8).
CONCLUSIONS: Final[Mapping[str, tuple[str, str]]] = {
    "pass": ("合格", "conforms"),
    "conditional_pass": ("有条件合格", "conditional pass"),
    "conditional_fail": ("有条件不合格", "conditional fail"),
    "fail": ("不合格", "does not conform"),
    "none": ("不判定", "no statement of conformity"),
}


def claims_in_words(verdict: Verdict) -> list[tuple[str, str, str]]:
    """(label zh, label en, value) for each claim, with the issuer's names and conclusions spelt out."""
    rows: list[tuple[str, str, str]] = []
    for name, value in (verdict.claims or {}).items():
        zh, en = CLAIM_LABELS.get(name, (name, name))
        if name == ISSUER_CLAIM and verdict.key is not None and value == verdict.key.institution_id:
            shown = f"{verdict.key.name_zh} / {verdict.key.name_en} (#{value})"
        elif name == "concl" and isinstance(value, str) and value in CONCLUSIONS:
            shown = f"{CONCLUSIONS[value][0]} / {CONCLUSIONS[value][1]}"
        elif isinstance(value, bytes):
            shown = value.hex()
        else:
            shown = str(value)
        rows.append((zh, en, shown))
    return rows
