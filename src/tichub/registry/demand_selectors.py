"""The operator's view of unmet demand: what the cluster was asked for and could not (fully) offer."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from tichub.core.tenancy import Actor

from .models import DemandRecord

TOP = 10


@dataclass(frozen=True)
class Tally:
    label: str
    count: int


@dataclass(frozen=True)
class WeekCount:
    week: dt.date  # the Monday
    none: int
    partial: int

    @property
    def total(self) -> int:
        return self.none + self.partial


@dataclass(frozen=True)
class DemandSummary:
    since: dt.date
    until: dt.date
    total: int
    none: int
    partial: int
    top_parameters: tuple[Tally, ...]
    top_standards: tuple[Tally, ...]
    top_objects: tuple[Tally, ...]
    weeks: tuple[WeekCount, ...]


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def demand_period(days: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last `days` days up to today."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=max(1, days) - 1), today


def demand_summary(actor: Actor, *, since: dt.date, until: dt.date, top: int = TOP) -> DemandSummary:
    """Top missing parameters, standards and objects between two dates (inclusive), and counts per week.

    Standards, objects and weeks are grouped in SQL; missing parameters are a JSON list per record and are counted
    while streaming the period's lists (one column, read in chunks), which stays portable across SQLite and
    PostgreSQL. Four queries whatever the number of records.
    """
    actor.require("registry.demand.view")
    if until < since:
        since, until = until, since
    start, end = _bounds(since, until)
    records = DemandRecord.objects.filter(created_at__gte=start, created_at__lt=end)

    def grouped(column: str) -> tuple[Tally, ...]:
        rows = (
            records.exclude(**{column: ""})
            .values(column)
            .annotate(n=Count("id"))
            .order_by("-n", column)
            .values_list(column, "n")[:top]
        )
        return tuple(Tally(label, n) for label, n in rows)

    parameters: Counter[str] = Counter()
    for missing in records.values_list("missing", flat=True).iterator(chunk_size=2000):
        parameters.update(set(missing or ()))
    ranked = sorted(parameters.items(), key=lambda item: (-item[1], item[0]))[:top]
    top_parameters = tuple(Tally(label, n) for label, n in ranked)

    per_week: dict[dt.date, dict[str, int]] = {}
    zone = timezone.get_current_timezone()
    for week, coverage, n in (
        records.annotate(week=TruncWeek("created_at", tzinfo=zone))
        .values("week", "coverage")
        .annotate(n=Count("id"))
        .values_list("week", "coverage", "n")
    ):
        monday = week.date() if isinstance(week, dt.datetime) else week
        per_week.setdefault(monday, {"none": 0, "partial": 0})[coverage] = n
    weeks = []
    monday = since - dt.timedelta(days=since.weekday())
    while monday <= until:
        counts = per_week.get(monday, {})
        weeks.append(WeekCount(monday, counts.get("none", 0), counts.get("partial", 0)))
        monday += dt.timedelta(days=7)
    none = sum(w.none for w in weeks)
    partial = sum(w.partial for w in weeks)
    return DemandSummary(
        since=since,
        until=until,
        total=none + partial,
        none=none,
        partial=partial,
        top_parameters=top_parameters,
        top_standards=grouped("standard_code"),
        top_objects=grouped("object_text"),
        weeks=tuple(weeks),
    )
