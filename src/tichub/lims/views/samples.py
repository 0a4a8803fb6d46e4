"""Laboratory pages: receiving samples (scan or pick, then the receipt record), the sample list, one sample with
its chain of custody and the forms that extend it, and the sample's internal label (ISO/IEC 17025 7.4).

Institution roles only ("lims.sample.view" to read; "lims.sample.receive" to receive, split and dispose;
"lims.custody.record" for hand-overs, moves and returns); another institution's sample or announcement is 404.
Every page works without JavaScript: forms post and redirect back with a message; with HTMX the list filters
refresh the table in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.core.errors import NotFound, ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy
from tichub.core.tenancy import Actor
from tichub.marketplace.labels import qr_svg
from tichub.marketplace.models import Order

from .. import sample_selectors as selectors
from .. import sample_services as services
from ..forms.samples import (
    CUSTODY_FORMS,
    DisposeForm,
    PartFormSet,
    ReceiveForm,
    SampleFilterForm,
    ScanForm,
    SplitTestsForm,
    custody_form,
)
from ..sample_selectors import SampleDetail

VIEW, RECEIVE, CUSTODY = "lims.sample.view", "lims.sample.receive", "lims.custody.record"
PAGE_SIZE = 25


def order_url(order: Order) -> str:
    """The order's page in the marketplace, or "" while it does not exist."""
    try:
        return reverse("marketplace:order_detail", args=[order.pk])
    except NoReverseMatch:
        return ""


# --- receipt ------------------------------------------------------------------------------------------------------


@policy(RECEIVE)
def receive(request: HttpRequest) -> HttpResponse:
    """The receiving desk: a scan box (the label scanner types the label text and Enter) and the samples announced
    to the institution that have not arrived yet. A scanned sample opens its receipt form."""
    actor = actor_of(request)
    form = ScanForm(request.GET if "code" in request.GET else None)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            found = selectors.receipt_lookup(actor=actor, scanned_text=form.cleaned_data["code"])
        except NotFound as exc:
            form.add_error("code", exc.message)
            status = 404
        else:
            if found.lab_sample is not None:
                flash.info(
                    request,
                    _("样品 %(reference)s 已接收，实验室样品编号 %(number)s。")
                    % {"reference": found.announcement.reference, "number": found.lab_sample.number},
                )
                return redirect("lims:sample_detail", pk=found.lab_sample.pk)
            return redirect("lims:receive_sample", pk=found.announcement.pk)
    elif form.is_bound:
        status = 400
    awaiting = list(selectors.awaiting_receipt(actor)[: selectors.AWAITING_SHOWN + 1])
    context = {
        "form": form,
        "awaiting": awaiting[: selectors.AWAITING_SHOWN],
        "more": len(awaiting) > selectors.AWAITING_SHOWN,
    }
    return render(request, "lims/samples/receive.html", context, status=status)


@policy(RECEIVE)
def receive_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt record of one announced sample, beside what its order says will be tested."""
    actor = actor_of(request)
    candidate = selectors.receipt_candidate(actor, pk)
    if candidate.lab_sample is not None:
        flash.info(
            request,
            _("样品 %(reference)s 已接收，实验室样品编号 %(number)s。")
            % {"reference": candidate.announcement.reference, "number": candidate.lab_sample.number},
        )
        return redirect("lims:sample_detail", pk=candidate.lab_sample.pk)
    status = 200
    if request.method == "POST":
        form = ReceiveForm(request.POST)
        if form.is_valid():
            try:
                sample = services.sample_receive(
                    actor=actor, announcement_id=candidate.announcement.pk, **form.cleaned_data
                )
            except NotFound:
                raise
            except ServiceError as exc:
                form_error(form, exc)
                status = exc.status
            else:
                flash.success(
                    request,
                    _("已接收样品 %(reference)s，实验室样品编号 %(number)s，已创建 %(n)d 个检测项目。")
                    % {
                        "reference": candidate.announcement.reference,
                        "number": sample.number,
                        "n": len(candidate.items),
                    },
                )
                return redirect("lims:sample_detail", pk=sample.pk)
        else:
            status = 400
    else:
        form = ReceiveForm()
    context = {"candidate": candidate, "form": form, "order_url": order_url(candidate.order)}
    return render(request, "lims/samples/receive_form.html", context, status=status)


# --- list ---------------------------------------------------------------------------------------------------------


@policy(VIEW)
def sample_list(request: HttpRequest) -> HttpResponse:
    """The institution's samples, filtered by status, text, order and the disposal queue; 25 a page."""
    actor = actor_of(request)
    form = SampleFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {key: form.cleaned_data[key] for key in ("status", "q", "awaiting")}
    order_text = request.GET.get("order", "")
    if order_text.isdigit():
        filters["order_id"] = int(order_text)
    try:
        samples = selectors.sample_list(actor, **filters)
    except ServiceError as exc:
        form_error(form, exc)
        samples = selectors.sample_list(actor)
    page = Paginator(samples, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(key, value) for key, value in request.GET.items() if key != "page" and value])
    context = {"form": form, "page": page, "query": query, "can_receive": actor.can(RECEIVE)}
    return render(request, "lims/samples/list.html", context, status=400 if form.errors else 200)


# --- one sample ---------------------------------------------------------------------------------------------------


def _people(actor: Actor) -> list[tuple[int, str]]:
    return [(person.pk, person.name or person.email) for person in selectors.institution_people(actor)]


def _pending(detail: SampleDetail) -> list[tuple[int, str]]:
    return [(test.pk, f"{test.keyword} · {test.parameter}") for test in detail.pending_tests]


def _detail_page(
    request: HttpRequest,
    detail: SampleDetail,
    *,
    custody_forms: dict[str, forms.Form] | None = None,
    parts_formset: Any = None,
    split_form: SplitTestsForm | None = None,
    dispose_form: DisposeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    can_custody = actor.can(CUSTODY) and detail.in_custody
    can_receive = actor.can(RECEIVE) and detail.in_custody
    shown_custody: dict[str, forms.Form] = {}
    if can_custody:
        people = _people(actor)
        given = custody_forms or {}
        shown_custody = {
            kind: given[kind] if kind in given else custody_form(kind, people=people) for kind in CUSTODY_FORMS
        }
    context = {
        "detail": detail,
        "sample": detail.sample,
        "order_url": order_url(detail.sample.order),
        "can_custody": can_custody,
        "can_receive": can_receive,
        "custody_forms": shown_custody,
        "parts_formset": parts_formset if parts_formset is not None else PartFormSet(prefix="parts"),
        "split_form": split_form if split_form is not None else SplitTestsForm(tests=_pending(detail)),
        "dispose_form": dispose_form if dispose_form is not None else DisposeForm(),
        "early": detail.sample.retention_until > timezone.localdate(),
    }
    return render(request, "lims/samples/detail.html", context, status=status)


@policy(VIEW)
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one sample: receipt record, deviation and disclaimer, tests, parts, chain of custody, and
    the forms of the steps the actor's roles allow."""
    return _detail_page(request, selectors.sample_detail(actor_of(request), pk))


@require_POST
@policy(CUSTODY)
def sample_custody(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a hand-over, a move or a return (the posted `kind`)."""
    actor = actor_of(request)
    detail = selectors.sample_detail(actor, pk)
    kind = request.POST.get("kind", "")
    if kind not in CUSTODY_FORMS:
        raise ServiceError.field("kind", _("记录类型须为交接、移库或退还客户。"))
    form = custody_form(kind, request.POST, people=_people(actor) if kind == "handover" else [])
    status = 400
    if form.is_valid():
        try:
            services.custody_record(actor=actor, sample_id=detail.sample.pk, kind=kind, **form.cleaned_data)
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
            status = exc.status
        else:
            flash.success(request, _("已记录：%(kind)s。") % {"kind": dict(_custody_labels())[kind]})
            return redirect(reverse("lims:sample_detail", args=[detail.sample.pk]) + "#custody")
    return _detail_page(request, detail, custody_forms={kind: form}, status=status)


def _custody_labels() -> list[tuple[str, str]]:
    return [("handover", _("交接")), ("move", _("移库")), ("return", _("退还客户"))]


def _place_part_errors(rows: Sequence[forms.Form], form: forms.Form, exc: ServiceError) -> None:
    """parts.<n>.<field> on the n-th filled row; test_ids on the tests form; anything else on the tests form."""
    placed = False
    for name, messages in exc.fields.items():
        parts = name.split(".")
        for message in messages:
            if len(parts) == 3 and parts[0] == "parts" and parts[1].isdigit() and int(parts[1]) < len(rows):
                row = rows[int(parts[1])]
                row.add_error(parts[2] if parts[2] in row.fields else None, message)
            else:
                form.add_error("test_ids" if name == "test_ids" else None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


@require_POST
@policy(RECEIVE)
def sample_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Make sub-samples (filled rows of the table), optionally moving pending tests to a single part."""
    actor = actor_of(request)
    detail = selectors.sample_detail(actor, pk)
    formset = PartFormSet(request.POST, prefix="parts")
    form = SplitTestsForm(request.POST, tests=_pending(detail))
    status = 400
    if formset.is_valid() and form.is_valid():
        rows = [row for row in formset.forms if row.has_changed()]
        try:
            parts = services.sample_split(
                actor=actor,
                sample_id=detail.sample.pk,
                parts=[row.cleaned_data for row in rows],
                test_ids=form.cleaned_data["test_ids"],
            )
        except NotFound:
            raise
        except ServiceError as exc:
            _place_part_errors(rows, form, exc)
            status = exc.status
        else:
            flash.success(request, _("已分样：%(numbers)s。") % {"numbers": "、".join(part.number for part in parts)})
            return redirect(reverse("lims:sample_detail", args=[detail.sample.pk]) + "#parts")
    return _detail_page(request, detail, parts_formset=formset, split_form=form, status=status)


@require_POST
@policy(RECEIVE)
def sample_dispose(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the sample's disposal (early disposal with a reason)."""
    actor = actor_of(request)
    detail = selectors.sample_detail(actor, pk)
    form = DisposeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.sample_dispose(actor=actor, sample_id=detail.sample.pk, **form.cleaned_data)
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
            status = exc.status
        else:
            flash.success(request, _("已记录样品 %(number)s 的处置。") % {"number": detail.sample.number})
            return redirect("lims:sample_detail", pk=detail.sample.pk)
    return _detail_page(request, detail, dispose_form=form, status=status)


@policy(VIEW)
def sample_label(request: HttpRequest, pk: int) -> HttpResponse:
    """The internal label for a 62 mm label roll: the laboratory number as a QR code and as text, the description,
    the order number and the retention date."""
    sample = selectors.sample_get(actor_of(request), pk)
    qr = mark_safe(qr_svg(sample.number, title=sample.number))  # noqa: S308 (segno's own SVG, no input markup)
    return render(request, "lims/samples/label.html", {"sample": sample, "qr": qr})


urlpatterns = [
    path("receive/", receive, name="receive"),
    path("receive/<int:pk>/", receive_sample, name="receive_sample"),
    path("samples/", sample_list, name="sample_list"),
    path("samples/<int:pk>/", sample_detail, name="sample_detail"),
    path("samples/<int:pk>/custody/", sample_custody, name="sample_custody"),
    path("samples/<int:pk>/split/", sample_split, name="sample_split"),
    path("samples/<int:pk>/dispose/", sample_dispose, name="sample_dispose"),
    path("samples/<int:pk>/label/", sample_label, name="sample_label"),
]
