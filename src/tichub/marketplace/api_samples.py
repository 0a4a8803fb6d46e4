"""API for an order's samples (declare, dispatch, look up a scanned label) and its message thread.

Only the order's enterprise and institution see them; any other organisation gets 404, as for an order that does
not exist. Declaring and dispatching samples is the enterprise's ("market.need.manage"); looking up a scanned label
is the receiving institution's. Attachments are uploaded on the order's messages page and downloaded here.
"""

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import message_selectors, message_services, sample_selectors, sample_services
from .schemas import (
    MessageIn,
    MessageOut,
    SampleDispatchIn,
    SampleDispatchOut,
    SampleLookupOut,
    SampleOut,
    SamplesIn,
    ThreadReadOut,
    UnreadOrderOut,
    UnreadOut,
)

router = Router(tags=["marketplace"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, MANAGE, SEND = "market.order.view", "market.need.manage", "market.message.send"


# --- samples ----------------------------------------------------------------------------------------------------


@router.get("/orders/{order_id}/samples", response={200: list[SampleOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def samples(request: HttpRequest, order_id: int):
    """The order's declared samples, by reference."""
    _order, found = sample_selectors.order_samples(actor_of(request), order_id)
    return found


@router.post("/orders/{order_id}/samples", response={201: list[SampleOut], **ERRORS})
@policy(MANAGE, api=True)
def samples_announce(request: HttpRequest, order_id: int, payload: SamplesIn):
    """Declare samples of an accepted order (enterprise); each gets its reference `<order number>-S<nn>`."""
    rows = [sample.dict() for sample in payload.samples]
    created = sample_services.sample_announce(actor=actor_of(request), order_id=order_id, samples=rows)
    return Status(201, created)


@router.post("/orders/{order_id}/samples/dispatch", response={200: SampleDispatchOut, **ERRORS})
@policy(MANAGE, api=True)
def samples_dispatch(request: HttpRequest, order_id: int, payload: SampleDispatchIn):
    """Send every declared sample not yet sent (enterprise): the order becomes samples_sent."""
    sent = sample_services.sample_dispatch(actor=actor_of(request), order_id=order_id, **payload.dict())
    order = sent[0].order
    return {"order_id": order.pk, "order_status": order.status, "dispatched": sent}


@router.get("/samples/lookup", response={200: SampleLookupOut, **ERRORS})
@policy(VIEW, api=True)
def sample_lookup(request: HttpRequest, text: str = Query(..., max_length=200, description="scanned label text")):
    """The sample and order a scanned label names, for the institution the sample is sent to (else 404)."""
    found = sample_selectors.sample_lookup(actor=actor_of(request), scanned_text=text)
    return {"sample": found.sample, "order": found.order}


# --- messages ---------------------------------------------------------------------------------------------------


@router.get("/orders/{order_id}/messages", response={200: list[MessageOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def messages(request: HttpRequest, order_id: int):
    """The order's thread, oldest first (reading it here does not mark it read: POST .../messages/read)."""
    return message_selectors.thread_messages(actor_of(request), order_id)


@router.post("/orders/{order_id}/messages", response={201: MessageOut, **ERRORS})
@policy(SEND, api=True)
def message_post(request: HttpRequest, order_id: int, payload: MessageIn):
    """Write in the order's thread (1 to 5,000 characters)."""
    actor = actor_of(request)
    message = message_services.message_post(actor=actor, order_id=order_id, body=payload.body)
    return Status(201, message_selectors.thread_messages(actor, order_id).get(pk=message.pk))


@router.post("/orders/{order_id}/messages/read", response={200: ThreadReadOut, **ERRORS})
@policy(VIEW, api=True)
def messages_read(request: HttpRequest, order_id: int):
    """Mark the order's thread read, for the person calling."""
    return message_services.thread_mark_read(actor=actor_of(request), order_id=order_id)


@router.get("/orders/{order_id}/attachments/{attachment_id}", response={401: Error, 403: Error, 404: Error})
@policy(VIEW, api=True)
def attachment_download(request: HttpRequest, order_id: int, attachment_id: int):
    """An attachment of the order's thread, as a download."""
    attachment = message_selectors.attachment_get(actor_of(request), order_id, attachment_id)
    return attachment_response(attachment)


@router.get("/messages/unread", response={200: UnreadOut, **ERRORS})
@policy(VIEW, api=True)
def messages_unread(request: HttpRequest):
    """Unread messages of the person calling: the total and the count per order (orders with unread only)."""
    rows = message_selectors.unread_by_order(actor_of(request))
    return {
        "total": sum(row.unread for row in rows),
        "orders": [UnreadOrderOut(order_id=row.order_id, number=row.number, unread=row.unread) for row in rows],
    }


def attachment_response(attachment: Any) -> FileResponse:
    """Always a download, never rendered by the browser (files come from the other party)."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
