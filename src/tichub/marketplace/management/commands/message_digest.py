"""`tichub message_digest`: queue (or, with --now, run) the e-mail digest of unread order messages. For cron."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tichub.marketplace.tasks import message_digest


class Command(BaseCommand):
    help = "Queue the e-mail digest of unread order messages (run it every 15 minutes); --now runs it here."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="run the digest in this process instead of queueing it")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            sent = message_digest.call()
            self.stdout.write(f"message digest: {sent} e-mail(s)")
        else:
            result = message_digest.enqueue()
            self.stdout.write(f"message digest queued: {result.id}")
