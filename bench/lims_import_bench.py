"""Laboratory CSV import: seconds to preview and to apply 100,000 instrument results (target: ≤ 10 s in all).

    .venv/bin/python bench/lims_import_bench.py [--rows 100000] [--quick] [--db sqlite|postgres|both] [--profile]

For each database: a throw-away database (SQLite in a temporary directory; on PostgreSQL the temporary database
`tichub_lims_import_bench`, created and dropped here, on BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432,
skipped with a message when the server does not answer) is migrated with `tichub migrate` under the production
settings, as bench/market_bench.py does. Then, in one process per database:

* one institution with an analyst, an enterprise, two method editions and a calibrated ICP-MS; 50 orders in state
  RECEIVED with enough received samples for the rows (two tests each: lead with U relative 10 %, cadmium with
  U absolute 0.002 mg/kg, both in mg/kg with a limit and the non-binary decision rule; assigned to the analyst
  and the ICP-MS, as test assignment leaves them before measurement), written with raw bulk inserts (sqlite3
  executemany, PostgreSQL COPY), not through the services;
* a CSV export of 100,000 results (default; --quick: 10,000) as an ICP-MS writes it: one row per test, values
  with four decimals, ≈20 % in µg/kg against the tests' mg/kg (converted), ≈10 % below the LOD, the analyte
  named by keyword ("Pb") or by the parameter's English name ("Cadmium"), an ISO date-time per row;
* `import_preview` then `import_apply` (lims.import_services) as the analyst: seconds, CPU seconds of this
  process, rows per second and the number of SQL statements of each (CaptureQueriesContext; on PostgreSQL the two
  COPY statements are not seen by Django), then a check that every test holds its result and one revision. The
  apply locks the tests and judges again what depends on the database, taking the values judged at the preview
  from its kept verdicts (import_services); 50 orders make 50 calls of progress_sync.

`--profile` prints the 25 most expensive functions of each step (cProfile, cumulative). Figures only: nothing
passes or fails on time. Other work on the machine shows in the load average printed.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import secrets
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(PROJECT_DIR / "src"))

from benchlib import fmt_rate, machine, stage, table  # noqa: E402

BIN = Path(sys.executable).parent
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DB = "tichub_lims_import_bench"
ORDERS = 50
TESTS_PER_SAMPLE = 2
CONVERTED_SHARE = 0.2
BELOW_LOD_SHARE = 0.1
MAPPING = {"sample": "Sample Name", "keyword": "Analyte", "value": "Conc.", "unit": "Unit", "measured_on": "Acq. Time"}
# keyword, parameter, parameter (EN), name in the file, LOD, LOQ, U kind, U, upper limit (all mg/kg)
METHODS = (
    ("pb", "铅", "Lead", "Pb", "0.005", "0.020", "relative", "10", "0.5"),
    ("cd", "镉", "Cadmium", "Cadmium", "0.001", "0.003", "absolute", "0.002", "0.1"),
)


# --------------------------------------------------------------------------------------------------------------
# The laboratory, written with the fast path
# --------------------------------------------------------------------------------------------------------------


def write_rows(model: Any, values: Sequence[dict[str, Any]]) -> int:
    """Insert rows of `model` with the database's fast path (PostgreSQL COPY, sqlite3 executemany); fields not
    given take their model default."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sqlite = connection.vendor == "sqlite"
    ops = connection.ops

    def adapt(field: Any, value: Any) -> Any:
        if value is None:
            return None
        kind = field.get_internal_type()
        if kind == "JSONField":
            return json.dumps(value, ensure_ascii=False)
        if sqlite and kind == "DateTimeField":
            return ops.adapt_datetimefield_value(value)
        if sqlite and kind == "DateField":
            return value.isoformat()
        return value

    defaults = {f.attname: f.get_default() for f in fields}
    columns = [f.column for f in fields]
    rows = [tuple(adapt(f, row.get(f.attname, defaults[f.attname])) for f in fields) for row in values]
    quote = ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if not sqlite:
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["?"] * len(columns))
            connection.connection.executemany(
                f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})", rows
            )
    return len(rows)


@dataclass
class Lab:
    actor: Any
    instrument_id: int
    samples: list[str]  # numbers
    seconds: float


def build_lab(rows: int) -> Lab:
    """One institution with `rows` tests to fill (rows / 2 received samples of ORDERS orders)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tichub.accounts.choices import InstitutionLevel, OrganisationKind, Ownership, Role
    from tichub.accounts.models import Membership, Organisation, User
    from tichub.core.tenancy import Actor
    from tichub.lims.models import LabSample, Test
    from tichub.marketplace.models import Need, Order, Quote
    from tichub.metrology.models import Instrument
    from tichub.standards.models import StandardEdition

    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        lab = Organisation.objects.create(
            kind=OrganisationKind.INSTITUTION, slug="bench-lab", name_zh="基准检测中心", name_en="Benchmark Lab",
            ownership=Ownership.STATE, level=InstitutionLevel.PROVINCIAL, is_testing_laboratory=True,
        )  # fmt: skip
        enterprise = Organisation.objects.create(
            kind=OrganisationKind.ENTERPRISE, slug="bench-ent", name_zh="基准糖业有限公司", name_en="Benchmark Sugar"
        )
        analyst = User.objects.create(email="analyst@bench.tichub.local", name="检测员", password="!")
        owner = User.objects.create(email="owner@bench.tichub.local", name="企业", password="!")
        Membership.objects.create(user=analyst, organisation=lab, role=Role.ANALYST)
        Membership.objects.create(user=owner, organisation=enterprise, role=Role.ENTERPRISE_OWNER)
        editions = [
            StandardEdition.objects.create(
                canonical=canonical, base=canonical[:-5], edition_key=canonical.lower(),
                base_key=canonical[:-5].lower(), prefix="GB", number=canonical[3:-5], year=int(canonical[-4:]),
                family="GB", mandatory=True, title_zh=title,
            )
            for canonical, title in (("GB 5009.12-2017", "食品中铅的测定"), ("GB 5009.15-2014", "食品中镉的测定"))
        ]  # fmt: skip
        instrument = Instrument.objects.create(
            institution=lab, asset_number="ICP-01", name="电感耦合等离子体质谱仪", make="Agilent", model="7900",
            calibrated_on=today - dt.timedelta(days=200), calibration_due=today + dt.timedelta(days=165),
        )  # fmt: skip
        orders = []
        for n in range(ORDERS):
            need = Need.objects.create(
                organisation=enterprise, created_by=owner, title=f"白砂糖批次 {n}", product_description="白砂糖",
                deadline=today + dt.timedelta(days=30), decision_rule="non_binary", status="ordered",
            )  # fmt: skip
            quote = Quote.objects.create(
                need=need, enterprise=enterprise, institution=lab, number=f"Q{n:05d}", status="accepted"
            )
            orders.append(
                Order.objects.create(
                    need=need, quote=quote, enterprise=enterprise, institution=lab, number=f"O2026-{n + 1:05d}",
                    status="received", decision_rule="non_binary", due_date=today + dt.timedelta(days=10),
                )
            )  # fmt: skip
        count = -(-rows // TESTS_PER_SAMPLE)
        numbers = [f"S2026-{k + 1:06d}" for k in range(count)]
        received = now - dt.timedelta(days=3)
        write_rows(
            LabSample,
            [
                {"institution_id": lab.pk, "enterprise_id": enterprise.pk, "order_id": orders[k % ORDERS].pk,
                 "number": number, "description": "一级白砂糖", "quantity": "1 kg", "received_at": received,
                 "received_by_id": analyst.pk, "retention_until": today + dt.timedelta(days=90), "status": "received"}
                for k, number in enumerate(numbers)
            ],
        )  # fmt: skip
        sample_ids = dict(LabSample.objects.filter(institution=lab).values_list("number", "id"))
        tests = []
        for k, number in enumerate(numbers):
            for (keyword, parameter, parameter_en, _name, lod, loq, u_kind, u, upper), edition in zip(
                METHODS, editions, strict=True
            ):
                if len(tests) == rows:
                    break
                tests.append(
                    {"institution_id": lab.pk, "sample_id": sample_ids[number], "order_id": orders[k % ORDERS].pk,
                     "keyword": keyword, "parameter": parameter, "parameter_en": parameter_en,
                     "standard_id": edition.pk, "accredited": True, "specification": f"≤ {upper} mg/kg",
                     "upper_limit": upper, "decision_rule": "non_binary", "unit": "mg/kg", "places": 3, "lod": lod,
                     "loq": loq, "uncertainty_kind": u_kind, "uncertainty_value": u, "uncertainty_ranges": [],
                     "due_date": today + dt.timedelta(days=5), "analyst_id": analyst.pk,
                     "instrument_id": instrument.pk}
                )  # fmt: skip
        write_rows(Test, tests)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    actor = Actor(user=analyst, organisation=lab, roles=frozenset({Role.ANALYST}))
    return Lab(actor=actor, instrument_id=instrument.pk, samples=numbers, seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------------------------------------------
# The instrument's export
# --------------------------------------------------------------------------------------------------------------


def export_csv(lab: Lab, rows: int, seed: int) -> tuple[bytes, dict[str, int]]:
    """The CSV an ICP-MS would write for every test, and what it holds (converted rows, rows below the LOD)."""
    rng = random.Random(seed)
    today = dt.date.today()  # noqa: DTZ011 (the instrument's clock: the server's local date)
    out = io.StringIO()
    out.write(",".join(MAPPING[name] for name in ("sample", "keyword", "value", "unit", "measured_on")) + "\r\n")
    counts = {"converted": 0, "below LOD": 0}
    written = 0
    distinct: set[tuple[str, str, str]] = set()
    for number in lab.samples:
        for _keyword, _p, _pe, name, lod, _loq, _uk, _u, upper in METHODS:
            if written == rows:
                break
            if rng.random() < BELOW_LOD_SHARE:
                value = rng.uniform(float(lod) / 10, float(lod) * 0.95)
                counts["below LOD"] += 1
            else:
                value = rng.uniform(float(lod), float(upper) * 1.4)
            when = (
                f"{today - dt.timedelta(days=rng.randint(0, 2))}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00"
            )
            if rng.random() < CONVERTED_SHARE:
                text, unit = f"{value * 1000:.2f}", "µg/kg"
                counts["converted"] += 1
            else:
                text, unit = f"{max(value, 0.0001):.4f}", "mg/kg"
            distinct.add((name, text, unit))
            out.write(f"{number},{name},{text},{unit},{when}\r\n")
            written += 1
    counts["distinct values"] = len(distinct)
    return out.getvalue().encode(), counts


# --------------------------------------------------------------------------------------------------------------
# One database, in its own process (Django is set up once per process)
# --------------------------------------------------------------------------------------------------------------


def timed(step: Any, profile: bool) -> tuple[Any, float, float, int, str]:
    """Run `step`: its result, seconds, CPU seconds of this process, SQL statements and (with --profile) the top
    of its profile. On a busy machine the CPU seconds are the steadier figure (all of the work on SQLite; the
    Python side on PostgreSQL, whose server works in its own processes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile() if profile else None
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        result = step()
        if profiler is not None:
            profiler.disable()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    top = ""
    if profiler is not None:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(25)
        top = buffer.getvalue()
    return result, seconds, cpu, len(captured.captured_queries), top


def worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.urls import get_resolver

    from tichub.lims import import_services
    from tichub.lims.models import ResultRevision, Test
    from tichub.science.units import converter

    vendor = connection.vendor
    version = connection.Database.sqlite_version if vendor == "sqlite" else f"{connection.pg_version / 10000:.1f}"
    print(f"database: {vendor} {version}; {machine()}", flush=True)
    print(f"building {args.rows:,} tests to fill (fast path) ...", flush=True)
    lab = build_lab(args.rows)
    content, counts = export_csv(lab, args.rows, args.seed)
    print(
        f"built in {lab.seconds:.1f} s; CSV {len(content) / 1024 / 1024:.1f} MB, {args.rows:,} rows: "
        + ", ".join(f"{name} {n:,}" for name, n in counts.items()),
        flush=True,
    )
    # What a serving process has done before its first import: the URLconf loaded (notifications reverse URLs)
    # and pint's exact registry built (on the first unit conversion, about a second).
    warm = time.perf_counter()
    get_resolver().url_patterns  # noqa: B018
    converter("µg/kg", "mg/kg")
    print(f"warm-up (URLconf, unit registry) {time.perf_counter() - warm:.1f} s, not counted", flush=True)
    upload = SimpleUploadedFile("icp-ms-export.csv", content, content_type="text/csv")
    preview, preview_s, preview_cpu, preview_q, preview_top = timed(
        lambda: import_services.import_preview(
            actor=lab.actor, file=upload, instrument_id=lab.instrument_id, columns=MAPPING, delimiter=""
        ),
        args.profile,
    )
    if preview.status != "previewed":
        raise RuntimeError(f"the preview refused the file: {preview.errors[:5]}")
    applied, apply_s, apply_cpu, apply_q, apply_top = timed(
        lambda: import_services.import_apply(actor=lab.actor, import_id=preview.pk), args.profile
    )
    entered = Test.objects.filter(status="entered").count()
    revisions = ResultRevision.objects.filter(source="import").count()
    if applied.status != "applied" or entered != args.rows or revisions != args.rows:
        raise RuntimeError(f"apply wrote {entered} tests and {revisions} revisions for {args.rows} rows")
    summary = preview.columns["summary"]
    results = {
        "vendor": vendor,
        "version": version,
        "load": machine(),
        "rows": args.rows,
        "build_s": lab.seconds,
        "preview_s": preview_s,
        "preview_cpu": preview_cpu,
        "preview_q": preview_q,
        "apply_s": apply_s,
        "apply_cpu": apply_cpu,
        "apply_q": apply_q,
        "decisions": summary["decisions"],
        "converted": summary["converted"],
        "below_limits": summary["below_limits"],
        "distinct": counts["distinct values"],
    }
    print(report(results), flush=True)
    if args.profile:
        print(f"\n--- preview profile ---\n{preview_top}\n--- apply profile ---\n{apply_top}", flush=True)
    if args.result_file:
        Path(args.result_file).write_text(json.dumps(results, ensure_ascii=False))
    return 0


def report(r: dict[str, Any]) -> str:
    total, cpu = r["preview_s"] + r["apply_s"], r["preview_cpu"] + r["apply_cpu"]
    rows = [
        ["preview (read, check every row, store)", f"{r['preview_s']:.2f}", f"{r['preview_cpu']:.2f}",
         fmt_rate(r["rows"] / r["preview_s"]), str(r["preview_q"])],
        ["apply (check again under locks, write)", f"{r['apply_s']:.2f}", f"{r['apply_cpu']:.2f}",
         fmt_rate(r["rows"] / r["apply_s"]), str(r["apply_q"])],
        ["preview + apply", f"{total:.2f}", f"{cpu:.2f}", fmt_rate(r["rows"] / total),
         str(r["preview_q"] + r["apply_q"])],
    ]  # fmt: skip
    decisions = ", ".join(f"{name} {n:,}" for name, n in r["decisions"].items())
    return (
        table(["step", "seconds", "cpu s", "rows/s", "queries"], rows, right=[False, True, True, True, True])
        + f"\nrows {r['rows']:,}: converted {r['converted']:,}, below LOD/LOQ {r['below_limits']:,}, "
        f"distinct (analyte, value, unit) {r['distinct']:,}; decisions: {decisions}"
    )


# --------------------------------------------------------------------------------------------------------------
# The databases
# --------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="tichub-lims-import-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"


@contextlib.contextmanager
def postgres_database() -> Iterator[str | None]:
    """The temporary database on the PostgreSQL server, dropped on the way out; None when the server is down."""
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


def run_one(db: str, args: argparse.Namespace) -> dict[str, Any] | None:
    from http_bench import production_env, run_checked

    context = sqlite_database() if db == "sqlite" else postgres_database()
    with context as url, tempfile.TemporaryDirectory(prefix="tichub-lims-import-var-") as var:
        if url is None:
            return None
        env = production_env(Path(var))
        alphabet = string.ascii_letters + string.digits
        env.setdefault("TICHUB_SIGNING_SECRET", "".join(secrets.choice(alphabet) for _ in range(48)))
        env.update(
            {
                "DATABASE_URL": url,
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "TASK_BACKEND": "django_tasks.backends.dummy.DummyBackend",
                "PYTHONUNBUFFERED": "1",
            }
        )
        print(f"preparing: `tichub migrate` on a throw-away {db} database (production settings) ...", flush=True)
        run_checked([str(BIN / "tichub"), "migrate", "--no-input", "-v", "0"], env, "tichub migrate", timeout=900)
        result_file = Path(var) / "result.json"
        command = [
            sys.executable, __file__, "--worker", "--rows", str(args.rows), "--seed", str(args.seed),
            "--result-file", str(result_file), *(["--profile"] if args.profile else []),
        ]  # fmt: skip
        done = subprocess.run(command, env=env, cwd=PROJECT_DIR, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the {db} run failed ({done.returncode})")
        return json.loads(result_file.read_text())


def summary(results: dict[str, dict[str, Any]]) -> str:
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    dbs = list(results)
    rows = []
    for label, key in (("preview, s", "preview"), ("apply, s", "apply")):
        rows.append([label, *(f"{results[db][key + '_s']:.2f} (cpu {results[db][key + '_cpu']:.2f})" for db in dbs)])
    rows.append(["preview + apply, s", *(f"{results[db]['preview_s'] + results[db]['apply_s']:.2f}" for db in dbs)])
    rows.append(
        ["rows/s (preview + apply)",
         *(fmt_rate(results[db]["rows"] / (results[db]["preview_s"] + results[db]["apply_s"])) for db in dbs)]
    )  # fmt: skip
    rows.append(
        ["queries (preview / apply)", *(f"{results[db]['preview_q']} / {results[db]['apply_q']}" for db in dbs)]
    )
    return table(["", *(names[db] for db in dbs)], rows, right=[False, *([True] * len(dbs))])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rows", type=int, help="results in the file (default 100,000; --quick 10,000)")
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    parser.add_argument("--profile", action="store_true", help="print the most expensive functions of each step")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.rows = args.rows or (10_000 if args.quick else 100_000)
    if args.worker:
        return worker(args)

    stage(f"Laboratory: CSV import of {args.rows:,} instrument results (preview, then apply)")
    results: dict[str, dict[str, Any]] = {}
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        stage(f"lims import — {db}")
        started = time.monotonic()
        result = run_one(db, args)
        if result is not None:
            results[db] = result
            print(f"{db}: done in {time.monotonic() - started:.0f} s", flush=True)
    if results:
        stage(f"Laboratory import summary — {args.rows:,} rows")
        print(summary(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
