"""Institution-scoped numbers for samples, orders and reports, without duplicates under concurrent use."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import NumberingRule, NumberSequence

DEFAULT_PREFIXES = {"sample": "S", "order": "O", "report": "R", "certificate": "C", "quote": "Q", "invoice": "I"}


def number_next(*, organisation_id: int, kind: str, on: dt.date | None = None) -> str:
    """Hand out the next number, e.g. "S2026-00042".

    The increment is a single UPDATE ... SET last = last + 1, so the row lock (PostgreSQL) or the write lock
    (SQLite, transactions begin IMMEDIATE) serialises writers; nobody reads a value and writes it back.
    """
    on = on or timezone.localdate()
    rule = NumberingRule.objects.filter(organisation_id=organisation_id, kind=kind).first()
    prefix = rule.prefix if rule else DEFAULT_PREFIXES.get(kind, kind[:1].upper())
    digits = rule.digits if rule else 5
    yearly = rule.yearly if rule else True
    year = on.year if yearly else 0
    with transaction.atomic():
        key = {"organisation_id": organisation_id, "kind": kind, "year": year}
        if not NumberSequence.objects.filter(**key).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(**key, last=1)
            except IntegrityError:  # another writer created the row first: increment theirs
                NumberSequence.objects.filter(**key).update(last=F("last") + 1)
        last = NumberSequence.objects.values_list("last", flat=True).get(**key)
    return f"{prefix}{on.year}-{last:0{digits}d}" if yearly else f"{prefix}{last:0{digits}d}"
