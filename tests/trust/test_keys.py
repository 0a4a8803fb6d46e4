"""Signing keys: platform set-up, issue and rotation, PKCS#12 import, revocation, encryption at rest, constraints."""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.trust import certificates, crypto, key_services
from tichub.trust.choices import KeyPurpose, KeySource, KeyStatus
from tichub.trust.models import SigningKey

from .world import P12_PASSWORD, SYSTEM, lab, outside_ca, p12

pytestmark = pytest.mark.django_db


def _state():
    """Everything a refused call must leave as it was."""
    return (
        list(SigningKey.objects.order_by("pk").values_list("pk", "kid", "status", "retired_at", "revoked_at")),
        AuditEvent.objects.count(),
    )


# --- platform ---------------------------------------------------------------------------------------------------


def test_platform_init_is_idempotent(plat):
    assert plat.created
    again = key_services.platform_init(actor=SYSTEM)
    assert not again.created
    assert (again.root.pk, again.trust_list_signer.pk) == (plat.root.pk, plat.trust_list_signer.pk)
    assert SigningKey.objects.count() == 2
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "trust.platform.root_create",
        "trust.platform.trust_list_key_create",
    ]
    root = certificates.from_pem(plat.root.certificate_pem)[0]
    signer = certificates.from_pem(plat.trust_list_signer.certificate_pem)[0]
    assert root.subject == root.issuer
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    signer.verify_directly_issued_by(root)
    assert plat.root.organisation_id is None and plat.root.purpose == KeyPurpose.PLATFORM_ROOT
    assert plat.root.kid == certificates.kid_hex(root.public_key())


def test_issue_needs_the_platform(a_lab):
    with pytest.raises(Conflict) as refused:
        key_services.key_issue(actor=a_lab.admin_actor)
    assert refused.value.code == "platform_not_ready"
    assert "tichub trust init" in refused.value.message
    assert SigningKey.objects.count() == 0


# --- issue and rotation -------------------------------------------------------------------------------------------


def test_issue_makes_an_es256_key_with_a_platform_certificate(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    inst = a_lab.institution
    assert (key.organisation_id, key.purpose, key.status, key.source) == (
        inst.pk,
        KeyPurpose.INSTITUTION,
        KeyStatus.ACTIVE,
        KeySource.PLATFORM,
    )
    assert (key.algorithm, key.key_size, len(key.kid)) == ("ES256", 256, 16)
    certificate = certificates.from_pem(key.certificate_pem)[0]
    certificate.verify_directly_issued_by(certificates.from_pem(plat.root.certificate_pem)[0])
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == inst.name_zh
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == inst.name_en
    assert certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == inst.uscc
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (key.not_after - key.not_before).days == 3 * 365
    assert certificates.kid_hex(certificate.public_key()) == key.kid
    event = AuditEvent.objects.get(action="trust.key.issue")
    assert (event.organisation_id, event.actor_id, event.after["kid"]) == (inst.pk, a_lab.admin.pk, key.kid)
    assert "private_key_encrypted" not in event.after


def test_issue_rotates_the_active_key(plat, a_lab):
    first = key_services.key_issue(actor=a_lab.admin_actor)
    second = key_services.key_issue(actor=a_lab.admin_actor)
    first.refresh_from_db()
    assert first.status == KeyStatus.RETIRED and first.retired_at is not None
    assert second.status == KeyStatus.ACTIVE and second.kid != first.kid
    retire = AuditEvent.objects.get(action="trust.key.retire")
    assert (retire.object_id, retire.before["status"], retire.after["status"]) == (str(first.pk), "active", "retired")


def test_issue_for_an_institution_without_uscc_or_english_name(plat):
    bare = lab(uscc="")
    bare.institution.name_en = ""
    bare.institution.save()
    key = key_services.key_issue(actor=bare.admin_actor)
    subject = certificates.from_pem(key.certificate_pem)[0].subject
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER) == []
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME) == []


def test_quality_manager_may_not_issue(plat, a_lab):
    before = _state()
    with pytest.raises(PermissionDenied):
        key_services.key_issue(actor=a_lab.quality_actor)
    assert _state() == before


# --- private keys at rest -----------------------------------------------------------------------------------------


def test_private_keys_are_sealed_and_bound_to_their_kid(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    sealed = bytes(key.private_key_encrypted)
    assert sealed[:1] == crypto.VERSION and b"PRIVATE KEY" not in sealed
    secret = crypto.signing_secret()
    opened = crypto.open_private_key(sealed, kid=key.kid, secret=secret)
    assert certificates.kid_hex(opened.public_key()) == key.kid
    with pytest.raises(crypto.SealError, match="does not open"):
        crypto.open_private_key(sealed, kid=plat.root.kid, secret=secret)  # copied onto another row
    with pytest.raises(crypto.SealError, match="does not open"):
        crypto.open_private_key(sealed, kid=key.kid, secret="another-secret-of-thirty-two-characters")
    with pytest.raises(crypto.SealError, match="unknown format"):
        crypto.open_private_key(b"\x02" + sealed[1:], kid=key.kid, secret=secret)


def test_a_missing_signing_secret_is_a_configuration_error(settings, a_lab):
    settings.TICHUB_SIGNING_SECRET = "short"
    with pytest.raises(ImproperlyConfigured, match="TICHUB_SIGNING_SECRET"):
        key_services.platform_init(actor=SYSTEM)
    assert SigningKey.objects.count() == 0


# --- database constraints -----------------------------------------------------------------------------------------


def _copy(key, **changes):
    fields = {f.name: getattr(key, f.name) for f in SigningKey._meta.concrete_fields if f.name not in ("id",)}
    fields.update(changes)
    return SigningKey(**fields)


def test_one_active_key_per_institution_and_kids_are_unique(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(key, kid="00" * 8).save()  # a second active institution key
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(key, status=KeyStatus.RETIRED, retired_at=timezone.now()).save()  # same kid
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(plat.root, kid="11" * 8).save()  # a second active platform root
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(key, kid="22" * 8, organisation=None, status=KeyStatus.RETIRED, retired_at=timezone.now()).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(key, kid="33" * 8, status=KeyStatus.REVOKED, revoked_at=timezone.now(), revocation_reason="").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(key, kid="44" * 8, algorithm="RSA", status=KeyStatus.RETIRED, retired_at=timezone.now()).save()
    _copy(key, kid="55" * 8, status=KeyStatus.RETIRED, retired_at=timezone.now()).save()  # retired ones may pile up


# --- PKCS#12 import -----------------------------------------------------------------------------------------------


def test_import_ecdsa_p256_becomes_the_qr_and_pdf_key(plat, a_lab):
    old = key_services.key_issue(actor=a_lab.admin_actor)
    ca = outside_ca()
    imported = key_services.key_import_pkcs12(actor=a_lab.admin_actor, data=p12(ca=ca), password=P12_PASSWORD)
    key = imported.key
    assert (key.purpose, key.source, key.algorithm, key.status) == (
        KeyPurpose.INSTITUTION,
        KeySource.IMPORTED,
        "ES256",
        KeyStatus.ACTIVE,
    )
    assert imported.qr_key_issued is None
    assert [k.pk for k in imported.retired] == [old.pk]
    assert key.issuer == "CN=Example Trust Services Root CA"
    assert certificates.from_pem(key.chain_pem) == [ca.certificate]
    assert AuditEvent.objects.filter(action="trust.key.import", object_id=str(key.pk)).count() == 1


def test_import_rsa_signs_pdfs_and_the_platform_issues_a_qr_key(plat, a_lab):
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    imported = key_services.key_import_pkcs12(actor=a_lab.admin_actor, data=p12(key=rsa_key), password=P12_PASSWORD)
    assert (imported.key.purpose, imported.key.algorithm, imported.key.key_size) == (
        KeyPurpose.INSTITUTION_PDF,
        "RSA",
        2048,
    )
    assert imported.qr_key_issued is not None
    assert imported.qr_key_issued.purpose == KeyPurpose.INSTITUTION
    assert imported.qr_key_issued.source == KeySource.PLATFORM
    # A second RSA import replaces the PDF key only: the QR key stays.
    again = key_services.key_import_pkcs12(
        actor=a_lab.admin_actor,
        data=p12(key=rsa.generate_private_key(public_exponent=65537, key_size=3072)),
        password=P12_PASSWORD,
    )
    assert again.qr_key_issued is None
    assert [k.pk for k in again.retired] == [imported.key.pk]
    active = SigningKey.objects.filter(organisation=a_lab.institution, status=KeyStatus.ACTIVE)
    assert sorted(active.values_list("purpose", "algorithm")) == [("institution", "ES256"), ("institution_pdf", "RSA")]


def test_import_without_a_password(plat, a_lab):
    imported = key_services.key_import_pkcs12(actor=a_lab.admin_actor, data=p12(password=None), password="")
    assert imported.key.status == KeyStatus.ACTIVE


def _refused(a_lab, data, password=P12_PASSWORD, **kwargs):
    before = _state()
    with pytest.raises(ServiceError) as refused:
        key_services.key_import_pkcs12(actor=a_lab.admin_actor, data=data, password=password, **kwargs)
    assert _state() == before, "a refused import changed something"
    return refused.value


@pytest.mark.parametrize(
    ("make", "password", "field", "code", "words"),
    [
        (lambda: b"", P12_PASSWORD, "pkcs12", "pkcs12_empty", "请选择"),
        (lambda: b"-----BEGIN CERTIFICATE-----\nMIIB\n", P12_PASSWORD, "pkcs12", "pkcs12_not_pkcs12", "不是 PKCS#12"),
        (lambda: b"\x30\x03\x02\x01\x03", P12_PASSWORD, "pkcs12", "pkcs12_not_pkcs12", "不是 PKCS#12"),
        (lambda: p12(), "wrong password", "password", "pkcs12_bad_password", "密码不正确"),
        (lambda: p12(), "", "password", "pkcs12_bad_password", "密码不正确"),
        (
            lambda: p12(key=rsa.generate_private_key(public_exponent=65537, key_size=1024)),  # noqa: S505
            P12_PASSWORD,
            "pkcs12",
            "pkcs12_weak_key",
            "RSA 密钥只有 1024 位",
        ),
        (
            lambda: p12(key=ec.generate_private_key(ec.SECP384R1())),
            P12_PASSWORD,
            "pkcs12",
            "pkcs12_unsupported_curve",
            "secp384r1",
        ),
        (
            lambda: p12(
                not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=30),
                not_after=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
            ),
            P12_PASSWORD,
            "pkcs12",
            "pkcs12_expired",
            "证书已于",
        ),
        (
            lambda: p12(not_before=dt.datetime.now(dt.UTC) + dt.timedelta(days=3)),
            P12_PASSWORD,
            "pkcs12",
            "pkcs12_not_yet_valid",
            "尚未生效",
        ),
        (lambda: p12(is_ca=True), P12_PASSWORD, "pkcs12", "pkcs12_ca_certificate", "CA 证书"),
        (lambda: p12(key_usage="encrypt"), P12_PASSWORD, "pkcs12", "pkcs12_key_usage", "密钥用法"),
        (
            lambda: p12(serial_number_attr="91110000100000000X"),
            P12_PASSWORD,
            "pkcs12",
            "pkcs12_other_organisation",
            "91110000100000000X",
        ),
        (lambda: b"x" * (300 * 1024), P12_PASSWORD, "pkcs12", "pkcs12_too_large", "文件过大"),
    ],
    ids=[
        "empty",
        "pem-not-p12",
        "der-not-p12",
        "wrong-password",
        "missing-password",
        "rsa-1024",
        "p-384",
        "expired",
        "not-yet-valid",
        "ca-certificate",
        "encryption-only",
        "other-organisation",
        "too-large",
    ],
)
def test_bad_pkcs12_is_refused_by_field_and_changes_nothing(plat, a_lab, make, password, field, code, words):
    error = _refused(a_lab, make(), password)
    assert error.code == code
    assert list(error.fields) == [field]
    assert words in error.fields[field][0]


def test_import_refuses_a_file_without_the_key_or_without_its_certificate(plat, a_lab):
    ca = outside_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    encryption = BestAvailableEncryption(P12_PASSWORD.encode())
    # OpenSSL pairs key and certificate by their local key id: a certificate of another key is left aside.
    only_other = pkcs12.serialize_key_and_certificates(b"x", key, None, [ca.certificate], encryption)
    error = _refused(a_lab, only_other)
    assert (error.code, list(error.fields)) == ("pkcs12_no_certificate", ["pkcs12"])
    only_certificate = pkcs12.serialize_key_and_certificates(b"x", None, None, [ca.certificate], encryption)
    error = _refused(a_lab, only_certificate)
    assert (error.code, list(error.fields)) == ("pkcs12_no_key", ["pkcs12"])


def test_import_refuses_the_same_key_twice(plat, a_lab):
    key = ec.generate_private_key(ec.SECP256R1())
    ca = outside_ca()
    key_services.key_import_pkcs12(actor=a_lab.admin_actor, data=p12(key=key, ca=ca), password=P12_PASSWORD)
    error = _refused(a_lab, p12(key=key, ca=ca))
    assert error.code == "pkcs12_key_exists"
    assert "已经登记过" in error.fields["pkcs12"][0]


def test_import_accepts_a_certificate_naming_the_institutions_own_uscc(plat, a_lab):
    data = p12(serial_number_attr=a_lab.institution.uscc)
    imported = key_services.key_import_pkcs12(actor=a_lab.admin_actor, data=data, password=P12_PASSWORD)
    assert a_lab.institution.uscc in imported.key.subject


def test_quality_manager_may_not_import(plat, a_lab):
    before = _state()
    with pytest.raises(PermissionDenied):
        key_services.key_import_pkcs12(actor=a_lab.quality_actor, data=p12(), password=P12_PASSWORD)
    assert _state() == before


# --- revocation ---------------------------------------------------------------------------------------------------


def test_revoke_records_time_reason_and_audit(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    revoked = key_services.key_revoke(actor=a_lab.admin_actor, key_id=key.pk, reason="  私钥可能泄露  ")
    assert revoked.status == KeyStatus.REVOKED
    assert revoked.revocation_reason == "私钥可能泄露"
    assert revoked.revoked_by_id == a_lab.admin.pk
    assert abs((timezone.now() - revoked.revoked_at).total_seconds()) < 5
    event = AuditEvent.objects.get(action="trust.key.revoke")
    assert (event.reason, event.before["status"], event.after["status"]) == ("私钥可能泄露", "active", "revoked")


def test_revoke_with_an_earlier_time_and_a_retired_key(plat, a_lab):
    first = key_services.key_issue(actor=a_lab.admin_actor)
    key_services.key_issue(actor=a_lab.admin_actor)  # first is now retired
    when = timezone.now() - dt.timedelta(minutes=1)
    revoked = key_services.key_revoke(actor=a_lab.admin_actor, key_id=first.pk, reason="遗失", revoked_at=when)
    assert revoked.revoked_at == when.replace(microsecond=0)
    assert revoked.retired_at is not None  # the history stays


@pytest.mark.parametrize(
    ("reason", "offset", "fields"),
    [
        ("", None, {"reason"}),
        ("x" * 501, None, {"reason"}),
        ("泄露", dt.timedelta(days=1), {"revoked_at"}),
        ("泄露", -dt.timedelta(days=2), {"revoked_at"}),  # before the key's validity
        ("", dt.timedelta(days=1), {"reason", "revoked_at"}),
    ],
    ids=["no-reason", "long-reason", "future", "before-validity", "both"],
)
def test_bad_revocations_are_refused_by_field(plat, a_lab, reason, offset, fields):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    before = _state()
    with pytest.raises(ServiceError) as refused:
        key_services.key_revoke(
            actor=a_lab.admin_actor,
            key_id=key.pk,
            reason=reason,
            revoked_at=timezone.now() + offset if offset is not None else None,
        )
    assert set(refused.value.fields) == fields
    assert _state() == before


def test_revoking_twice_is_a_conflict_and_other_tenants_get_not_found(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    key_services.key_revoke(actor=a_lab.admin_actor, key_id=key.pk, reason="泄露")
    before = _state()
    with pytest.raises(Conflict) as twice:
        key_services.key_revoke(actor=a_lab.admin_actor, key_id=key.pk, reason="再次")
    assert twice.value.code == "already_revoked"
    other = lab()
    with pytest.raises(NotFound):
        key_services.key_revoke(actor=other.admin_actor, key_id=key.pk, reason="不是我的")
    with pytest.raises(NotFound):  # platform keys are nobody's to revoke through this door
        key_services.key_revoke(actor=a_lab.admin_actor, key_id=plat.root.pk, reason="试试")
    assert _state() == before
