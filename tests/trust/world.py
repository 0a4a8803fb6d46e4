"""Builders for the trust tests: the platform CA, institutions with their people, PKCS#12 files from an outside CA
(made here with `cryptography`, no network), and a small bilingual PDF rendered by tichub.core.pdf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, NoEncryption, pkcs12
from cryptography.x509.oid import NameOID

from tichub.accounts.choices import Role
from tichub.accounts.models import Organisation, User
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, member, valid_uscc
from tichub.trust import key_services, trust_list_selectors
from tichub.trust.verify import TrustList, load_trust_list

SYSTEM = Actor(user=None)
P12_PASSWORD = "p12-Passw0rd"
TINY_TYPST = """#let data = json(bytes(sys.inputs.data))
#set page(paper: "a4")
#set text(font: "Noto Sans CJK SC")
= 检测报告 Test report
#data.body
"""


def actor_of(org: Organisation, user: User, *roles: str) -> Actor:
    return Actor(user=user, organisation=org, roles=frozenset(roles))


@dataclass
class Lab:
    institution: Organisation
    admin: User
    quality: User
    analyst: User

    @property
    def admin_actor(self) -> Actor:
        return actor_of(self.institution, self.admin, Role.INSTITUTION_ADMIN)

    @property
    def quality_actor(self) -> Actor:
        return actor_of(self.institution, self.quality, Role.QUALITY_MANAGER)

    @property
    def analyst_actor(self) -> Actor:
        return actor_of(self.institution, self.analyst, Role.ANALYST)


_labs = iter(range(1, 10_000))


def lab(name_zh: str = "广西检测中心", name_en: str = "Guangxi Testing Centre", uscc: str | None = None) -> Lab:
    n = next(_labs)
    institution = InstitutionFactory(
        name_zh=f"{name_zh}{n}", name_en=f"{name_en} {n}", uscc=uscc if uscc is not None else valid_uscc(70_000 + n)
    )
    return Lab(
        institution=institution,
        admin=member(institution, Role.INSTITUTION_ADMIN),
        quality=member(institution, Role.QUALITY_MANAGER),
        analyst=member(institution, Role.ANALYST),
    )


def platform() -> key_services.PlatformKeys:
    return key_services.platform_init(actor=SYSTEM)


def published_trust_list(now: dt.datetime | None = None, *, pin: bool = True) -> TrustList:
    content = trust_list_selectors.trust_list_build(now=now).content
    if not pin:
        return load_trust_list(content)
    first = load_trust_list(content)
    return load_trust_list(content, platform_key_fingerprint=first.root_fingerprint)


# --- an outside CA and its PKCS#12 files ---------------------------------------------------------------------


@dataclass
class OutsideCa:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def outside_ca() -> OutsideCa:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Trust Services Root CA")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return OutsideCa(key, certificate)


def p12(
    *,
    ca: OutsideCa | None = None,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    password: str | None = P12_PASSWORD,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    serial_number_attr: str = "",
    key_usage: str = "sign",
    is_ca: bool = False,
    certificate_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    with_chain: bool = True,
) -> bytes:
    """A PKCS#12 file: `key` (default a fresh P-256 key) with a certificate issued by `ca`."""
    ca = ca or outside_ca()
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, "广西某检测有限公司")]
    if serial_number_attr:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number_attr))
    usage = x509.KeyUsage(
        digital_signature=key_usage == "sign",
        content_commitment=key_usage == "sign",
        key_encipherment=key_usage == "encrypt",
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca.certificate.subject)
        .public_key((certificate_key or key).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(ca.key, hashes.SHA256())
    )
    encryption = BestAvailableEncryption(password.encode()) if password else NoEncryption()
    return pkcs12.serialize_key_and_certificates(
        b"institution", key, certificate, [ca.certificate] if with_chain else None, encryption
    )
