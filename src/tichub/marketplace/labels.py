"""Sample labels: the text a label's QR code carries, reading it back at receipt, and the QR image itself.

A label carries ``TICHUB:S:<sample reference>:O:<order number, or the order id when it has no number>``: short
enough for a small QR code in alphanumeric mode (upper-case letters, digits and ``-.:``), readable by any
keyboard-wedge scanner, and meaningful to a person who types it in. References are upper case (see
sample_services), so reading is case-blind. The sample reference alone is accepted too,
for labels that are damaged or typed in by hand. Nothing here reads the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import segno

PREFIX = "TICHUB:S:"
ORDER_MARK = ":O:"
TEXT_MAX = 200  # longer input is not a label of ours
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


class LabelUnreadable(ValueError):
    """The scanned text is not a TICHub sample label nor a sample reference."""


@dataclass(frozen=True)
class Scanned:
    """What a label says: the sample reference and, when the full label was scanned, the order reference."""

    sample_reference: str
    order_reference: str | None


def order_reference(number: str, order_id: int) -> str:
    """How a label names the order: its number, or its id when it has none yet."""
    return number or str(order_id)


def label_text(sample_reference: str, order_ref: str) -> str:
    """The text encoded in the label's QR code."""
    return f"{PREFIX}{sample_reference}{ORDER_MARK}{order_ref}"


def parse_label(text: str) -> Scanned:
    """Read a scanned or typed label text; raise LabelUnreadable for anything else.

    Case does not matter (a scanner in caps lock, a person typing): references are upper case, and so is the answer.
    """
    cleaned = (text or "").strip().upper()
    if not cleaned or len(cleaned) > TEXT_MAX:
        raise LabelUnreadable(cleaned)
    if cleaned.startswith(PREFIX):
        rest = cleaned[len(PREFIX) :]
        sample_ref, mark, order_ref = rest.rpartition(ORDER_MARK)
        if not mark:  # "TICHUB:S:<REF>" without the order part
            sample_ref, order_ref = rest, ""
        sample_ref, order_ref = sample_ref.strip(), order_ref.strip()
        if not _REFERENCE.match(sample_ref) or (mark and not order_ref):
            raise LabelUnreadable(cleaned)
        return Scanned(sample_ref, order_ref or None)
    if _REFERENCE.match(cleaned):
        return Scanned(cleaned, None)
    raise LabelUnreadable(cleaned)


def qr_svg(text: str, *, title: str = "") -> str:
    """An inline SVG QR code (error correction M, quiet zone of 2 modules) sized by CSS through its viewBox.

    segno needs ~30 ms per code; a label sheet of an order renders a few dozen at most.
    """
    code = segno.make(text, error="m", micro=False)
    return str(code.svg_inline(omitsize=True, border=2, title=title or None, svgclass="qr-code"))
