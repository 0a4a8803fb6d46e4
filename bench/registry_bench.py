"""Registry at scale: capability search latency and scope import time on a large synthetic registry.

    .venv/bin/python bench/registry_bench.py [--db sqlite|postgres|both] [--institutions 5000] [--rows 1000000]
                                             [--quick] [--searches 200] [--import-rows 10000]

For each database: a throw-away database (SQLite in a temporary directory; on PostgreSQL a temporary database,
created and dropped here, on BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432, skipped with a message when
the server does not answer) is migrated with `tichub migrate` under the production settings (as bench/http_bench.py
does); bench/registry_generate.py fills it (default 5,000 institutions and 1,000,000 scope rows; --quick: 500 and
100,000); then, in one process per database:

* 200 searches with two parameters and a standard code (half with popular parameters such as 铅, whose rows run to
  tens of thousands, half with rare ones): p50 and p95 of `capability_search` (aim: p95 ≤ 50 ms);
* 200 free-text searches (Chinese and English words, whole names and substrings): p50 and p95 (aim: p95 ≤ 100 ms);
* the query plans of both kinds (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE): which indexes each query
  uses, and any full scan of a large table;
* a 10,000-row scope import (the table of bench/scope_import_bench.py) through `scope_import_preview` and
  `scope_import_commit` into a new institution of the big registry (aim: ≤ 10 s), and a re-import with every third
  price changed.

Figures only: nothing passes or fails on time. Other work on the machine shows in the load average printed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import re
import statistics
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
sys.path.insert(0, str(PROJECT_DIR / "src"))

from benchlib import fmt_ms, machine, stage, table  # noqa: E402

BIN = Path(sys.executable).parent
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
AIMS = {"parameters": 50.0, "text": 100.0, "import": 10.0}
FULL = {"institutions": 5000, "rows": 1_000_000}
QUICK = {"institutions": 500, "rows": 100_000}
WARM_UP = 10
BIG_TABLES = ("registry_scoperow", "registry_scoperow_accreditations")


# --------------------------------------------------------------------------------------------------------------
# The needs searched
# --------------------------------------------------------------------------------------------------------------


def parameter_needs(vocab: Any, count: int, rng: random.Random) -> list[tuple[str, Any]]:
    """Two parameters of one family and a dated code of one of its method standards: half popular (the first
    parameter among the 30 most common, the family's most used standard), half rare (both from the long tail)."""
    from tichub.registry.search_selectors import Need

    members: dict[int, list[int]] = {}
    for index, family in enumerate(vocab.family_of):
        members.setdefault(family, []).append(index)
    needs = []
    tail = range(len(vocab.parameters) // 4, len(vocab.parameters))
    for i in range(count):
        popular = i % 2 == 0
        first = rng.randrange(30) if popular else rng.choice(tail)
        family = vocab.family_of[first]
        second = rng.choice([m for m in members[family] if m != first])
        base = vocab.families[family][0 if popular else rng.randrange(len(vocab.families[family]))]
        editions = vocab.bases[base]
        code = editions[-1] if len(editions) == 1 or rng.random() < 0.8 else rng.choice(editions[:-1])
        need = Need(parameters=(vocab.parameters[first][0], vocab.parameters[second][0]), standard_code=code)
        needs.append(("popular" if popular else "rare", need))
    return needs


def text_needs(vocab: Any, count: int, rng: random.Random) -> list[tuple[str, Any]]:
    """Free text as people type it: a base word (电池), a whole object name (家用电池), an object and a parameter
    (家用电池 铅), a parameter word (拉伸强度), and the same in English."""
    from registry_generate import COMMON_PARAMETERS, OBJECT_BASES, PROPERTIES

    from tichub.registry.search_selectors import Need
    from tichub.registry.search_terms import words

    kinds = ["zh word", "zh name", "zh object+parameter", "zh parameter", "en word", "en name", "en object+parameter"]
    needs = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        obj_zh, obj_en = rng.choice(vocab.objects[:1500])
        param_zh, param_en = rng.choice(COMMON_PARAMETERS[:40])
        base_zh, base_en = rng.choice(OBJECT_BASES)
        q = {
            "zh word": base_zh,
            "zh name": obj_zh,
            "zh object+parameter": f"{obj_zh} {param_zh}",
            "zh parameter": rng.choice(PROPERTIES)[0],
            "en word": base_en.split()[-1],
            "en name": obj_en,
            "en object+parameter": f"{param_en.lower()} in {obj_en}",
        }[kind]
        assert words(q), q
        needs.append((kind, Need(q=q)))
    return needs


# --------------------------------------------------------------------------------------------------------------
# Timing and plans
# --------------------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_searches(needs: list[tuple[str, Any]]) -> dict[str, Any]:
    from tichub.registry.search_selectors import capability_search

    for _kind, need in needs[:WARM_UP]:
        capability_search(need)
    per_kind: dict[str, list[float]] = {}
    times, found, truncated = [], [], 0
    for kind, need in needs:
        started = time.perf_counter()
        result = capability_search(need)
        elapsed = (time.perf_counter() - started) * 1000
        times.append(elapsed)
        per_kind.setdefault(kind, []).append(elapsed)
        found.append(result.total)
        truncated += result.truncated
    return {
        "n": len(times),
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "max": max(times),
        "institutions": statistics.mean(found),
        "truncated": truncated,
        "kinds": {k: {"n": len(v), "p50": percentile(v, 0.5), "p95": percentile(v, 0.95)} for k, v in per_kind.items()},
    }


_SQLITE_INDEX = re.compile(r"(?:USING (?:COVERING )?INDEX|USING INTEGER PRIMARY KEY)\s*(\w*)")
_PG_INDEX = re.compile(r"(?:Index Scan|Index Only Scan) using (\S+) on (\S+)|Bitmap Index Scan on (\S+)")


def explain(sql: str) -> tuple[list[str], list[str], list[str]]:
    """The plan's lines, the indexes it uses, and the large tables it scans whole."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            lines = [row[-1] for row in cursor.fetchall()]
            indexes = [m.group(1) or "rowid" for line in lines for m in [_SQLITE_INDEX.search(line)] if m]
            scans = [line for line in lines if line.startswith("SCAN") and "USING" not in line]
        else:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            indexes = [m.group(1) or m.group(3) for line in lines for m in [_PG_INDEX.search(line)] if m]
            scans = [line.strip() for line in lines if "Seq Scan on" in line]
    big = [line for line in scans if any(t in line for t in BIG_TABLES)]
    return lines, list(dict.fromkeys(indexes)), big


def plans(label: str, need: Any) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tichub.registry.search_selectors import capability_search

    with CaptureQueriesContext(connection) as captured:
        capability_search(need)
    out = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        lines, indexes, big_scans = explain(sql)
        selected = re.match(r'\s*SELECT (?:DISTINCT )?"(\w+)"\.', sql)  # the table of the first column read
        tables = [selected.group(1)] if selected else re.findall(r'FROM "(\w+)"', sql)
        out.append(
            {
                "search": label,
                "table": tables[0] if tables else "?",
                "ms": query_ms(sql),
                "indexes": indexes,
                "full_scans": big_scans,
                "plan": lines,
                "sql": sql[:300],
            }
        )
    return out


def query_ms(sql: str) -> float:
    """The query alone, as the search runs it (rows fetched), best of three."""
    from django.db import connection

    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            best = min(best, time.perf_counter() - started)
    return best * 1000


# --------------------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------------------


def time_import(rows: int) -> list[dict[str, Any]]:
    """A new institution of the big registry imports bench/scope_import_bench.py's table, then re-imports it with
    every third price changed; through the real services."""
    import datetime as dt

    from django.utils import timezone
    from scope_import_bench import table_bytes

    from tichub.accounts import services as accounts
    from tichub.accounts.choices import InstitutionLevel, OrganisationKind, Ownership, Role
    from tichub.accounts.selectors import actor_for
    from tichub.core.tenancy import Actor
    from tichub.registry import manage_services
    from tichub.registry.import_services import scope_import_commit, scope_import_preview

    user = accounts.user_create(email="import@bench.tichub.local", name="导入", password="bench-Passw0rd-not-secret")
    org = accounts.organisation_create(
        actor=Actor(user=None), kind=OrganisationKind.INSTITUTION, slug="bench-import", name_zh="导入基准机构",
        ownership=Ownership.STATE, level=InstitutionLevel.PROVINCIAL, is_testing_laboratory=True,
    )  # fmt: skip
    accounts.membership_grant(actor=Actor(user=None), organisation=org, user=user, roles=[Role.INSTITUTION_ADMIN])
    actor = actor_for(user, org.pk)
    manage_services.site_create(actor=actor, name_zh="一号楼")
    today = timezone.localdate()
    for body in ("CNAS", "CMA"):
        manage_services.accreditation_create(
            actor=actor, body=body, number=f"{body}-IMPORT", valid_from=today - dt.timedelta(days=10),
            valid_until=today + dt.timedelta(days=2000),
        )  # fmt: skip
    figures = []
    for label, content in (
        ("new scope", table_bytes(rows)),
        ("same scope, every 3rd price changed", table_bytes(rows, changed_every=3)),
    ):
        started = time.perf_counter()
        preview = scope_import_preview(actor=actor, filename="bench.csv", content=content)
        previewed = time.perf_counter()
        scope_import_commit(actor=actor, import_id=preview.pk)
        committed = time.perf_counter()
        counts = preview.diff["counts"]
        figures.append(
            {
                "label": label,
                "counts": f"{counts['added']:,}/{counts['changed']:,}/{counts['removed']:,}",
                "preview": previewed - started,
                "commit": committed - previewed,
                "total": committed - started,
            }
        )
    return figures


# --------------------------------------------------------------------------------------------------------------
# One database, in its own process (Django is set up once per process)
# --------------------------------------------------------------------------------------------------------------


def worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.db import connection
    from registry_generate import generate

    vendor = connection.vendor
    version = connection.Database.sqlite_version if vendor == "sqlite" else f"{connection.pg_version / 10000:.1f}"
    print(f"database: {vendor} {version}; {machine()}", flush=True)
    print(f"generating {args.institutions:,} institutions and {args.rows:,} scope rows ...", flush=True)
    made = generate(institutions=args.institutions, rows=args.rows, seed=args.seed)
    print(
        f"generated in {made.seconds:.0f} s: {made.institutions:,} institutions, {made.rows:,} scope rows "
        f"({made.rows_per_second:,.0f} rows/s written), {made.links:,} accreditation links, "
        f"{len(made.vocabulary.objects):,} objects, {len(made.vocabulary.parameters):,} parameters, "
        f"{sum(len(b) for b in made.vocabulary.bases):,} editions",
        flush=True,
    )
    rng = random.Random(args.seed)
    by_parameters = parameter_needs(made.vocabulary, args.searches, rng)
    by_text = text_needs(made.vocabulary, args.searches, rng)
    results: dict[str, Any] = {"vendor": vendor, "version": version, "rows": made.rows, "load": machine()}
    results["generate"] = {"seconds": made.seconds, "rows_per_second": made.rows_per_second, **made.figures}
    print(f"timing {len(by_parameters)} parameter + standard searches ...", flush=True)
    results["parameters"] = time_searches(by_parameters)
    print(f"timing {len(by_text)} free-text searches ...", flush=True)
    results["text"] = time_searches(by_text)

    popular = next(need for kind, need in by_parameters if kind == "popular")
    rare = next(need for kind, need in by_parameters if kind == "rare")
    broad = next(need for kind, need in by_text if kind == "zh word")
    mixed = next(need for kind, need in by_text if kind == "en object+parameter")
    results["plans"] = [
        *plans(f"popular: {' + '.join(popular.parameters)} per {popular.standard_code}", popular),
        *plans(f"rare: {' + '.join(rare.parameters)} per {rare.standard_code}", rare),
        *plans("popular, CNAS required", dataclasses.replace(popular, accreditation="CNAS")),
        *plans(f"free text: {broad.q!r}", broad),
        *plans(f"free text: {mixed.q!r}", mixed),
    ]
    print(f"timing a {args.import_rows:,}-row scope import ...", flush=True)
    results["import"] = time_import(args.import_rows)
    print(report(results), flush=True)
    if args.result_file:
        Path(args.result_file).write_text(json.dumps(results, ensure_ascii=False))
    return 0


def report(r: dict[str, Any]) -> str:
    out = []
    rows = []
    for key, label in (("parameters", "2 parameters + standard code"), ("text", "free text")):
        s = r[key]
        rows.append(
            [label, str(s["n"]), fmt_ms(s["p50"]), fmt_ms(s["p95"]), fmt_ms(s["max"]), f"≤ {AIMS[key]:.0f}",
             f"{s['institutions']:.1f}", str(s["truncated"])]
        )  # fmt: skip
        for kind, k in s["kinds"].items():
            rows.append([f"  {kind}", str(k["n"]), fmt_ms(k["p50"]), fmt_ms(k["p95"]), "", "", "", ""])
    out.append(
        table(
            ["search", "n", "p50 ms", "p95 ms", "max ms", "aim p95 ms", "institutions found", "truncated"],
            rows,
            right=[False, True, True, True, True, True, True, True],
        )
    )
    out.append("\nquery plans: the queries of one search of each kind, their time alone, the indexes they use")
    searched, shown = None, False
    for p in r["plans"]:
        if p["search"] != searched:
            searched, shown = p["search"], False
            out.append(f"  {searched}")
        scans = f"  FULL SCAN: {'; '.join(p['full_scans'])}" if p["full_scans"] else ""
        indexes = ", ".join(p["indexes"]) or "none (small table scanned)"
        out.append(f"    {p['table']:<34} {fmt_ms(p['ms']):>7} ms  indexes: {indexes}{scans}")
        if (p["table"] == "registry_scoperow" and not shown) or p["full_scans"]:
            shown = True  # the candidate-rows query: its whole plan
            out += [f"        | {line}" for line in p["plan"]]
    out.append("")
    out.append(
        table(
            ["import (10,000-row table)", "added/changed/removed", "preview s", "commit s", "total s", "aim s"],
            [
                [i["label"], i["counts"], f"{i['preview']:.2f}", f"{i['commit']:.2f}", f"{i['total']:.2f}", "≤ 10"]
                for i in r["import"]
            ],
            right=[False, True, True, True, True, True],
        )
    )
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------------
# The databases
# --------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="tichub-registry-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"


@contextlib.contextmanager
def postgres_database() -> Iterator[str | None]:
    """A temporary database on the PostgreSQL server, dropped on the way out; None when the server is down."""
    import psycopg

    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL at {POSTGRES_SERVER} does not answer: skipped ({str(exc).strip().splitlines()[0]})")
        yield None
        return
    name = f"tichub_bench_{os.getpid()}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_one(db: str, args: argparse.Namespace, sizes: dict[str, int]) -> dict[str, Any] | None:
    from http_bench import production_env, run_checked

    context = sqlite_database() if db == "sqlite" else postgres_database()
    with context as url, tempfile.TemporaryDirectory(prefix="tichub-registry-var-") as var:
        if url is None:
            return None
        env = production_env(Path(var))
        env.update({"DATABASE_URL": url, "BENCH_SEED": "1", "PYTHONUNBUFFERED": "1"})
        print(f"preparing: `tichub migrate` on a throw-away {db} database (production settings) ...", flush=True)
        run_checked([str(BIN / "tichub"), "migrate", "--no-input", "-v", "0"], env, "tichub migrate", timeout=900)
        result_file = Path(var) / "result.json"
        command = [
            sys.executable, __file__, "--worker", "--institutions", str(sizes["institutions"]), "--rows",
            str(sizes["rows"]), "--searches", str(args.searches), "--import-rows", str(args.import_rows), "--seed",
            str(args.seed), "--result-file", str(result_file),
        ]  # fmt: skip
        done = subprocess.run(command, env=env, cwd=PROJECT_DIR, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the {db} run failed ({done.returncode})")
        return json.loads(result_file.read_text())


def summary(results: dict[str, dict[str, Any]]) -> str:
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    dbs = list(results)
    rows = []

    def cells(fn: Any) -> list[str]:
        return [fn(results[db]) for db in dbs]

    rows.append(
        [
            "search: 2 parameters + standard, p50 / p95 ms",
            "p95 ≤ 50",
            *cells(lambda r: f"{fmt_ms(r['parameters']['p50'])} / {fmt_ms(r['parameters']['p95'])}"),
        ]
    )
    rows.append(
        [
            "search: free text, p50 / p95 ms",
            "p95 ≤ 100",
            *cells(lambda r: f"{fmt_ms(r['text']['p50'])} / {fmt_ms(r['text']['p95'])}"),
        ]
    )
    rows.append(
        ["import 10,000 rows (preview + commit), s", "≤ 10", *cells(lambda r: f"{r['import'][0]['total']:.2f}")]
    )
    rows.append(["re-import, every 3rd row changed, s", "", *cells(lambda r: f"{r['import'][1]['total']:.2f}")])
    rows.append(
        ["generate: scope rows written per s", "", *cells(lambda r: f"{r['generate']['rows_per_second']:,.0f}")]
    )
    rows.append(["full scans of the scope tables in the plans", "none",
                 *cells(lambda r: str(sum(len(p["full_scans"]) for p in r["plans"])))])  # fmt: skip
    return table(["", "aim", *(names[db] for db in dbs)], rows, right=[False, True, *([True] * len(dbs))])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--institutions", type=int, help=f"default {FULL['institutions']:,} ({QUICK['institutions']} quick)"
    )
    parser.add_argument("--rows", type=int, help=f"default {FULL['rows']:,} ({QUICK['rows']:,} quick)")
    parser.add_argument("--quick", action="store_true", help="500 institutions and 100,000 scope rows")
    parser.add_argument("--searches", type=int, default=200, help="searches of each kind (default 200)")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    sizes["institutions"] = args.institutions or sizes["institutions"]
    sizes["rows"] = args.rows or sizes["rows"]
    if args.worker:
        args.institutions, args.rows = sizes["institutions"], sizes["rows"]
        return worker(args)

    stage(f"Registry: search and import on {sizes['institutions']:,} institutions and {sizes['rows']:,} scope rows")
    results: dict[str, dict[str, Any]] = {}
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        stage(f"registry — {db}")
        started = time.monotonic()
        result = run_one(db, args, sizes)
        if result is not None:
            results[db] = result
            print(f"{db}: done in {time.monotonic() - started:.0f} s", flush=True)
    if results:
        stage(f"Registry summary — {sizes['rows']:,} scope rows, {sizes['institutions']:,} institutions")
        print(summary(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
