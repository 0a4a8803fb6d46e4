"""The public verification pages (no sign-in, rate-limited per client address, working without JavaScript).

* /verify/: three ways to check a report: paste the QR code's text (or type the verification id), upload a photo
  of the code, upload the PDF.
* /verify/<public_id>/: the address printed beside the QR code: the report's state in a big, clear verdict.
* /verify/check/ (POST): the verdict on a pasted text, a photo or a PDF.

Verdicts are shown in Chinese and English side by side whatever the interface language: they are for anyone.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from tichub.core.errors import ServiceError
from tichub.core.policies import PUBLIC
from tichub.core.ratelimit import rate_limited
from tichub.core.routes import policy

from . import verify_selectors, verify_services
from .api_verify import uploaded
from .verify_selectors import MAX_PDF_BYTES, MAX_PHOTO_BYTES, MAX_TEXT, Outcome, VerifyResult


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "trust_list_url": reverse("trust_public:trust_list"),
        "max_text": MAX_TEXT,
        "max_photo_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        "max_pdf_mb": MAX_PDF_BYTES // (1024 * 1024),
        **extra,
    }


def _limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "reports/public/limited.html", _context(), status=429)
    response["Retry-After"] = "60"
    return response


def _result(request: HttpRequest, results: list[VerifyResult], kind: str) -> HttpResponse:
    verify_services.report_verifications_count(
        report_ids=[result.report.report_id for result in results if result.report is not None]
    )
    lead = verify_selectors.worst(results)
    status = 404 if lead.status is Outcome.NOT_FOUND and kind == "id" else 200
    context = _context(result=lead, results=results if len(results) > 1 else [], kind=kind)
    response = render(request, "reports/public/result.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"  # a verdict names a report: not for search engines
    return response


@policy(PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    """Paste the code's text, upload a photo of it, or upload the PDF."""
    return render(request, "reports/public/home.html", _context(errors={}, text=""))


@policy(PUBLIC)
def verify_report(request: HttpRequest, public_id: str) -> HttpResponse:
    """The report's state by its verification id; not found (404) alike for unknown and malformed ids."""
    if rate_limited(request, "public"):
        return _limited(request)
    return _result(request, [verify_selectors.report_state(public_id)], "id")


@policy(PUBLIC)
def check(request: HttpRequest) -> HttpResponseBase:
    """The verdict on a pasted text, a photo or a PDF (POST from /verify/); GET goes back to the form."""
    if request.method != "POST":
        return redirect("reports_public:home")
    if rate_limited(request, "public"):
        return _limited(request)
    # The way is in the query string (each form posts to ?kind=...), so that an upload's size is checked before
    # its body is read.
    kind = request.GET.get("kind", "")
    text = ""
    try:
        if kind == "text":
            text = request.POST.get("text", "")
            results = [_text_result(text)]
        elif kind == "photo":
            data = uploaded(request, "photo", MAX_PHOTO_BYTES)
            results = verify_selectors.verify_image(data, field="photo")
        elif kind == "pdf":
            results = [verify_selectors.verify_pdf(uploaded(request, "pdf", MAX_PDF_BYTES), field="pdf")]
        else:
            raise ServiceError.field("kind", "请选择核验方式：粘贴文本、上传照片或上传 PDF。 Choose how to verify.")
    except ServiceError as exc:
        errors = {name: messages[0] for name, messages in exc.fields.items()} or {kind or "kind": exc.message}
        if exc.status >= 500:
            raise
        return render(
            request, "reports/public/home.html", _context(errors=errors, text=text[:MAX_TEXT]), status=exc.status
        )
    public_id = verify_selectors.typed_id(text) if kind == "text" else None
    if public_id is not None:
        return redirect("reports_public:verify", public_id)
    return _result(request, results, kind)


def _text_result(text: str) -> VerifyResult:
    text = text.strip()
    if not text:
        raise ServiceError.field("text", "请粘贴二维码文本或核验编号。 Paste the code's text or the verification id.")
    if len(text) > MAX_TEXT:
        raise ServiceError.field(
            "text", f"文本过长：最多 {MAX_TEXT} 个字符。 The text is too long: {MAX_TEXT} characters at most."
        )
    if verify_selectors.typed_id(text) is not None:
        return verify_selectors.NOT_FOUND  # the caller redirects to the report's page, which counts the lookup
    return verify_selectors.verify_text(text)
