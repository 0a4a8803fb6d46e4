"""Offline verification of signed QR codes against the trust list: every security case of issue 7 that needs no
report, in plain words, plus rotation, key validity, stale trust lists and the `tichub verify` command."""

import datetime as dt
import io
import subprocess
import sys
import zlib
from pathlib import Path

import cbor2
import pytest
import segno
from django.utils import timezone

from tichub.core.errors import Conflict, ServiceError
from tichub.science import signedqr
from tichub.trust import crypto, key_services, sign_services, verify_cli
from tichub.trust.models import SigningKey
from tichub.trust.trust_list_selectors import trust_list_build
from tichub.trust.verify import Status, claims_in_words, verify_qr

from .world import lab, published_trust_list

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CLAIMS = {"no": "GXQI-R-2026-000123", "v": 1, "date": "2026-11-21", "prod": "白砂糖 White sugar", "concl": "pass"}


def _later(**delta):
    return timezone.now() + dt.timedelta(**delta)


def _raw_sign(key: SigningKey, claims, *, issued_at=None, expires_at=None):
    """Sign with a key's private part directly, as a forger holding that key (or a buggy issuer) would."""
    private = crypto.open_private_key(key.private_key_encrypted, kid=key.kid, secret=crypto.signing_secret())
    return signedqr.encode(
        claims,
        private_key=private,
        kid=bytes.fromhex(key.kid),
        issued_at=issued_at or timezone.now(),
        expires_at=expires_at,
    )


@pytest.fixture
def issued(plat, a_lab):
    key = key_services.key_issue(actor=a_lab.admin_actor)
    return a_lab, key


def test_genuine(issued):
    a_lab, key = issued
    text = sign_services.qr_sign(actor=a_lab.quality_actor, claims=CLAIMS)
    verdict = verify_qr(text, published_trust_list(), timezone.now())
    assert verdict.status is Status.GENUINE and verdict.ok
    assert verdict.claims == {**CLAIMS, "iss": a_lab.institution.pk}
    assert verdict.kid == key.kid
    assert verdict.message_zh == f"真实有效：由{a_lab.institution.name_zh}签发，签名与内容一致。"
    assert verdict.message_en == f"Genuine: issued by {a_lab.institution.name_en}; the signature matches the content."
    words = dict(((zh, en), value) for zh, en, value in claims_in_words(verdict))
    assert words[("签发机构", "Issuing institution")] == (
        f"{a_lab.institution.name_zh} / {a_lab.institution.name_en} (#{a_lab.institution.pk})"
    )
    assert words[("结论", "Conclusion")] == "合格 / conforms"


def test_one_byte_changed_in_the_signed_content(issued):
    """A forger edits the conclusion inside a genuine code and re-encodes it: the signature no longer matches."""
    a_lab, _key = issued
    text = sign_services.qr_sign(actor=a_lab.admin_actor, claims={**CLAIMS, "concl": "fail"})
    cose = cbor2.loads(zlib.decompress(signedqr.b45decode(text[5:])))
    protected, unprotected, payload, signature = cose.value
    i = payload.index(b"fail")
    forged_payload = payload[:i] + b"pass" + payload[i + 4 :]  # same length, 4 bytes changed
    one_byte = payload[:i] + b"g" + payload[i + 1 :]  # one byte changed
    for changed in (forged_payload, one_byte):
        forged = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, changed, signature]))
        verdict = verify_qr("TIC1:" + signedqr.b45encode(zlib.compress(forged, 9)), published_trust_list(), _later())
        assert verdict.status is Status.ALTERED and not verdict.ok
        assert verdict.message_zh == "内容被改动或伪造：签名与二维码内容不符。请勿信任此二维码。"
        assert verdict.claims is None  # nothing unsigned is shown


def test_one_character_changed_in_the_text_never_verifies(issued):
    a_lab, _key = issued
    text = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    trust = published_trust_list()
    now = _later()
    seen = set()
    for position in range(5, len(text), 7):
        replacement = "0" if text[position] != "0" else "1"
        verdict = verify_qr(text[:position] + replacement + text[position + 1 :], trust, now)
        assert not verdict.genuine
        seen.add(verdict.status)
    assert seen <= {Status.ALTERED, Status.MALFORMED, Status.UNKNOWN_KEY}


def test_unknown_key(issued):
    a_lab, _key = issued
    stranger = signedqr.generate_key()
    text = signedqr.encode(
        {**CLAIMS, "iss": a_lab.institution.pk}, private_key=stranger, kid=signedqr.kid_for(stranger.public_key())
    )
    verdict = verify_qr(text, published_trust_list(), _later())
    assert verdict.status is Status.UNKNOWN_KEY
    kid = signedqr.kid_for(stranger.public_key()).hex()
    assert verdict.kid == kid
    assert f"key {kid} is not in the trust list" in verdict.message_en
    assert f"签名密钥 {kid} 不在信任列表中" in verdict.message_zh


def test_a_stranger_reusing_a_known_kid_is_altered(issued):
    a_lab, key = issued
    stranger = signedqr.generate_key()
    text = signedqr.encode({**CLAIMS, "iss": a_lab.institution.pk}, private_key=stranger, kid=bytes.fromhex(key.kid))
    assert verify_qr(text, published_trust_list(), _later()).status is Status.ALTERED


def test_another_institutions_key_claiming_this_institution(issued):
    a_lab, _key = issued
    other = lab(name_zh="冒名检测所", name_en="Impostor Lab")
    other_key = key_services.key_issue(actor=other.admin_actor)
    text = _raw_sign(other_key, {**CLAIMS, "iss": a_lab.institution.pk})
    verdict = verify_qr(text, published_trust_list(), _later())
    assert verdict.status is Status.WRONG_INSTITUTION and not verdict.genuine
    assert verdict.message_zh == (
        f"冒用机构名义：二维码声称由{a_lab.institution.name_zh}签发，但签名密钥 {other_key.kid} "
        f"属于{other.institution.name_zh}。请勿信任此二维码。"
    )
    # The signing service never lets an institution sign in another's name in the first place.
    with pytest.raises(ServiceError) as refused:
        sign_services.qr_sign(actor=other.admin_actor, claims={**CLAIMS, "iss": a_lab.institution.pk})
    assert list(refused.value.fields) == ["iss"]


def test_a_code_without_issuer_is_not_readable(issued):
    _a_lab, key = issued
    verdict = verify_qr(_raw_sign(key, CLAIMS), published_trust_list(), _later())
    assert verdict.status is Status.MALFORMED
    assert "does not name its issuing institution" in verdict.message_en


def test_revoked_key_refuses_codes_signed_before_and_after(issued):
    a_lab, key = issued
    before = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS, issued_at=_later(minutes=-1))
    key_services.key_revoke(actor=a_lab.admin_actor, key_id=key.pk, reason="私钥可能泄露")
    key.refresh_from_db()
    forged_after = _raw_sign(key, {**CLAIMS, "iss": a_lab.institution.pk}, issued_at=_later(minutes=2))
    trust = published_trust_list(_later(minutes=3))
    day = key.revoked_at.astimezone(dt.UTC).date().isoformat()
    for text in (before, forged_after):
        verdict = verify_qr(text, trust, _later(minutes=3))
        assert verdict.status is Status.REVOKED and not verdict.genuine
        assert verdict.message_en.startswith(f"Key revoked on {day}: 私钥可能泄露. Codes signed with this key")
        assert verdict.message_zh.startswith(f"签名密钥已于 {day} 吊销：私钥可能泄露。")
    assert "before the revocation" in verify_qr(before, trust, _later(minutes=3)).message_en
    assert "before the revocation" not in verify_qr(forged_after, trust, _later(minutes=3)).message_en
    # Signing goes on only with a new key.
    with pytest.raises(Conflict) as refused:
        sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    assert refused.value.code == "no_signing_key"


def test_expired_claim(issued):
    a_lab, _key = issued
    issued_at = timezone.now()
    text = sign_services.qr_sign(
        actor=a_lab.admin_actor, claims=CLAIMS, issued_at=issued_at, expires_at=issued_at + dt.timedelta(days=30)
    )
    trust = published_trust_list()
    assert verify_qr(text, trust, issued_at + dt.timedelta(days=29)).genuine
    verdict = verify_qr(text, trust, issued_at + dt.timedelta(days=31))
    assert verdict.status is Status.EXPIRED and not verdict.ok
    assert verdict.claims["no"] == CLAIMS["no"]  # genuine content, shown as such
    assert verdict.message_en.startswith(f"Expired: the content is genuine (issued by {a_lab.institution.name_en})")


def test_issued_in_the_future(issued):
    a_lab, _key = issued
    text = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS, issued_at=_later(hours=1))
    verdict = verify_qr(text, published_trust_list(), timezone.now())
    assert verdict.status is Status.NOT_YET_VALID


@pytest.mark.parametrize("text", ["", "hello", "HC1:6BFOXN", "TIC1:", "TIC1:!!!", "TIC1:" + "A" * 9000])
def test_malformed_text(issued, text):
    verdict = verify_qr(text, published_trust_list(), timezone.now())
    assert verdict.status is Status.MALFORMED
    assert verdict.message_zh.startswith("无法识别：")


def test_rotation_keeps_old_codes_valid_and_refuses_codes_dated_after_retirement(issued):
    a_lab, first = issued
    old_code = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    second = key_services.key_issue(actor=a_lab.admin_actor)
    new_code = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    first.refresh_from_db()
    trust = published_trust_list()
    now = _later(minutes=1)
    old, new = verify_qr(old_code, trust, now), verify_qr(new_code, trust, now)
    assert (old.status, old.kid) == (Status.GENUINE, first.kid)
    assert "rotated out" in old.message_en
    assert (new.status, new.kid) == (Status.GENUINE, second.kid)
    late = _raw_sign(first, {**CLAIMS, "iss": a_lab.institution.pk}, issued_at=first.retired_at + dt.timedelta(hours=1))
    verdict = verify_qr(late, trust, _later(hours=2))
    assert verdict.status is Status.KEY_NOT_VALID
    assert "after its key was retired" in verdict.message_en


def test_a_code_signed_within_the_keys_validity_outlives_the_key(issued):
    """DCC rule: the key must be valid when the code was signed; a later expiry of the key does not matter."""
    a_lab, key = issued
    text = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    trust = published_trust_list()
    five_years = key.not_after + dt.timedelta(days=700)
    verdict = verify_qr(text, trust, five_years)
    assert verdict.status is Status.GENUINE
    assert verdict.trust_list_stale and not verdict.ok  # but that trust list is long out of date
    assert "out of date" in verdict.stale_en
    backdated = _raw_sign(key, {**CLAIMS, "iss": a_lab.institution.pk}, issued_at=key.not_before - dt.timedelta(days=1))
    assert verify_qr(backdated, trust, timezone.now()).status is Status.KEY_NOT_VALID


def test_signing_refuses_an_expired_key(issued):
    a_lab, key = issued
    with pytest.raises(Conflict) as refused:
        sign_services.signer_for(actor=a_lab.admin_actor, now=key.not_after + dt.timedelta(seconds=1))
    assert refused.value.code == "signing_key_expired"


def test_rsa_institution_signs_qr_with_its_es256_key(plat, a_lab):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from .world import P12_PASSWORD, p12

    imported = key_services.key_import_pkcs12(
        actor=a_lab.admin_actor,
        data=p12(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        password=P12_PASSWORD,
    )
    text = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    verdict = verify_qr(text, published_trust_list(), _later())
    assert verdict.status is Status.GENUINE
    assert verdict.kid == imported.qr_key_issued.kid
    trust = published_trust_list()
    assert trust.keys[imported.key.kid].uses == frozenset({"pdf"})
    assert bytes.fromhex(imported.key.kid) not in trust.qr_keys


# --- the command line ---------------------------------------------------------------------------------------------


@pytest.fixture
def saved(issued, tmp_path):
    a_lab, _key = issued
    path = tmp_path / "trust-list.json"
    path.write_bytes(trust_list_build().content)
    return a_lab, path


def _run(**kwargs):
    out = io.StringIO()
    code = verify_cli.run(out=out, **kwargs)
    return code, out.getvalue()


def test_cli_verdicts_and_exit_status(saved):
    a_lab, path = saved
    text = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    fingerprint = published_trust_list().root_fingerprint
    code, out = _run(text=text, trust_list_path=str(path), platform_key_fingerprint=fingerprint)
    assert code == 0
    assert "结论：真实有效\nVerdict: Genuine\n" in out
    assert f"编号 Number: {CLAIMS['no']}" in out
    assert "与指定指纹一致 Matches the pinned fingerprint." in out
    code, out = _run(text=text[:-3] + "000", trust_list_path=str(path))
    assert code == 1 and "Not pinned" in out
    code, out = _run(text=text, trust_list_path=str(path), now=timezone.now() + dt.timedelta(days=30))
    assert code == 1 and "the trust list is out of date" in out
    code, out = _run(text=text, trust_list_path=str(path), platform_key_fingerprint="00" * 32)
    assert code == 2 and "not from the pinned platform" in out
    code, out = _run(text=text, trust_list_path=str(path.with_name("missing.json")))
    assert code == 2 and "Cannot read the trust list" in out


def test_cli_reads_a_photo_of_the_code(saved, tmp_path):
    from PIL import Image, ImageFilter

    a_lab, path = saved
    text = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    png = tmp_path / "code.png"
    segno.make(text, error="m", boost_error=False).save(str(png), scale=6, border=4)
    code, out = _run(text=None, trust_list_path=str(path), image_path=str(png))
    assert code == 0 and "Verdict: Genuine" in out
    # A "photo": grey background, rotated, blurred, JPEG-compressed.
    image = Image.open(png).convert("L")
    canvas = Image.new("L", (image.width + 300, image.height + 200), 200)
    canvas.paste(image, (150, 100))
    photo = canvas.rotate(8, expand=True, fillcolor=180).filter(ImageFilter.GaussianBlur(1))
    jpeg = tmp_path / "photo.jpg"
    photo.save(jpeg, "JPEG", quality=70)
    code, out = _run(text=None, trust_list_path=str(path), image_path=str(jpeg))
    assert code == 0 and "Verdict: Genuine" in out
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    code, out = _run(text=None, trust_list_path=str(path), image_path=str(blank))
    assert code == 2 and "No QR code found" in out
    notimage = tmp_path / "not.png"
    notimage.write_bytes(b"not an image")
    code, out = _run(text=None, trust_list_path=str(path), image_path=str(notimage))
    assert code == 2 and "cannot be read" in out


def test_tichub_verify_command_runs_offline(saved):
    """The real console command, in a fresh process: no database is needed to verify."""
    a_lab, path = saved
    text = sign_services.qr_sign(actor=a_lab.admin_actor, claims=CLAIMS)
    env = {
        "PATH": "/usr/bin:/bin",
        "TICHUB_VAR_DIR": str(path.parent / "var"),
        "DATABASE_URL": "sqlite:////nonexistent/x",
    }
    command = [sys.executable, "-m", "tichub.cli", "verify", text, "--trust-list", str(path)]
    run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Verdict: Genuine" in run.stdout and "结论：真实有效" in run.stdout
    altered = [*command[:4], text[:-2] + "00", *command[5:]]
    run = subprocess.run(altered, env=env, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
    assert run.returncode == 1, run.stdout + run.stderr
