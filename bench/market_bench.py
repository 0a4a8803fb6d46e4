"""Marketplace at scale: order lists and an order's detail with 100,000 orders in the database.

    .venv/bin/python bench/market_bench.py [--orders 100000] [--quick] [--db sqlite|postgres|both] [--requests 100]

For each database: a throw-away database (SQLite in a temporary directory; on PostgreSQL the temporary database
`tichub_market_bench`, created and dropped here, on BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432,
skipped with a message when the server does not answer) is migrated with `tichub migrate` under the production
settings (DEBUG=False, as bench/http_bench.py sets them up; static files collected for the manifest storage). Then,
in one process per database:

* the demo standards catalogue is loaded, and ~200 enterprises and ~100 institutions (one person each) are made;
* 100,000 orders (default; --quick: 10,000) are written with raw bulk inserts (sqlite3 executemany, PostgreSQL
  COPY): each with its need (1-5 items), 1-3 quotes with their lines (one accepted, the others closed), the
  contract review with one item per need item (~3 % subcontracted to another institution, approved), 5-50 timeline
  entries and 0-3 messages; plus 20 % more needs still open with quotes requested or submitted. Orders fall on
  enterprises and institutions Zipf-like, so the busiest of each has thousands of orders;
* the busiest enterprise and the busiest institution are timed through the Django test Client (the real URL
  routing, middleware, sessions, templates and API; the production settings): 100 requests each (after a
  warm-up) of the HTML order list (first page, filtered by status, the status cycling), the order detail page of
  orders with 50 timeline entries, and the same list and detail through the API (/api/v1/market/orders);
  p50/p95/max in ms and the number of queries each request made (CaptureQueriesContext: min-max over the
  requests);
* flatness: the query counts of the same requests for a small enterprise (a handful of orders) and of a detail
  with 5 timeline entries, beside the busy one's and the 50-entry one's.

Figures only: nothing passes or fails on time. Other work on the machine shows in the load average printed.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(PROJECT_DIR / "src"))

from benchlib import fmt_ms, machine, stage, table  # noqa: E402

BIN = Path(sys.executable).parent
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DB = "tichub_market_bench"
ENTERPRISES, INSTITUTIONS = 200, 100
OPEN_NEEDS_SHARE = 0.2
TIMELINE = (5, 50)
WARM_UP = 5
LIST_STATUSES = ("completed", "in_progress", "review", "samples_sent")
# Order states, as a busy cluster's book would hold them (weights).
STATUS_WEIGHTS = {
    "review": 6,
    "accepted": 5,
    "declined": 3,
    "samples_sent": 6,
    "received": 5,
    "in_progress": 10,
    "completed": 58,
    "cancelled": 7,
}
PARAMETERS = (  # parameter, method edition of the demo catalogue (the 2017 lead edition: a withdrawn method)
    ("铅", "GB 5009.12-2023"),
    ("总砷", "GB 5009.11-2024"),
    ("水分", "GB 5009.3-2016"),
    ("灰分", "GB 5009.4-2016"),
    ("多元素迁移量", "GB 31604.49-2023"),
    ("总迁移量", "GB 31604.1-2023"),
    ("馏程", "GB/T 6536-2010"),
    ("铜片腐蚀", "GB/T 5096-2017"),
    ("示值误差", "JJG 30-2012"),
    ("热工性能", "GB/T 10180-2017"),
    ("纤度偏差", "GB/T 1798-2008"),
    ("铅", "GB 5009.12-2017"),
)
OBJECTS = ("白砂糖", "红糖", "冰糖", "糖果", "饼干", "食品接触用塑料制品", "车用汽油", "车用柴油", "游标卡尺", "生丝")
TIMELINE_TEXTS = (
    ("review_opened", "已接受报价，进入合同评审", "Quote accepted; contract review opened"),
    (
        "review_record",
        "合同评审记录已更新：判定规则已与客户约定",
        "Contract review record updated: decision rule agreed",
    ),
    ("accepted", "合同评审通过，已受理，委托单号 {number}", "Contract review passed; order {number}"),
    ("samples_announced", "企业登记样品 2 件：{number}-S01、{number}-S02", "2 sample(s) announced"),
    (
        "samples_dispatched",
        "企业已寄出样品 2 件（顺丰速运 SF1402876519347）",
        "2 sample(s) dispatched (SF1402876519347)",
    ),
    ("received", "实验室已接收样品", "Samples received by the laboratory"),
    ("in_progress", "检测开始", "Testing started"),
)
NOTE = ("note", "检测进度：第 {k} 项已完成", "Progress: step {k} done")


# --------------------------------------------------------------------------------------------------------------
# Writing rows fast
# --------------------------------------------------------------------------------------------------------------


def write_rows(table_name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Append rows with the database's fast path (PostgreSQL COPY, sqlite3 executemany); returns the count."""
    from django.db import connection

    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table_name)} ({names}) FROM STDIN") as copy:  # psycopg 3
                for row in rows:
                    copy.write_row(row)
                    written += 1
        else:
            raw = connection.connection  # the sqlite3 connection: '?' placeholders, no per-row wrapper
            sql = f"INSERT INTO {quote(table_name)} ({names}) VALUES ({', '.join(['?'] * len(columns))})"
            iterator = iter(rows)
            while batch := list(itertools.islice(iterator, 50_000)):
                raw.executemany(sql, batch)
                written += len(batch)
    return written


def zipf_cumulative(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (k**s) for k in range(1, n + 1)))


def pick(rng: random.Random, cumulative: Sequence[float]) -> int:
    return bisect.bisect_left(cumulative, rng.random() * cumulative[-1])


# --------------------------------------------------------------------------------------------------------------
# The synthetic book of orders
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Book:
    orders: int
    needs: int
    rows: dict[str, int]
    seconds: float
    big_enterprise: int
    big_institution: int
    small_enterprise: int
    users: dict[int, int]  # organisation id → its person
    orders_of: dict[str, int] = field(default_factory=dict)
    detail_50: dict[str, list[int]] = field(default_factory=dict)  # side → orders with 50 timeline entries
    detail_5: dict[str, int] = field(default_factory=dict)  # side → one completed order with 5 entries
    detail_50_completed: dict[str, int] = field(default_factory=dict)  # side → one completed order with 50


def generate(orders: int, seed: int, log: Callable[[str], None] = print) -> Book:
    """Write the book into the migrated database Django is set up with."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tichub.accounts.choices import InstitutionLevel, OrganisationKind, Ownership, Role
    from tichub.accounts.models import Membership, Organisation, User
    from tichub.standards import demo as standards_demo
    from tichub.standards.models import StandardEdition

    started = time.perf_counter()
    rng = random.Random(seed)
    sqlite = connection.vendor == "sqlite"
    ops = connection.ops

    def ts(value: dt.datetime) -> Any:
        return ops.adapt_datetimefield_value(value) if sqlite else value

    def day(value: dt.date) -> Any:
        return value.isoformat() if sqlite else value

    def money(value: Decimal) -> Any:
        return str(value) if sqlite else value

    standards_demo.load()
    editions = dict(
        StandardEdition.objects.filter(canonical__in=[c for _p, c in PARAMETERS]).values_list("canonical", "id")
    )
    parameters = [(p, editions[c]) for p, c in PARAMETERS if c in editions]
    if not parameters:
        raise RuntimeError("the demo standards catalogue did not load")

    with transaction.atomic():
        orgs = [
            Organisation(kind=OrganisationKind.ENTERPRISE, slug=f"bench-ent-{i:03d}",
                         name_zh=f"基准企业{i:03d}有限公司", name_en=f"Benchmark Enterprise {i:03d} Co., Ltd.")
            for i in range(ENTERPRISES)
        ] + [
            Organisation(kind=OrganisationKind.INSTITUTION, slug=f"bench-lab-{i:03d}", name_zh=f"基准检测中心{i:03d}",
                         name_en=f"Benchmark Testing Centre {i:03d}", ownership=Ownership.STATE,
                         level=InstitutionLevel.PROVINCIAL, is_testing_laboratory=True)
            for i in range(INSTITUTIONS)
        ]  # fmt: skip
        Organisation.objects.bulk_create(orgs, batch_size=1000)
        by_slug = dict(Organisation.objects.filter(slug__startswith="bench-").values_list("slug", "id"))
        enterprises = [by_slug[f"bench-ent-{i:03d}"] for i in range(ENTERPRISES)]
        institutions = [by_slug[f"bench-lab-{i:03d}"] for i in range(INSTITUTIONS)]
        User.objects.bulk_create(
            [User(email=f"{slug}@bench.tichub.local", name=f"用户 {slug}", password="!") for slug in sorted(by_slug)],
            batch_size=1000,
        )
        user_ids = dict(User.objects.filter(email__endswith="@bench.tichub.local").values_list("email", "id"))
        users = {by_slug[slug]: user_ids[f"{slug}@bench.tichub.local"] for slug in by_slug}
        Membership.objects.bulk_create(
            [Membership(user_id=users[o], organisation_id=o, role=Role.ENTERPRISE_OWNER) for o in enterprises]
            + [Membership(user_id=users[o], organisation_id=o, role=Role.RECEPTION) for o in institutions],
            batch_size=1000,
        )

        now = timezone.now()
        today = timezone.localdate()
        ent_cum = zipf_cumulative(ENTERPRISES, 0.8)
        inst_cum = zipf_cumulative(INSTITUTIONS, 0.8)
        statuses = list(STATUS_WEIGHTS)
        status_cum = list(itertools.accumulate(STATUS_WEIGHTS.values()))
        total_needs = orders + int(orders * OPEN_NEEDS_SHARE)
        span = 2 * 365 * 86400

        # --- needs and their items ------------------------------------------------------------------------
        t = time.perf_counter()
        need_rows, item_rows = [], []
        need_enterprise: list[int] = []
        need_created: list[dt.datetime] = []
        need_items: list[range] = []
        item_id = 0
        for n in range(total_needs):
            need_id = n + 1
            ordered = n < orders
            enterprise = enterprises[pick(rng, ent_cum)]
            created = now - dt.timedelta(seconds=rng.randrange(span))
            obj = rng.choice(OBJECTS)
            status = "ordered" if ordered else rng.choice(("open", "open", "open", "draft", "cancelled"))
            need_rows.append(
                (need_id, ts(created), f"{obj}检测（批次 {need_id}）", f"{obj}，袋装，送样检测。", rng.randint(1, 3),
                 day(today + dt.timedelta(days=rng.randint(1, 60))), rng.choice(("simple", "guarded", "none")), True,
                 False, status, users[enterprise], enterprise)
            )  # fmt: skip
            count = rng.randint(1, 5)
            first = item_id + 1
            for position, (parameter, edition) in enumerate(rng.sample(parameters, count), start=1):
                item_id += 1
                item_rows.append((item_id, position, obj, parameter, "", "", "", "0.5", "mg/kg", need_id, edition))
            need_enterprise.append(enterprise)
            need_created.append(created)
            need_items.append(range(first, item_id + 1))
        rows = {
            "needs": write_rows(
                "marketplace_need",
                ["id", "created_at", "title", "product_description", "sample_count", "deadline", "decision_rule",
                 "accredited_required", "confidential", "status", "created_by_id", "organisation_id"],
                need_rows,
            ),
            "need items": write_rows(
                "marketplace_needitem",
                ["id", "position", "object_text", "parameter", "clause", "specification", "lower_limit",
                 "upper_limit", "unit", "need_id", "standard_id"],
                item_rows,
            ),
        }  # fmt: skip
        del need_rows, item_rows
        log(f"  needs and items written in {time.perf_counter() - t:.1f} s")

        # --- quotes and their lines; orders with their review ----------------------------------------------
        t = time.perf_counter()
        quote_rows, line_rows, order_rows, review_rows, review_item_rows = [], [], [], [], []
        quote_id = 0
        line_id = 0
        order_meta: list[tuple[int, int, int, dt.datetime, str, str]] = []  # id, enterprise, institution, ...
        for n in range(total_needs):
            need_id = n + 1
            enterprise = need_enterprise[n]
            created = need_created[n]
            ordered = n < orders
            asked: list[int] = []
            wanted = rng.randint(1, 3)
            while len(asked) < wanted:
                inst = institutions[pick(rng, inst_cum)]
                if inst not in asked:
                    asked.append(inst)
            accepted_quote = None
            for k, inst in enumerate(asked):
                quote_id += 1
                if ordered:
                    status = "accepted" if k == 0 else rng.choice(("closed", "closed", "declined"))
                else:
                    status = rng.choice(("requested", "submitted"))
                priced = status in ("accepted", "closed", "submitted")
                total = Decimal("0.00")
                if priced:
                    for item in need_items[n]:
                        line_id += 1
                        price = Decimal(rng.randint(6, 60) * 10)
                        total += price
                        line_rows.append((line_id, money(price), 1, True, "", item, quote_id, None, None))
                submitted = created + dt.timedelta(hours=rng.randint(1, 72))
                quote_rows.append(
                    (quote_id, f"Q{quote_id:07d}" if priced else "", status, ts(created),
                     ts(submitted) if priced else None, day(today + dt.timedelta(days=30)) if priced else None,
                     rng.randint(3, 15) if priced else None, "款到发报告", 20,
                     "本期检测任务已满" if status == "declined" else "", money(total), enterprise, inst, need_id,
                     users[inst] if priced else None)
                )  # fmt: skip
                if k == 0:
                    accepted_quote = (quote_id, inst, total)
            if not ordered or accepted_quote is None:
                continue
            order_id = need_id
            quote_for_order, inst, _total = accepted_quote
            status = statuses[bisect.bisect_left(status_cum, rng.random() * status_cum[-1])]
            number = "" if status in ("review", "declined") else f"O{created.year}-{order_id:06d}"
            opened = created + dt.timedelta(days=1)
            order_rows.append(
                (order_id, number, status, ts(opened), ts(opened + dt.timedelta(days=3)),
                 day(opened.date() + dt.timedelta(days=10)), "simple", "客户取消" if status == "cancelled" else "",
                 enterprise, inst, need_id, quote_for_order)
            )  # fmt: skip
            decided = status != "review"
            review_rows.append(
                (order_id, decided, "", None, ts(opened + dt.timedelta(hours=5)) if decided else None,
                 None if not decided else status != "declined", "超出能力范围" if status == "declined" else "",
                 users[inst] if decided else None, order_id)
            )  # fmt: skip
            for item in need_items[n]:
                if rng.random() < 0.03:
                    sub = institutions[pick(rng, inst_cum)]
                    if sub != inst:
                        review_item_rows.append(
                            ("subcontracted", "", None, ts(opened + dt.timedelta(hours=2)), item, order_id, None,
                             users[enterprise], sub)
                        )  # fmt: skip
                        continue
                review_item_rows.append(("accredited", "", None, None, item, order_id, None, None, None))
            order_meta.append((order_id, enterprise, inst, opened, status, number))
        rows["quotes"] = write_rows(
            "marketplace_quote",
            ["id", "number", "status", "requested_at", "submitted_at", "valid_until", "turnaround_days", "terms",
             "cancellation_fee_percent", "decline_reason", "total", "enterprise_id", "institution_id", "need_id",
             "submitted_by_id"],
            quote_rows,
        )  # fmt: skip
        rows["quote lines"] = write_rows(
            "marketplace_quoteline",
            ["id", "price", "quantity", "accredited", "note", "item_id", "quote_id", "scope_row_id",
             "subcontractor_id"],
            line_rows,
        )  # fmt: skip
        rows["orders"] = write_rows(
            "marketplace_order",
            ["id", "number", "status", "created_at", "updated_at", "due_date", "decision_rule", "cancel_reason",
             "enterprise_id", "institution_id", "need_id", "quote_id"],
            order_rows,
        )  # fmt: skip
        rows["contract reviews"] = write_rows(
            "marketplace_contractreview",
            ["id", "decision_rule_agreed", "deviations", "customer_confirmed_at", "decided_at", "accepted",
             "decline_reason", "reviewed_by_id", "order_id"],
            review_rows,
        )  # fmt: skip
        rows["review items"] = write_rows(
            "marketplace_reviewitem",
            ["verdict", "method_warning", "warning_confirmed_at", "subcontract_approved_at", "item_id", "review_id",
             "scope_row_id", "subcontract_approved_by_id", "subcontractor_id"],
            review_item_rows,
        )  # fmt: skip
        del quote_rows, line_rows, order_rows, review_rows, review_item_rows, need_items
        log(f"  quotes, lines, orders and reviews written in {time.perf_counter() - t:.1f} s")

        # --- timeline entries and messages ------------------------------------------------------------------
        t = time.perf_counter()
        per_enterprise: dict[int, int] = {}
        per_institution: dict[int, int] = {}
        for _order_id, enterprise, inst, *_rest in order_meta:
            per_enterprise[enterprise] = per_enterprise.get(enterprise, 0) + 1
            per_institution[inst] = per_institution.get(inst, 0) + 1
        busy = {
            "enterprise": max(per_enterprise, key=lambda o: per_enterprise[o]),
            "institution": max(per_institution, key=lambda o: per_institution[o]),
        }
        entries = {order_id: rng.randint(*TIMELINE) for order_id, *_rest in order_meta}
        for side, position in (("enterprise", 1), ("institution", 2)):
            # The busiest organisations' own orders to time: a completed one with 5 entries and at least 100
            # (or all of theirs) with 50, whatever the draw gave.
            mine = [m for m in order_meta if m[position] == busy[side]]
            completed = [m[0] for m in mine if m[4] == "completed"]
            entries[completed[0]] = TIMELINE[0]
            entries[completed[1]] = TIMELINE[1]
            fifty = [m[0] for m in mine if entries[m[0]] == TIMELINE[1]]
            for order_id in [m[0] for m in mine if m[0] != completed[0]][: max(0, 100 - len(fifty))]:
                entries[order_id] = TIMELINE[1]

        def timeline() -> Iterator[tuple[Any, ...]]:
            for order_id, enterprise, inst, opened, _status, number in order_meta:
                for k in range(entries[order_id]):
                    kind, zh, en = TIMELINE_TEXTS[k] if k < len(TIMELINE_TEXTS) else NOTE
                    actor = users[enterprise] if kind in ("review_opened", "samples_announced") else users[inst]
                    yield (ts(opened + dt.timedelta(minutes=37 * k)), kind, zh.format(number=number, k=k),
                           en.format(number=number, k=k), actor, order_id)  # fmt: skip

        def messages() -> Iterator[tuple[Any, ...]]:
            for order_id, enterprise, inst, opened, _status, _number in order_meta:
                for k in range(rng.randint(0, 3)):
                    sender = (enterprise, inst)[k % 2]
                    yield ("请问样品是否已经收到？" if k % 2 == 0 else "已收到，正在检测。",
                           ts(opened + dt.timedelta(hours=3 * k + 1)), users[sender], sender, order_id)  # fmt: skip

        rows["timeline entries"] = write_rows(
            "marketplace_timelineevent", ["created_at", "kind", "text_zh", "text_en", "actor_id", "order_id"],
            timeline(),
        )  # fmt: skip
        rows["messages"] = write_rows(
            "marketplace_message", ["body", "created_at", "sender_id", "sender_organisation_id", "order_id"],
            messages(),
        )  # fmt: skip
        log(f"  timeline entries and messages written in {time.perf_counter() - t:.1f} s")
        if not sqlite:
            with connection.cursor() as cursor:
                for table_name in (
                    "marketplace_need",
                    "marketplace_needitem",
                    "marketplace_quote",
                    "marketplace_quoteline",
                    "marketplace_order",
                    "marketplace_contractreview",
                ):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                        f"(SELECT MAX(id) FROM {table_name}))"
                    )  # fmt: skip

    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planners, as after any bulk load
    log(f"  ANALYZE in {time.perf_counter() - t:.1f} s")

    big_enterprise, big_institution = busy["enterprise"], busy["institution"]
    small_enterprise = min(per_enterprise, key=lambda o: (per_enterprise[o] < 3, per_enterprise[o]))
    book = Book(
        orders=len(order_meta), needs=total_needs, rows=rows, seconds=time.perf_counter() - started,
        big_enterprise=big_enterprise, big_institution=big_institution, small_enterprise=small_enterprise,
        users=users,
    )  # fmt: skip
    book.orders_of = {
        "busiest enterprise": per_enterprise[big_enterprise],
        "busiest institution": per_institution[big_institution],
        "small enterprise": per_enterprise[small_enterprise],
    }
    for side, org in (("enterprise", big_enterprise), ("institution", big_institution)):
        position = 1 if side == "enterprise" else 2
        mine = [m for m in order_meta if m[position] == org]
        book.detail_50[side] = [m[0] for m in mine if entries[m[0]] == TIMELINE[1]][:100]
        book.detail_5[side] = next(m[0] for m in mine if entries[m[0]] == TIMELINE[0] and m[4] == "completed")
        book.detail_50_completed[side] = next(
            m[0] for m in mine if entries[m[0]] == TIMELINE[1] and m[4] == "completed"
        )
    return book


# --------------------------------------------------------------------------------------------------------------
# Timing through the test Client
# --------------------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def client_for(user_id: int, organisation_id: int) -> Any:
    """A signed-in client acting for the organisation, over HTTPS as production sees it behind its proxy."""
    from tichub.accounts.models import Organisation, User
    from tichub.core.testing.permissions import signed_in

    client = signed_in(User.objects.get(pk=user_id), Organisation.objects.get(pk=organisation_id))
    client.defaults["HTTP_X_FORWARDED_PROTO"] = "https"
    return client


def one(client: Any, url: str, check: Callable[[Any], None]) -> tuple[float, int]:
    """One request: its time in ms and the number of queries it made; the answer is checked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    check(response)
    return elapsed, len(captured.captured_queries)


ORDER_LINK = re.compile(rb'<td><a href="/market/orders/\d+/">')


def _expected(response: Any, page: int, counts: dict[str, int]) -> int:
    """The rows the first page must hold: the page size, or fewer when fewer orders match the status filter."""
    return min(page, counts.get(response.wsgi_request.GET.get("status", ""), 0))


def html_rows(page: int, counts: dict[str, int]) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        expected = _expected(response, page, counts)
        rows = len(ORDER_LINK.findall(response.content))
        if rows < expected:
            raise RuntimeError(f"the list shows {rows} order links, expected at least {expected}")

    return check


def api_rows(page: int, counts: dict[str, int]) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        expected = _expected(response, page, counts)
        items = json.loads(response.content)["items"]
        if not expected <= len(items) <= page:  # an institution's list adds the orders subcontracted to it
            raise RuntimeError(f"the API returned {len(items)} orders, expected {expected}")

    return check


def html_timeline(expected: int) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        if expected == TIMELINE[1] and "检测进度：第 49 项已完成" not in response.content.decode():
            raise RuntimeError("the detail page does not show the 50th timeline entry")

    return check


def api_timeline(expected: int) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        got = len(json.loads(response.content)["timeline"])
        if got != expected:
            raise RuntimeError(f"the API detail has {got} timeline entries, expected {expected}")

    return check


@dataclass
class Target:
    label: str
    client: Any
    urls: list[str]
    check: Callable[[Any], None]
    times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)


def spread(counts: Sequence[int]) -> str:
    """ "12" when every request made 12 queries, "12-13" when they varied."""
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}-{high}"


def measure(targets: Sequence[Target], requests: int) -> list[dict[str, Any]]:
    """A warm-up per target, then `requests` rounds with the targets interleaved (drift hits all alike)."""
    for target in targets:
        for i in range(WARM_UP):
            one(target.client, target.urls[i % len(target.urls)], target.check)
    for i in range(requests):
        for target in targets:
            elapsed, queries = one(target.client, target.urls[i % len(target.urls)], target.check)
            target.times.append(elapsed)
            target.queries.append(queries)
    return [
        {
            "label": t.label,
            "n": len(t.times),
            "p50": percentile(t.times, 0.5),
            "p95": percentile(t.times, 0.95),
            "max": max(t.times),
            "queries": spread(t.queries),
        }
        for t in targets
    ]


def time_requests(book: Book, requests: int) -> dict[str, Any]:
    from django.db.models import Count

    from tichub.marketplace.models import Order

    ent = client_for(book.users[book.big_enterprise], book.big_enterprise)
    inst = client_for(book.users[book.big_institution], book.big_institution)
    small = client_for(book.users[book.small_enterprise], book.small_enterprise)
    matching = {
        side: dict(
            Order.objects.filter(**{"institution_id" if side == "institution" else "enterprise_id": org})
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        for side, org in (
            ("enterprise", book.big_enterprise),
            ("institution", book.big_institution),
            ("small", book.small_enterprise),
        )
    }
    html = [f"/market/orders/?status={s}" for s in LIST_STATUSES]
    api = [f"/api/v1/market/orders?status={s}" for s in LIST_STATUSES]
    targets = [
        Target("HTML list, enterprise (page 1 of 25, by status)", ent, html, html_rows(25, matching["enterprise"])),
        Target("HTML list, institution (page 1 of 25, by status)", inst, html, html_rows(25, matching["institution"])),
        Target("HTML detail, enterprise (50 timeline entries)", ent,
               [f"/market/orders/{pk}/" for pk in book.detail_50["enterprise"]], html_timeline(50)),
        Target("HTML detail, institution (50 timeline entries)", inst,
               [f"/market/orders/{pk}/" for pk in book.detail_50["institution"]], html_timeline(50)),
        Target("API list, enterprise (page 1 of 50, by status)", ent, api, api_rows(50, matching["enterprise"])),
        Target("API list, institution (page 1 of 50, by status)", inst, api, api_rows(50, matching["institution"])),
        Target("API detail, enterprise (50 timeline entries)", ent,
               [f"/api/v1/market/orders/{pk}" for pk in book.detail_50["enterprise"]], api_timeline(50)),
    ]  # fmt: skip
    results = measure(targets, requests)

    def queries(client: Any, url: str, check: Callable[[Any], None]) -> int:
        one(client, url, check)  # warm
        return one(client, url, check)[1]

    flat = []
    for label, busy, quiet in (
        ("HTML list ?status=completed",
         (ent, "/market/orders/?status=completed", html_rows(25, matching["enterprise"])),
         (small, "/market/orders/?status=completed", html_rows(25, matching["small"]))),
        ("API list ?status=completed",
         (ent, "/api/v1/market/orders?status=completed", api_rows(50, matching["enterprise"])),
         (small, "/api/v1/market/orders?status=completed", api_rows(50, matching["small"]))),
        ("HTML detail, enterprise (completed order)",
         (ent, f"/market/orders/{book.detail_50_completed['enterprise']}/", html_timeline(50)),
         (ent, f"/market/orders/{book.detail_5['enterprise']}/", html_timeline(5))),
        ("HTML detail, institution (completed order)",
         (inst, f"/market/orders/{book.detail_50_completed['institution']}/", html_timeline(50)),
         (inst, f"/market/orders/{book.detail_5['institution']}/", html_timeline(5))),
        ("API detail, enterprise (completed order)",
         (ent, f"/api/v1/market/orders/{book.detail_50_completed['enterprise']}", api_timeline(50)),
         (ent, f"/api/v1/market/orders/{book.detail_5['enterprise']}", api_timeline(5))),
    ):  # fmt: skip
        flat.append({"label": label, "busy": queries(*busy), "quiet": queries(*quiet)})
    return {"requests": results, "flat": flat, "matching": matching}


# --------------------------------------------------------------------------------------------------------------
# One database, in its own process (Django is set up once per process)
# --------------------------------------------------------------------------------------------------------------


def worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    vendor = connection.vendor
    version = connection.Database.sqlite_version if vendor == "sqlite" else f"{connection.pg_version / 10000:.1f}"
    print(f"database: {vendor} {version}; DEBUG={settings.DEBUG}; {machine()}", flush=True)
    print(f"generating {args.orders:,} orders across {ENTERPRISES} enterprises and {INSTITUTIONS} institutions ...",
          flush=True)  # fmt: skip
    book = generate(args.orders, args.seed)
    print(
        f"generated in {book.seconds:.0f} s: " + ", ".join(f"{n:,} {name}" for name, n in book.rows.items()),
        flush=True,
    )
    print("orders of the organisations timed: " + ", ".join(f"{k} {v:,}" for k, v in book.orders_of.items()))
    print(f"timing {args.requests} requests of each kind (after {WARM_UP} warm-up requests) ...", flush=True)
    timed = time_requests(book, args.requests)
    results = {
        "vendor": vendor,
        "version": version,
        "load": machine(),
        "orders": book.orders,
        "rows": book.rows,
        "generate_s": book.seconds,
        "orders_of": book.orders_of,
        **timed,
    }
    print(report(results), flush=True)
    if args.result_file:
        Path(args.result_file).write_text(json.dumps(results, ensure_ascii=False))
    return 0


def report(r: dict[str, Any]) -> str:
    out = [
        table(
            ["request", "n", "p50 ms", "p95 ms", "max ms", "queries"],
            [
                [x["label"], str(x["n"]), fmt_ms(x["p50"]), fmt_ms(x["p95"]), fmt_ms(x["max"]), x["queries"]]
                for x in r["requests"]
            ],
            right=[False, True, True, True, True, True],
        )
    ]
    matching = r["matching"]
    out.append(
        "orders matching each status filter: "
        + "; ".join(
            f"{side} " + ", ".join(f"{s} {matching[side].get(s, 0):,}" for s in LIST_STATUSES) for side in matching
        )
    )
    out.append("")
    out.append(
        table(
            ["queries per request", "busy / 50 entries", "small / 5 entries"],
            [[f["label"], str(f["busy"]), str(f["quiet"])] for f in r["flat"]],
            right=[False, True, True],
        )
    )
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------------
# The databases
# --------------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="tichub-market-bench-") as tmp:
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
    with context as url, tempfile.TemporaryDirectory(prefix="tichub-market-var-") as var:
        if url is None:
            return None
        env = production_env(Path(var))
        env.update(
            {
                "DATABASE_URL": url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "PYTHONUNBUFFERED": "1",
            }
        )
        print(f"preparing: `tichub migrate` on a throw-away {db} database (production settings) ...", flush=True)
        run_checked([str(BIN / "tichub"), "migrate", "--no-input", "-v", "0"], env, "tichub migrate", timeout=900)
        run_checked([str(BIN / "tichub"), "collectstatic", "--no-input", "-v", "0"], env, "collectstatic")
        result_file = Path(var) / "result.json"
        command = [
            sys.executable, __file__, "--worker", "--orders", str(args.orders), "--requests", str(args.requests),
            "--seed", str(args.seed), "--result-file", str(result_file),
        ]  # fmt: skip
        done = subprocess.run(command, env=env, cwd=PROJECT_DIR, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the {db} run failed ({done.returncode})")
        return json.loads(result_file.read_text())


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
    rows.append(["orders written", *(f"{results[db]['orders']:,}" for db in dbs)])
    rows.append(["generate (bulk insert + ANALYZE), s", *(f"{results[db]['generate_s']:.0f}" for db in dbs)])
    return table(
        ["p50 / p95 ms (queries per request)", *(names[db] for db in dbs)], rows, right=[False, *([True] * len(dbs))]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--orders", type=int, help="orders to generate (default 100,000; --quick 10,000)")
    parser.add_argument("--quick", action="store_true", help="10,000 orders")
    parser.add_argument("--requests", type=int, default=100, help="timed requests of each kind (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.orders = args.orders or (10_000 if args.quick else 100_000)
    if args.worker:
        return worker(args)

    stage(f"Marketplace: order lists and detail with {args.orders:,} orders")
    results: dict[str, dict[str, Any]] = {}
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        stage(f"marketplace — {db}")
        started = time.monotonic()
        result = run_one(db, args)
        if result is not None:
            results[db] = result
            print(f"{db}: done in {time.monotonic() - started:.0f} s", flush=True)
    if results:
        stage(f"Marketplace summary — {args.orders:,} orders")
        print(summary(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
