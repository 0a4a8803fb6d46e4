"""The trust machinery of issue 7: offline QR verifications per second on one core, PDF signing (and validation) per
second, and the time to generate the signed trust list with 1,000 institutions.

Run alone with `python bench/trust_bench.py [--quick]` (not part of bench/run.py). One process, one thread.

* QR: codes signed by 200 of 1,000 institutions (a trust list of 1,000 ES256 keys, loaded and pinned), verified
  with tichub.trust.verify.verify_qr (signedqr decode + issuer, revocation and validity checks), next to the bare
  signedqr.decode. Median of three rounds after a warm-up.
* PDF: a two-page bilingual report rendered once by tichub.core.pdf (Typst, Noto Sans CJK), signed with PAdES by
  pyHanko with an ECDSA P-256 key and, for comparison, RSA-2048; then validated.
* Trust list: 1,000 institutions with a platform-issued key each, in a fresh SQLite database of its own (a
  temporary directory, removed afterwards); the list is built from
  the database and signed (trust_list_build: two queries, one ES256 signature), and, separately, from records in
  memory (build + canonical JSON + signature only).

No figure passes or fails anything; the aims of the issue are printed next to them.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "src"))  # the project, even without an install

from benchlib import fmt_ms, fmt_rate, machine, stage, table

SEED = 7
AIM_QR = 2_000  # verifications per second per core (issue 7)
AIM_REPORTS = 10  # reports rendered and signed per second on one core (issue 7)
REPORT_TYP = """#let data = json(bytes(sys.inputs.data))
#set page(paper: "a4", margin: 18mm)
#set text(font: "Noto Sans CJK SC", size: 9pt)
= 检验检测报告 Test report #data.no
#table(columns: 6, [检测项目 Item], [方法 Method], [单位 Unit], [结果 Result], [限值 Limit], [判定 Verdict],
  ..data.rows.map(r => (r.item, r.method, r.unit, r.result, r.limit, r.verdict)).flatten())
#pagebreak()
= 声明 Statements
#lorem(400)
"""


def rate(one_pass: Callable[[], object], calls: int, budget_s: float, rounds: int = 3) -> float:
    start = time.perf_counter()
    one_pass()
    warm = max(time.perf_counter() - start, 1e-9)
    passes = max(1, round(budget_s / rounds / warm))
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(passes):
            one_pass()
        rates.append(passes * calls / (time.perf_counter() - start))
    return statistics.median(rates)


def trust_records(count: int, now: dt.datetime) -> tuple[list, dict, object, object]:
    """`count` institution keys as trust-list records, and the private keys of all of them; plus platform keys."""
    from tichub.science import signedqr
    from tichub.trust import certificates, trust_list

    root_key, signer_key = signedqr.generate_key(), signedqr.generate_key()
    root = certificates.root_certificate(root_key, name="Bench", now=now)
    signer = certificates.trust_list_signer_certificate(
        signer_key.public_key(), name="Bench", root_key=root_key, root=root, now=now
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    def platform_record(key, cert, purpose):
        return trust_list.KeyRecord(
            kid=certificates.kid_hex(key.public_key()),
            purpose=purpose,
            alg="ES256",
            public_key=base64.b64encode(certificates.spki_der(key.public_key())).decode(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            status="active",
            certificate=base64.b64encode(cert.public_bytes(Encoding.DER)).decode(),
        )

    platform = [
        platform_record(root_key, root, "platform_root"),
        platform_record(signer_key, signer, "platform_trust_list"),
    ]
    records, private = [], {}
    for n in range(1, count + 1):
        key = signedqr.generate_key()
        kid = certificates.kid_hex(key.public_key())
        private[n] = (kid, key)
        records.append(
            trust_list.KeyRecord(
                kid=kid,
                purpose="institution",
                alg="ES256",
                public_key=base64.b64encode(certificates.spki_der(key.public_key())).decode(),
                certificate_sha256=f"{n:064x}",
                not_before=now - dt.timedelta(days=1),
                not_after=now + dt.timedelta(days=1095),
                status="active",
                institution_id=n,
                name_zh=f"广西第{n}检测中心",
                name_en=f"Guangxi Testing Centre No. {n}",
            )
        )
    return records, private, platform, signer_key


def bench_qr(institutions: int, codes: int, budget: float) -> list[list[str]]:
    from tichub.science import signedqr
    from tichub.trust import trust_list
    from tichub.trust.verify import load_trust_list, verify_qr

    now = dt.datetime.now(dt.UTC)
    records, private, platform, signer_key = trust_records(institutions, now)
    body = trust_list.build_body(issuer="Bench", issued_at=now, platform=platform, keys=records)
    signed = trust_list.sign_document(body, private_key=signer_key, kid=platform[1].kid)
    content = trust_list.serialise(signed)
    started = time.perf_counter()
    trust = load_trust_list(content)
    loaded = time.perf_counter() - started
    trust = load_trust_list(content, platform_key_fingerprint=trust.root_fingerprint)
    rng = random.Random(SEED)
    texts = []
    for _ in range(codes):
        n = rng.randint(1, min(institutions, 200))
        kid, key = private[n]
        claims = {
            "iss": n,
            "no": f"GXQI-R-2026-{rng.randint(1, 999_999):06d}",
            "v": 1,
            "date": "2026-11-21",
            "prod": "白砂糖 White granulated sugar, batch 20261101",
            "concl": rng.choice(["pass", "fail"]),
            "sha": rng.randbytes(32),
        }
        texts.append(signedqr.encode(claims, private_key=key, kid=bytes.fromhex(kid), issued_at=now))
    assert all(verify_qr(t, trust, now).ok for t in texts[:20])

    def verify_all() -> None:
        for text in texts:
            verify_qr(text, trust, now)

    def decode_all() -> None:
        for text in texts:
            signedqr.decode(text, trust=trust.qr_keys, now=now)

    full = rate(verify_all, len(texts), budget)
    bare = rate(decode_all, len(texts), budget / 2)
    return [
        [
            "QR verify_qr (trust list of 1 key per institution)",
            f"{institutions:,} keys",
            fmt_rate(full),
            f">= {AIM_QR:,}/s",
        ],
        ["QR signedqr.decode alone", f"{len(texts)} codes", fmt_rate(bare), ""],
        ["trust list load + signature check", f"{len(content):,} bytes", f"{loaded * 1000:.1f} ms", ""],
    ]


def bench_pdf(budget: float) -> tuple[list[list[str]], str]:
    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from tichub.core import pdf
    from tichub.trust import certificates
    from tichub.trust.pdf_signing import PdfTrust, SignerKey, pdf_sign, pdf_validate

    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "report.typ").write_text(REPORT_TYP, encoding="utf-8")
        pdf.TEMPLATE_DIR = Path(directory)
        rows = [
            {
                "item": f"蔗糖分 Sucrose {i}",
                "method": "GB/T 317-2018",
                "unit": "g/100g",
                "result": "99.8",
                "limit": "≥ 99.6",
                "verdict": "符合 Pass",
            }
            for i in range(30)
        ]
        data = {"no": "GXQI-R-2026-000123", "rows": rows}
        document = pdf.render_pdf("report", data)
        render_rate = rate(lambda: pdf.render_pdf("report", data), 1, budget / 2)
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificates.root_certificate(root_key, name="Bench", now=now)
    subject = certificates.Subject("广西检测中心", "Guangxi Testing Centre", "91450100MA5KXXXX1X")
    results = []
    keys = {
        "ECDSA P-256": ec.generate_private_key(ec.SECP256R1()),
        "RSA-2048": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }
    signed = b""
    for label, private in keys.items():
        cert = certificates.institution_certificate(
            private.public_key(), subject=subject, root_key=root_key, root=root, now=now
        )
        key = SignerKey(private, cert, (root,))
        signed = pdf_sign(document, key=key, reason="bench", location="Nanning")
        per_s = rate(lambda key=key: pdf_sign(document, key=key, reason="bench", location="Nanning"), 1, budget)
        results.append(
            [
                f"PDF sign (PAdES, pyHanko) {label}",
                f"{len(document):,} B PDF",
                fmt_rate(per_s),
                f"{fmt_ms(1000 / per_s)} ms each",
            ]
        )
        if label.startswith("ECDSA"):
            trust = PdfTrust(roots=(root,))
            assert pdf_validate(signed, trust).ok
            valid_s = rate(lambda signed=signed, trust=trust: pdf_validate(signed, trust), 1, budget / 2)
            ecdsa_sign = per_s
    results.append(
        ["PDF validate (pyHanko, ECDSA signature)", "", fmt_rate(valid_s), f"{fmt_ms(1000 / valid_s)} ms each"]
    )
    both = 1 / (1 / render_rate + 1 / ecdsa_sign)
    results.append(["render (Typst, 2 pages, 30 rows) + sign ECDSA", "", fmt_rate(both), f">= {AIM_REPORTS}/s"])
    return results, f"render alone {fmt_rate(render_rate)}/s"


def bench_trust_list_memory(institutions: int) -> list[list[str]]:
    from tichub.trust import trust_list

    now = dt.datetime.now(dt.UTC)
    records, _private, platform, signer_key = trust_records(institutions, now)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        body = trust_list.build_body(issuer="Bench", issued_at=now, platform=platform, keys=records)
        content = trust_list.serialise(trust_list.sign_document(body, private_key=signer_key, kid=platform[1].kid))
        times.append(time.perf_counter() - started)
    return [
        [
            "trust list from records in memory",
            f"{institutions:,} institutions, {len(content):,} B",
            f"{statistics.median(times) * 1000:.1f} ms",
            "",
        ]
    ]


def bench_trust_list_db(institutions: int) -> list[list[str]]:
    """A fresh SQLite database (made by `main` in a temporary directory) with `institutions` institutions, each
    issued a key by the platform CA."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0, interactive=False)
    from tichub.accounts.choices import Role
    from tichub.core.tenancy import Actor
    from tichub.core.testing.factories import InstitutionFactory, UserFactory, valid_uscc
    from tichub.trust import key_services
    from tichub.trust.trust_list_selectors import trust_list_build
    from tichub.trust.verify import load_trust_list

    key_services.platform_init(actor=Actor(user=None))
    admin = UserFactory()
    started = time.perf_counter()
    for n in range(1, institutions + 1):
        org = InstitutionFactory(
            name_zh=f"广西第{n}检测中心", name_en=f"Guangxi Testing Centre No. {n}", uscc=valid_uscc(n)
        )
        key_services.key_issue(actor=Actor(user=admin, organisation=org, roles=frozenset({Role.INSTITUTION_ADMIN})))
    issued = time.perf_counter() - started
    times, queries = [], 0
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            published = trust_list_build()
            times.append(time.perf_counter() - started)
        queries = len(captured)
    assert len(load_trust_list(published.content).keys) == institutions
    return [
        [
            "key_issue (platform CA, audited, one transaction each)",
            f"{institutions:,} keys",
            fmt_rate(institutions / issued),
            f"{issued:.1f} s in all",
        ],
        [
            "trust list from the database (trust_list_build)",
            f"{institutions:,} institutions, {len(published.content):,} B",
            f"{statistics.median(times) * 1000:.1f} ms",
            f"{queries} queries",
        ],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and short rounds (a smoke test)")
    args = parser.parse_args(argv)
    # Django is set up once, on a database of our own in a temporary directory: never the project's var/ database.
    var = tempfile.mkdtemp(prefix="trust-bench-")
    os.environ["TICHUB_VAR_DIR"] = var
    os.environ["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tichub.config.settings.test"
    institutions = 100 if args.quick else 1_000
    budget = 0.5 if args.quick else 4.0
    stage(f"trust machinery (issue 7) — {machine()}")
    rows = bench_qr(institutions, 50 if args.quick else 500, budget)
    pdf_rows, note = bench_pdf(budget)
    rows += pdf_rows
    rows += bench_trust_list_memory(institutions)
    rows += bench_trust_list_db(institutions)
    shutil.rmtree(var, ignore_errors=True)
    print(table(["what", "size", "per second / time", "note"], rows, right=[False, False, True, False]))
    print(f"({note}; one process, one thread; medians of three rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
