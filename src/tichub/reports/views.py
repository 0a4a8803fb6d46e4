"""Report pages for the institution and the enterprise (placeholder: the pages work replaces this)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tichub.core.routes import actor_of, policy

from . import report_selectors


@policy("reports.view")
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = report_selectors.report_get(actor_of(request), report_id)
    return render(request, "reports/detail.html", {"report": report})
