"""Marketplace pages: an order's samples (declare, send, print labels), scanning a label, and the order's messages.

The two parties of an order see its samples and its thread; anybody else gets 404. The enterprise declares and
sends samples ("market.need.manage"); either party writes in the thread ("market.message.send"). Every page works
without JavaScript; with HTMX the sample table grows row by row and the thread looks for new messages every 15 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.accounts.choices import OrganisationKind
from tichub.core.errors import NotFound, ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy

from .. import message_selectors, message_services, sample_selectors, sample_services
from ..api_samples import attachment_response
from ..forms import MessageForm, SampleDispatchForm, SampleFormSet, SampleScanForm
from ..labels import label_text, order_reference, qr_svg
from ..models import Order, SampleAnnouncement
from ..sample_services import SAMPLE_FIELDS

VIEW, MANAGE, SEND = "market.order.view", "market.need.manage", "market.message.send"
ROWS_MAX = 50
LABELS_PER_PAGE = 10
POLL_SECONDS = 15


def order_url(order: Order) -> str:
    """The order's detail page (written by the orders pages), or "" while it does not exist."""
    try:
        return reverse("marketplace:order_detail", args=[order.pk])
    except NoReverseMatch:
        return ""


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- samples ----------------------------------------------------------------------------------------------------


def _can_declare(actor: Any, order: Order) -> bool:
    return (
        actor.can(MANAGE)
        and order.enterprise_id == actor.tenant_id
        and order.status in sample_services.OPEN_FOR_SAMPLES
    )


def _samples_page(
    request: HttpRequest,
    order: Order,
    samples: list[SampleAnnouncement],
    *,
    formset: Any = None,
    dispatch_form: SampleDispatchForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    can_declare = _can_declare(actor, order)
    if can_declare and formset is None:
        formset = SampleFormSet(prefix="samples")
    pending = [sample for sample in samples if sample.dispatched_at is None]
    context = {
        "order": order,
        "order_url": order_url(order),
        "samples": samples,
        "pending": pending,
        "can_declare": can_declare,
        "formset": formset if can_declare else None,
        "next_row": formset.total_form_count() if can_declare else 0,
        "rows_max": ROWS_MAX,
        "dispatch_form": dispatch_form or SampleDispatchForm(),
        "errors": errors or [],
        "is_institution": order.institution_id == actor.tenant_id,
    }
    return render(request, "marketplace/samples/list.html", context, status=status)


def _place_row_errors(formset: Any, rows: list[Any], exc: ServiceError) -> list[str]:
    """Put samples.<n>.<field> on the n-th filled row's field; return what fits no field."""
    left = []
    for name, msgs in exc.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "samples" and parts[1].isdigit() and int(parts[1]) < len(rows):
            form = rows[int(parts[1])]
            for message in msgs:
                if parts[2] in form.fields:
                    form.add_error(parts[2], message)
                else:
                    left.append(message)
        else:
            left.extend(f"{message}" for message in msgs)
    if not exc.fields:
        left.append(exc.message)
    return left


def _with_extra_row(data: Any) -> Any:
    """The rows typed so far (not judged yet) and one more empty row. With HTMX the "add a row" button posts the
    same form and swaps in the table of the answer (hx-select), so both paths are one."""
    total_text = str(data.get("samples-TOTAL_FORMS", "0"))
    total = min(int(total_text), ROWS_MAX) if total_text.isdigit() else 0
    initial = [{name: str(data.get(f"samples-{i}-{name}", ""))[:300] for name in SAMPLE_FIELDS} for i in range(total)]
    formset = SampleFormSet(prefix="samples", initial=initial)
    formset.extra = max(1, min(total, ROWS_MAX - 1))  # shown: max(0, min_num=1) + extra rows
    return formset


@policy(VIEW)
def order_samples(request: HttpRequest, pk: int) -> HttpResponse:
    """The order's samples for both parties; the enterprise declares more (table of rows) and sends them."""
    actor = actor_of(request)
    order, samples = sample_selectors.order_samples(actor, pk)
    if request.method != "POST":
        return _samples_page(request, order, samples)
    actor.require(MANAGE)
    if "add_row" in request.POST:  # without JavaScript: the same table with one more row
        return _samples_page(request, order, samples, formset=_with_extra_row(request.POST))
    formset = SampleFormSet(request.POST, prefix="samples")
    if not formset.is_valid():
        return _samples_page(request, order, samples, formset=formset, status=400)
    rows = [form for form in formset.forms if form.has_changed() and form.cleaned_data]
    try:
        created = sample_services.sample_announce(
            actor=actor, order_id=order.pk, samples=[form.cleaned_data for form in rows]
        )
    except NotFound:
        raise
    except ServiceError as exc:
        errors = _place_row_errors(formset, rows, exc)
        return _samples_page(request, order, samples, formset=formset, errors=errors, status=exc.status)
    flash.success(
        request,
        _("已登记 %(n)d 件样品：%(refs)s。请打印标签贴在样品上。")
        % {"n": len(created), "refs": "、".join(s.reference for s in created)},
    )
    return redirect("marketplace:order_samples", pk=order.pk)


@require_POST
@policy(MANAGE)
def order_samples_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise sends every declared sample not sent yet (courier and tracking number optional)."""
    actor = actor_of(request)
    order, samples = sample_selectors.order_samples(actor, pk)
    form = SampleDispatchForm(request.POST)
    if form.is_valid():
        try:
            sent = sample_services.sample_dispatch(actor=actor, order_id=order.pk, **form.cleaned_data)
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
            return _samples_page(request, order, samples, dispatch_form=form, status=exc.status)
        flash.success(request, _("已寄出 %(n)d 件样品，已通知检测机构。") % {"n": len(sent)})
        return redirect("marketplace:order_samples", pk=order.pk)
    return _samples_page(request, order, samples, dispatch_form=form, status=400)


@dataclass
class Label:
    sample: SampleAnnouncement
    text: str
    qr: SafeString


@policy(VIEW)
def order_labels(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable A4 sheet of labels (10 per page): QR code with the sample and order references, and the
    references, description, batch, quantity and storage in Chinese and English. `?skip=n` leaves the first n
    places of a partly used sheet blank; `?sample=<id>` prints one sample's label."""
    order, samples = sample_selectors.order_samples(actor_of(request), pk)
    only = request.GET.get("sample", "")
    if only.isdigit():
        samples = [sample for sample in samples if sample.pk == int(only)]
    skip_text = request.GET.get("skip", "0")
    skip = min(int(skip_text), LABELS_PER_PAGE - 1) if skip_text.isdigit() else 0
    order_ref = order_reference(order.number, order.pk)
    labels = []
    for sample in samples:
        text = label_text(sample.reference, order_ref)
        svg = qr_svg(text, title=sample.reference)
        labels.append(Label(sample=sample, text=text, qr=mark_safe(svg)))  # noqa: S308 (segno's own SVG, no input)
    context = {
        "order": order,
        "order_url": order_url(order),
        "order_ref": order_ref,
        "labels": labels,
        "blanks": range(skip),
        "skip": skip,
        "skip_choices": range(LABELS_PER_PAGE),
    }
    return render(request, "marketplace/samples/labels.html", context)


@policy(VIEW)
def sample_scan(request: HttpRequest) -> HttpResponse:
    """The receiving institution scans (or types) a label: the sample and its order, or a clear refusal."""
    actor = actor_of(request)
    form = SampleScanForm(request.GET if "text" in request.GET else None)
    found = None
    status = 200
    if form.is_bound and form.is_valid():
        try:
            found = sample_selectors.sample_lookup(actor=actor, scanned_text=form.cleaned_data["text"])
        except NotFound as exc:
            form.add_error("text", exc.message)
            status = 404
    elif form.is_bound:
        status = 400
    context = {
        "form": form,
        "found": found,
        "order_url": order_url(found.order) if found else "",
        "is_institution": getattr(actor.organisation, "kind", "") == OrganisationKind.INSTITUTION,
    }
    return render(request, "marketplace/samples/scan.html", context, status=status)


# --- messages ---------------------------------------------------------------------------------------------------


def _thread_page(request: HttpRequest, pk: int, form: MessageForm | None = None, status: int = 200) -> HttpResponse:
    actor = actor_of(request)
    thread = message_selectors.thread(actor, pk)
    newest = thread.messages[-1] if thread.messages else None
    message_services.thread_mark_read(
        actor=actor, order_id=thread.order.pk, up_to=newest.created_at if newest else None
    )
    context = {
        "order": thread.order,
        "order_url": order_url(thread.order),
        "thread": thread,
        "form": form if form is not None else (MessageForm() if actor.can(SEND) else None),
        "last_id": newest.pk if newest else 0,
        "poll_seconds": POLL_SECONDS,
        "me": actor.person.pk,
    }
    return render(request, "marketplace/messages/thread.html", context, status=status)


def _place_message_errors(form: MessageForm, exc: ServiceError) -> None:
    """body → body; files, files.<n> → attachments."""
    placed = False
    for name, msgs in exc.fields.items():
        field = {"files": "attachments"}.get(name.split(".", 1)[0], name)
        for message in msgs:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


@policy(VIEW)
def order_messages(request: HttpRequest, pk: int) -> HttpResponse:
    """The order's thread (marked read on view) with the form to write, attachments included (multipart)."""
    actor = actor_of(request)
    if request.method == "GET" and _is_htmx(request) and request.GET.get("after", "").isdigit():
        return _new_messages(request, pk, int(request.GET["after"]))
    if request.method != "POST":
        return _thread_page(request, pk)
    actor.require(SEND)
    message_selectors.party_order_for(actor, pk)  # 404 before reading anything posted
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = message_services.message_post(
                actor=actor, order_id=pk, body=form.cleaned_data["body"], files=form.cleaned_data["attachments"]
            )
        except NotFound:
            raise
        except ServiceError as exc:
            _place_message_errors(form, exc)
        else:
            return redirect(reverse("marketplace:order_messages", args=[pk]) + f"#m{message.pk}")
    return _thread_page(request, pk, form=form, status=400)


def _new_messages(request: HttpRequest, pk: int, after_id: int) -> HttpResponse:
    """HTMX polling: messages newer than `after_id`, and the poller again with the newest id (out of band)."""
    actor = actor_of(request)
    thread = message_selectors.thread(actor, pk, after_id=after_id)
    newest = thread.messages[-1] if thread.messages else None
    if newest is not None:
        message_services.thread_mark_read(actor=actor, order_id=pk, up_to=newest.created_at)
    context = {
        "order": thread.order,
        "thread": thread,
        "last_id": newest.pk if newest else after_id,
        "poll_seconds": POLL_SECONDS,
        "me": actor.person.pk,
    }
    return render(request, "marketplace/messages/_new.html", context)


@policy(VIEW)
def message_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """Download an attachment of the order's thread (always as a file, never shown inline)."""
    attachment = message_selectors.attachment_get(actor_of(request), pk, attachment_id)
    return attachment_response(attachment)


urlpatterns = [
    path("orders/<int:pk>/samples/", order_samples, name="order_samples"),
    path("orders/<int:pk>/samples/dispatch/", order_samples_dispatch, name="order_samples_dispatch"),
    path("orders/<int:pk>/labels/", order_labels, name="order_labels"),
    path("orders/<int:pk>/messages/", order_messages, name="order_messages"),
    path("orders/<int:pk>/messages/attachments/<int:attachment_id>/", message_attachment, name="message_attachment"),
    path("samples/scan/", sample_scan, name="sample_scan"),
]
