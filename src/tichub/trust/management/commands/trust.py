"""`tichub trust init`: create the platform root CA and trust-list key once (idempotent) and print the fingerprint
verifiers pin. `tichub trust show`: print them again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tichub.core.tenancy import Actor
from tichub.trust import certificates, key_services
from tichub.trust.choices import KeyPurpose
from tichub.trust.key_selectors import platform_key
from tichub.trust.models import SigningKey
from tichub.trust.verify import fingerprint, group_fingerprint

SYSTEM = Actor(user=None)  # the operator at the console: no signed-in person


def describe(key: SigningKey, label: str) -> list[str]:
    certificate = certificates.from_pem(key.certificate_pem)[0]
    value = fingerprint(certificate.public_key())  # type: ignore[arg-type]
    return [
        f"{label}: kid {key.kid}, valid {key.not_before:%Y-%m-%d} to {key.not_after:%Y-%m-%d}",
        f"  subject {key.subject}",
        f"  SHA-256 fingerprint {value}",
        f"                      ({group_fingerprint(value)})",
    ]


class Command(BaseCommand):
    help = "Set up (init) or show (show) the platform's root CA and trust-list signing key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "show"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "init":
            keys = key_services.platform_init(actor=SYSTEM)
            root, signer = keys.root, keys.trust_list_signer
            self.stdout.write("Created the platform keys." if keys.created else "The platform keys already exist.")
        else:
            found_root = platform_key(KeyPurpose.PLATFORM_ROOT)
            found_signer = platform_key(KeyPurpose.PLATFORM_TRUST_LIST)
            if found_root is None or found_signer is None:
                raise CommandError("No platform keys yet: run `tichub trust init`.")
            root, signer = found_root, found_signer
        for line in [*describe(root, "Root CA"), *describe(signer, "Trust-list signer")]:
            self.stdout.write(line)
        self.stdout.write(
            "Publish the root CA fingerprint where verifiers can compare it (`tichub verify "
            "--platform-key-fingerprint ...`)."
        )
