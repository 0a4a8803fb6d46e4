"""What public verification writes: how often each report was verified, and when last (shown to the institution).

Counting is bookkeeping, not a change to the report (no audit event: a verification is an anonymous read), and it
must not make the public endpoint a writer: one UPDATE per lookup would queue every verification on the database's
write path (SQLite's single writer, PostgreSQL's commit flush). So each web process adds its lookups up in memory
and writes them every `VERIFICATION_COUNT_FLUSH_SECONDS` (default 5; 0 writes at once, as the tests do), in one
transaction of F() updates (no read-modify-write, so processes never lose each other's counts). The institution's
pages show the counts that many seconds late; a process killed outright loses at most its unwritten seconds
(a normal exit writes them).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Report

log = logging.getLogger(__name__)
DEFAULT_FLUSH_SECONDS = 5.0


class _Tally:
    """Lookups not yet written, per report, with the time of the latest."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[int] = Counter()
        self.latest: dt.datetime | None = None
        self.written_at = time.monotonic()

    def add(self, ids: Iterable[int], now: dt.datetime) -> bool:
        """Count the lookups; True when it is time to write."""
        interval = float(getattr(settings, "VERIFICATION_COUNT_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS))
        with self.lock:
            self.counts.update(ids)
            self.latest = max(self.latest, now) if self.latest else now
            return time.monotonic() - self.written_at >= interval

    def take(self) -> tuple[Counter[int], dt.datetime | None]:
        with self.lock:
            counts, latest = self.counts, self.latest
            self.counts, self.latest, self.written_at = Counter(), None, time.monotonic()
            return counts, latest

    def give_back(self, counts: Counter[int], latest: dt.datetime) -> None:
        with self.lock:
            self.counts.update(counts)
            self.latest = max(self.latest, latest) if self.latest else latest


_TALLY = _Tally()


def report_verifications_count(*, report_ids: Iterable[int], now: dt.datetime | None = None) -> None:
    """Count one verification of each report named (each once per call, however often it is named)."""
    ids = set(report_ids)
    if ids and _TALLY.add(ids, now or timezone.now()):
        report_verifications_flush()


def report_verifications_flush() -> int:
    """Write the counted lookups (one UPDATE per distinct count, in one transaction); the rows updated. A database
    error keeps the counts for the next write rather than failing the verification that triggered it."""
    counts, latest = _TALLY.take()
    if not counts or latest is None:
        return 0
    by_count: dict[int, list[int]] = {}
    for report_id, n in counts.items():
        by_count.setdefault(n, []).append(report_id)
    try:
        with transaction.atomic():
            return sum(
                Report.objects.filter(pk__in=ids).update(
                    verification_count=F("verification_count") + n, last_verified_at=latest
                )
                for n, ids in by_count.items()
            )
    except DatabaseError:
        log.warning("verification counts not written; kept for the next write", exc_info=True)
        _TALLY.give_back(counts, latest)
        return 0


@atexit.register
def _write_on_exit() -> None:
    try:
        report_verifications_flush()
    except Exception:
        log.warning("verification counts lost at exit", exc_info=True)
