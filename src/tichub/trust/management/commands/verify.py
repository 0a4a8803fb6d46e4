"""`tichub verify 'TIC1:...' --trust-list FILE` (or `--image FILE`, or `--pdf FILE`): offline verification
(tichub.trust.verify_cli).

Exit status 0 only for a genuine and current code, or a report PDF with a valid signature, a genuine and current
attached code and matching report data; 1 for any other verdict; 2 when nothing could be verified.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tichub.trust import verify_cli


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-11-22T08:00:00+08:00")
    return moment


class Command(BaseCommand):
    help = (
        "Verify a signed QR code (its text, or a PNG/JPEG photo of it) or a report PDF against a saved trust list, "
        "offline."
    )
    requires_system_checks: list[str] = []  # offline: no database, no checks
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", nargs="?", help="the code's text, starting with TIC1:")
        parser.add_argument("--trust-list", required=True, help="a trust list saved with `tichub trust-list export`")
        parser.add_argument("--image", help="a PNG or JPEG photo or scan of the QR code, instead of the text")
        parser.add_argument(
            "--pdf", help="a report PDF: its signature, the QR code and report data it attaches, instead of the text"
        )
        parser.add_argument(
            "--platform-key-fingerprint",
            help="the platform root key's SHA-256 fingerprint: refuse a trust list from any other platform",
        )
        parser.add_argument("--now", help="verify as of this time (ISO 8601 with offset); default: now")

    def handle(self, *args: Any, **options: Any) -> None:
        if sum(bool(options[name]) for name in ("text", "image", "pdf")) != 1:
            raise CommandError("Give one of: the code's text, --image FILE, --pdf FILE.", returncode=2)
        try:
            now = _moment(options["now"]) if options["now"] else None
        except ValueError as exc:
            raise CommandError(f"--now: {exc}", returncode=2) from exc
        code = verify_cli.run(
            text=options["text"],
            trust_list_path=options["trust_list"],
            image_path=options["image"],
            pdf_path=options["pdf"],
            platform_key_fingerprint=options["platform_key_fingerprint"],
            now=now,
            out=self.stdout,
        )
        self.stdout.flush()
        if code:
            sys.exit(code)
