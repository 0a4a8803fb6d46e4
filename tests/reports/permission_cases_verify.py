"""Data for the generic permission suite (core.testing.permissions): the public verification pages and API. Every
route is public; each case issues a real report (its own laboratory world, keys and signature) so that the allowed
request reaches a genuine verdict, and anonymous or signed-in visitors alike never get a 5xx."""

import base64

from django.core.files.uploadedfile import SimpleUploadedFile

from tichub.core.testing.permissions import Setup, case

from .world import issued, ready_world


def _report():
    w, sample = ready_world()
    return issued(w, sample)


def _by_id(org, user):
    report = _report()
    return Setup(kwargs={"public_id": report.public_id}, secret=report.number)


def _text_page(org, user):
    return Setup(query={"kind": "text"}, data={"text": _report().qr_text})


def _text_api(org, user):
    return Setup(data={"text": _report().qr_text})


def _pdf_page(org, user):
    return Setup(query={"kind": "pdf"}, data={"pdf": SimpleUploadedFile("report.pdf", _report().pdf.read())})


def _pdf_api(org, user):
    return Setup(data={"content_base64": base64.b64encode(_report().pdf.read()).decode()})


def _image_api(org, user):
    import io

    import segno

    out = io.BytesIO()
    segno.make(_report().qr_text, error="m").save(out, kind="png", scale=4, border=4)
    return Setup(data={"content_base64": base64.b64encode(out.getvalue()).decode()})


case("reports_public:home")
case("reports_public:verify", build=_by_id)
case("reports_public:check", method="POST", build=_text_page)
case("GET /api/v1/verify/{public_id}", build=_by_id)
case("POST /api/v1/verify/qr", method="POST", build=_text_api)
case("POST /api/v1/verify/image", method="POST", build=_image_api)
case("POST /api/v1/verify/pdf", method="POST", build=_pdf_api)
