"""Seed the reports benchmark's throw-away database: real reports through the services, then many more rows fast.

Run by bench/reports_bench.py in a subprocess with the production settings and the throw-away DATABASE_URL in the
environment, after `tichub migrate`. Not meant for any real database: it refuses to run without BENCH_SEED=1.

1. The laboratory of tests/reports/world.py (through the real services and the tests' builders): the platform CA
   and the laboratory's key, both samples tested and approved, and each sample's report issued through
   `report_issue` (a real signed PDF, QR code and content each).
2. `count` Report rows in all: the rest written with the database's fast path (sqlite3 `executemany` in one
   transaction; PostgreSQL `COPY ... FROM STDIN`), each a copy of one of the real reports (same institution,
   enterprise, order, sample, signer, PDF file and QR text) with its own random 128-bit public id, its own number,
   an issue time spread over three years, a small content document, and a status (95 % issued, 4 % superseded,
   1 % withdrawn with a reason).
3. A file of `paths` verification paths (/api/v1/verify/<public_id>) of existing reports drawn at random, for the
   load generator; the JSON printed last says where it is and how fast the rows were written.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))  # tests.reports.world builds the laboratory

VERIFY_PATH = "/api/v1/verify/{}"
BATCH = 20_000
SEED = 7
STATUSES = (("issued", 95), ("superseded", 4), ("withdrawn", 1))  # percent of the generated rows
WITHDRAWAL_REASON = "客户来函告知样品批号有误，报告撤回 (bench)"


def real_reports() -> list[Any]:
    """The laboratory world with both samples approved and their reports issued through `report_issue`."""
    from tests.lims.world import received
    from tests.reports.world import approve_all, issued, ready_world

    w, sample = ready_world()
    other = received(w, 1)
    approve_all(w, other)
    return [issued(w, sample), issued(w, other)]


def public_id(rng: random.Random) -> str:
    """As report_services.new_public_id: 128 random bits, 26 lower-case base32 characters."""
    return base64.b32encode(rng.randbytes(16)).decode("ascii").rstrip("=").lower()


def _status(rng: random.Random) -> str:
    pick = rng.randrange(100)
    for status, percent in STATUSES:
        if pick < percent:
            return status
        pick -= percent
    return STATUSES[0][0]


def rows(
    templates: Sequence[Any], count: int, rng: random.Random, chosen: list[str], want: int
) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
    """Batches of (column names, rows) for `count` reports copied from `templates`; `chosen` collects about `want`
    public ids drawn at random (reservoir sampling)."""
    from django.db import connection

    from tichub.reports.models import Report

    fields = [f for f in Report._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    constants = [[f.get_db_prep_save(getattr(report, f.attname), connection) for f in fields] for report in templates]
    index = {column: i for i, column in enumerate(columns)}
    (pid_at, number_at, issued_at_at, status_at, content_at, count_at, last_at, w_at, w_by_at, w_reason_at) = (
        index[name]
        for name in (
            "public_id", "number", "issued_at", "status", "content", "verification_count", "last_verified_at",
            "withdrawn_at", "withdrawn_by_id", "withdrawal_reason",
        )
    )  # fmt: skip
    issuer_at = index["issued_by_id"]
    vendor = connection.vendor
    start = dt.datetime.now(dt.UTC)
    span = int(dt.timedelta(days=3 * 365).total_seconds())

    def when(moment: dt.datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(moment) if vendor == "sqlite" else moment

    batch: list[tuple[Any, ...]] = []
    for n in range(count):
        row = list(constants[n % len(constants)])
        pid = public_id(rng)
        issued_at = start - dt.timedelta(seconds=rng.randrange(span))
        status = _status(rng)
        row[pid_at] = pid
        row[number_at] = f"BENCH-{n:08d}"
        row[issued_at_at] = when(issued_at)
        row[status_at] = status
        row[content_at] = f'{{"format":"tichub-report","bench":{n}}}'
        row[count_at] = 0
        row[last_at] = None
        if status == "withdrawn":
            row[w_at] = when(issued_at + dt.timedelta(days=3))
            row[w_by_at] = row[issuer_at]
            row[w_reason_at] = WITHDRAWAL_REASON
        batch.append(tuple(row))
        if len(chosen) < want:
            chosen.append(pid)
        elif (slot := rng.randrange(n + 1)) < want:
            chosen[slot] = pid
        if len(batch) == BATCH:
            yield columns, batch
            batch = []
    if batch:
        yield columns, batch


def bulk_insert(templates: Sequence[Any], count: int, want: int, seed: int = SEED) -> tuple[list[str], float, float]:
    """Write `count` report rows copied from `templates`; return ~`want` of their public ids, the seconds the
    rows took (committed, indexes included) and the seconds of the statistics (and on PostgreSQL vacuum and
    checkpoint) after them."""
    from django.db import connection, transaction

    from tichub.reports.models import Report

    table = Report._meta.db_table
    rng = random.Random(seed)
    chosen: list[str] = []
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for columns, batch in rows(templates, count, rng, chosen, want):
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
    written = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # As autovacuum leaves a loaded table (visibility map, hint bits), with the load written out: the
            # verification load then starts from a settled database, not from a checkpoint of 2 GB.
            cursor.execute(f"VACUUM (ANALYZE) {table}")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute(f"ANALYZE {table}")
    return chosen, written - started, time.perf_counter() - written


def seed(count: int, paths: int, paths_file: Path) -> dict[str, Any]:
    from tichub.reports.models import Report

    started = time.perf_counter()
    real = real_reports()
    built = time.perf_counter() - started
    chosen, seconds, settled = bulk_insert(real, max(0, count - len(real)), max(0, paths - len(real)))
    chosen = [report.public_id for report in real] + chosen
    paths_file.write_text("".join(VERIFY_PATH.format(pid) + "\n" for pid in chosen), encoding="ascii")
    written = max(0, count - len(real))
    return {
        "reports": Report.objects.count(),
        "real": [report.public_id for report in real],
        "world_seconds": built,
        "insert_seconds": seconds,
        "settle_seconds": settled,
        "rows_per_second": written / seconds if seconds else 0.0,
        "paths_file": str(paths_file),
        "paths": len(chosen),
    }


def main() -> int:
    if os.environ.get("BENCH_SEED") != "1":
        print(
            "refusing to seed: set BENCH_SEED=1 (bench/reports_bench.py does, on a throwaway database)", file=sys.stderr
        )
        return 2
    import django

    django.setup()
    count = int(os.environ.get("BENCH_REPORTS", "1000000"))
    paths = int(os.environ.get("BENCH_PATHS", "20000"))
    paths_file = Path(os.environ.get("BENCH_PATHS_FILE", "verify-paths.txt"))
    print(json.dumps(seed(count, paths, paths_file)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
