"""Reports (issue 7): signed reports per second, offline verifications of a report's QR code, and the public
verification API with 1,000,000 reports in the database.

    .venv/bin/python bench/reports_bench.py [--quick] [--reports 1000000] [--db sqlite|postgres|both]
                                            [--loadgen auto|wrk|python] [--runs 3] [--seconds 5] [--skip-http]

1. Documents, in a process of its own on a throw-away SQLite test database (test settings), one thread: the
   laboratory of tests/reports/world.py with the platform CA and its signing key; one sample with 30 tests (lead
   and cadmium against their limits, 28 more elements of an ICP-MS panel reported without a limit), tested,
   checked and approved, and its report issued through `report_issue` (bilingual, 30 result rows). Then, each
   the median of three rounds after a warm-up:
   * render alone: `render_report(content, qr_text)` (Typst, the compiler reused; a different QR text each time,
     as in production: Typst memoises its work, and the same input twice would be a cache hit);
   * sign alone: `trust.sign_services.document_seal` given the rendered PDF (keys opened from the database, the
     QR claims signed ES256, the PDF signed PAdES by pyHanko);
   * render + sign: `document_seal` rendering each time (aim >= 10/s on one core);
   * `report_issue` end to end: an amendment of the 30-row report each time (locks, content from the database,
     render, sign, file stored, audit, notifications; the test settings send the e-mails in the same process);
   * offline verifications: `trust.verify.verify_qr` of the report's real QR text against the trust list built
     from the database (aim >= 2,000/s per core; bench/trust_bench.py measures a trust list of 1,000 keys).
2. The public verification API, for each database (SQLite in a temporary directory; PostgreSQL in a database
   `tichub_bench_reports` created and dropped here, on BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432,
   skipped with a message when the server does not answer): `tichub migrate` under the production settings
   (bench/http_bench.py's environment), bench/reports_seed.py issues two real reports and writes 1,000,000 report
   rows in all (--quick: 100,000) with the database's fast path; granian serves the production WSGI set-up
   (bench/http_bench.py: 2 workers, 2 blocking threads) and the load generator requests
   GET /api/v1/verify/{public_id} for public ids drawn at random from 20,000 existing ones (each request a lookup
   that also counts the verification, in memory, written every few seconds: tichub.reports.verify_services), and
   on the same server /readyz (Django and one SELECT 1) and /healthz (Django, no database); then the bare WSGI
   hello-world under the same load. The public rate limit is raised
   (RATE_LIMIT_PUBLIC) so that it does not cut the load short: said in the output. Aim: at least half the
   hello-world's requests per second.

Figures only: nothing passes or fails on time; other work on the machine shows in the load average printed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(PROJECT_DIR))  # tests.reports.world builds the laboratory
sys.path.insert(0, str(PROJECT_DIR / "src"))

import http_bench  # noqa: E402
from benchlib import fmt_ms, fmt_rate, machine, stage, table  # noqa: E402

BIN = Path(sys.executable).parent
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DB = "tichub_bench_reports"
AIM_REPORTS = 10  # rendered and signed per second on one core (issue 7)
AIM_QR = 2_000  # offline verifications per second per core (issue 7)
AIM_HTTP = 0.5  # the verification API's req/s as a share of the hello-world's
RATE_LIMIT_PUBLIC = 1_000_000_000  # per minute and client address: the load comes from one address
FULL_REPORTS, QUICK_REPORTS = 1_000_000, 100_000
PATHS = 20_000
VERIFY_LABEL = "GET /api/v1/verify/{public_id}"
#: The 28 elements added to lead and cadmium: an ICP-MS panel, (Chinese, English, result in mg/kg).
PANEL = [
    ("铬", "Chromium", "0.052"), ("总砷", "Total arsenic", "0.011"), ("总汞", "Total mercury", "0.003"),
    ("镍", "Nickel", "0.031"), ("铜", "Copper", "0.124"), ("锌", "Zinc", "0.318"), ("铁", "Iron", "1.92"),
    ("锰", "Manganese", "0.087"), ("铝", "Aluminium", "2.41"), ("锡", "Tin", "0.042"), ("锑", "Antimony", "0.006"),
    ("钡", "Barium", "0.155"), ("硼", "Boron", "0.212"), ("钴", "Cobalt", "0.008"), ("钼", "Molybdenum", "0.014"),
    ("硒", "Selenium", "0.009"), ("铊", "Thallium", "0.007"), ("钒", "Vanadium", "0.019"), ("银", "Silver", "0.006"),
    ("铍", "Beryllium", "0.005"), ("锂", "Lithium", "0.023"), ("锶", "Strontium", "0.271"), ("钛", "Titanium", "0.094"),
    ("铀", "Uranium", "0.005"), ("钙", "Calcium", "28.6"), ("镁", "Magnesium", "6.35"), ("钠", "Sodium", "12.8"),
    ("钾", "Potassium", "17.4"),
]  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# 1. Documents (in a Django process with a database)
# --------------------------------------------------------------------------------------------------------------


def thirty_row_report() -> tuple[Any, Any]:
    """The laboratory world and the report of its sample with 30 approved tests, issued through `report_issue`."""
    from tests.lims.results_world import add_tests
    from tests.lims.world import lab_world, received
    from tests.reports.world import SYSTEM, approve_all, issued

    from tichub.lims.models import Test
    from tichub.trust import key_services

    w = lab_world()
    key_services.platform_init(actor=SYSTEM)
    key_services.key_issue(actor=w.admin_actor)
    sample = received(w)
    added = add_tests(sample, len(PANEL))
    values = {"pb": "0.048", "cd": "0.0021"}
    for test, (zh, en, value) in zip(added, PANEL, strict=True):
        Test.objects.filter(pk=test.pk).update(parameter=zh, parameter_en=en, specification="", upper_limit="")
        values[test.keyword] = value
    approve_all(w, sample, values)
    return w, issued(w, sample)


def rate(one_pass: Any, calls: int, budget: float) -> float:
    from trust_bench import rate as median_rate

    return float(median_rate(one_pass, calls, budget))


def document_figures(budget: float) -> tuple[list[list[str]], dict[str, Any]]:
    """Render, sign, issue and verify with the 30-row report: table rows, and facts about the report."""
    from django.utils import timezone

    from tichub.reports.render import qr_svg, render_report
    from tichub.reports.report_services import report_issue
    from tichub.trust.sign_services import document_seal
    from tichub.trust.trust_list_selectors import trust_list_build
    from tichub.trust.verify import load_trust_list, verify_qr

    started = time.perf_counter()
    w, report = thirty_row_report()
    built = time.perf_counter() - started
    content, actor = report.content, w.signatory_actor
    claims = {
        "no": report.number,
        "v": report.version,
        "date": report.content["issued_on"],
        "prod": report.product[:80],
        "concl": report.conclusion,
        "sha": report.content_sha256,
        "id": report.public_id,
    }
    pdf = render_report(content, report.qr_text)
    seal = {"actor": actor, "claims": claims, "reason": "bench", "location": "南宁 Nanning"}

    def sign_only() -> object:
        return document_seal(render=lambda _qr: pdf, **seal)

    def render_and_sign() -> object:
        return document_seal(render=lambda qr: render_report(content, qr), **seal)

    # A different QR text each time, as in production: Typst memoises, and an identical input would be a cache hit.
    serial = itertools.count()

    def render_only() -> bytes:
        return render_report(content, f"{report.qr_text[:-8]}{next(serial) % 10**8:08d}")

    render_rate = rate(render_only, 1, budget)
    qr_svg_rate = rate(lambda: qr_svg(f"{report.qr_text[:-8]}{next(serial) % 10**8:08d}"), 1, budget / 2)
    sign_rate = rate(sign_only, 1, budget)
    both_rate = rate(render_and_sign, 1, budget)
    amendments = itertools.count(1)
    issue_rate = rate(
        lambda: report_issue(actor=actor, sample_id=report.sample_id, reason=f"bench amendment {next(amendments)}"),
        1,
        budget,
    )
    trust = load_trust_list(trust_list_build().content)
    now = timezone.now()
    verdict = verify_qr(report.qr_text, trust, now)
    assert verdict.genuine, verdict.message_en
    texts = [report.qr_text] * 100
    qr_rate = rate(lambda: [verify_qr(text, trust, now) for text in texts], len(texts), budget)
    size = f"{report.pages} pages, {len(content['results'])} rows, {len(pdf) / 1024:.0f} KiB"
    rows = [
        ["render_report alone (Typst)", size, fmt_rate(render_rate), f"{fmt_ms(1000 / render_rate)} ms each"],
        ["  of which the QR code's SVG (segno)", "", fmt_rate(qr_svg_rate), f"{fmt_ms(1000 / qr_svg_rate)} ms each"],
        ["sign alone (document_seal: QR ES256 + PAdES)", "", fmt_rate(sign_rate),
         f"{fmt_ms(1000 / sign_rate)} ms each"],
        ["render + sign (document_seal)", size, fmt_rate(both_rate), f"aim >= {AIM_REPORTS}/s"],
        ["report_issue end to end (an amendment)", "", fmt_rate(issue_rate), f"{fmt_ms(1000 / issue_rate)} ms each"],
        ["verify_qr of the report's QR (offline)", f"{len(report.qr_text)} chars", fmt_rate(qr_rate),
         f"aim >= {AIM_QR:,}/s"],
    ]  # fmt: skip
    facts = {"world_seconds": built, "pages": report.pages, "rows": len(content["results"]), "claims": verdict.claims}
    return rows, facts


def documents_worker(budget: float, result_file: str) -> int:
    import django

    django.setup()
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rows, facts = document_figures(budget)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    Path(result_file).write_text(json.dumps({"rows": rows, "facts": facts}, ensure_ascii=False, default=str))
    return 0


def documents(budget: float) -> str:
    """Part 1 in a process of its own (test settings, a throw-away SQLite database): the table."""
    with tempfile.TemporaryDirectory(prefix="tichub-reports-bench-") as var:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tichub.config.settings.test",
            "TICHUB_VAR_DIR": var,
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DATABASE_URL", None)
        result_file = Path(var) / "result.json"
        command = [sys.executable, __file__, "--documents-worker", "--budget", str(budget), "--result-file",
                   str(result_file)]  # fmt: skip
        done = subprocess.run(command, env=env, cwd=PROJECT_DIR, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the documents run failed ({done.returncode})")
        result = json.loads(result_file.read_text())
    facts = result["facts"]
    out = table(["what", "size", "per second", "note"], result["rows"], right=[False, False, True, False])
    return (
        f"{out}\n(one process, one thread; medians of three rounds; the 30-test laboratory built in "
        f"{facts['world_seconds']:.1f} s; QR claims {facts['claims']})"
    )


# --------------------------------------------------------------------------------------------------------------
# 2. The public verification API under load
# --------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(db: str, tmp: Path) -> Iterator[str | None]:
    """A throw-away database URL (None: PostgreSQL does not answer), dropped on the way out."""
    if db == "sqlite":
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    import psycopg

    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL at {POSTGRES_SERVER} does not answer: skipped ({str(exc).strip().splitlines()[0]})")
        yield None
        return
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{POSTGRES_DB}"')
        try:
            yield f"{POSTGRES_SERVER}/{POSTGRES_DB}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)')


def database_size(db: str, url: str) -> str:
    if db == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        return f"{size / 2**20:,.0f} MiB"
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_total_relation_size('reports_report')").fetchone()
    return f"{(row[0] if row else 0) / 2**20:,.0f} MiB (reports_report with its indexes)"


def check_verify(port: int, real: Sequence[str]) -> None:
    """A real report's public id must answer 200 and an unknown one 404, or the figures mean nothing."""
    for public_id in real:
        status, body = http_bench.fetch(port, f"/api/v1/verify/{public_id}")
        if status != 200:
            raise RuntimeError(f"GET /api/v1/verify/{public_id} answered {status}: {body[:500]!r}")
    status, body = http_bench.fetch(port, "/api/v1/verify/" + "a" * 26)
    if status != 404:
        raise RuntimeError(f"GET /api/v1/verify/<unknown> answered {status}, expected 404: {body[:300]!r}")


def warm(port: int, path: str, timeout: float = 120) -> None:
    """Until every worker has loaded the whole site (a first request imports every view: seconds), send 8
    requests at once; done when two rounds in a row answer 200 within half a second each."""
    from concurrent.futures import ThreadPoolExecutor

    def timed(_: int) -> tuple[int, float]:
        started = time.perf_counter()
        status, _body = http_bench.fetch(port, path)
        return status, time.perf_counter() - started

    deadline, quick_rounds = time.monotonic() + timeout, 0
    with ThreadPoolExecutor(8) as pool:
        while quick_rounds < 2 and time.monotonic() < deadline:
            answers = list(pool.map(timed, range(8)))
            fine = all(status == 200 and seconds < 0.5 for status, seconds in answers)
            quick_rounds = quick_rounds + 1 if fine else 0


def verify_targets(db: str, count: int, plan: http_bench.Plan, bar: Any, tmp: Path) -> list[http_bench.Target]:
    """Seed `count` reports into a throw-away `db` database, serve it with the production settings and load the
    verification API, /readyz and /healthz: the Targets."""
    with database(db, tmp) as url:
        if url is None:
            return []
        env = http_bench.production_env(tmp)
        env.update({"DATABASE_URL": url, "RATE_LIMIT_PUBLIC": str(RATE_LIMIT_PUBLIC), "PYTHONUNBUFFERED": "1"})
        bar.write(f"{db}: `tichub migrate` (production settings) ...")
        migrate = [str(BIN / "tichub"), "migrate", "--no-input", "-v", "0"]
        http_bench.run_checked(migrate, env, "tichub migrate", timeout=900)
        paths_file = tmp / f"verify-paths-{db}.txt"
        seed_env = {
            **env,
            "BENCH_SEED": "1",
            "BENCH_REPORTS": str(count),
            "BENCH_PATHS": str(PATHS),
            "BENCH_PATHS_FILE": str(paths_file),
        }
        bar.write(f"{db}: seeding {count:,} reports (2 through report_issue, the rest with the fast path) ...")
        seed = [sys.executable, str(BENCH_DIR / "reports_seed.py")]
        seeded = json.loads(http_bench.run_checked(seed, seed_env, "seeding", timeout=3600).strip().splitlines()[-1])
        bar.write(
            f"{db}: {seeded['reports']:,} reports; rows written at {seeded['rows_per_second']:,.0f}/s "
            f"({seeded['insert_seconds']:.0f} s, indexes included; then {seeded['settle_seconds']:.0f} s of "
            f"{'VACUUM ANALYZE + CHECKPOINT' if db == 'postgres' else 'ANALYZE'}); database {database_size(db, url)}; "
            f"{seeded['paths']:,} public ids drawn for the load"
        )
        label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[db]
        path = f"/api/v1/verify/{seeded['real'][0]}"
        targets = [
            http_bench.Target(
                f"{label}: {VERIFY_LABEL} ({seeded['reports']:,} reports)", path, paths_file=str(paths_file)
            ),
            http_bench.Target("  same server: GET /readyz (Django + SELECT 1)", "/readyz"),
            http_bench.Target("  same server: GET /healthz (Django, no database)", "/healthz"),
        ]
        with http_bench.granian("tichub.config.wsgi:application", env, tmp / f"granian-{db}.log") as port:
            check_verify(port, seeded["real"])
            warm(port, path)
            http_bench.measure(plan, port, targets, bar)
        return targets


def load_plan(*, quick: bool, runs: int, seconds: float | None, loadgen: str) -> http_bench.Plan:
    seconds = seconds if seconds is not None else (2.0 if quick else 5.0)
    plan = http_bench.Plan(runs=runs, seconds=seconds, warmup=1.0 if quick else 2.0, loadgen="python")
    if loadgen in ("auto", "wrk"):
        plan.wrk = http_bench.find_wrk(allow_install=True)
        if plan.wrk:
            plan.loadgen = "wrk"
        elif loadgen == "wrk":
            raise RuntimeError("wrk is not installed and could not be installed")
    threads, connections = http_bench.THREADS, http_bench.CONNECTIONS
    if plan.loadgen == "wrk":
        print(f"load: wrk -t{threads} -c{connections} -d{seconds:.0f}s --latency, a random public id per request")
    else:
        print(
            f"load: NOTE wrk unavailable, Python load generator instead ({threads} processes × "
            f"{connections // threads} keep-alive threads, {seconds:.0f} s): read the ratios, not the absolute figures"
        )
    print(
        f"server: granian --interface wsgi --workers {http_bench.WORKERS} --blocking-threads "
        f"{http_bench.BLOCKING_THREADS}, production settings; RATE_LIMIT_PUBLIC={RATE_LIMIT_PUBLIC:,} per minute for "
        "the bench (default 60: the load comes from one address and would be refused at once); "
        f"{runs} runs after a {plan.warmup:.0f} s warm-up",
        flush=True,
    )
    return plan


def verification_api(*, count: int, dbs: Sequence[str], plan: http_bench.Plan) -> str:
    from tqdm import tqdm

    targets = []
    hello = http_bench.Target("hello-world WSGI (bench/hello_wsgi.py)", "/")
    per_db = 3  # verify, readyz, healthz
    loads = per_db * len(dbs) + 1
    with tqdm(total=loads * (1 + plan.runs), desc="reports http", unit="load", leave=False) as bar:
        for db in dbs:
            with tempfile.TemporaryDirectory(prefix=f"tichub-reports-{db}-") as tmp_dir:
                found = verify_targets(db, count, plan, bar, Path(tmp_dir))
            targets += found
            if not found:
                bar.update((1 + plan.runs) * per_db)
        with tempfile.TemporaryDirectory(prefix="tichub-reports-hello-") as tmp_dir:
            tmp = Path(tmp_dir)
            env = {k: v for k, v in http_bench.production_env(tmp).items() if k != "DJANGO_SETTINGS_MODULE"}
            with http_bench.granian("hello_wsgi:app", env, tmp / "granian-hello.log", working_dir=BENCH_DIR) as port:
                http_bench.measure(plan, port, [hello], bar)
    aim = f"(aim: the verification API at >= {AIM_HTTP:.1f} × the hello-world's req/s)"
    return f"{http_bench.report([*targets, hello], hello)}\n{aim}"


# --------------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 reports, short rounds")
    parser.add_argument("--reports", type=int, help=f"reports in the database (default {FULL_REPORTS:,})")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--runs", type=int, default=3, help="load runs (default 3; medians are reported)")
    parser.add_argument("--seconds", type=float, help="seconds per load run (default 5, quick 2)")
    parser.add_argument("--skip-http", action="store_true", help="part 1 only (documents and QR codes)")
    parser.add_argument("--documents-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    budget = args.budget or (0.6 if args.quick else 4.0)
    if args.documents_worker:
        return documents_worker(budget, args.result_file)

    count = args.reports or (QUICK_REPORTS if args.quick else FULL_REPORTS)
    started = time.monotonic()
    stage(f"Reports (issue 7): render and sign, offline QR verification — {machine()}")
    print(documents(budget), flush=True)
    if not args.skip_http:
        stage(f"Reports: the public verification API with {count:,} reports vs a bare WSGI hello-world")
        dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
        with http_bench.terminate_as_exit():
            plan = load_plan(quick=args.quick, runs=args.runs, seconds=args.seconds, loadgen=args.loadgen)
            print(verification_api(count=count, dbs=dbs, plan=plan), flush=True)
    print(f"(reports stage: {time.monotonic() - started:.0f} s; {dt.datetime.now().astimezone():%H:%M})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
