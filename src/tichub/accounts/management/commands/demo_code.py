"""`tichub demo_code`: the current two-factor code of the demo users (their shared secret is public anyway)."""

import pyotp
from django.core.management.base import BaseCommand

from tichub.accounts.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current TOTP code shared by the demo users who need two-factor authentication."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(pyotp.TOTP(DEMO_TOTP_SECRET).now())
