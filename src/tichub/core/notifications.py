"""In-app notifications, optionally e-mailed: services call `notify` inside their transaction.

The rows are written at once (bulk, in the caller's transaction) and the e-mails are queued only after that
transaction commits, so nobody is e-mailed about a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import translation

from .models import Notification

if TYPE_CHECKING:
    from tichub.accounts.models import User

EMAIL_TEMPLATE = "core/email/notification"


def notify(
    *,
    users: Iterable[User],
    organisation_id: int | None,
    title: str,
    body: str,
    url: str = "",
    email: bool = False,
    template: str = EMAIL_TEMPLATE,
) -> list[Notification]:
    """One notification per person (duplicates and inactive people skipped); e-mail them after commit if asked.

    `title` and `body` are stored as given: build them in the recipients' language (see `by_language`).
    `url` is a site path ("/standards/12/"); the e-mail turns it into an absolute link.
    """
    recipients = list({user.pk: user for user in users if user.is_active}.values())
    rows = [
        Notification(user=user, organisation_id=organisation_id, title=title[:200], body=body, url=url[:300])
        for user in recipients
    ]
    Notification.objects.bulk_create(rows, batch_size=500)
    if email and recipients:
        addresses = [(user.email, user.language) for user in recipients]
        context = {"title": title, "body": body, "url": url}
        transaction.on_commit(lambda: _send(addresses, template, context))
    return rows


def _send(addresses: list[tuple[str, str]], template: str, context: dict[str, str]) -> None:
    from tichub.accounts.tasks import enqueue_email

    for address, language in addresses:
        with translation.override(language):
            enqueue_email(to=address, template=template, context=context)


def by_language(users: Iterable[User]) -> dict[str, list[User]]:
    """People grouped by their interface language, to build each group's message in its own language."""
    groups: dict[str, list[User]] = {}
    for user in users:
        groups.setdefault(user.language or "zh-hans", []).append(user)
    return groups
