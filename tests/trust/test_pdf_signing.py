"""PAdES signatures on a real PDF from tichub.core.pdf: valid, altered after signing (incremental update, flipped
bytes), revoked, untrusted, visible and invisible, RSA certificates from an outside CA."""

import dataclasses
import datetime as dt
import io
import random
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from tichub.trust import certificates, key_services, sign_services
from tichub.trust.pdf_signing import PdfStatus, PdfTrust, SignerKey, pdf_sign, pdf_validate

from .world import P12_PASSWORD, lab, outside_ca, p12, published_trust_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(plat, a_lab, tiny_pdf):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    started = time.perf_counter()
    pdf = sign_services.pdf_seal(
        actor=a_lab.admin_actor, pdf_bytes=tiny_pdf, reason="检测报告签发 Report issued", location="南宁 Nanning"
    )
    print(f"pdf_seal incl. key opening: {(time.perf_counter() - started) * 1000:.1f} ms")  # noqa: T201
    return a_lab, key, pdf


def _trust():
    return PdfTrust.from_trust_list(published_trust_list())


def test_signed_report_is_valid(signed, tiny_pdf):
    a_lab, key, pdf = signed
    assert pdf.startswith(tiny_pdf)  # an incremental update: the original bytes are untouched
    verdict = pdf_validate(pdf, _trust())
    assert verdict.status is PdfStatus.VALID and verdict.ok
    [signature] = verdict.signatures
    assert (signature.intact, signature.valid, signature.chain_trusted, signature.covers_whole_file) == (
        True,
        True,
        True,
        True,
    )
    assert signature.modification == "none"
    assert signature.signer_kid == key.kid and signature.key.institution_id == a_lab.institution.pk
    assert a_lab.institution.name_zh in signature.signer_subject
    assert abs((signature.signing_time - timezone.now()).total_seconds()) < 60
    assert verdict.message_zh.startswith(f"签名有效：由{a_lab.institution.name_zh}签署")


def test_pyhanko_validator_agrees(signed):
    """The issue asks that signatures validate with pyHanko's own validator, used directly."""
    _a_lab, _key, pdf = signed
    root = published_trust_list().root.certificate
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(root.public_bytes(Encoding.DER))], allow_fetching=False
    )
    [embedded] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(embedded, context)
    assert status.bottom_line and status.trusted and status.intact and status.valid
    assert embedded.sig_object["/Reason"] == "检测报告签发 Report issued"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_incremental_update_that_changes_content_is_detected(signed):
    _a_lab, _key, pdf = signed
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    overlay = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 600 Td (FAIL -> PASS) Tj ET"))
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), overlay])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    verdict = pdf_validate(out.getvalue(), _trust())
    assert verdict.status is PdfStatus.MODIFIED and not verdict.ok
    [signature] = verdict.signatures
    assert signature.intact and signature.valid and not signature.covers_whole_file
    assert signature.modification == "other"
    assert verdict.message_en.startswith("Modified after signing")


def test_flipped_bytes_are_detected(signed):
    _a_lab, _key, pdf = signed
    start, end = pdf.index(b"/Contents <") + len(b"/Contents <"), None
    end = pdf.index(b">", start)
    rng = random.Random(7)
    signed_range = [p for p in range(len(pdf)) if not start <= p < end]
    positions = [*rng.sample(signed_range, 40), len(pdf) // 2, 200, len(pdf) - 30]
    # In the CMS object (its unsigned header parts too) and the signature value: a hex digit into another.
    positions_in_signature = list(range(start, start + 120)) + rng.sample(range(start + 120, end), 30)
    detected = {PdfStatus.ALTERED, PdfStatus.DAMAGED, PdfStatus.NO_SIGNATURE, PdfStatus.MODIFIED}
    missed = []
    for position in positions + positions_in_signature:
        flipped = bytearray(pdf)
        flipped[position] = ord("7") if flipped[position] != ord("7") else ord("8")
        verdict = pdf_validate(bytes(flipped), _trust())
        if verdict.status not in detected:
            missed.append(
                (position, position - start, verdict.status, verdict.message_en, pdf[position - 24 : position + 8])
            )
    assert not missed, missed


def test_the_unsigned_signer_id_must_name_the_certificate_exactly(signed):
    """The SignerInfo's issuer name is not signed, and certificate lookup ignores case (RFC 5280 §7.1): "tICHub"
    would still find the certificate. Such an edit is refused."""
    _a_lab, _key, pdf = signed
    [embedded] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    sid = embedded.signer_info["sid"].dump().hex().upper().encode()
    assert b"544943487562" in sid  # "TICHub", the issuing root's O and CN
    changed_sid = sid.replace(b"544943487562", b"744943487562", 1)  # "tICHub"
    changed = pdf.replace(sid, changed_sid, 1)
    assert changed != pdf and len(changed) == len(pdf)
    assert pdf_validate(changed, _trust()).status is PdfStatus.ALTERED


def test_zero_padding_after_the_signature_must_stay_zero(signed):
    _a_lab, _key, pdf = signed
    end = pdf.index(b">", pdf.index(b"/Contents <"))
    padded = pdf[: end - 8] + b"DEADBEEF" + pdf[end:]
    assert pdf_validate(padded, _trust()).status is PdfStatus.ALTERED


def test_revoked_key_fails_whatever_the_signing_time(signed):
    a_lab, key, pdf = signed
    key_services.key_revoke(actor=a_lab.admin_actor, key_id=key.pk, reason="私钥泄露")
    verdict = pdf_validate(pdf, _trust())
    assert verdict.status is PdfStatus.REVOKED
    assert verdict.message_zh.startswith(
        f"签名密钥已于 {timezone.now().astimezone(dt.UTC).date().isoformat()} 吊销：私钥泄露。"
    )


def test_retired_key_still_validates(signed):
    a_lab, _key, pdf = signed
    key_services.key_issue(actor=a_lab.admin_actor)
    assert pdf_validate(pdf, _trust()).status is PdfStatus.VALID


def test_a_certificate_outside_the_trust_is_untrusted(signed, tiny_pdf):
    _a_lab, _key, _pdf = signed
    from cryptography.hazmat.primitives.asymmetric import ec

    from tichub.trust.certificates import Subject, institution_certificate, root_certificate

    now = dt.datetime.now(dt.UTC)
    rogue_root_key = ec.generate_private_key(ec.SECP256R1())
    rogue_root = root_certificate(rogue_root_key, name="Rogue", now=now)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue_cert = institution_certificate(
        rogue_key.public_key(), subject=Subject("广西检测中心"), root_key=rogue_root_key, root=rogue_root, now=now
    )
    forged = pdf_sign(tiny_pdf, key=SignerKey(rogue_key, rogue_cert, (rogue_root,)), reason="x", location="y")
    verdict = pdf_validate(forged, _trust())
    assert verdict.status is PdfStatus.UNTRUSTED
    assert not verdict.signatures[0].chain_trusted and verdict.signatures[0].key is None
    # Trusted when the verifier is given that root (an uploaded root of an outside CA).
    assert pdf_validate(forged, PdfTrust(roots=(rogue_root,))).status is PdfStatus.VALID


def test_visible_signature_option(signed, tiny_pdf):
    a_lab, _key, _pdf = signed
    visible = sign_services.pdf_seal(
        actor=a_lab.admin_actor, pdf_bytes=tiny_pdf, reason="r", location="l", visible=True
    )
    [embedded] = PdfFileReader(io.BytesIO(visible)).embedded_signatures
    assert [float(v) for v in embedded.sig_field["/Rect"]] == [380.0, 40.0, 560.0, 100.0]
    [invisible] = PdfFileReader(io.BytesIO(_pdf)).embedded_signatures
    assert [float(v) for v in invisible.sig_field["/Rect"]] == [0.0, 0.0, 0.0, 0.0]
    assert pdf_validate(visible, _trust()).ok


def test_rsa_certificate_from_an_outside_ca(plat, a_lab, tiny_pdf):
    ca = outside_ca()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    imported = key_services.key_import_pkcs12(
        actor=a_lab.admin_actor, data=p12(ca=ca, key=rsa_key), password=P12_PASSWORD
    )
    pdf = sign_services.pdf_seal(actor=a_lab.admin_actor, pdf_bytes=tiny_pdf, reason="r", location="l")
    verdict = pdf_validate(pdf, _trust())
    [signature] = verdict.signatures
    assert signature.signer_kid == imported.key.kid
    assert verdict.status is PdfStatus.VALID  # listed in the trust list, though its root is not the platform's
    assert not signature.chain_trusted
    assert pdf_validate(pdf, PdfTrust(roots=(ca.certificate,))).status is PdfStatus.VALID
    # The trust list vouches for that key with that certificate only.
    trust = published_trust_list()
    entry = dataclasses.replace(trust.keys[imported.key.kid], certificate_sha256="0" * 64)
    other = dataclasses.replace(trust, keys={**trust.keys, imported.key.kid: entry})
    assert pdf_validate(pdf, PdfTrust.from_trust_list(other)).status is PdfStatus.UNTRUSTED
    assert pdf_validate(pdf, PdfTrust(roots=(certificates.from_pem(plat.root.certificate_pem)[0],))).status is (
        PdfStatus.UNTRUSTED
    )


def test_not_a_pdf_and_unsigned(plat, tiny_pdf):
    trust = _trust()
    assert pdf_validate(b"hello", trust).status is PdfStatus.DAMAGED
    assert pdf_validate(b"%PDF-1.7\n garbage", trust).status is PdfStatus.DAMAGED
    unsigned = pdf_validate(tiny_pdf, trust)
    assert (
        unsigned.status is PdfStatus.NO_SIGNATURE and unsigned.message_en == "The file carries no electronic signature."
    )


def test_document_seal_in_one_call(plat, a_lab, tiny_pdf):
    key_services.key_issue(actor=a_lab.admin_actor)
    seen = []

    def render(qr_text):
        seen.append(qr_text)
        return tiny_pdf

    sealed = sign_services.document_seal(
        actor=a_lab.admin_actor, claims={"no": "R-1"}, render=render, reason="签发", location="南宁"
    )
    assert seen == [sealed.qr_text] and sealed.qr_text.startswith("TIC1:")
    import hashlib

    from tichub.trust.verify import verify_qr

    assert sealed.sha256 == hashlib.sha256(sealed.pdf).hexdigest()
    trust = published_trust_list()
    assert verify_qr(sealed.qr_text, trust, timezone.now()).ok
    assert pdf_validate(sealed.pdf, PdfTrust.from_trust_list(trust)).ok
    assert sealed.kid == sealed.pdf_kid


def test_other_institutions_cannot_seal_without_keys(plat, tiny_pdf):
    from tichub.core.errors import Conflict

    keyless = lab()
    with pytest.raises(Conflict) as refused:
        sign_services.pdf_seal(actor=keyless.admin_actor, pdf_bytes=tiny_pdf, reason="r", location="l")
    assert refused.value.code == "no_signing_key"
