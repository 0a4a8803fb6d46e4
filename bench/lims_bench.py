"""The laboratory at work: receiving a sample with 200 tests; a worksheet of 500 results (page, API, entry).

    .venv/bin/python bench/lims_bench.py [--items 200] [--slots 500] [--runs 20] [--quick] [--db sqlite|postgres|both]

For each database, in a process of its own: a throw-away test database (SQLite in a temporary directory; on
PostgreSQL the test database of `tichub_lims_bench` on BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432,
created and dropped by Django's test runner machinery, skipped with a message when the server does not answer) is
migrated under the test settings (DEBUG=False, cached templates). The laboratory of tests/lims/world.py gets 500
received samples with one lead test each (default; --quick: the same 500, fewer runs), and one worksheet of them
on the ICP-MS with three QC slots (blank, duplicate, reference material) is made through `worksheet_create`.
Its order also gets `--items` items in all (default 200: lead and cadmium plus 198 parameters of one edition, each
with its method) and one announced sample per run. Then, each repeated `--runs` times (--quick: 5) after a
warm-up:

* receiving one announced sample through `sample_receive` (numbering, its 200 tests planned with their methods'
  settings copied, custody, timeline, audit), aim ≤ 1 s;
* entering the 500 results in one `worksheet_enter` call (each run writes new values: a new revision per test);
* the worksheet page (/lab/worksheets/<id>/, 500 results shown with their inputs) through the Django test Client,
  signed in as the analyst (the real URL routing, middleware, sessions and templates);
* the API detail (/api/v1/lab/worksheets/<id>) the same way;

printed as p50 / p95 / max in ms with the number of queries each made; and the query counts of the same page and
API detail for a worksheet of 5 results beside the one of 500 (flatness). Aim: the page in ≤ 300 ms with 500
results. Figures only: nothing passes or fails on time; other work on the machine shows in the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(PROJECT_DIR))  # tests.lims.worksheet_world builds the laboratory
sys.path.insert(0, str(PROJECT_DIR / "src"))

from benchlib import fmt_ms, machine, stage, table  # noqa: E402

POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DB = "tichub_lims_bench"
WARM_UP = 2
AIM_MS = 300
RECEIPT_AIM_MS = 1000


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def spread(counts: Sequence[int]) -> str:
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}-{high}"


Run = tuple[float, float, int, Any]  # wall ms, CPU ms of this process, queries, the answer


def timed(call: Callable[[], Any]) -> Run:
    """One call: its time in ms (wall clock, and CPU time of this process: the database server's own work is not
    in it, other work on the machine hardly), the number of queries it made, and what it returned."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        answer = call()
        elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    return elapsed, cpu, len(captured.captured_queries), answer


def figures(label: str, runs: list[Run]) -> dict[str, Any]:
    times = [run[0] for run in runs]
    return {
        "label": label,
        "n": len(runs),
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "max": max(times),
        "cpu": percentile([run[1] for run in runs], 0.5),
        "queries": spread([run[2] for run in runs]),
    }


# --------------------------------------------------------------------------------------------------------------
# One database, in its own process
# --------------------------------------------------------------------------------------------------------------


def build(slots: int) -> dict[str, Any]:
    """The laboratory, `slots` more received samples with a lead test each, and the worksheets timed."""
    from tests.lims.worksheet_world import create, more_tests, worksheet_world

    started = time.perf_counter()
    w = worksheet_world()
    tests = more_tests(w, slots)
    first = tests[0]
    qc = [
        {"kind": "blank"},
        {"kind": "duplicate", "duplicate_of_test_id": first.pk, "tolerance": "10%"},
        {"kind": "reference", "expected": "0.500", "tolerance": "5%"},
    ]
    big = create(w, tests, qc=qc)
    small = create(w, more_tests(w, 5), qc=qc[:1])
    return {"w": w, "big": big, "small": small, "seconds": time.perf_counter() - started}


def time_receipt(built: dict[str, Any], items: int, runs: int) -> dict[str, Any]:
    """Receive `runs` samples (after warm-ups) of an order with `items` items, each a method of the laboratory."""
    from tichub.core.models import NumberingRule
    from tichub.lims import sample_services
    from tichub.lims.models import TestMethod
    from tichub.marketplace.models import NeedItem, ReviewItem, SampleAnnouncement
    from tichub.registry.services import parameter_key

    w = built["w"]
    order = w.order
    # The worksheet's samples were made as rows with numbers like the default rule's: receipts number apart.
    NumberingRule.objects.create(organisation=w.institution, kind="sample", prefix="R")
    start = order.need.items.count()
    extra = [
        NeedItem(need=order.need, position=start + n, parameter=f"元素{n:03d}", standard=w.m.lead, unit="mg/kg")
        for n in range(1, items - start + 1)
    ]
    NeedItem.objects.bulk_create(extra)
    extra = list(NeedItem.objects.filter(need=order.need, position__gt=start))
    ReviewItem.objects.bulk_create(ReviewItem(review=order.review, item=item, verdict="accredited") for item in extra)
    TestMethod.objects.bulk_create(
        TestMethod(
            institution=w.institution, keyword=f"e{item.position:03d}", parameter=item.parameter,
            parameter_key=parameter_key(item.parameter), standard=w.m.lead, unit="µg/kg", places=1, lod="0.5",
            loq="1.5", uncertainty_kind="relative", uncertainty_value="8",
        )
        for item in extra
    )  # fmt: skip
    # As rows: the worksheet's samples have moved the order past the states in which customers announce samples.
    declared = SampleAnnouncement.objects.bulk_create(
        SampleAnnouncement(order=order, reference=f"BENCH-{n:03d}", description=f"白砂糖 {n}", quantity="1 kg")
        for n in range(WARM_UP + runs)
    )

    def receive(announcement_id: int) -> Callable[[], Any]:
        return lambda: sample_services.sample_receive(
            actor=w.reception_actor, announcement_id=announcement_id, condition="intact", seal_intact=True
        )

    received = [timed(receive(a.pk)) for a in declared][WARM_UP:]
    tests = received[-1][3].tests.count()
    return {"receipt": figures(f"sample_receive: one sample, {tests} tests", received)}


def time_worksheet(built: dict[str, Any], runs: int) -> dict[str, Any]:
    from django.urls import reverse

    from tichub.core.testing.permissions import signed_in
    from tichub.lims import worksheet_services
    from tichub.lims.choices import QcKind

    w, big, small = built["w"], built["big"], built["small"]
    sample_slots = list(big.slots.filter(kind=QcKind.SAMPLE).order_by("position").values_list("pk", flat=True))

    def enter(run: int) -> Callable[[], Any]:
        values = [f"0.{(run * 7 + i) % 400 + 100}" for i in range(len(sample_slots))]
        entries = [worksheet_services.SlotResult(pk, value) for pk, value in zip(sample_slots, values, strict=True)]
        return lambda: worksheet_services.worksheet_enter(actor=w.analyst_actor, worksheet_id=big.pk, entries=entries)

    entered = [timed(enter(run)) for run in range(WARM_UP + runs)][WARM_UP:]
    written = len(entered[-1][3])

    client = signed_in(w.analyst, w.institution)

    def get(url: str) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
            return response

        return call

    page, api = reverse("lims:worksheet_detail", args=[big.pk]), f"/api/v1/lab/worksheets/{big.pk}"
    rendered = [timed(get(page)) for _ in range(WARM_UP + runs)][WARM_UP:]
    inputs = rendered[-1][3].content.count(b'size="10" data-grid-value')
    read = [timed(get(api)) for _ in range(WARM_UP + runs)][WARM_UP:]
    slots_read = len(json.loads(read[-1][3].content)["slots"])
    flat = []
    for label, small_url, big_url in (
        ("worksheet page", reverse("lims:worksheet_detail", args=[small.pk]), page),
        ("API detail", f"/api/v1/lab/worksheets/{small.pk}", api),
        ("bench sheet (print)", reverse("lims:worksheet_print", args=[small.pk]),
         reverse("lims:worksheet_print", args=[big.pk])),
    ):  # fmt: skip
        get(small_url)()
        get(big_url)()
        flat.append({"label": label, "small": timed(get(small_url))[2], "big": timed(get(big_url))[2]})
    return {
        "requests": [
            figures(f"worksheet_enter: {written} results in one call", entered),
            figures(f"worksheet page, {len(sample_slots)} results + 3 QC ({inputs} inputs)", rendered),
            figures(f"API detail, {slots_read} slots", read),
        ],
        "flat": flat,
        "page_bytes": len(rendered[-1][3].content),
    }


def worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        vendor = connection.vendor
        version = connection.Database.sqlite_version if vendor == "sqlite" else f"{connection.pg_version / 10000:.1f}"
        print(f"database: {vendor} {version}; DEBUG={settings.DEBUG}; {machine()}", flush=True)
        built = build(args.slots)
        print(f"built the laboratory and the worksheets in {built['seconds']:.1f} s", flush=True)
        receipt = time_receipt(built, args.items, args.runs)
        timed_figures = time_worksheet(built, args.runs)
        timed_figures["requests"].insert(0, receipt["receipt"])
        results = {"vendor": vendor, "version": version, **timed_figures}
        print(report(results), flush=True)
        if args.result_file:
            Path(args.result_file).write_text(json.dumps(results, ensure_ascii=False))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


def report(r: dict[str, Any]) -> str:
    rows = [
        [x["label"], str(x["n"]), fmt_ms(x["p50"]), fmt_ms(x["p95"]), fmt_ms(x["max"]), fmt_ms(x["cpu"]), x["queries"]]
        for x in r["requests"]
    ]
    out = [
        table(
            ["timed", "n", "p50 ms", "p95 ms", "max ms", "CPU p50 ms", "queries"], rows, right=[False, *([True] * 6)]
        ),
        f"page size {r['page_bytes'] / 1024:.0f} KiB; aims: receipt ≤ {RECEIPT_AIM_MS} ms with 200 tests, "
        f"worksheet page ≤ {AIM_MS} ms with 500 results",
        "",
        table(
            ["queries per request", "5 results", "500 results"],
            [[f["label"], str(f["small"]), str(f["big"])] for f in r["flat"]],
            right=[False, True, True],
        ),
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------------
# The databases
# --------------------------------------------------------------------------------------------------------------


def postgres_answers() -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", connect_timeout=3):
            return True
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL at {POSTGRES_SERVER} does not answer: skipped ({str(exc).strip().splitlines()[0]})")
        return False


def run_one(db: str, args: argparse.Namespace) -> dict[str, Any] | None:
    if db == "postgres" and not postgres_answers():
        return None
    with tempfile.TemporaryDirectory(prefix="tichub-lims-bench-") as var:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tichub.config.settings.test",
            "TICHUB_VAR_DIR": var,  # the SQLite test database lives here
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DATABASE_URL", None)
        if db == "postgres":
            env["DATABASE_URL"] = f"{POSTGRES_SERVER}/{POSTGRES_DB}"  # the test database is test_<name>
        result_file = Path(var) / "result.json"
        command = [
            sys.executable, __file__, "--worker", "--slots", str(args.slots), "--runs", str(args.runs),
            "--items", str(args.items),
            "--result-file", str(result_file),
        ]  # fmt: skip
        done = subprocess.run(command, env=env, cwd=PROJECT_DIR, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the {db} run failed ({done.returncode})")
        return dict(json.loads(result_file.read_text()))


def summary(results: dict[str, dict[str, Any]]) -> str:
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    dbs = list(results)
    labels = [x["label"] for x in next(iter(results.values()))["requests"]]
    rows = []
    for i, label in enumerate(labels):
        cells = []
        for db in dbs:
            x = results[db]["requests"][i]
            cells.append(f"{fmt_ms(x['p50'])} / {fmt_ms(x['p95'])}  ({x['queries']} q)")
        rows.append([label, *cells])
    return table(["p50 / p95 ms (queries)", *(names[db] for db in dbs)], rows, right=[False, *([True] * len(dbs))])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--slots", type=int, default=500, help="sample slots of the worksheet (default 500)")
    parser.add_argument("--items", type=int, default=200, help="tests of the sample received (default 200)")
    parser.add_argument("--runs", type=int, help="timed runs of each kind (default 20; --quick 5)")
    parser.add_argument("--quick", action="store_true", help="5 timed runs of each kind")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.runs = args.runs or (5 if args.quick else 20)
    if args.worker:
        return worker(args)

    stage(f"Laboratory: receipt of {args.items} tests, worksheet of {args.slots} results, {args.runs} runs of each")
    results: dict[str, dict[str, Any]] = {}
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        stage(f"laboratory — {db}")
        started = time.monotonic()
        result = run_one(db, args)
        if result is not None:
            results[db] = result
            print(f"{db}: done in {time.monotonic() - started:.0f} s", flush=True)
    if results:
        stage(f"Laboratory summary — receipt of {args.items} tests, worksheet of {args.slots} results")
        print(summary(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
