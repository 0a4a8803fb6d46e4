"""API for needs and quotes (/api/v1/market).

Enterprise ("market.need.manage"): `GET/POST /needs`, `GET /needs/{id}`, `POST /needs/{id}/send`,
`POST /needs/{id}/cancel`, `GET /needs/{id}/quotes` (the comparison), `POST /quotes/{id}/accept`.
Institution ("market.quote.manage"): `GET /quotes` (inbox), `GET /quotes/{id}`, `POST /quotes/{id}/submit`,
`POST /quotes/{id}/decline`. Another tenant's ids answer 404 like ids that do not exist; refusals name the field
(`items.0.standard_code`, `lines.2.price`) and change nothing.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import need_selectors, quote_selectors
from .choices import NeedStatus, QuoteStatus
from .need_services import need_cancel, need_create, need_send
from .quote_services import quote_accept, quote_decline, quote_prefill, quote_submit
from .schemas import (
    ComparisonOut,
    NeedCancelIn,
    NeedIn,
    NeedOut,
    NeedSendIn,
    NeedSummaryOut,
    QuoteAcceptOut,
    QuoteDeclineIn,
    QuoteInboxOut,
    QuoteOut,
    QuoteSubmitIn,
    QuoteSummaryOut,
)

router = Router(tags=["marketplace"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
MANAGE, QUOTE = "market.need.manage", "market.quote.manage"
COLUMN_FIELDS = (
    "institution_zh", "institution_en", "status", "number", "total", "turnaround_days", "valid_until", "expired",
    "items", "in_house", "accredited", "subcontracted", "coverage_percent", "accredited_percent", "acceptable",
    "decline_reason", "cancellation_fee_percent", "terms",
)  # fmt: skip


def _need_out(request: HttpRequest, need_id: int) -> Any:
    return need_selectors.need_get(actor_of(request), need_id)


# --- enterprise ---------------------------------------------------------------------------------------------------


@router.get("/needs", response={200: list[NeedSummaryOut], **ERRORS})
@policy(MANAGE, api=True)
@paginate
def needs(
    request: HttpRequest,
    status: str = Query("", description="draft, open, ordered or cancelled; empty for all"),
    q: str = Query("", max_length=100, description="words of the title or product description"),
) -> Any:
    return need_selectors.enterprise_needs(actor_of(request), status=status, q=q)


@router.post("/needs", response={201: NeedOut, **ERRORS})
@policy(MANAGE, api=True)
def need_new(request: HttpRequest, payload: NeedIn) -> Any:
    data = payload.dict()
    items = data.pop("items")
    need = need_create(actor=actor_of(request), items=items, **data)
    return Status(201, _need_out(request, need.pk))


@router.get("/needs/{need_id}", response={200: NeedOut, **ERRORS})
@policy(MANAGE, api=True)
def need(request: HttpRequest, need_id: int) -> Any:
    return _need_out(request, need_id)


@router.post("/needs/{need_id}/send", response={200: list[QuoteSummaryOut], **ERRORS})
@policy(MANAGE, api=True)
def need_send_api(request: HttpRequest, need_id: int, payload: NeedSendIn) -> Any:
    actor = actor_of(request)
    need_send(actor=actor, need_id=need_id, institution_ids=payload.institution_ids)
    return need_selectors.need_quotes(actor, need_id)


@router.post("/needs/{need_id}/cancel", response={200: NeedOut, **ERRORS})
@policy(MANAGE, api=True)
def need_cancel_api(request: HttpRequest, need_id: int, payload: NeedCancelIn) -> Any:
    need_cancel(actor=actor_of(request), need_id=need_id, reason=payload.reason)
    return _need_out(request, need_id)


@router.get("/needs/{need_id}/quotes", response={200: ComparisonOut, **ERRORS})
@policy(MANAGE, api=True)
def need_quotes_api(request: HttpRequest, need_id: int) -> Any:
    """The quotes side by side: per item each quote's price, accreditation and proposed subcontractor."""
    c = quote_selectors.quote_comparison(actor_of(request), need_id)
    return {
        "need_id": c.need.pk,
        "need_title": c.need.title,
        "need_status": c.need.status,
        "cheapest_quote_id": c.cheapest_quote_id,
        "fastest_quote_id": c.fastest_quote_id,
        "accepted_quote_id": c.accepted_quote_id,
        "quotes": [
            {
                "quote_id": col.quote.pk,
                "institution_id": col.quote.institution_id,
                **{name: getattr(col, name) for name in COLUMN_FIELDS},
            }
            for col in c.columns
        ],
        "items": [
            {
                "item_id": row.item.pk,
                "position": row.item.position,
                "parameter": row.item.parameter,
                "standard": row.item.standard.canonical,
                "cells": row.cells,
            }
            for row in c.rows
        ],
    }


@router.post("/quotes/{quote_id}/accept", response={200: QuoteAcceptOut, **ERRORS})
@policy(MANAGE, api=True)
def quote_accept_api(request: HttpRequest, quote_id: int) -> Any:
    """Accept a submitted, unexpired quote: the others close, the order opens for contract review."""
    order = quote_accept(actor=actor_of(request), quote_id=quote_id)
    return {
        "quote_id": quote_id,
        "need_id": order.need_id,
        "order_id": order.pk,
        "order_status": order.status,
        "due_date": order.due_date,
    }


# --- institution --------------------------------------------------------------------------------------------------


@router.get("/quotes", response={200: list[QuoteInboxOut], **ERRORS})
@policy(QUOTE, api=True)
@paginate
def quotes(
    request: HttpRequest,
    status: str = Query(QuoteStatus.REQUESTED.value, description="requested (default), submitted, …; empty for all"),
    q: str = Query("", max_length=100, description="words of the need's title, the enterprise's name, the number"),
) -> Any:
    """Requests to answer, soonest need deadline first."""
    return quote_selectors.quote_inbox(actor_of(request), status=status, q=q)


def _quote_out(request: HttpRequest, quote_id: int) -> Any:
    actor = actor_of(request)
    quote = quote_selectors.quote_get(actor, quote_id)
    answerable = quote.status in (QuoteStatus.REQUESTED, QuoteStatus.SUBMITTED) and quote.need.status == NeedStatus.OPEN
    quote.suggested = quote_prefill(actor=actor, quote_id=quote.pk) if answerable else []  # type: ignore[attr-defined]
    return quote


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS})
@policy(QUOTE, api=True)
def quote(request: HttpRequest, quote_id: int) -> Any:
    """A quote addressed to the institution, with the need, its items and the lines prefilled from list prices."""
    return _quote_out(request, quote_id)


@router.post("/quotes/{quote_id}/submit", response={200: QuoteOut, **ERRORS})
@policy(QUOTE, api=True)
def quote_submit_api(request: HttpRequest, quote_id: int, payload: QuoteSubmitIn) -> Any:
    data = payload.dict()
    quote_submit(actor=actor_of(request), quote_id=quote_id, **data)
    return _quote_out(request, quote_id)


@router.post("/quotes/{quote_id}/decline", response={200: QuoteOut, **ERRORS})
@policy(QUOTE, api=True)
def quote_decline_api(request: HttpRequest, quote_id: int, payload: QuoteDeclineIn) -> Any:
    quote_decline(actor=actor_of(request), quote_id=quote_id, reason=payload.reason)
    return _quote_out(request, quote_id)
