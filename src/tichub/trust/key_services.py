"""Signing keys: the platform CA set-up, keys issued to institutions, PKCS#12 import, rotation and revocation.

ISO/IEC 17025 7.8.1.3 / 7.11.3 (electronic reports: authenticity and integrity) and RFC 5280 (certificates,
revocation with a time and a reason). Each service runs in one transaction, locks the institution's row so that
two administrators cannot both make a key active, writes its audit events in the same transaction, and refuses bad
input with field-named messages having changed nothing. docs/trust.md explains the decisions.

Who: "trust.keys.manage" (institution administrators) for issue/import/revoke, on the actor's own institution;
platform_init is the operator's command-line step (`tichub trust init`), acting as the system.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.accounts.models import Organisation
from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, ServiceError
from tichub.core.tenancy import Actor
from tichub.science import signedqr

from . import certificates
from .certificates import Pkcs12Problem
from .choices import KeyPurpose, KeySource, KeyStatus
from .crypto import PrivateKey, open_private_key, seal_private_key, signing_secret
from .key_selectors import active_key, key_not_found, platform_key
from .models import SigningKey

MANAGE = "trust.keys.manage"
REASON_MAX = 500
AUDIT_FIELDS = (
    "organisation",
    "purpose",
    "kid",
    "algorithm",
    "key_size",
    "source",
    "subject",
    "issuer",
    "serial",
    "status",
    "not_before",
    "not_after",
    "retired_at",
    "revoked_at",
    "revocation_reason",
)


@dataclass(frozen=True)
class PlatformKeys:
    root: SigningKey
    trust_list_signer: SigningKey
    created: bool  # False when `tichub trust init` found them already


@dataclass(frozen=True)
class KeyImported:
    key: SigningKey
    # RSA certificates sign PDFs only; the signed QR needs ES256, so when the institution had no active QR key the
    # platform CA issued one in the same transaction (docs/trust.md, "Certificates from another CA").
    qr_key_issued: SigningKey | None = None
    retired: tuple[SigningKey, ...] = ()


def _snapshot(key: SigningKey) -> dict[str, Any]:
    return snapshot(key, AUDIT_FIELDS)


def _row(
    *,
    organisation: Organisation | None,
    purpose: KeyPurpose,
    private_key: PrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    source: KeySource,
    actor: Actor,
) -> SigningKey:
    public = certificate.public_key()
    assert isinstance(public, certificates.PublicKey)
    algorithm, size = certificates.key_description(public)
    kid = certificates.kid_hex(public)
    return SigningKey(
        organisation=organisation,
        purpose=purpose,
        kid=kid,
        algorithm=algorithm,
        key_size=size,
        public_key=base64.b64encode(certificates.spki_der(public)).decode("ascii"),
        certificate_pem=certificates.to_pem(certificate),
        chain_pem=certificates.to_pem(*chain),
        private_key_encrypted=seal_private_key(private_key, kid=kid, secret=signing_secret()),
        source=source,
        subject=certificates.describe_name(certificate.subject)[:600],
        issuer=certificates.describe_name(certificate.issuer)[:600],
        serial=format(certificate.serial_number, "x")[:64],
        status=KeyStatus.ACTIVE,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        created_by=actor.user,
    )


def _save_new(key: SigningKey, *, actor: Actor, action: str) -> SigningKey:
    try:
        with transaction.atomic():
            key.save()
    except IntegrityError as exc:
        # The kid is unique across every key; the same public key twice is the only realistic way to hit it.
        raise Conflict(_("此密钥已经登记过（密钥标识 %(kid)s）。") % {"kid": key.kid}, code="key_exists") from exc
    audit_record(
        actor=actor,
        action=action,
        obj=key,
        after=_snapshot(key),
        organisation_id=key.organisation_id,
    )
    return key


# --- the platform ----------------------------------------------------------------------------------------------


def platform_init(*, actor: Actor, now: dt.datetime | None = None) -> PlatformKeys:
    """Create the platform root CA and the trust-list signing key, once (idempotent: found keys are returned).

    Both are ES256. The root CA (self-signed, 20 years) issues the trust-list signer's certificate (5 years) and
    every institution certificate; verifiers pin the root key's fingerprint (docs/trust.md)."""
    now = now or timezone.now()
    name = str(getattr(settings, "TRUST_PLATFORM_NAME", "TICHub") or "TICHub")
    with transaction.atomic():
        root = platform_key(KeyPurpose.PLATFORM_ROOT)
        signer = platform_key(KeyPurpose.PLATFORM_TRUST_LIST)
        if root is not None and signer is not None:
            return PlatformKeys(root=root, trust_list_signer=signer, created=False)
        if root is None:
            root_private = signedqr.generate_key()
            root_cert = certificates.root_certificate(root_private, name=name, now=now)
            root = _save_new(
                _row(
                    organisation=None,
                    purpose=KeyPurpose.PLATFORM_ROOT,
                    private_key=root_private,
                    certificate=root_cert,
                    chain=(),
                    source=KeySource.PLATFORM,
                    actor=actor,
                ),
                actor=actor,
                action="trust.platform.root_create",
            )
        root_private_key, root_cert = _open_root(root)
        signer_private = signedqr.generate_key()
        signer_cert = certificates.trust_list_signer_certificate(
            signer_private.public_key(), name=name, root_key=root_private_key, root=root_cert, now=now
        )
        signer = _save_new(
            _row(
                organisation=None,
                purpose=KeyPurpose.PLATFORM_TRUST_LIST,
                private_key=signer_private,
                certificate=signer_cert,
                chain=(root_cert,),
                source=KeySource.PLATFORM,
                actor=actor,
            ),
            actor=actor,
            action="trust.platform.trust_list_key_create",
        )
    return PlatformKeys(root=root, trust_list_signer=signer, created=True)


def _open_root(root: SigningKey) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    private = open_private_key(root.private_key_encrypted, kid=root.kid, secret=signing_secret())
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    return private, certificates.from_pem(root.certificate_pem)[0]


def _platform_ca() -> tuple[SigningKey, ec.EllipticCurvePrivateKey, x509.Certificate]:
    root = platform_key(KeyPurpose.PLATFORM_ROOT)
    if root is None:
        raise Conflict(_("平台签名 CA 尚未建立：请平台运营方先运行 “tichub trust init”。"), code="platform_not_ready")
    private, certificate = _open_root(root)
    return root, private, certificate


# --- institutions ----------------------------------------------------------------------------------------------


def _institution_locked(actor: Actor) -> Organisation:
    """The actor's institution, locked: key changes of one institution happen one at a time."""
    actor.require(MANAGE)
    organisation = Organisation.objects.select_for_update().filter(pk=actor.tenant_id).first()
    if organisation is None or organisation.kind != OrganisationKind.INSTITUTION:
        raise PermissionDenied(MANAGE)
    return organisation


def _retire(key: SigningKey, *, actor: Actor, now: dt.datetime, why: str) -> SigningKey:
    before = _snapshot(key)
    key.status = KeyStatus.RETIRED
    key.retired_at = now
    key.save(update_fields=["status", "retired_at", "updated_at"])
    audit_record(
        actor=actor,
        action="trust.key.retire",
        obj=key,
        before=before,
        after=_snapshot(key),
        reason=why,
        organisation_id=key.organisation_id,
    )
    return key


def _retire_active(
    organisation: Organisation, purposes: Sequence[KeyPurpose], *, actor: Actor, now: dt.datetime, why: str
) -> list[SigningKey]:
    current = SigningKey.objects.select_for_update().filter(
        organisation_id=organisation.pk, purpose__in=list(purposes), status=KeyStatus.ACTIVE
    )
    return [_retire(key, actor=actor, now=now, why=why) for key in current]


def _issue(organisation: Organisation, *, actor: Actor, now: dt.datetime) -> SigningKey:
    _root, root_private, root_cert = _platform_ca()
    private = signedqr.generate_key()
    subject = certificates.Subject(name_zh=organisation.name_zh, name_en=organisation.name_en, uscc=organisation.uscc)
    certificate = certificates.institution_certificate(
        private.public_key(), subject=subject, root_key=root_private, root=root_cert, now=now
    )
    key = _row(
        organisation=organisation,
        purpose=KeyPurpose.INSTITUTION,
        private_key=private,
        certificate=certificate,
        chain=(root_cert,),
        source=KeySource.PLATFORM,
        actor=actor,
    )
    return _save_new(key, actor=actor, action="trust.key.issue")


def key_issue(*, actor: Actor, now: dt.datetime | None = None) -> SigningKey:
    """The platform CA issues the institution a new ES256 key and X.509 certificate (3 years; digitalSignature and
    nonRepudiation; subject: Chinese name, English name, USCC). It signs QR codes and PDFs from now on; the
    previous active one is retired (rotation), and keeps verifying what it signed before."""
    now = now or timezone.now()
    with transaction.atomic():
        organisation = _institution_locked(actor)
        _retire_active(organisation, [KeyPurpose.INSTITUTION], actor=actor, now=now, why="rotation: new key issued")
        return _issue(organisation, actor=actor, now=now)


def _pkcs12_message(problem: Pkcs12Problem) -> str:
    messages = {
        "empty": _("请选择 PKCS#12 文件（.p12 / .pfx）。"),
        "too_large": _("文件过大（%(size)s 字节）：PKCS#12 文件最多 %(limit)s 字节。"),
        "not_pkcs12": _("这不是 PKCS#12 文件（.p12 / .pfx）：请导出包含私钥和证书的 PKCS#12 文件。"),
        "unreadable": _("无法读取此 PKCS#12 文件：其加密方式不受支持，请用 AES 加密重新导出。"),
        "bad_password": _("密码不正确，无法打开 PKCS#12 文件。"),
        "no_key": _("文件中没有私钥：请导出包含私钥的 PKCS#12 文件。"),
        "no_certificate": _("文件中没有证书：请导出包含证书的 PKCS#12 文件。"),
        "unsupported_curve": _("不支持 %(curve)s 曲线：只接受 ECDSA P-256 或至少 2048 位的 RSA 密钥。"),
        "weak_key": _("RSA 密钥只有 %(bits)s 位，强度不够：至少需要 %(minimum)s 位。"),
        "unsupported_key": _("不支持此类密钥（%(kind)s）：只接受 ECDSA P-256 或至少 2048 位的 RSA 密钥。"),
        "key_mismatch": _("证书与私钥不匹配。"),
        "not_yet_valid": _("证书尚未生效（%(date)s 起生效）。"),
        "expired": _("证书已于 %(date)s 过期。"),
        "ca_certificate": _("这是 CA 证书，不能用来签署文件：请使用签发给本机构的证书。"),
        "key_usage": _(
            "证书的密钥用法不包括数字签名或不可否认（digitalSignature / nonRepudiation），不能用来签署文件。"
        ),
        "other_organisation": _("证书签发给另一个组织（统一社会信用代码 %(named)s），与本机构不符。"),
    }
    template = messages.get(problem.code, _("无法使用此 PKCS#12 文件。"))
    return template % problem.params if problem.params else template


def key_import_pkcs12(*, actor: Actor, data: bytes, password: str, now: dt.datetime | None = None) -> KeyImported:
    """Register the institution's own key and certificate from an outside CA (a PKCS#12 file, RFC 7292).

    * ECDSA P-256: becomes the active institution key, for QR codes and PDFs; the previous active keys (QR+PDF
      and PDF-only) are retired.
    * RSA (at least 2048 bits): becomes the active PDF-only key (the previous PDF-only key is retired). The signed
      QR code is ES256 only, so QR codes keep being signed by the platform-issued key; when the institution has
      none, the platform CA issues one in the same transaction (`qr_key_issued`).

    Refused with the field at fault ("pkcs12" or "password"), nothing changed: not a PKCS#12 file, wrong password,
    no key or certificate, key and certificate that do not match, another curve, RSA below 2048 bits, a
    certificate expired or not yet valid, a CA certificate, a key usage without digitalSignature/nonRepudiation,
    a certificate naming another organisation's credit code, a key already registered.
    """
    now = now or timezone.now()
    actor.require(MANAGE)
    if not isinstance(data, bytes | bytearray) or not isinstance(password, str):
        raise ServiceError.field("pkcs12", _("请选择 PKCS#12 文件（.p12 / .pfx）。"))
    with transaction.atomic():
        organisation = _institution_locked(actor)
        try:
            parsed = certificates.parse_pkcs12(bytes(data), password, now=now, uscc=organisation.uscc)
        except Pkcs12Problem as problem:
            raise ServiceError.field(problem.field, _pkcs12_message(problem), code=f"pkcs12_{problem.code}") from None
        is_ec = parsed.algorithm == "ES256"
        purpose = KeyPurpose.INSTITUTION if is_ec else KeyPurpose.INSTITUTION_PDF
        kid = certificates.kid_hex(parsed.certificate.public_key())  # type: ignore[arg-type]
        if SigningKey.objects.filter(kid=kid).exists():
            raise ServiceError.field(
                "pkcs12", _("此密钥已经登记过（密钥标识 %(kid)s）。") % {"kid": kid}, code="pkcs12_key_exists"
            )
        retiring = [KeyPurpose.INSTITUTION, KeyPurpose.INSTITUTION_PDF] if is_ec else [KeyPurpose.INSTITUTION_PDF]
        retired = _retire_active(organisation, retiring, actor=actor, now=now, why="rotation: PKCS#12 imported")
        key = _save_new(
            _row(
                organisation=organisation,
                purpose=purpose,
                private_key=parsed.private_key,
                certificate=parsed.certificate,
                chain=parsed.chain,
                source=KeySource.IMPORTED,
                actor=actor,
            ),
            actor=actor,
            action="trust.key.import",
        )
        qr_key = None
        needs_qr_key = not is_ec and active_key(organisation.pk, KeyPurpose.INSTITUTION) is None
        if needs_qr_key and platform_key(KeyPurpose.PLATFORM_ROOT) is not None:
            qr_key = _issue(organisation, actor=actor, now=now)
    return KeyImported(key=key, qr_key_issued=qr_key, retired=tuple(retired))


def key_revoke(*, actor: Actor, key_id: int, reason: str, revoked_at: dt.datetime | None = None) -> SigningKey:
    """Revoke one of the institution's keys (RFC 5280 §5.3: a time and a reason). From then on nothing it signed
    verifies as genuine, whatever date a code or PDF states (docs/trust.md, "Revocation"): revoke for a lost or
    leaked key, and issue a new key to go on signing. `revoked_at` (default now) may be set earlier, to the time
    the key is believed compromised; never later than now nor before the key's validity began."""
    actor.require(MANAGE)
    now = timezone.now()
    fields: dict[str, list[str]] = {}
    reason = " ".join((reason or "").split()) if isinstance(reason, str) else ""
    if not reason:
        fields["reason"] = [_("请填写吊销原因：它会公布在信任列表中，并显示给每位验证者。")]
    elif len(reason) > REASON_MAX:
        fields["reason"] = [_("吊销原因最多 %(max)d 个字符（现为 %(n)d 个）。") % {"max": REASON_MAX, "n": len(reason)}]
    when = revoked_at or now
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + dt.timedelta(minutes=1):
        fields["revoked_at"] = [_("吊销时间不能晚于现在。")]
    with transaction.atomic():
        _institution_locked(actor)
        key = SigningKey.objects.select_for_update().filter(pk=key_id, organisation_id=actor.tenant_id).first()
        if key is None:
            raise key_not_found()
        if key.status == KeyStatus.REVOKED:
            raise Conflict(
                _("此密钥已于 %(date)s 吊销。") % {"date": timezone.localtime(key.revoked_at).date().isoformat()},
                code="already_revoked",
            )
        if "revoked_at" not in fields and when < key.not_before:
            fields["revoked_at"] = [
                _("吊销时间不能早于密钥生效时间（%(date)s）。")
                % {"date": timezone.localtime(key.not_before).strftime("%Y-%m-%d %H:%M")}
            ]
        if fields:
            summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
            raise ServiceError(summary, fields=fields)
        before = _snapshot(key)
        key.status = KeyStatus.REVOKED
        key.revoked_at = when.replace(microsecond=0)
        key.revocation_reason = reason
        key.revoked_by = actor.user
        key.save(update_fields=["status", "revoked_at", "revocation_reason", "revoked_by", "updated_at"])
        audit_record(
            actor=actor,
            action="trust.key.revoke",
            obj=key,
            before=before,
            after=_snapshot(key),
            reason=reason,
            organisation_id=key.organisation_id,
        )
    return key
