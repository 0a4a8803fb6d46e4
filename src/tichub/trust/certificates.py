"""X.509 for the platform CA (RFC 5280) and PKCS #12 import (RFC 7292). Pure `cryptography`, no Django.

The platform runs a two-level hierarchy: a self-signed root CA (ES256, 20 years) issues the trust-list signer's
certificate and the institutions' signing certificates (digitalSignature + nonRepudiation, 3 years). Institutions
with a certificate from an outside CA bring it as a PKCS#12 file instead (:func:`parse_pkcs12`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ROOT_YEARS: Final = 20
TRUST_LIST_SIGNER_YEARS: Final = 5
INSTITUTION_DAYS: Final = 3 * 365
BACKDATE: Final = dt.timedelta(minutes=5)  # clocks of verifiers disagree; a certificate valid "from now" would not be
MIN_RSA_BITS: Final = 2048
MAX_PKCS12_BYTES: Final = 256 * 1024
UB_NAME: Final = 64  # RFC 5280 Appendix A: ub-common-name, ub-organization-name, ub-organizational-unit-name
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")


def spki_der(public_key: PublicKey) -> bytes:
    """The DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): what the kid, the fingerprint and the trust list use."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def kid_hex(public_key: PublicKey) -> str:
    """The kid as tichub.science.signedqr.kid_for computes it (SHA-256 of the SPKI, first 8 bytes), in hex."""
    return hashlib.sha256(spki_der(public_key)).digest()[:8].hex()


def fingerprint(public_key: PublicKey) -> str:
    """SHA-256 of the SPKI, 64 lowercase hex digits: what a user pins (`--platform-key-fingerprint`)."""
    return hashlib.sha256(spki_der(public_key)).hexdigest()


def key_description(public_key: PublicKey) -> tuple[str, int]:
    """("ES256", 256) or ("RSA", bits); ValueError for anything else."""
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        return "ES256", 256
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size
    raise ValueError("only ECDSA P-256 and RSA keys are supported")


def _whole_seconds(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _name(*pairs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value[:UB_NAME]) for oid, value in pairs if value])


def _ski(public_key: PublicKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _key_usage(*, signing: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,  # nonRepudiation: the signer stands behind the content (reports)
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _serial() -> int:
    return x509.random_serial_number()


def root_certificate(private_key: ec.EllipticCurvePrivateKey, *, name: str, now: dt.datetime) -> x509.Certificate:
    """The platform's self-signed root CA (RFC 5280 §4.2.1.9 cA, pathLen 0: it issues end-entity certificates)."""
    start = _whole_seconds(now) - BACKDATE
    subject = _name(
        (NameOID.COUNTRY_NAME, "CN"), (NameOID.ORGANIZATION_NAME, name), (NameOID.COMMON_NAME, f"{name} Root CA")
    )
    public = private_key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(_serial())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False, ca=True), critical=True)
        .add_extension(_ski(public), critical=False)
        .sign(private_key, hashes.SHA256())
    )


def _issued(
    public_key: PublicKey,
    subject: x509.Name,
    *,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    now: dt.datetime,
    days: int,
) -> x509.Certificate:
    start = _whole_seconds(now) - BACKDATE
    end = min(start + dt.timedelta(days=days), root.not_valid_after_utc)  # never outlive the issuer
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root.subject)
        .public_key(public_key)
        .serial_number(_serial())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True, ca=False), critical=True)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )


def trust_list_signer_certificate(
    public_key: ec.EllipticCurvePublicKey,
    *,
    name: str,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    now: dt.datetime,
) -> x509.Certificate:
    subject = _name(
        (NameOID.COUNTRY_NAME, "CN"),
        (NameOID.ORGANIZATION_NAME, name),
        (NameOID.COMMON_NAME, f"{name} Trust List Signer"),
    )
    return _issued(public_key, subject, root_key=root_key, root=root, now=now, days=365 * TRUST_LIST_SIGNER_YEARS)


@dataclass(frozen=True)
class Subject:
    """Who an institution certificate names: the Chinese name (CN and O), the English name (OU, since X.520 has no
    attribute for a second-language name) and the unified social credit code in serialNumber (X.520 §6.2.9)."""

    name_zh: str
    name_en: str = ""
    uscc: str = ""

    def x509_name(self) -> x509.Name:
        return _name(
            (NameOID.COUNTRY_NAME, "CN"),
            (NameOID.ORGANIZATION_NAME, self.name_zh),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, self.name_en),
            (NameOID.SERIAL_NUMBER, self.uscc),
            (NameOID.COMMON_NAME, self.name_zh),
        )


def institution_certificate(
    public_key: PublicKey,
    *,
    subject: Subject,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    now: dt.datetime,
    days: int = INSTITUTION_DAYS,
) -> x509.Certificate:
    """An institution's signing certificate issued by the platform CA: digitalSignature + nonRepudiation."""
    return _issued(public_key, subject.x509_name(), root_key=root_key, root=root, now=now, days=days)


def to_pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates)


def from_pem(text: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(text.encode("ascii")) if text.strip() else []


_NAME_LABELS: Final = {NameOID.SERIAL_NUMBER: "serialNumber", NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier"}


def describe_name(name: x509.Name) -> str:
    """RFC 4514 string with the UTF-8 kept, and names for the attributes RFC 4514 leaves as OIDs."""
    return name.rfc4514_string(attr_name_overrides=_NAME_LABELS)


# --- PKCS #12 import ------------------------------------------------------------------------------------------


class Pkcs12Problem(ValueError):
    """Why a PKCS#12 file is refused: `code` names the rule, `field` the input at fault, `params` the details."""

    def __init__(self, code: str, field: str = "pkcs12", **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params


@dataclass(frozen=True)
class Parsed:
    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # the other certificates of the file: issuers, up to the root if included
    algorithm: str  # "ES256" or "RSA"
    key_size: int


def _is_pfx(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        # asn1crypto parses lazily: reading the fields is what raises on garbage.
        _ = (pfx["version"].native, pfx["auth_safe"]["content_type"].native)
    except (ValueError, TypeError, KeyError):
        return False
    return True


def _usccs_in(name: x509.Name) -> set[str]:
    found: set[str] = set()
    for oid in (NameOID.SERIAL_NUMBER, NameOID.ORGANIZATION_IDENTIFIER):
        for attribute in name.get_attributes_for_oid(oid):
            value = attribute.value if isinstance(attribute.value, str) else ""
            found.update(_USCC.findall(value.upper()))
    return found


def parse_pkcs12(data: bytes, password: str, *, now: dt.datetime, uscc: str = "") -> Parsed:
    """Open and check a PKCS#12 file for PDF signing; Pkcs12Problem names the first rule it breaks.

    Accepted: ECDSA P-256 or RSA of at least 2048 bits; a certificate valid now, for that key, not a CA, whose key
    usage (if stated) allows digitalSignature or nonRepudiation, and which, when it names a unified social credit
    code (serialNumber or organizationIdentifier), names the institution's own (`uscc`).
    """
    if not data:
        raise Pkcs12Problem("empty")
    if len(data) > MAX_PKCS12_BYTES:
        raise Pkcs12Problem("too_large", size=str(len(data)), limit=str(MAX_PKCS12_BYTES))
    if not _is_pfx(data):
        raise Pkcs12Problem("not_pkcs12")
    loaded = None
    passwords: Sequence[bytes | None] = [password.encode("utf-8")] if password else [None, b""]
    for candidate in passwords:
        try:
            loaded = pkcs12.load_pkcs12(data, candidate)
            break
        except ValueError:
            continue
        except Exception:  # the OpenSSL layer raises assorted types on encodings it does not support
            raise Pkcs12Problem("unreadable") from None
    if loaded is None:
        raise Pkcs12Problem("bad_password", field="password")
    key = loaded.key
    if key is None:
        raise Pkcs12Problem("no_key")
    if loaded.cert is None:
        raise Pkcs12Problem("no_certificate")
    certificate = loaded.cert.certificate
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise Pkcs12Problem("unsupported_curve", curve=key.curve.name)
        algorithm, size = "ES256", 256
    elif isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise Pkcs12Problem("weak_key", bits=str(key.key_size), minimum=str(MIN_RSA_BITS))
        algorithm, size = "RSA", key.key_size
    else:
        raise Pkcs12Problem("unsupported_key", kind=type(key).__name__.lstrip("_"))
    if spki_der(certificate.public_key()) != spki_der(key.public_key()):  # type: ignore[arg-type]
        raise Pkcs12Problem("key_mismatch")
    if now < certificate.not_valid_before_utc:
        raise Pkcs12Problem("not_yet_valid", date=certificate.not_valid_before_utc.date().isoformat())
    if now >= certificate.not_valid_after_utc:
        raise Pkcs12Problem("expired", date=certificate.not_valid_after_utc.date().isoformat())
    try:
        basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        if basic.ca:
            raise Pkcs12Problem("ca_certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise Pkcs12Problem("key_usage")
    except x509.ExtensionNotFound:
        pass
    named = _usccs_in(certificate.subject)
    if uscc and named and uscc.upper() not in named:
        raise Pkcs12Problem("other_organisation", named=", ".join(sorted(named)))
    chain = tuple(extra.certificate for extra in loaded.additional_certs)
    return Parsed(private_key=key, certificate=certificate, chain=chain, algorithm=algorithm, key_size=size)
