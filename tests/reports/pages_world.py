"""Helpers of the report life tests (services, pages, API): what "nothing changed" means, the stored PDF files,
signed-in clients, and the trust list a verifier would use.

`snapshot(w)` is everything a refused issue, amendment, correction or withdrawal could have written: reports,
audit events, numbers handed out, sample states, notifications, timeline entries, e-mails queued and files stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.lims.world import LabWorld
from tichub.core.models import AuditEvent, Notification, NumberSequence
from tichub.core.testing.permissions import signed_in
from tichub.lims.models import LabSample
from tichub.marketplace.models import TimelineEvent
from tichub.reports.models import Report
from tichub.trust.trust_list_selectors import trust_list_build
from tichub.trust.verify import load_trust_list

YEAR = timezone.localdate().year


def number(n: int) -> str:
    """The n-th report number of a laboratory without a numbering rule: R<year>-<5 digits>."""
    return f"R{YEAR}-{n:05d}"


def stored_files(folder: str = "reports") -> list[str]:
    """Every file under `folder` of the default storage (InMemoryStorage in tests), sorted."""
    found: list[str] = []
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return found
    found += [f"{folder}/{name}" for name in files]
    for directory in directories:
        found += stored_files(f"{folder}/{directory}")
    return sorted(found)


@pytest.fixture(autouse=False)
def empty_storage():
    """Start with no stored report file (the test storage lives as long as the process)."""
    for name in stored_files():
        default_storage.delete(name)


def snapshot(w: LabWorld | None = None) -> dict[str, Any]:
    return {
        "reports": sorted(Report.objects.values_list("pk", "number", "version", "status", "withdrawal_reason")),
        "audit": AuditEvent.objects.count(),
        "numbers": sorted(NumberSequence.objects.values_list("organisation_id", "kind", "last")),
        "samples": sorted(LabSample.objects.values_list("pk", "status")),
        "notifications": Notification.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "mail": len(mail.outbox),
        "files": stored_files(),
        "summary": sorted(Report.objects.values_list("pk", "summary_public")),
    }


def client_for(w: LabWorld, role: str):
    """A signed-in client of the laboratory person `role` ("signatory", "analyst", ...)."""
    return signed_in(w.people[role], w.institution)


def enterprise_client(w: LabWorld, who: str = "owner"):
    person = w.m.enterprise.owner if who == "owner" else w.m.enterprise.member
    return signed_in(person, w.enterprise)


def trust_list(now: dt.datetime | None = None):
    return load_trust_list(trust_list_build(now=now).content)
