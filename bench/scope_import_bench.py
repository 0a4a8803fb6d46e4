"""Scope import: seconds to preview and to commit a generated scope table (target: 10,000 rows in ≤ 10 s in all).

    .venv/bin/python bench/scope_import_bench.py [--rows 10000] [--quick]

Runs against a throw-away test database (SQLite in a temporary directory, or the PostgreSQL of DATABASE_URL), so
it never touches development data. Prints figures only; nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import machine, stage, table  # noqa: E402

HEADERS = [
    "序号", "检测对象", "项目/参数", "参数英文名", "检测标准（方法）名称及编号（含年号）", "场所", "认可/资质",
    "周期（工作日）", "参考价格（元）",
]  # fmt: skip


def table_bytes(rows: int, *, changed_every: int = 0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for i in range(rows):
        price = "1.00" if changed_every and i % changed_every == 0 else f"{i}.50"
        writer.writerow(
            [i + 1, f"样品{i % 50}", f"参数{i}", f"Param {i}",
             f"食品安全国家标准 食品中某物的测定 GB 5009.{(i % 300) + 1}-2016 第一法", "一号楼", "CNAS,CMA", 5, price]
        )  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="2,000 rows")
    args = parser.parse_args(argv)
    rows = 2_000 if args.quick else args.rows

    os.environ.setdefault("TICHUB_VAR_DIR", tempfile.mkdtemp(prefix="tichub-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tichub.config.settings.test"
    import django

    django.setup()
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from tichub.accounts.choices import Role
        from tichub.core.tenancy import Actor
        from tichub.core.testing.factories import InstitutionFactory, member
        from tichub.registry.import_services import scope_import_commit, scope_import_preview
        from tichub.registry.models import Accreditation, TestSite

        lab = InstitutionFactory()
        actor = Actor(
            user=member(lab, Role.INSTITUTION_ADMIN), organisation=lab, roles=frozenset({Role.INSTITUTION_ADMIN})
        )
        TestSite.objects.create(organisation=lab, name_zh="一号楼")
        from django.utils import timezone

        today = timezone.localdate()
        for body in ("CNAS", "CMA"):
            Accreditation.objects.create(
                organisation=lab,
                body=body,
                number=f"{body}-1",
                valid_from=today,
                valid_until=today + dt.timedelta(days=1),
            )

        stage(f"scope import — {connection.vendor}, {rows:,} rows")
        figures = []
        for label, content in (
            ("new scope", table_bytes(rows)),
            ("same scope, every 3rd price changed", table_bytes(rows, changed_every=3)),
        ):
            started = time.perf_counter()
            scope_import = scope_import_preview(actor=actor, filename="bench.csv", content=content)
            previewed = time.perf_counter()
            scope_import_commit(actor=actor, import_id=scope_import.pk)
            committed = time.perf_counter()
            counts = scope_import.diff["counts"]
            figures.append(
                [label, f"{counts['added']:,}/{counts['changed']:,}/{counts['removed']:,}",
                 f"{previewed - started:.2f}", f"{committed - previewed:.2f}", f"{committed - started:.2f}"]
            )  # fmt: skip
        print(machine())
        print(
            table(
                ["import", "added/changed/removed", "preview s", "commit s", "total s"],
                figures,
                right=[False, True, True, True, True],
            )
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
