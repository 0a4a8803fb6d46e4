"""Public verification of a report's signed QR code: pasted (/verify/check/, POST /api/v1/verify/qr) or in a photo
(POST /api/v1/verify/image). The security cases of issue 7, each with its verdict in plain words asserted exactly:
one byte changed, an unknown key, another institution's key, a revoked key, an expired claim; and the report's
online state behind a genuine code (current, superseded, withdrawn, no record, inconsistent)."""

import base64
import datetime as dt
import io
import time
import zlib

import cbor2
import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.trust.world import lab
from tichub.reports.report_services import report_withdraw
from tichub.reports.verify_selectors import QR_HOW, Outcome, verify_image, verify_text
from tichub.science import signedqr
from tichub.trust import crypto, key_services, sign_services
from tichub.trust.models import SigningKey
from tichub.trust.verify import minute

from .world import issued, ready_world

pytestmark = pytest.mark.django_db
CHECK = reverse("reports_public:check")


@pytest.fixture
def world():
    w, sample = ready_world()
    return w, sample, issued(w, sample)


def _day(moment):
    return timezone.localdate(moment).isoformat()


def _count(report):
    report.refresh_from_db()
    return report.verification_count


def _claims(report):
    trust = {bytes.fromhex(report.kid): _public(report.kid)}
    return signedqr.decode(report.qr_text, trust=trust, now=timezone.now()).claims


def _public(kid):
    key = SigningKey.objects.get(kid=kid)
    return crypto.open_private_key(key.private_key_encrypted, kid=kid, secret=crypto.signing_secret()).public_key()


def _raw_sign(key, claims, *, issued_at=None, expires_at=None):
    """Sign with a key's private part directly, as a forger holding that key would."""
    private = crypto.open_private_key(key.private_key_encrypted, kid=key.kid, secret=crypto.signing_secret())
    return signedqr.encode(
        claims,
        private_key=private,
        kid=bytes.fromhex(key.kid),
        issued_at=issued_at or timezone.now(),
        expires_at=expires_at,
    )


def _png(*texts):
    """A scan of one or more codes side by side."""
    images = []
    for text in texts:
        out = io.BytesIO()
        segno.make(text, error="m").save(out, kind="png", scale=4, border=4)
        images.append(Image.open(io.BytesIO(out.getvalue())).convert("L"))
    canvas = Image.new("L", (sum(i.width for i in images) + 40 * len(images), max(i.height for i in images)), 255)
    x = 0
    for image in images:
        canvas.paste(image, (x, 0))
        x += image.width + 40
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def _current(w, report):
    name_zh, name_en = w.institution.name_zh, w.institution.name_en
    return (
        f"真实有效：报告 {report.number} 第 {report.version} 版由{name_zh}于 {_day(report.issued_at)} 签发，"
        f"是现行有效版本。{QR_HOW[0]}",
        f"Genuine and current: report {report.number} version {report.version}, issued by {name_en} on "
        f"{_day(report.issued_at)}, is the current version.{QR_HOW[1]}",
    )


def test_genuine_code_of_the_current_report(world):
    w, _sample, report = world
    result = verify_text(report.qr_text)
    assert result.status is Outcome.GENUINE
    assert (result.message_zh, result.message_en) == _current(w, report)
    qr = result.signature.qr
    assert (qr.status, qr.kid, qr.institution_zh, qr.key_status) == (
        "genuine",
        report.kid,
        w.institution.name_zh,
        "active",
    )
    words = {claim.label_en: claim.value for claim in qr.claims}
    assert words["Report data SHA-256 (report.json)"] == report.content_sha256
    assert words["Number"] == report.number
    # Through the API and the page, each counting one verification.
    body = Client().post("/api/v1/verify/qr", {"text": report.qr_text}, content_type="application/json").json()
    assert (body["status"], body["message_zh"], body["report"]["public_id"]) == (
        "genuine",
        _current(w, report)[0],
        report.public_id,
    )
    assert body["signature"]["qr"]["kid"] == report.kid
    page = Client().post(CHECK + "?kind=text", {"text": report.qr_text})
    assert page.status_code == 200 and 'class="verdict ok"' in page.content.decode()
    assert _count(report) == 2


def test_one_byte_changed_is_altered(world):
    _w, _sample, report = world
    cose = cbor2.loads(zlib.decompress(signedqr.b45decode(report.qr_text[5:])))
    protected, unprotected, payload, signature = cose.value
    i = payload.index(report.number.encode())
    changed = payload[: i + 2] + bytes([payload[i + 2] ^ 0x01]) + payload[i + 3 :]  # one byte of the number
    forged = "TIC1:" + signedqr.b45encode(
        zlib.compress(cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, changed, signature])), 9)
    )
    result = verify_text(forged)
    assert result.status is Outcome.ALTERED and result.tone == "bad"
    assert (result.headline_zh, result.headline_en) == ("内容被改动或伪造", "Altered or forged")
    assert result.message_zh == "内容被改动或伪造：签名与二维码内容不符。请勿信任此二维码。"
    assert result.message_en == (
        "Altered or forged: the signature does not match the content of the code. Do not trust this code."
    )
    assert result.report is None and result.signature.qr.claims == ()
    body = Client().post("/api/v1/verify/qr", {"text": forged}, content_type="application/json").json()
    assert (body["status"], body["report"], body["newer"]) == ("altered", None, None)
    assert _count(report) == 0


def test_unknown_key(world):
    _w, _sample, report = world
    stranger = signedqr.generate_key()
    kid = signedqr.kid_for(stranger.public_key())
    text = signedqr.encode({**_claims(report)}, private_key=stranger, kid=kid)
    result = verify_text(text)
    assert result.status is Outcome.UNKNOWN_KEY
    assert result.message_zh == (
        f"未知签名密钥：签名密钥 {kid.hex()} 不在信任列表中。二维码可能是伪造的，也可能您的信任列表已过时——"
        "请下载最新的信任列表后重试。"
    )
    assert result.message_en == (
        f"Unknown signing key: key {kid.hex()} is not in the trust list. The code may be forged, or your trust list "
        "may be out of date: fetch the latest and try again."
    )
    assert result.report is None and _count(report) == 0


def test_another_institutions_key_claiming_this_institution(world):
    w, _sample, report = world
    impostor = lab(name_zh="冒名检测所", name_en="Impostor Lab")
    key = key_services.key_issue(actor=impostor.admin_actor)
    text = _raw_sign(key, _claims(report))  # iss: the real institution
    result = verify_text(text)
    assert result.status is Outcome.WRONG_INSTITUTION
    assert result.message_zh == (
        f"冒用机构名义：二维码声称由{w.institution.name_zh}签发，但签名密钥 {key.kid} 属于"
        f"{impostor.institution.name_zh}。请勿信任此二维码。"
    )
    assert result.message_en == (
        f"Signed by another institution: the code claims to be issued by {w.institution.name_en}, but it was signed "
        f"with key {key.kid} of {impostor.institution.name_en}. Do not trust this code."
    )
    assert result.report is None and _count(report) == 0


def test_revoked_key(world):
    w, _sample, report = world
    key = SigningKey.objects.get(kid=report.kid)
    while timezone.now() - report.issued_at < dt.timedelta(seconds=1.1):  # codes and trust lists count whole seconds
        time.sleep(0.05)
    key_services.key_revoke(actor=w.admin_actor, key_id=key.pk, reason="私钥可能泄露")
    key.refresh_from_db()
    result = verify_text(report.qr_text)
    revoked_on = key.revoked_at.astimezone(dt.UTC).date().isoformat()
    signed_on = report.issued_at.astimezone(dt.UTC).date().isoformat()
    assert result.status is Outcome.REVOKED
    assert result.message_en == (
        f"Key revoked on {revoked_on}: 私钥可能泄露. Codes signed with this key no longer count as genuine, whatever "
        "issue date they state: that date is written by whoever holds the key, so after a revocation it proves "
        f"nothing. This code states it was issued on {signed_on}, before the revocation: that counts for nothing. "
        f"If the report was issued before then, ask {w.institution.name_en} for a re-signed copy."
    )
    assert result.message_zh.startswith(f"签名密钥已于 {revoked_on} 吊销：私钥可能泄露。")
    assert result.report is None and _count(report) == 0


def test_expired_claim(db):
    w, sample = ready_world()
    report = issued(w, sample, valid_until=timezone.localdate() + dt.timedelta(days=30))
    assert verify_text(report.qr_text, timezone.now() + dt.timedelta(days=29)).status is Outcome.GENUINE
    later = timezone.now() + dt.timedelta(days=32)
    result = verify_text(report.qr_text, later)
    expires = result.signature.qr.expires_at
    assert timezone.localdate(expires) == report.valid_until
    assert result.status is Outcome.EXPIRED and result.tone == "warn"
    assert result.message_zh == (
        f"已过期：报告 {report.number} 第 1 版由{w.institution.name_zh}于 {_day(report.issued_at)} 签发，内容真实，"
        f"但报告声明的有效期已于 {minute(expires)} 结束。{QR_HOW[0]}"
    )
    assert result.message_en == (
        f"Expired: report {report.number} version 1, issued by {w.institution.name_en} on {_day(report.issued_at)}, "
        f"is genuine, but its stated validity ended on {minute(expires)}.{QR_HOW[1]}"
    )
    assert result.report.public_id == report.public_id


def test_superseded_and_withdrawn_behind_a_genuine_code(world):
    w, sample, first = world
    second = issued(w, sample, reason="客户名称更正")
    result = verify_text(first.qr_text)
    assert result.status is Outcome.SUPERSEDED
    assert result.message_zh == (
        f"已被更正版替代：报告 {first.number} 第 1 版由{w.institution.name_zh}于 {_day(first.issued_at)} 签发，"
        f"已被第 2 版替代（更正原因：客户名称更正），请以最新版本为准。{QR_HOW[0]}"
    )
    assert (result.newer.public_id, result.newer.version) == (second.public_id, 2)
    page = Client().post(CHECK + "?kind=text", {"text": first.qr_text}).content.decode()
    assert 'class="verdict warn"' in page and reverse("reports_public:verify", args=[second.public_id]) in page
    report_withdraw(actor=w.signatory_actor, report_id=second.pk, reason="样品被调包")
    second.refresh_from_db()
    withdrawn = verify_text(second.qr_text)
    assert withdrawn.status is Outcome.WITHDRAWN
    assert withdrawn.message_en == (
        f"Withdrawn: report {second.number} version 2, issued by {w.institution.name_en} on "
        f"{_day(second.issued_at)}, was withdrawn on {_day(second.withdrawn_at)} (reason: 样品被调包) and is no "
        f"longer valid.{QR_HOW[1]}"
    )
    assert (_count(first), _count(second)) == (1, 0)  # the selectors count nothing: the page did


def test_genuine_signature_without_a_record(world):
    w, _sample, report = world
    claims = {**_claims(report), "no": "GXQI-R-2026-999999", "id": "q" * 26}
    del claims["iss"]
    text = sign_services.qr_sign(actor=w.admin_actor, claims=claims)
    result = verify_text(text)
    assert result.status is Outcome.NO_RECORD
    assert result.message_zh == (
        f"平台无记录：签名真实（{w.institution.name_zh}），但本平台没有报告 GXQI-R-2026-999999 的记录。"
        f"请向{w.institution.name_zh}核实。"
    )
    assert result.message_en == (
        f"No record: the signature is genuine ({w.institution.name_en}), but this platform has no record of report "
        f"GXQI-R-2026-999999. Ask {w.institution.name_en} about it."
    )
    assert result.report is None


def test_genuine_signature_that_contradicts_the_record(world):
    w, _sample, report = world
    claims = {**_claims(report), "v": 7, "sha": "0" * 64}
    del claims["iss"]
    result = verify_text(sign_services.qr_sign(actor=w.admin_actor, claims=claims))
    assert result.status is Outcome.INCONSISTENT
    assert result.message_zh == (
        f"与平台记录不符：签名真实（{w.institution.name_zh}），但与本平台对报告 {report.number} 的记录不符"
        f"（版本、报告数据）。请勿信任，并向{w.institution.name_zh}核实。"
    )
    assert result.message_en == (
        f"Does not match the record: the signature is genuine ({w.institution.name_en}), but it differs from this "
        f"platform's record of report {report.number} (version, report data). Do not rely on it; ask "
        f"{w.institution.name_en}."
    )
    assert result.report is None and _count(report) == 0


def test_a_typed_verification_id_or_address(world):
    _w, _sample, report = world
    for typed in (report.public_id, report.public_id.upper(), f"https://tichub.example/verify/{report.public_id}/"):
        assert verify_text(typed).report.public_id == report.public_id
    response = Client().post(CHECK + "?kind=text", {"text": f" {report.public_id.upper()} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports_public:verify", args=[report.public_id])
    assert verify_text("b" * 26).status is Outcome.NOT_FOUND


@pytest.mark.parametrize(
    ("text", "status", "field"),
    [("", 400, "text"), ("   ", 400, "text"), ("TIC1:" + "A" * 5000, 400, "text")],
)
def test_text_form_errors_name_the_field(world, text, status, field):
    response = Client().post(CHECK + "?kind=text", {"text": text})
    assert response.status_code == status
    html = response.content.decode()
    assert f'id="verify-{field}-error"' in html and 'aria-invalid="true"' in html


def test_api_text_errors(world):
    client = Client()
    for body in ({}, {"text": ""}, {"text": "x" * 5000}, {"text": 5}):
        response = client.post("/api/v1/verify/qr", body, content_type="application/json")
        assert response.status_code == 422
        assert list(response.json()["fields"]) == ["text"]
    unreadable = client.post("/api/v1/verify/qr", {"text": "hello"}, content_type="application/json").json()
    assert (unreadable["status"], unreadable["headline_en"]) == ("malformed", "Not readable")


def test_photo_of_the_code(world):
    w, _sample, report = world
    results = verify_image(_png(report.qr_text))
    assert [r.status for r in results] == [Outcome.GENUINE]
    body = Client().post("/api/v1/verify/image", {"file": SimpleUploadedFile("code.png", _png(report.qr_text))}).json()
    assert (body["status"], body["message_zh"]) == ("genuine", _current(w, report)[0])
    assert [code["status"] for code in body["codes"]] == ["genuine"]
    as_json = {"content_base64": base64.b64encode(_png(report.qr_text)).decode()}
    assert Client().post("/api/v1/verify/image", as_json, content_type="application/json").json()["status"] == "genuine"
    page = Client().post(CHECK + "?kind=photo", {"photo": SimpleUploadedFile("code.jpg", _png(report.qr_text))})
    assert page.status_code == 200 and 'class="verdict ok"' in page.content.decode()
    assert _count(report) == 3


def test_photo_with_a_genuine_and_a_forged_code_leads_with_the_forgery(world):
    _w, _sample, report = world
    stranger = signedqr.generate_key()
    forged = signedqr.encode(_claims(report), private_key=stranger, kid=signedqr.kid_for(stranger.public_key()))
    upload = SimpleUploadedFile("two.png", _png(report.qr_text, forged))
    body = Client().post("/api/v1/verify/image", {"file": upload}).json()
    assert body["status"] == "unknown_key"
    assert sorted(code["status"] for code in body["codes"]) == ["genuine", "unknown_key"]
    assert _count(report) == 1


def test_photo_errors_name_the_field(world, monkeypatch):
    client = Client()
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, "PNG")
    cases = [
        ({"file": SimpleUploadedFile("blank.png", blank.getvalue())}, 400, "No QR code found in the image"),
        ({"file": SimpleUploadedFile("x.png", b"not an image")}, 400, "The image cannot be read"),
        ({"file": SimpleUploadedFile("empty.png", b"")}, 400, "this one is empty"),
        ({"other": SimpleUploadedFile("x.png", b"x")}, 400, "Choose a file"),
    ]
    for data, status, message in cases:
        response = client.post("/api/v1/verify/image", data)
        assert response.status_code == status, response.content
        assert list(response.json()["fields"]) == ["file"] and message in response.json()["fields"]["file"][0]
    json_body = client.post("/api/v1/verify/image", {"file": "x"}, content_type="application/json")
    assert json_body.status_code == 400 and list(json_body.json()["fields"]) == ["content_base64"]
    not_base64 = client.post("/api/v1/verify/image", {"content_base64": "<b>"}, content_type="application/json")
    assert not_base64.status_code == 400 and list(not_base64.json()["fields"]) == ["content_base64"]
    page = client.post(CHECK + "?kind=photo", {"photo": SimpleUploadedFile("blank.png", blank.getvalue())})
    assert page.status_code == 400 and 'id="verify-photo-error"' in page.content.decode()
    assert "No QR code found in the image" in page.content.decode()


def test_photo_over_20_mb_is_refused_before_reading(world):
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (20 * 1024 * 1024))
    response = Client().post("/api/v1/verify/image", {"file": big})
    assert response.status_code == 413
    assert response.json()["fields"] == {"file": ["文件过大：最多 20 MB。 The file is too large: 20 MB at most."]}
    page = Client().post(CHECK + "?kind=photo", {"photo": SimpleUploadedFile("big.png", b"0" * (20 * 1024 * 1024 + 1))})
    assert page.status_code == 413 and 'id="verify-photo-error"' in page.content.decode()


def test_no_way_chosen(world):
    response = Client().post(CHECK, {"text": "x"})
    assert response.status_code == 400 and "请选择核验方式" in response.content.decode()
