"""PAdES signatures on PDF files (ETSI EN 319 142-1, baseline B-B) with pyHanko, and their validation.

Pure library code: pyHanko, `cryptography`, the trust list of tichub.trust.verify; no Django, no network (pyHanko
is given the trust roots and never fetches certificates, CRLs or OCSP answers). The services hand
:func:`pdf_sign` an institution's decrypted key (tichub.trust.sign_services); anyone can call
:func:`pdf_validate` with a trust list.

Validation time: certificates are checked at the signing time the signature states, as Adobe Reader does by
default, so that a report signed in 2026 still validates after its 3-year certificate expired. That time is the
signer's word, which is why revocation (taken from the trust list) fails a signature whatever its date: the same
rule as for QR codes (docs/trust.md, "Revocation").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from asn1crypto import cms as asn1_cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .verify import CLOCK_SKEW, KeyEntry, TrustList, day, minute

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

DEFAULT_FIELD: Final = "TICHubSignature"
MAX_PDF_BYTES: Final = 50 * 1024 * 1024
# A visible widget (points, PDF user space, origin bottom left) on page 1 when asked for; the report template draws
# the real signature block, so the widget carries only plain ASCII (pyHanko's stamp font has no Chinese glyphs).
VISIBLE_BOX: Final = (380, 40, 560, 100)
# Later revisions that do not change what the signature vouches for: document security store updates and document
# timestamps (PAdES LTA). Anything else after signing is a change.
UNCHANGED: Final = frozenset({ModificationLevel.NONE, ModificationLevel.LTA_UPDATES})

logging.getLogger("pyhanko").setLevel(logging.ERROR)  # pyHanko logs every soft revocation miss as a warning
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)


@dataclass(frozen=True)
class SignerKey:
    """A private key with its certificate and the certificates above it (to embed, so validators build the path)."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    _signer: list[signers.SimpleSigner] = field(default_factory=list, repr=False, compare=False)

    def pyhanko_signer(self) -> signers.SimpleSigner:
        # Built once per key: converting the key and certificates to asn1crypto costs ~1 ms.
        if not self._signer:
            der = self.private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            self._signer.append(
                signers.SimpleSigner(
                    signing_cert=_asn1(self.certificate),
                    signing_key=asn1_keys.PrivateKeyInfo.load(der),
                    cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in self.chain]),
                    # The CMS certificate set is not covered by the signature (RFC 5652 §5.1); a root in it is
                    # never used (validators bring their own), so leaving it out leaves fewer unsigned bytes.
                    embed_roots=False,
                )
            )
        return self._signer[0]


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def pdf_sign(
    pdf_bytes: bytes,
    *,
    key: SignerKey,
    reason: str,
    location: str,
    field_name: str = DEFAULT_FIELD,
    visible: bool = False,
    contact: str = "",
) -> bytes:
    """The PDF with a PAdES B-B signature (SHA-256; ECDSA or RSA PKCS#1 v1.5 as the key is) appended as an
    incremental update. Invisible by default; `visible=True` adds a small widget on page 1 (VISIBLE_BOX)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason or None,
        location=location or None,
        contact_info=contact or None,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    spec = (
        fields.SigFieldSpec(sig_field_name=field_name, on_page=0, box=VISIBLE_BOX)
        if visible
        else fields.SigFieldSpec(sig_field_name=field_name)
    )
    style = TextStampStyle(stamp_text="Digitally signed\n%(ts)s", border_width=1)
    pdf_signer = signers.PdfSigner(meta, signer=key.pyhanko_signer(), stamp_style=style, new_field_spec=spec)
    out = pdf_signer.sign_pdf(writer)
    return out.getvalue()


# --- validation ------------------------------------------------------------------------------------------------


class PdfStatus(StrEnum):
    VALID = "valid"
    NO_SIGNATURE = "no_signature"
    DAMAGED = "damaged"  # not a readable PDF, or the signature cannot be read
    ALTERED = "altered"  # the signed bytes changed: the digest or the signature does not match
    MODIFIED = "modified"  # intact signature, but the file was changed by a later revision
    UNTRUSTED = "untrusted"  # the certificate does not lead to a trusted root and the key is not in the trust list
    REVOKED = "revoked"
    KEY_NOT_VALID = "key_not_valid"


@dataclass(frozen=True)
class PdfSignature:
    """One embedded signature, as validated."""

    field_name: str
    intact: bool  # the signed byte ranges hash to the signed digest
    valid: bool  # ... and the signature over it verifies
    chain_trusted: bool  # the certificate path ends at one of the given roots
    covers_whole_file: bool
    modification: str  # pyHanko's modification level of later revisions: none, lta_updates, form_filling, ...
    signer_subject: str
    signer_kid: str
    signing_time: dt.datetime | None  # as the signer states it (no timestamp authority)
    key: KeyEntry | None  # the signer's key in the trust list, if listed
    problems: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PdfVerdict:
    status: PdfStatus
    message_zh: str
    message_en: str
    signatures: tuple[PdfSignature, ...]
    sha256: str

    @property
    def ok(self) -> bool:
        return self.status is PdfStatus.VALID


@dataclass(frozen=True)
class PdfTrust:
    """What a PDF signature may chain to: the platform root (from a trust list) and any uploaded roots; the trust
    list also says which keys are revoked or retired."""

    roots: tuple[x509.Certificate, ...]
    trust_list: TrustList | None = None

    @classmethod
    def from_trust_list(cls, trust_list: TrustList, extra_roots: Sequence[x509.Certificate] = ()) -> PdfTrust:
        # Retired roots still anchor the certificates they issued before a root rotation; revoked ones anchor nothing.
        roots = tuple(
            k.certificate
            for k in trust_list.platform
            if k.purpose == "platform_root" and k.status != "revoked" and k.certificate is not None
        )
        return cls(roots=(*roots, *extra_roots), trust_list=trust_list)


def _kid_of(certificate: asn1_x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_key.dump()).digest()[:8].hex()


def _tlv(data: bytes, at: int) -> tuple[int, int]:
    """(header length, content length) of the DER TLV at `at` (X.690 §8.1); ValueError if it is not one."""
    if at + 2 > len(data):
        raise ValueError("truncated")
    first = data[at + 1]
    if data[at] & 0x1F == 0x1F:
        raise ValueError("high tag numbers are not used in CMS")
    if first < 0x80:
        return 2, first
    count = first & 0x7F
    if count == 0 or count > 4 or at + 2 + count > len(data):
        raise ValueError("indefinite or oversized length")
    return 2 + count, int.from_bytes(data[at + 2 : at + 2 + count], "big")


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """The TLVs filling data[start:end] exactly, as (offset, header length, content length)."""
    found, at = [], start
    while at < end:
        header, length = _tlv(data, at)
        found.append((at, header, length))
        at += header + length
    if at != end:
        raise ValueError("lengths do not add up")
    return found


def _der_layout_exact(contents: bytes) -> int:
    """The length of the CMS object at the start of `contents`, after checking that every length of its outer
    layers (ContentInfo, SignedData and its fields, the certificate and signer sets) adds up exactly: a changed
    length digit would otherwise slip past lenient parsers into the zero padding. ValueError when it does not."""
    header, length = _tlv(contents, 0)
    total = header + length
    if contents[0] != 0x30 or total > len(contents):
        raise ValueError("not a SEQUENCE")
    _oid, explicit = _children(contents, header, total)
    [signed] = _children(contents, explicit[0] + explicit[1], explicit[0] + explicit[1] + explicit[2])
    body = signed[0] + signed[1]
    fields = _children(contents, body, body + signed[2])
    for at, field_header, field_length in fields:
        if contents[at] in (0xA0, 0xA1, 0x31):  # certificates [0], crls [1], digestAlgorithms / signerInfos SET
            _children(contents, at + field_header, at + field_header + field_length)
    at, field_header, field_length = fields[-1]  # signerInfos: each SignerInfo's fields add up too
    for info, info_header, info_length in _children(contents, at + field_header, at + field_header + field_length):
        _children(contents, info + info_header, info + info_header + info_length)
    return total


def _cms_is_clean(contents: bytes) -> bool:
    """The signature's /Contents: one DER CMS SignedData, then zero padding (the space reserved for it).

    Parts of a CMS object are not covered by its signature (RFC 5652 §5.1, §5.3: the certificate set, the
    digestAlgorithms set, the version) and parsers are lenient with them, so an edit there can leave the signature
    verifying. Such an edit changes nothing the signature vouches for, but no genuine signer writes it, so a file
    whose padding is not zero, whose outer parts are not canonical DER, or whose digestAlgorithms set does not
    name the signer's digest algorithm is refused as altered.
    """
    try:
        length = _der_layout_exact(contents)
    except ValueError:
        return False
    if contents[length:].strip(b"\x00"):
        return False
    try:
        info = asn1_cms.ContentInfo.load(contents[:length], strict=True)
        signed = info["content"]
        # RFC 5652 §5.1: version 1, or 3 when a signer is named by subject key identifier or content is not data.
        if info["content_type"].native != "signed_data" or signed["version"].native not in ("v1", "v3"):
            return False
        for name in ("version", "digest_algorithms", "encap_content_info"):
            part = signed[name]
            original = part.dump()  # before force=True replaces the cached encoding with a fresh one
            if part.dump(force=True) != original:
                return False
        declared = [item["algorithm"].native for item in signed["digest_algorithms"]]
        signers = list(signed["signer_infos"])
        used = {info["digest_algorithm"]["algorithm"].native for info in signers}
        # The SignerInfo fields outside the signed attributes, read strictly (a changed tag raises here).
        if any(info["version"].native not in ("v1", "v3") or info["sid"].native is None for info in signers):
            return False
        # Hash algorithm parameters are absent or NULL (RFC 5754 §2), and so are those of ECDSA and PKCS#1 v1.5
        # signatures (RFC 5758 §3.2, RFC 8017 A.2.4): anything else there is an edit a lenient parser would skip.
        identifiers = [*signed["digest_algorithms"], *(info["digest_algorithm"] for info in signers)]
        identifiers += [info["signature_algorithm"] for info in signers]
        if any(
            identifier["parameters"].dump() not in (b"", b"\x05\x00")
            for identifier in identifiers
            if identifier["algorithm"].native != "rsassa_pss"
        ):
            return False
    except (ValueError, TypeError, KeyError):
        return False
    return bool(used) and used <= set(declared) and len(set(declared)) == len(declared)


def _names_its_certificate(signer_info: Any, certificate: asn1_x509.Certificate) -> bool:
    """The SignerInfo's sid names the signing certificate byte for byte. Certificate lookup compares names the
    RFC 5280 §7.1 way (case-insensitively), and the sid is not signed, so "tICHub" for "TICHub" would still find
    the certificate: an edit no genuine signer makes."""
    sid = signer_info["sid"]
    if sid.name == "issuer_and_serial_number":
        return bool(
            sid.chosen["issuer"].dump() == certificate.issuer.dump()
            and sid.chosen["serial_number"].native == certificate.serial_number
        )
    return bool(sid.chosen.native == certificate.key_identifier)


def _key_problems(key: KeyEntry, signed_at: dt.datetime | None) -> list[tuple[PdfStatus, str, str]]:
    problems: list[tuple[PdfStatus, str, str]] = []
    if key.status == "revoked":
        problems.append(
            (
                PdfStatus.REVOKED,
                f"签名密钥已于 {day(key.revoked_at)} 吊销：{key.reason}。此密钥签署的文件一律不再视为有效，"
                "无论其标注的签署时间。",
                f"Key revoked on {day(key.revoked_at)}: {key.reason}. Files signed with this key no longer count as "
                "valid, whatever signing time they state.",
            )
        )
    elif (
        signed_at is not None and key.status == "retired" and key.retired_at and signed_at > key.retired_at + CLOCK_SKEW
    ):
        problems.append(
            (
                PdfStatus.KEY_NOT_VALID,
                f"签署于 {minute(signed_at)}，晚于签名密钥的停用时间 {minute(key.retired_at)}。",
                f"Signed on {minute(signed_at)}, after its key was retired on {minute(key.retired_at)}.",
            )
        )
    return problems


def _validate_one(embedded: Any, trust: PdfTrust, now: dt.datetime) -> tuple[PdfSignature, PdfStatus, str, str]:
    signed_at = embedded.self_reported_timestamp
    moment = now if signed_at is None or signed_at > now + CLOCK_SKEW else signed_at
    context = ValidationContext(
        trust_roots=[_asn1(root) for root in trust.roots],
        allow_fetching=False,
        revocation_mode="soft-fail",  # our revocation list is the trust list, checked below
        moment=moment,
    )
    status = validate_pdf_signature(embedded, context)
    cert = status.signing_cert
    kid = _kid_of(cert)
    key = trust.trust_list.keys.get(kid) if trust.trust_list is not None else None
    modification = status.modification_level or ModificationLevel.OTHER
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    found: list[tuple[PdfStatus, str, str]] = []
    clean = _cms_is_clean(bytes(embedded.pkcs7_content)) and _names_its_certificate(embedded.signer_info, cert)
    if not status.intact or not status.valid or not clean:
        found.append(
            (
                PdfStatus.ALTERED,
                "文件被改动：签名所覆盖的内容与签名不符。",
                "Altered: the signed content of the file does not match its signature.",
            )
        )
    elif not covers and modification not in UNCHANGED:
        found.append(
            (
                PdfStatus.MODIFIED,
                "签署后被修改：签名本身完好，但文件在签署后又被追加修改（增量更新）。请向签发机构索取原件。",
                "Modified after signing: the signature itself is intact, but the file was changed after it was "
                "signed (an incremental update). Ask the issuer for the original.",
            )
        )
    # A listed key vouches for its signer only with the very certificate the trust list names: the certificate set
    # of a CMS object is not signed (RFC 5652 §5.1), so a changed copy must not lend its words to the signature.
    listed = key is not None and hashlib.sha256(cert.dump()).hexdigest() == key.certificate_sha256
    if key is not None and (listed or status.trusted):
        found.extend(_key_problems(key, signed_at))
    elif not status.trusted:
        found.append(
            (
                PdfStatus.UNTRUSTED,
                "签名者不可信：证书不是由平台 CA 或所给根证书签发的，密钥也不在信任列表中。",
                "Untrusted signer: the certificate does not lead to the platform CA or a given root, and the key "
                "is not in the trust list.",
            )
        )
    if signed_at is not None and signed_at > now + CLOCK_SKEW:
        found.append(
            (
                PdfStatus.KEY_NOT_VALID,
                f"签署时间在未来（{minute(signed_at)}）。",
                f"The signing time lies in the future ({minute(signed_at)}).",
            )
        )
    result = PdfSignature(
        field_name=str(embedded.field_name),
        intact=bool(status.intact),
        valid=bool(status.valid),
        chain_trusted=bool(status.trusted),
        covers_whole_file=covers,
        modification=modification.name.lower(),
        signer_subject=cert.subject.human_friendly,
        signer_kid=kid,
        signing_time=signed_at,
        key=key,
        problems=tuple((zh, en) for _status, zh, en in found),
    )
    if found:
        first = found[0]
        return result, first[0], first[1], first[2]
    owner_zh = key.owner_zh if key else cert.subject.human_friendly
    owner_en = key.owner_en if key else cert.subject.human_friendly
    return (
        result,
        PdfStatus.VALID,
        f"签名有效：由{owner_zh}签署（{minute(signed_at)}，签署方自述时间），签署后未被修改。",
        f"Valid signature: signed by {owner_en} ({minute(signed_at)}, as the signer states), not modified since.",
    )


def pdf_validate(pdf_bytes: bytes, trust: PdfTrust, *, now: dt.datetime | None = None) -> PdfVerdict:
    """Check every signature of the file: intact, valid, trusted (chain to a root, or a key of the trust list, not
    revoked), and nothing changed after signing. The verdict is the first problem found, or VALID."""
    now = now or dt.datetime.now(dt.UTC)
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    if len(pdf_bytes) > MAX_PDF_BYTES or not pdf_bytes.startswith(b"%PDF"):
        return PdfVerdict(
            PdfStatus.DAMAGED,
            "这不是 PDF 文件，或文件已损坏。",
            "This is not a PDF file, or it is damaged.",
            (),
            digest,
        )
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # hostile input: whatever the parser trips on (decimal, zlib, recursion...) means "damaged"
        return PdfVerdict(
            PdfStatus.DAMAGED, "PDF 文件已损坏，无法读取。", "The PDF file is damaged and cannot be read.", (), digest
        )
    if not embedded:
        return PdfVerdict(
            PdfStatus.NO_SIGNATURE,
            "文件没有电子签名。",
            "The file carries no electronic signature.",
            (),
            digest,
        )
    results: list[PdfSignature] = []
    verdict: tuple[PdfStatus, str, str] | None = None
    for signature in embedded:
        try:
            result, status, zh, en = _validate_one(signature, trust, now)
        except Exception:
            # Whatever pyHanko trips on in a damaged file, and its refusal of a signed attribute that no longer
            # matches (e.g. ESS signing-certificate-v2): the signature does not stand.
            return PdfVerdict(
                PdfStatus.ALTERED,
                "文件被改动：签名无法读取或与内容不符。",
                "Altered: the signature cannot be read or does not match the content.",
                tuple(results),
                digest,
            )
        results.append(result)
        if verdict is None or (verdict[0] is PdfStatus.VALID and status is not PdfStatus.VALID):
            verdict = (status, zh, en)
    assert verdict is not None
    return PdfVerdict(verdict[0], verdict[1], verdict[2], tuple(results), digest)
