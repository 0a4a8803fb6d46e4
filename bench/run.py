"""`make bench`: every benchmark, one stage after the other, figures only (nothing passes or fails on time).

    .venv/bin/python bench/run.py [--quick] [--only STAGE] [--loadgen auto|wrk|python]

Stages: science (calls per second of the tichub.science functions, bench/science_bench.py), then HTTP (granian
serving TICHub with production settings against a bare WSGI hello-world, bench/http_bench.py), then the registry
(capability search p50/p95, query plans and a 10,000-row scope import on a synthetic registry of 5,000
institutions and 1,000,000 scope rows, on SQLite and on PostgreSQL when one answers, bench/registry_bench.py),
then the marketplace (order lists and order pages with 100,000 orders, bench/market_bench.py), the laboratory
(receiving a sample with 200 tests, a worksheet of 500 results: bench/lims_bench.py; importing 100,000 results
from CSV: bench/lims_import_bench.py), trust (offline QR verifications, PDF signing, the trust list:
bench/trust_bench.py) and reports (a 30-row bilingual report rendered and signed per second, render and sign
apart, report_issue end to end, verify_qr of a report's QR; the public verification API
GET /api/v1/verify/{public_id} under granian with 1,000,000 reports on SQLite and on PostgreSQL when one answers,
next to the hello-world: bench/reports_bench.py).
Each stage also runs alone. The exit status is non-zero only when a stage could not run at all (a broken set-up),
never because of a figure. About 13 minutes in all on a 2-core machine (the registry stage about 5 of them, the
reports stage about 6); about 4 minutes with --quick (the registry on 100,000 rows, the reports on 100,000).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import http_bench  # noqa: E402
import lims_bench  # noqa: E402
import lims_import_bench  # noqa: E402
import market_bench  # noqa: E402
import registry_bench  # noqa: E402
import reports_bench  # noqa: E402
import science_bench  # noqa: E402
import trust_bench  # noqa: E402
from benchlib import machine, stage  # noqa: E402


def revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=BENCH_DIR.parent, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs: a quick look, noisier figures")
    parser.add_argument(
        "--only",
        choices=("science", "http", "registry", "market", "lims", "lims-import", "trust", "reports"),
        help="run one stage only",
    )
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto", help="HTTP load generator")
    args = parser.parse_args(argv)

    started = time.monotonic()
    print(f"TICHub benchmarks — {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, revision {revision()}")
    print(f"{machine()}{'; quick mode' if args.quick else ''}", flush=True)

    stages = {
        "science": lambda: science_bench.main(["--quick"] if args.quick else []),
        "http": lambda: http_bench.main([*(["--quick"] if args.quick else []), "--loadgen", args.loadgen]),
        "registry": lambda: registry_bench.main(["--quick"] if args.quick else []),
        "market": lambda: market_bench.main(["--quick"] if args.quick else []),
        "lims": lambda: lims_bench.main(["--quick"] if args.quick else []),
        "lims-import": lambda: lims_import_bench.main(["--quick"] if args.quick else []),
        "trust": lambda: trust_bench.main(["--quick"] if args.quick else []),
        "reports": lambda: reports_bench.main([*(["--quick"] if args.quick else []), "--loadgen", args.loadgen]),
    }
    failed = []
    for name, run in stages.items():
        if args.only and name != args.only:
            continue
        try:
            run()
        except KeyboardInterrupt:
            print(f"\n{name}: interrupted", file=sys.stderr)
            return 130
        except Exception:  # one broken stage must not hide the other's figures
            failed.append(name)
            print(f"\n{name}: could not run:\n{traceback.format_exc()}", file=sys.stderr, flush=True)

    stage(f"Done in {time.monotonic() - started:.0f} s" + (f"; stages that could not run: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
