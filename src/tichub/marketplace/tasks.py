"""Background work of the marketplace."""

from django_tasks import task

from .message_services import message_digest_send


@task()
def message_digest() -> int:
    """E-mail the message digest (run every 15 minutes or so: `tichub message_digest` from cron). Returns e-mails."""
    return message_digest_send()
