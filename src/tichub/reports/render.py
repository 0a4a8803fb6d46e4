"""The report's PDF: the content document rendered by the Typst template ``pdf/reports/report.typ``.

The template prints the signed QR code on every page (with the verification address beside it) and attaches two
files to the PDF: ``report.json`` (the content, byte for byte what the QR's `sha` claim hashes) and ``qr.txt``
(the QR text), so that software can check a file without reading the code off a page.
"""

from __future__ import annotations

import io
from typing import Any

import segno

from tichub.core.pdf import render_pdf

from .content_selectors import content_bytes

TEMPLATE = "reports/report"


def qr_svg(text: str) -> str:
    """The QR code of `text` as SVG (error correction M, as the EU DCC), without a quiet zone: the template adds it."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", border=0, xmldecl=False, svgns=True)
    return out.getvalue().decode("ascii")


def render_report(content: dict[str, Any], qr_text: str, *, draft: bool = False) -> bytes:
    """The unsigned PDF of `content` showing `qr_text`; `draft` marks every page as a draft (previews)."""
    data = {
        "content": content,
        "content_json": content_bytes(content).decode("utf-8"),
        "qr_text": qr_text,
        "qr_svg": qr_svg(qr_text) if qr_text else "",
        "draft": draft,
    }
    return render_pdf(TEMPLATE, data)
