"""Delivery pages: the signed PDF for both parties, the enterprise's share links, and the public share page.

* /reports/<id>/pdf/ (reports.view): the signed PDF, checked against its SHA-256 first.
* /reports/<id>/shares/ (reports.share): GET lists the report's links and its access log (the same partial the
  report page includes); POST creates a link. /reports/shares/<id>/revoke/ (POST) revokes one.
* /reports/shared/<token>/ and /reports/shared/<token>/pdf/ (public, rate-limited): what the third party sees.
  Unknown, expired and revoked links get the same 404 page. The pages are neither cached nor indexed, and send no
  Referer (the token is in the address).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tichub.core.errors import NotFound, ServiceError
from tichub.core.forms import form_error
from tichub.core.middleware import client_ip
from tichub.core.policies import PUBLIC
from tichub.core.ratelimit import rate_limited
from tichub.core.routes import actor_of, policy

from . import share_selectors, share_services
from .choices import ReportStatus
from .forms_share import ShareForm
from .models import Report
from .share_services import ReportFile

VIEW, SHARE = "reports.view", "reports.share"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the exact name as RFC 6266 / RFC 8187 `filename*` (UTF-8)."""
    fallback = _UNSAFE_FILENAME.sub("_", filename) or "report.pdf"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def pdf_response(checked: ReportFile) -> HttpResponse:
    """The signed PDF as a download: application/pdf, ETag = its SHA-256, never stored by shared caches."""
    response = HttpResponse(checked.content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(checked.filename)
    response["Content-Length"] = str(len(checked.content))
    response["ETag"] = checked.etag
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


@require_GET
@policy(VIEW)
def download(request: HttpRequest, report_id: int) -> HttpResponse:
    """The signed PDF for the institution that issued it and the enterprise that received it (the enterprise's
    downloads are logged). A stored file that no longer matches its SHA-256 gets a 409 page, never the file."""
    checked = share_services.report_download(
        actor=actor_of(request), report_id=report_id, ip=client_ip(request), user_agent=user_agent(request)
    )
    return pdf_response(checked)


def _manage_page(request: HttpRequest, report: Report, form: ShareForm, *, status: int = 200) -> HttpResponse:
    shares, accesses = share_selectors.shares_of(actor_of(request), report)
    context = {"report": report, "shares": shares, "accesses": accesses, "share_form": form}
    return render(request, "reports/shared/manage.html", context, status=status)


@require_http_methods(["GET", "POST"])
@policy(SHARE)
def create(request: HttpRequest, report_id: int) -> HttpResponseBase:
    """GET: the report's links and access log. POST: a new link for a recipient, valid 1–90 days."""
    actor = actor_of(request)
    report = share_selectors.enterprise_report(actor, report_id)
    if request.method == "GET":
        return _manage_page(request, report, ShareForm())
    form = ShareForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, report, form, status=400)
    try:
        share = share_services.share_create(
            actor=actor, report_id=report.pk, recipient=form.cleaned_data["recipient"], days=form.cleaned_data["days"]
        )
    except NotFound:
        raise
    except ServiceError as exc:
        form_error(form, exc)
        return _manage_page(request, report, form, status=exc.status)
    flash.success(
        request,
        _("已为“%(recipient)s”创建分享链接，有效期至 %(date)s：%(link)s")
        % {
            "recipient": share.recipient,
            "date": timezone.localtime(share.expires_at).strftime("%Y-%m-%d %H:%M"),
            "link": share_selectors.share_url(share.token),
        },
    )
    return redirect(reverse("reports:detail", args=[report.pk]) + "#shares")


@require_POST
@policy(SHARE)
def revoke(request: HttpRequest, share_id: int) -> HttpResponseBase:
    """Revoke one of the enterprise's links, back to the report's page (a refusal is shown there)."""
    actor = actor_of(request)
    share = share_selectors.share_get(actor, share_id)
    back = reverse("reports:detail", args=[share.report_id]) + "#shares"
    try:
        share_services.share_revoke(actor=actor, share_id=share.pk)
    except NotFound:
        raise
    except ServiceError as exc:
        flash.error(request, exc.message)
        return redirect(back)
    flash.success(request, _("已撤销给“%(recipient)s”的分享链接。") % {"recipient": share.recipient})
    return redirect(back)


# --- the public share pages -------------------------------------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _too_many(request: HttpRequest) -> HttpResponse:
    context = {"status": 429, "title": _("请求过于频繁，请稍后再试。"), "detail": ""}
    response = render(request, "error.html", context, status=429)
    response["Retry-After"] = "60"
    return _public(response)


def _invalid(request: HttpRequest) -> HttpResponse:
    return _public(render(request, "reports/shared/invalid.html", status=404))


@require_GET
@policy(PUBLIC)
def open_share(request: HttpRequest, token: str) -> HttpResponse:
    """The report as its recipient sees it: institution, number, version, date, status (a banner when superseded
    or withdrawn, with the public verification page), the product and conclusion, and a download button."""
    if rate_limited(request, "public"):
        return _too_many(request)
    try:
        share, _file = share_services.share_open(token=token, ip=client_ip(request), user_agent=user_agent(request))
    except NotFound:
        return _invalid(request)
    report = share.report
    context: dict[str, Any] = {
        "share": share,
        "report": report,
        "institution": report.institution,
        "verify_url": reverse("reports_public:verify", args=[report.public_id]),
        "superseded": report.status == ReportStatus.SUPERSEDED,
        "withdrawn": report.status == ReportStatus.WITHDRAWN,
    }
    return _public(render(request, "reports/shared/open.html", context))


@require_GET
@policy(PUBLIC)
def share_file(request: HttpRequest, token: str) -> HttpResponse:
    """The signed PDF through a link (logged). A withdrawn report's file is refused (409)."""
    if rate_limited(request, "public"):
        return _too_many(request)
    try:
        _share, checked = share_services.share_open(
            token=token, download=True, ip=client_ip(request), user_agent=user_agent(request)
        )
    except NotFound:
        return _invalid(request)
    except ServiceError as exc:
        context = {"status": exc.status, "title": exc.message, "detail": ""}
        return _public(render(request, "error.html", context, status=exc.status))
    assert checked is not None  # share_open returns the file whenever download=True
    return _public(pdf_response(checked))
