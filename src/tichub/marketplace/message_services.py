"""Messages: one thread per order between its enterprise and its institution, with attachments and e-mail digests.

Only the two parties of the order write and read its thread. An approved subcontractor does not: it has no
contract with the enterprise, and its work reaches the enterprise through the institution (ISO/IEC 17025 7.1.1 and
6.6: the institution stays responsible to the customer for subcontracted work). Messages are never edited or
deleted: what was said stays on the order's record.

Reading is tracked per person and order (ThreadRead.last_read_at); the digest (`message_digest_send`, run by the
task `tichub.marketplace.tasks.message_digest`, e.g. every 15 minutes from cron via `tichub message_digest`)
e-mails each participant who has unread messages older than 15 minutes that no digest has announced yet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from tichub.accounts.choices import Role
from tichub.accounts.models import Membership, User
from tichub.core.audit import audit_record
from tichub.core.errors import ServiceError
from tichub.core.tenancy import Actor

from .message_selectors import party_order_for
from .models import Attachment, Message, Order, ThreadRead

SEND = "market.message.send"
VIEW = "market.order.view"
BODY_MAX = 5000
FILES_MAX = 5
FILE_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 200
DIGEST_DELAY = dt.timedelta(minutes=15)
DIGEST_LOOKBACK = dt.timedelta(days=7)  # the digest runs every few minutes; older messages were announced before
DIGEST_TEMPLATE = "marketplace/messages/email/digest"


def _check_body(body: Any) -> str:
    if not isinstance(body, str):
        raise ServiceError.field("body", _("留言内容须为文本。"))
    text = body.strip()
    if not text:
        raise ServiceError.field("body", _("请填写留言内容。"))
    if len(text) > BODY_MAX:
        raise ServiceError.field(
            "body", _("留言内容最多 %(max)d 个字符（现为 %(n)d 个）。") % {"max": BODY_MAX, "n": len(text)}
        )
    return text


@dataclass
class _File:
    upload: Any
    name: str
    size: int
    sha256: str


def _check_files(files: Sequence[Any] | None) -> list[_File]:
    """At most 5 files of at most 10 MB each; every fault reported as files.<n> (n from 0)."""
    files = list(files or [])
    if len(files) > FILES_MAX:
        raise ServiceError.field(
            "files", _("最多上传 %(max)d 个附件（现为 %(n)d 个）。") % {"max": FILES_MAX, "n": len(files)}
        )
    fields: dict[str, list[str]] = {}
    checked = []
    for index, upload in enumerate(files):
        raw_name = str(getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        size = getattr(upload, "size", None)
        if not raw_name or not hasattr(upload, "chunks") or not isinstance(size, int):
            fields.setdefault(f"files.{index}", []).append(_("附件须为带文件名的文件。"))
            continue
        if size == 0:
            fields.setdefault(f"files.{index}", []).append(_("附件 %(name)s 是空文件。") % {"name": raw_name})
            continue
        if size > FILE_MAX_BYTES:
            fields.setdefault(f"files.{index}", []).append(
                _("附件 %(name)s 超过 10 MB（现为 %(size).1f MB）。") % {"name": raw_name, "size": size / 1048576}
            )
            continue
        digest = hashlib.sha256()
        if hasattr(upload, "seek"):
            upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        if hasattr(upload, "seek"):
            upload.seek(0)
        checked.append(_File(upload, raw_name[-NAME_MAX:], size, digest.hexdigest()))
    if fields:
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
        raise ServiceError(summary, fields=fields)
    return checked


def _stored_name(name: str) -> str:
    """A safe storage name (the person's file name is kept in Attachment.name)."""
    try:
        safe = get_valid_filename(name)
    except SuspiciousFileOperation:  # Django refuses names like ".."; such a name gets a neutral one
        safe = "attachment"
    return safe[-100:] or "attachment"


def _participants_default(order: Order) -> list[int]:
    """Who follows a thread before opening it: the need's author and the quote's author (its reception, or its
    administrators, when the quote names nobody)."""
    people = [order.need.created_by_id]
    if order.quote.submitted_by_id:
        people.append(order.quote.submitted_by_id)
    else:
        memberships = list(
            Membership.objects.filter(
                organisation_id=order.institution_id, role__in=[Role.RECEPTION, Role.INSTITUTION_ADMIN]
            ).values_list("user_id", "role")
        )
        reception = [user for user, role in memberships if role == Role.RECEPTION]
        people.extend(reception or [user for user, _role in memberships])
    return people


def _follow(order: Order, user_ids: Sequence[int]) -> None:
    """ThreadRead rows for people who do not have one yet (nothing read: last_read_at = the order's creation)."""
    known = set(
        ThreadRead.objects.filter(order_id=order.pk, user_id__in=list(user_ids)).values_list("user_id", flat=True)
    )
    missing = sorted(set(user_ids) - known)
    ThreadRead.objects.bulk_create(
        [ThreadRead(order_id=order.pk, user_id=user_id, last_read_at=order.created_at) for user_id in missing],
        ignore_conflicts=True,
    )


def message_post(*, actor: Actor, order_id: int, body: str, files: Sequence[UploadedFile | Any] = ()) -> Message:
    """Write in the order's thread (1 to 5,000 characters) with up to 5 attachments of at most 10 MB each.

    Attachments are stored with their SHA-256. The writer's thread is marked read up to their own message.
    """
    actor.require(SEND)
    order = party_order_for(actor, order_id, related=("need", "quote"))
    text = _check_body(body)
    checked = _check_files(files)
    saved: list[Any] = []
    try:
        with transaction.atomic():
            message = Message.objects.create(
                order=order, sender=actor.person, sender_organisation_id=actor.tenant_id, body=text
            )
            for item in checked:
                attachment = Attachment(
                    message=message, name=item.name, size=item.size, sha256=item.sha256, uploaded_by=actor.person
                )
                attachment.file.save(_stored_name(item.name), item.upload, save=False)
                saved.append(attachment.file)
                attachment.save()
            _follow(order, [*_participants_default(order), actor.person.pk])
            ThreadRead.objects.filter(order_id=order.pk, user=actor.person, last_read_at__lt=message.created_at).update(
                last_read_at=message.created_at
            )
            audit_record(
                actor=actor,
                action="message.post",
                obj=message,
                after={
                    "order": order.pk,
                    "length": len(text),
                    "attachments": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in checked],
                },
            )
    except BaseException:
        for stored in saved:  # nothing half-written: files of a rolled-back message go too
            stored.storage.delete(stored.name)
        raise
    return message


def thread_mark_read(*, actor: Actor, order_id: int, up_to: dt.datetime | None = None) -> ThreadRead:
    """The person has read the order's thread up to `up_to` (default now); the mark never moves backwards."""
    actor.require(VIEW)
    order = party_order_for(actor, order_id)
    at = min(up_to, timezone.now()) if up_to is not None else timezone.now()
    with transaction.atomic():
        read, created = ThreadRead.objects.select_for_update().get_or_create(
            order_id=order.pk, user=actor.person, defaults={"last_read_at": at}
        )
        if not created and read.last_read_at < at:
            read.last_read_at = at
            read.save(update_fields=["last_read_at"])
    return read


# --- digest -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    order_id: int
    order: str
    unread: int
    url: str


def _digest_candidates(now: dt.datetime) -> list[ThreadRead]:
    """ThreadRead rows with unread messages that no digest has announced yet: the oldest and newest such message,
    and the number of unread messages (since last read) of the order."""
    others = Message.objects.filter(order_id=OuterRef("order_id")).exclude(sender_id=OuterRef("user_id")).order_by()
    unread = (
        others.filter(created_at__gt=OuterRef("last_read_at")).values("order_id").annotate(n=Count("id")).values("n")
    )
    new = others.filter(created_at__gt=OuterRef("since"))
    recent_orders = Message.objects.filter(created_at__gt=now - DIGEST_LOOKBACK).values("order_id")
    return list(
        ThreadRead.objects.filter(order_id__in=recent_orders, user__is_active=True)
        .annotate(since=Greatest(F("last_read_at"), Coalesce(F("last_digest_at"), F("last_read_at"))))
        .annotate(
            oldest_new=Subquery(new.order_by("created_at").values("created_at")[:1]),
            newest_new=Subquery(new.order_by("-created_at").values("created_at")[:1]),
            unread=Subquery(unread),
        )
        .filter(oldest_new__isnull=False)
        .select_related("user", "order")
        .order_by("user_id", "order_id")
    )


def message_digest_send(*, now: dt.datetime | None = None) -> int:
    """E-mail each participant with unread messages older than 15 minutes not announced by a digest yet: one e-mail
    per person listing their orders with such messages and the unread counts. Returns the number of e-mails.

    Participants are the people with a ThreadRead row (the need's and the quote's authors from the first message
    on, and whoever wrote or opened the thread) who still belong to one of the order's two organisations. A
    person due for a digest gets every order with news, however recent; last_digest_at becomes the newest
    message announced, so a message committed while the digest runs is announced next time. Runs as the system
    (no actor).
    """
    now = now or timezone.now()
    cutoff = now - DIGEST_DELAY
    with transaction.atomic():
        rows = _digest_candidates(now)
        due_users = {row.user_id for row in rows if row.oldest_new <= cutoff}  # type: ignore[attr-defined]
        rows = [row for row in rows if row.user_id in due_users]
        # Lock the rows and keep those no concurrent digest has announced meanwhile (no e-mail twice).
        locked = dict(
            ThreadRead.objects.select_for_update()
            .filter(pk__in=[row.pk for row in rows])
            .values_list("pk", "last_digest_at")
        )
        rows = [row for row in rows if row.pk in locked and locked[row.pk] == row.last_digest_at]
        members = set(
            Membership.objects.filter(user_id__in=due_users).values_list("user_id", "organisation_id").distinct()
        )
        per_user: dict[int, list[ThreadRead]] = defaultdict(list)
        for row in rows:
            order = row.order
            if (row.user_id, order.enterprise_id) in members or (row.user_id, order.institution_id) in members:
                per_user[row.user_id].append(row)
        sent: list[tuple[User, list[DigestLine]]] = []
        announced: list[ThreadRead] = []
        for user_rows in per_user.values():
            lines = []
            for row in user_rows:
                lines.append(
                    DigestLine(
                        order_id=row.order_id,
                        order=str(row.order),
                        unread=int(row.unread or 0),  # type: ignore[attr-defined]
                        url=reverse("marketplace:order_messages", args=[row.order_id]),
                    )
                )
                row.last_digest_at = row.newest_new  # type: ignore[attr-defined]
                announced.append(row)
            sent.append((user_rows[0].user, lines))
        ThreadRead.objects.bulk_update(announced, ["last_digest_at"], batch_size=500)
        transaction.on_commit(lambda: _send_digests(sent))
    return len(sent)


def _send_digests(sent: list[tuple[User, list[DigestLine]]]) -> None:
    from tichub.accounts.tasks import enqueue_email

    for user, lines in sent:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            enqueue_email(
                to=user.email,
                template=DIGEST_TEMPLATE,
                context={
                    "name": user.name,
                    "lines": lines,
                    "total": sum(line.unread for line in lines),
                },
            )
