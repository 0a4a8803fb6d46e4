"""The public verification API at /api/v1/verify: anyone, no sign-in, rate-limited per client address.

* GET /{public_id}: the report's state (404 with the same verdict shape when there is no such report, whatever
  the id looks like);
* POST /qr {text}: a scanned code's text (or a typed verification id or address);
* POST /image (multipart `file`, at most 20 MB): every TICHub code in a photo or scan;
* POST /pdf (multipart `file`, at most 20 MB): a report file.

The two uploads also take JSON `{"content_base64": "..."}` for small files (the JSON body is bounded by
DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default).

Verdicts are in Chinese and English side by side, to be shown as they are. Each answer that names a report
counts one verification of it.

Rate limit: the public limit of the pages (core.api_support.PUBLIC_THROTTLE: RATE_LIMITS["public"] per client
address and minute).
"""

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import Router, Status
from ninja.throttling import BaseThrottle

from tichub.core.api_support import PUBLIC_THROTTLE, Error
from tichub.core.errors import ServiceError
from tichub.core.policies import PUBLIC
from tichub.core.routes import policy

from . import verify_selectors, verify_services
from .schemas_verify import CodeIn, ImageVerifyOut, VerifyOut, result_out
from .verify_selectors import MAX_PDF_BYTES, MAX_PHOTO_BYTES, UploadTooLarge, VerifyResult

router = Router(tags=["verification"])
THROTTLE: list[BaseThrottle] = list(PUBLIC_THROTTLE)
ERRORS = {400: Error, 413: Error, 422: Error, 429: Error, 503: Error}
MULTIPART_SLACK = 64 * 1024  # the multipart envelope around the file


def _counted(results: Iterable[VerifyResult]) -> None:
    verify_services.report_verifications_count(
        report_ids=[result.report.report_id for result in results if result.report is not None]
    )


def _upload_body(description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary", "description": description}},
                        "required": ["file"],
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"content_base64": {"type": "string", "description": "the file, base64"}},
                        "required": ["content_base64"],
                    }
                },
            },
            "required": True,
        }
    }


def _file(request: HttpRequest, limit: int) -> tuple[bytes, str]:
    """The uploaded file and the field it came in: multipart `file`, or JSON `content_base64`."""
    if not (request.content_type or "").startswith("application/json"):
        return uploaded(request, "file", limit), "file"
    message = "请在 content_base64 中给出 Base64 编码的文件。 Give the file, base64-encoded, in content_base64."
    try:
        body = json.loads(request.body or b"{}")
    except RequestDataTooBig:
        too_large = (
            "JSON 请求体过大：大文件请用 multipart 字段 file 上传。 The JSON body is too large: upload large files "
            "as the multipart field “file”."
        )
        raise UploadTooLarge(too_large, code="too_large", fields={"content_base64": [too_large]}) from None
    except (ValueError, RecursionError):
        raise ServiceError.field("content_base64", message) from None
    content = body.get("content_base64") if isinstance(body, dict) else None
    if not isinstance(content, str):
        raise ServiceError.field("content_base64", message, code="required")
    try:
        return base64.b64decode(content, validate=True), "content_base64"
    except (binascii.Error, ValueError):
        raise ServiceError.field("content_base64", message) from None


def uploaded(request: HttpRequest, field: str, limit: int) -> bytes:
    """The bytes of the uploaded file `field`, refused (naming the field) when missing or over `limit`. The
    declared length is checked before the body is read, so an oversized upload is not received."""
    megabytes = limit // (1024 * 1024)
    too_large = f"文件过大：最多 {megabytes} MB。 The file is too large: {megabytes} MB at most."
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + MULTIPART_SLACK:
        raise UploadTooLarge(too_large, code="too_large", fields={field: [too_large]})
    missing = f"请选择文件（字段 {field}）。 Choose a file (field “{field}”)."
    if not (request.content_type or "").startswith("multipart/"):
        raise ServiceError.field(field, missing, code="required")
    try:
        upload = request.FILES.get(field)
    except (MultiPartParserError, RequestDataTooBig, TooManyFilesSent):
        raise ServiceError.field(field, "上传的内容无法读取。 The upload cannot be read.") from None
    if upload is None:
        raise ServiceError.field(field, missing, code="required")
    if upload.size is not None and upload.size > limit:
        raise UploadTooLarge(too_large, code="too_large", fields={field: [too_large]})
    return upload.read()


@router.post("/qr", response={200: VerifyOut, **ERRORS}, auth=None, throttle=THROTTLE)
@policy(PUBLIC, api=True)
def verify_qr_text(request: HttpRequest, payload: CodeIn) -> Any:
    """A scanned code's text: its signature against the trust list, then the state of the report it names."""
    result = verify_selectors.verify_text(payload.text)
    _counted([result])
    return result_out(result)


@router.post(
    "/image",
    response={200: ImageVerifyOut, **ERRORS},
    auth=None,
    throttle=THROTTLE,
    openapi_extra=_upload_body("a photo or scan of the QR code (PNG, JPEG, WebP, ...; 20 MB at most)"),
)
@policy(PUBLIC, api=True)
def verify_image(request: HttpRequest) -> Any:
    """Every TICHub code in a photo or scan. The top-level verdict is that of the first code that is not genuine
    and current (else the first code); `codes` has each one."""
    data, field = _file(request, MAX_PHOTO_BYTES)
    results = verify_selectors.verify_image(data, field=field)
    _counted(results)
    return {**result_out(verify_selectors.worst(results)), "codes": [result_out(result) for result in results]}


@router.post(
    "/pdf",
    response={200: VerifyOut, **ERRORS},
    auth=None,
    throttle=THROTTLE,
    openapi_extra=_upload_body("the report PDF (20 MB at most)"),
)
@policy(PUBLIC, api=True)
def verify_pdf(request: HttpRequest) -> Any:
    """A report file: the very file issued (by its SHA-256), or else its signature, attached QR code and report
    data checked, saying why it is not genuine."""
    data, field = _file(request, MAX_PDF_BYTES)
    result = verify_selectors.verify_pdf(data, field=field)
    _counted([result])
    return result_out(result)


# Last: its path would take /qr, /image and /pdf (ninja groups operations by path, and Django tries them in order).
@router.get(
    "/{public_id}",
    response={200: VerifyOut, 404: VerifyOut, 429: Error},
    auth=None,
    throttle=THROTTLE,
)
@policy(PUBLIC, api=True)
def verify_report(request: HttpRequest, public_id: str) -> Any:
    """The state of a report version by its verification id (printed beside the QR code): genuine and current,
    superseded (with the newest version), withdrawn (with the reason), or not found (404)."""
    result = verify_selectors.report_state(public_id)
    if result.report is None:
        return Status(404, result_out(result))
    _counted([result])
    return result_out(result)
