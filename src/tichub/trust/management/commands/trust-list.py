"""`tichub trust-list export -o FILE`: the current signed trust list, byte for byte as served at
/.well-known/tichub/trust-list.json, for verifying offline (`tichub verify ... --trust-list FILE`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tichub.trust.trust_list_selectors import TrustListUnavailable, trust_list_build
from tichub.trust.verify import load_trust_list


class Command(BaseCommand):
    help = "Export the signed trust list (export -o FILE; - for standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["export"])
        parser.add_argument("-o", "--output", required=True, help="file to write, or - for standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            published = trust_list_build()
        except TrustListUnavailable as exc:
            raise CommandError(exc.message) from exc
        trust = load_trust_list(published.content)  # our own check: never hand out a list that does not verify
        if options["output"] == "-":
            sys.stdout.buffer.write(published.content)
            return
        path = Path(options["output"])
        path.write_bytes(published.content)
        self.stdout.write(
            f"Wrote {path} ({len(published.content):,} bytes, {len(trust.keys)} institution keys, issued "
            f"{published.issued_at:%Y-%m-%d %H:%M:%S} UTC). Platform root key fingerprint: {trust.root_fingerprint}"
        )
