"""The trust list: content, canonical form and signature, tampering, pinning, the public endpoint and the export."""

import base64
import datetime as dt
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tichub.trust import certificates, key_services, trust_list
from tichub.trust.trust_list_selectors import trust_list_build, trust_list_published
from tichub.trust.verify import TrustListError, fingerprint, load_trust_list

from .world import lab

pytestmark = pytest.mark.django_db
URL = "/.well-known/tichub/trust-list.json"
API = "/api/v1/trust/trust-list"


@pytest.fixture
def three(plat):
    """Three institutions: one with an active key, one rotated, one revoked."""
    labs = [lab(), lab(), lab()]
    keys = [key_services.key_issue(actor=a.admin_actor) for a in labs]
    rotated = key_services.key_issue(actor=labs[1].admin_actor)
    revoked = key_services.key_revoke(actor=labs[2].admin_actor, key_id=keys[2].pk, reason="私钥遗失 lost")
    return labs, keys, rotated, revoked


def _independent_check(content: bytes) -> dict:
    """Verify a trust list the way docs/trust.md tells an independent implementation to, with the standard library
    and `cryptography` only (no tichub code)."""
    document = json.loads(content)
    body = document["signed"]
    signed_bytes = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    signer = next(k for k in body["platform"] if k["kid"] == document["signature"]["kid"])
    public = load_der_public_key(base64.b64decode(signer["public_key"]))
    raw = base64.urlsafe_b64decode(document["signature"]["value"] + "==")
    public.verify(
        encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
        signed_bytes,
        ec.ECDSA(hashes.SHA256()),
    )
    return body


def test_content_and_independent_verification(three):
    labs, keys, rotated, revoked = three
    content = trust_list_build().content
    body = _independent_check(content)
    assert (body["format"], body["version"], body["issuer"]) == ("tichub-trust-list", 1, "TICHub")
    assert [k["purpose"] for k in body["platform"]] == ["platform_root", "platform_trust_list"]
    by_kid = {k["kid"]: k for k in body["keys"]}
    assert set(by_kid) == {k.kid for k in keys} | {rotated.kid}
    first = by_kid[keys[0].kid]
    assert first == {
        "kid": keys[0].kid,
        "purpose": "institution",
        "alg": "ES256",
        "use": ["pdf", "qr"],
        "institution": {
            "id": labs[0].institution.pk,
            "name_zh": labs[0].institution.name_zh,
            "name_en": labs[0].institution.name_en,
        },
        "public_key": keys[0].public_key,
        "certificate_sha256": hashlib.sha256(
            certificates.from_pem(keys[0].certificate_pem)[0].public_bytes(Encoding.DER)
        ).hexdigest(),
        "not_before": trust_list.timestamp(keys[0].not_before),
        "not_after": trust_list.timestamp(keys[0].not_after),
        "status": "active",
        "retired_at": None,
        "revoked_at": None,
        "reason": "",
    }
    assert by_kid[keys[1].kid]["status"] == "retired" and by_kid[keys[1].kid]["retired_at"].endswith("Z")
    assert by_kid[revoked.kid]["status"] == "revoked"
    assert by_kid[revoked.kid]["reason"] == "私钥遗失 lost"
    assert by_kid[revoked.kid]["revoked_at"] == trust_list.timestamp(revoked.revoked_at)
    public = load_der_public_key(base64.b64decode(first["public_key"]))
    assert hashlib.sha256(base64.b64decode(first["public_key"])).hexdigest()[:16] == first["kid"]
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert b"PRIVATE" not in content and b"private" not in content
    assert [k["institution"]["id"] for k in body["keys"]] == sorted(k["institution"]["id"] for k in body["keys"])


def test_loaded_list_and_pinning(three):
    content = trust_list_build().content
    loose = load_trust_list(content)
    assert not loose.pinned
    pinned = load_trust_list(content, platform_key_fingerprint=loose.root_fingerprint.upper())
    assert pinned.pinned and len(pinned.keys) == 4
    grouped = " ".join(loose.root_fingerprint[i : i + 4] for i in range(0, 64, 4))
    assert load_trust_list(content, platform_key_fingerprint=f"sha256:{grouped}").pinned
    with pytest.raises(TrustListError, match="not from the pinned platform"):
        load_trust_list(content, platform_key_fingerprint="ab" * 32)
    with pytest.raises(TrustListError, match="64 hexadecimal digits"):
        load_trust_list(content, platform_key_fingerprint="abcd")


def _tampered(content: bytes, change) -> bytes:
    document = json.loads(content)
    change(document)
    return json.dumps(document, ensure_ascii=False).encode()


def test_tampered_trust_lists_are_refused(three):
    labs, _keys, _rotated, revoked = three
    content = trust_list_build().content

    def unrevoke(d):
        for k in d["signed"]["keys"]:
            if k["kid"] == revoked.kid:
                k["status"], k["revoked_at"], k["reason"] = "active", None, ""

    def add_key(d):
        d["signed"]["keys"].append(dict(d["signed"]["keys"][0], kid="00" * 8))

    def swap_owner(d):
        d["signed"]["keys"][0]["institution"]["id"] = labs[1].institution.pk

    def later_next_update(d):
        d["signed"]["next_update"] = "2099-01-01T00:00:00Z"

    for change in (unrevoke, add_key, swap_owner, later_next_update):
        with pytest.raises(TrustListError, match="signature is invalid"):
            load_trust_list(_tampered(content, change))

    one_byte = content.replace(b'"status":"revoked"', b'"status":"retired"', 1)
    with pytest.raises(TrustListError, match="signature is invalid"):
        load_trust_list(one_byte)
    # Re-signed with a key of the attacker's own, and that key put in the list: the pinned root refuses it.
    attacker = ec.generate_private_key(ec.SECP256R1())
    document = json.loads(content)
    unrevoke(document)
    forged = trust_list.sign_document(document["signed"], private_key=attacker, kid=document["signature"]["kid"])
    with pytest.raises(TrustListError, match="signature is invalid"):
        load_trust_list(trust_list.serialise(forged))
    # Formatting does not matter: the signature is over the canonical form.
    pretty = json.dumps(json.loads(content), indent=2, ensure_ascii=True).encode()
    assert len(load_trust_list(pretty).keys) == 4
    with pytest.raises(TrustListError, match="not a JSON"):
        load_trust_list(b"[" * 100_000)
    for junk, words in (
        (b"not json", "not a JSON"),
        (b"[]", "malformed"),
        (b'{"signed": {}, "signature": {}}', "format"),
    ):
        with pytest.raises(TrustListError, match=words):
            load_trust_list(junk)


def test_a_whole_new_platform_passes_unless_pinned(three, settings):
    """Self-consistency is all an unpinned list proves: that is why the CLI shows the fingerprint."""
    from tichub.trust.certificates import root_certificate, trust_list_signer_certificate

    content = trust_list_build().content
    real = load_trust_list(content).root_fingerprint
    document = json.loads(content)
    now = dt.datetime.now(dt.UTC)
    root_key, signer_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = root_certificate(root_key, name="Evil", now=now)
    signer = trust_list_signer_certificate(signer_key.public_key(), name="Evil", root_key=root_key, root=root, now=now)
    from tichub.trust.certificates import kid_hex, spki_der

    for entry, key, cert in ((0, root_key, root), (1, signer_key, signer)):
        platform = document["signed"]["platform"][entry]
        platform["kid"] = kid_hex(key.public_key())
        platform["public_key"] = base64.b64encode(spki_der(key.public_key())).decode()
        platform["certificate"] = base64.b64encode(cert.public_bytes(Encoding.DER)).decode()
    forged = trust_list.serialise(
        trust_list.sign_document(document["signed"], private_key=signer_key, kid=kid_hex(signer_key.public_key()))
    )
    assert load_trust_list(forged).root_fingerprint == fingerprint(root_key.public_key())
    with pytest.raises(TrustListError, match="pinned platform"):
        load_trust_list(forged, platform_key_fingerprint=real)


def test_canonical_json_is_rfc8785_for_our_subset():
    assert trust_list.canonical_json({"b": [1, "é\n\u2028"], "a": None, "c": True}) == (
        '{"a":null,"b":[1,"é\\n\u2028"],"c":true}'.encode()
    )
    for bad in ({"x": 1.5}, {"x": 2**53}, {"é": 1}, {1: 2}):
        with pytest.raises(trust_list.CanonicalError):
            trust_list.canonical_json(bad)


def test_same_keys_same_bytes_and_a_change_shows_at_once(three):
    labs, _keys, _rotated, _revoked = three
    first, second = trust_list_published(), trust_list_published()
    rebuilt = trust_list_build()
    assert first.content == second.content == rebuilt.content  # deterministic ECDSA (RFC 6979)
    assert first.etag == f'"{hashlib.sha256(first.content).hexdigest()}"'
    key_services.key_issue(actor=labs[0].admin_actor)
    changed = trust_list_published()
    assert changed.content != first.content
    assert len(load_trust_list(changed.content).keys) == 5


def test_issued_at_and_next_update():
    now = dt.datetime(2026, 11, 22, 15, 0, tzinfo=dt.UTC)
    assert trust_list.issued_at_for(now, None) == dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    assert trust_list.issued_at_for(now, dt.datetime(2026, 11, 21, 9, tzinfo=dt.UTC)) == dt.datetime(
        2026, 11, 22, tzinfo=dt.UTC
    )
    change = dt.datetime(2026, 11, 22, 10, 30, 5, 123, tzinfo=dt.UTC)
    assert trust_list.issued_at_for(now, change) == change.replace(microsecond=0)


# --- the public endpoint -------------------------------------------------------------------------------------------


def test_endpoint_serves_the_signed_list_with_cache_headers(three):
    client = Client()
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    assert len(load_trust_list(response.content).keys) == 4
    again = client.get(URL, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == response["ETag"]
    api = client.get(API)
    assert api.status_code == 200 and api.content == response.content
    assert client.get(API, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_endpoint_before_the_platform_exists(db):
    response = Client().get(URL)
    assert response.status_code == 503
    assert response.json()["code"] == "trust_list_unavailable"


def test_endpoint_is_rate_limited(three, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public": (3, 60)}
    client = Client()
    statuses = [client.get(URL).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get(URL).json()["code"] == "rate_limited"


def test_export_command_writes_the_served_bytes(three, tmp_path, capsys):
    path = tmp_path / "tl.json"
    call_command("trust-list", "export", "-o", str(path))
    assert path.read_bytes() == trust_list_published().content
    out = capsys.readouterr().out
    assert "4 institution keys" in out and load_trust_list(path.read_bytes()).root_fingerprint in out


def test_trust_init_command_is_idempotent_and_prints_the_fingerprint(db, capsys):
    call_command("trust", "init")
    call_command("trust", "init")
    out = capsys.readouterr().out
    assert out.count("Created the platform keys.") == 1 and "already exist" in out
    published = load_trust_list(trust_list_published(now=timezone.now()).content)
    assert published.root_fingerprint in out
