"""Builders for the delivery tests (downloads, share links, access log).

* `shared_world()` → a ShareWorld: the laboratory world of tests/reports/world.py with its first sample's report
  issued through the real services (signed PDF in storage), the enterprise's owner and member, and clients.
* `report_row(institution, enterprise, ...)` → a Report made as a row (fast, any status) whose stored "PDF" is
  `pdf` bytes with the matching SHA-256: for permission cases and query budgets, where the signature is not the
  point. `share_row(report, ...)` and `access_rows(report, n, ...)` likewise.
* `tamper(report, data)` rewrites the stored file in place (same name), as an attacker with storage access would.
* `state()` is everything a refused delivery action could have written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.lims.world import LabWorld
from tests.marketplace.sample_world import order_row
from tichub.accounts.choices import Role
from tichub.accounts.models import Organisation, User
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import member
from tichub.core.testing.permissions import signed_in
from tichub.lims.models import LabSample
from tichub.reports.choices import AccessKind, ReportStatus
from tichub.reports.models import Report, ReportAccess, ReportShare

from .world import issued, ready_world

_numbers = itertools.count(1)
FAKE_PDF = b"%PDF-1.7\n% not signed: a row for permission cases\n%%EOF\n"


@dataclass
class ShareWorld:
    w: LabWorld
    report: Report

    @property
    def enterprise(self) -> Organisation:
        return self.w.enterprise

    @property
    def institution(self) -> Organisation:
        return self.w.institution

    @property
    def owner(self) -> User:
        return self.w.m.enterprise.owner

    @property
    def member(self) -> User:
        return self.w.m.enterprise.member

    @property
    def owner_actor(self) -> Actor:
        return self.w.m.owner_actor

    def owner_client(self, **defaults: Any):
        return _client(self.owner, self.enterprise, defaults)

    def member_client(self, **defaults: Any):
        return _client(self.member, self.enterprise, defaults)

    def lab_client(self, role: str = "signatory", **defaults: Any):
        return _client(self.w.people[role], self.institution, defaults)


def _client(user: User, org: Organisation, defaults: dict[str, Any]):
    client = signed_in(user, org)
    client.defaults.update(defaults)
    return client


def shared_world() -> ShareWorld:
    w, sample = ready_world()
    return ShareWorld(w=w, report=issued(w, sample))


def report_row(
    institution: Organisation,
    enterprise: Organisation,
    *,
    status: str = ReportStatus.ISSUED,
    pdf: bytes = FAKE_PDF,
    product: str = "一级白砂糖，袋装",
) -> Report:
    n = next(_numbers)
    order = order_row(enterprise, institution)
    signatory = member(institution, Role.AUTHORIZED_SIGNATORY)
    now = timezone.now()
    sample = LabSample.objects.create(
        institution=institution,
        enterprise=enterprise,
        order=order,
        number=f"S-ROW-{n:05d}",
        description=product,
        quantity="1 袋",
        received_at=now,
        received_by=signatory,
        retention_until=timezone.localdate() + dt.timedelta(days=90),
        status="reported",
    )
    withdrawn = status == ReportStatus.WITHDRAWN
    report = Report(
        institution=institution,
        enterprise=enterprise,
        order=order,
        sample=sample,
        number=f"RROW-{n:05d}",
        version=1,
        public_id=secrets.token_hex(13),
        status=status,
        issued_at=now,
        issued_by=signatory,
        product=product,
        conclusion="pass",
        conclusion_zh="所检项目符合要求",
        conclusion_en="The items tested conform",
        content={"row": True},
        content_sha256="0" * 64,
        sha256=hashlib.sha256(pdf).hexdigest(),
        qr_text="HC1:ROW",
        kid="0" * 16,
        pdf_kid="0" * 16,
        withdrawn_at=now if withdrawn else None,
        withdrawn_by=signatory if withdrawn else None,
        withdrawal_reason="样品编号错误" if withdrawn else "",
    )
    report.pdf.save(f"RROW-{n:05d}-v1.pdf", ContentFile(pdf), save=False)
    report.save()
    return report


def share_row(
    report: Report,
    *,
    recipient: str = "越南进口商 ABC",
    expires_in: dt.timedelta = dt.timedelta(days=30),
    revoked: bool = False,
    created_by: User | None = None,
) -> ReportShare:
    now = timezone.now()
    return ReportShare.objects.create(
        enterprise_id=report.enterprise_id,
        report=report,
        token=secrets.token_urlsafe(24),
        recipient=recipient,
        created_by=created_by or member(report.enterprise, Role.ENTERPRISE_MEMBER),
        expires_at=now + expires_in,
        revoked_at=now if revoked else None,
    )


def access_rows(report: Report, n: int, *, share: ReportShare | None = None, user: User | None = None) -> None:
    kind = AccessKind.SHARE_VIEW if share is not None else AccessKind.DOWNLOAD
    ReportAccess.objects.bulk_create(
        [
            ReportAccess(
                report=report, share=share, kind=kind, user=user, ip=f"198.51.100.{i % 250}", user_agent=f"UA {i}"
            )
            for i in range(n)
        ]
    )


def tamper(report: Report, data: bytes) -> None:
    name = report.pdf.name
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(data)) == name


def state() -> dict[str, Any]:
    return {
        "shares": sorted(ReportShare.objects.values_list("pk", "token", "recipient", "expires_at", "revoked_at")),
        "accesses": ReportAccess.objects.count(),
        "audit": AuditEvent.objects.count(),
        "reports": sorted(Report.objects.values_list("pk", "status")),
    }
