"""Marketplace pages: an enterprise's needs (委托需求) and the quotes institutions send back.

Enterprise ("market.need.manage"): list, write (with an item table that grows with HTMX or, without JavaScript,
with the "add a row" button), prefill from a capability search, detail with the send-to-institutions form, the
quotes side by side and the accept buttons, attachments, cancel. Institution ("market.quote.manage"): the inbox
of requests and one quote to price (prefilled from list prices) or decline. Every page works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy
from tichub.core.tenancy import Actor

from .. import need_selectors, quote_selectors
from ..choices import NeedStatus, QuoteStatus
from ..forms import (
    NEED_BLANK_ROWS,
    NeedAttachmentForm,
    NeedCancelForm,
    NeedFilterForm,
    NeedForm,
    NeedItemForm,
    NeedItemFormSet,
    NeedSendForm,
    QuoteDeclineForm,
    QuoteForm,
    QuoteInboxFilterForm,
    QuoteLineFormSet,
)
from ..need_services import need_attach, need_cancel, need_create, need_from_search, need_send, need_update
from ..quote_services import quote_accept, quote_decline, quote_prefill, quote_submit

MANAGE = "market.need.manage"
QUOTE = "market.quote.manage"
VIEW = "market.order.view"
PAGE_SIZE = 20
ITEM_FIELDS = tuple(NeedItemForm.base_fields)
NEED_FIELDS = tuple(NeedForm.base_fields)


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _query(request: HttpRequest, *names: str) -> str:
    data = QueryDict(mutable=True)
    for name in names:
        if request.GET.get(name):
            data[name] = request.GET[name]
    return data.urlencode()


def _labelled(counts: dict[str, int], choices: Any) -> list[tuple[str, str, int]]:
    return [(value, str(label), counts.get(value, 0)) for value, label in choices]


# ------------------------------------------------------------------------------------------------------------------
# The need form: the need and a growing table of items
# ------------------------------------------------------------------------------------------------------------------


def _item_rows(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled rows as service items, and for each its row number in the table (blank rows are skipped)."""
    items, rows = [], []
    for index, form in enumerate(formset.forms):
        data = {name: (form.cleaned_data.get(name) or "").strip() for name in ITEM_FIELDS}
        if any(data.values()):
            items.append(data)
            rows.append(index)
    return items, rows


def _place_errors(form: NeedForm, formset: Any, rows: list[int], exc: ServiceError) -> None:
    """need_create's field errors onto the form (title, deadline, …) and the item rows (items.N.<field>)."""
    leftover: dict[str, list[str]] = {}
    for name, msgs in exc.fields.items():
        parts = name.split(".")
        if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = formset.forms[rows[int(parts[1])]]
            for message in msgs:
                row.add_error(parts[2] if parts[2] in row.fields else None, message)
        elif name == "items":
            formset._non_form_errors = formset.error_class([*formset.non_form_errors(), *msgs])
        else:
            leftover[name] = msgs
    if leftover:
        form_error(form, ServiceError(exc.message, code=exc.code, fields=leftover))
    elif not exc.fields:
        form.add_error(None, exc.message)


def _unbound(data: QueryDict | dict[str, Any], rows: int) -> tuple[NeedForm, Any]:
    """Forms showing the posted values without validating them (after "add a row")."""
    initial = {name: data.get(name, "") for name in NEED_FIELDS}
    for flag in ("accredited_required", "confidential"):
        initial[flag] = bool(data.get(flag))
    items = [{name: data.get(f"items-{i}-{name}", "") for name in ITEM_FIELDS} for i in range(rows)]
    return NeedForm(initial=initial), NeedItemFormSet(prefix="items", initial=items)


def _total_rows(data: QueryDict) -> int:
    try:
        return max(0, min(100, int(data.get("items-TOTAL_FORMS", "0"))))
    except ValueError:
        return 0


def _need_form_page(
    request: HttpRequest, form: NeedForm, formset: Any, *, need: Any = None, status: int = 200, note: str = ""
) -> HttpResponse:
    context = {"form": form, "formset": formset, "need": need, "note": note}
    return render(request, "marketplace/needs/form.html", context, status=status)


def _need_form_post(request: HttpRequest, actor: Actor, need: Any = None) -> HttpResponse:
    if "add_item" in request.POST:
        form, formset = _unbound(request.POST, _total_rows(request.POST) + 1)
        return _need_form_page(request, form, formset, need=need)
    form = NeedForm(request.POST)
    formset = NeedItemFormSet(request.POST, prefix="items")
    if form.is_valid() and formset.is_valid():
        items, rows = _item_rows(formset)
        values = {name: form.cleaned_data[name] for name in NEED_FIELDS}
        try:
            if need is None:
                need = need_create(actor=actor, items=items, **values)
            else:
                need = need_update(actor=actor, need_id=need.pk, items=items, **values)
        except ServiceError as exc:
            _place_errors(form, formset, rows, exc)
        else:
            messages.success(request, _("委托需求已保存。下一步：选择机构并发送询价。"))
            return redirect("marketplace:need_detail", pk=need.pk)
    return _need_form_page(request, form, formset, need=need, status=400)


@policy(MANAGE)
def need_new(request: HttpRequest) -> HttpResponse:
    """Write a need: the product, the items (parameter, standard edition, limit), the decision rule."""
    actor = actor_of(request)
    if request.method == "POST":
        return _need_form_post(request, actor)
    need_selectors.need_status_counts(actor)  # an enterprise only
    form = NeedForm()
    formset = NeedItemFormSet(prefix="items", initial=[{}] * NEED_BLANK_ROWS)
    return _need_form_page(request, form, formset)


@policy(MANAGE)
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft need (a sent need is fixed: institutions quote on it)."""
    actor = actor_of(request)
    need = need_selectors.need_get(actor, pk)
    if need.status != NeedStatus.DRAFT:
        messages.error(request, _("只有草稿可以修改。"))
        return redirect("marketplace:need_detail", pk=need.pk)
    if request.method == "POST":
        return _need_form_post(request, actor, need)
    initial = {name: getattr(need, name) for name in NEED_FIELDS}
    items = [
        {name: getattr(item, name) for name in ITEM_FIELDS if name != "standard_code"}
        | {"standard_code": item.standard.canonical}
        for item in need.items.all()
    ]
    form = NeedForm(initial=initial)
    formset = NeedItemFormSet(prefix="items", initial=[*items, {}])
    return _need_form_page(request, form, formset, need=need)


@require_GET
@policy(MANAGE)
def need_from_search_view(request: HttpRequest) -> HttpResponse:
    """A need prefilled from the registry search's parameters (object, parameters, standard, accreditation, …)."""
    from tichub.registry.search_terms import split_parameters

    actor = actor_of(request)
    note = ""
    deadline = None
    if request.GET.get("deadline"):
        import datetime as dt

        try:
            deadline = dt.date.fromisoformat(request.GET["deadline"])
        except ValueError:
            deadline = None
    try:
        prefill = need_from_search(
            actor=actor,
            object_text=request.GET.get("object", ""),
            parameters=split_parameters(request.GET.getlist("parameters")),
            standard_code=request.GET.get("standard", ""),
            accreditation=request.GET.get("accreditation") or None,
            region=request.GET.get("region", ""),
            deadline=deadline,
            q=request.GET.get("q", ""),
        )
    except ServiceError as exc:
        note = exc.message
        initial: dict[str, Any] = {}
        items: list[dict[str, Any]] = []
    else:
        initial = {k: v for k, v in prefill.fields.items() if v not in (None, "")}
        items = prefill.items
        if not items:
            note = _("搜索条件中没有可预填的检测项目，请逐项填写。")
    form = NeedForm(initial={"decision_rule": "simple", "sample_count": 1, **initial})
    formset = NeedItemFormSet(prefix="items", initial=[*items, *([{}] * max(1, NEED_BLANK_ROWS - len(items)))])
    return _need_form_page(request, form, formset, note=note)


# ------------------------------------------------------------------------------------------------------------------
# The enterprise's list and one need
# ------------------------------------------------------------------------------------------------------------------


@require_GET
@policy(MANAGE)
def need_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters = NeedFilterForm(request.GET or None)
    status = q = ""
    if filters.is_valid():
        status, q = filters.cleaned_data["status"], filters.cleaned_data["q"]
    needs = need_selectors.enterprise_needs(actor, status=status, q=q)
    page = Paginator(needs, PAGE_SIZE).get_page(_page_number(request))
    context = {
        "filters": filters,
        "page": page,
        "counts": _labelled(need_selectors.need_status_counts(actor), NeedStatus.choices),
        "query": _query(request, "status", "q"),
    }
    return render(request, "marketplace/needs/list.html", context)


def _detail(
    request: HttpRequest,
    actor: Actor,
    pk: int,
    *,
    send_form: NeedSendForm | None = None,
    attach_form: NeedAttachmentForm | None = None,
    cancel_form: NeedCancelForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    need = need_selectors.need_get(actor, pk)
    comparison = quote_selectors.quote_comparison(actor, pk)
    can_send = need.status in (NeedStatus.DRAFT, NeedStatus.OPEN)
    candidates = need_selectors.need_candidates(actor, need) if can_send else []
    if send_form is None and can_send:
        send_form = _send_form(actor, None, candidates)
    order_url = ""
    if need.status == NeedStatus.ORDERED:
        order_url = _order_url(need.pk, actor)
    context = {
        "need": need,
        "items": list(need.items.all()),
        "attachments": list(need.attachments.all()),
        "comparison": comparison,
        "candidates": candidates,
        "send_form": send_form if can_send else None,
        "attach_form": (attach_form or NeedAttachmentForm()) if can_send else None,
        "cancel_form": (cancel_form or NeedCancelForm()) if can_send else None,
        "can_edit": need.status == NeedStatus.DRAFT,
        "error": error,
        "order_url": order_url,
    }
    return render(request, "marketplace/needs/detail.html", context, status=status)


def _order_url(need_id: int, actor: Actor) -> str:
    order_id = need_selectors.need_order_id(actor, need_id)
    if order_id is None:
        return ""
    try:
        return reverse("marketplace:order_detail", args=[order_id])
    except NoReverseMatch:
        return ""


def _send_form(actor: Actor, data: Any, candidates: list[Any]) -> NeedSendForm:
    asked = {c.id for c in candidates if c.asked}
    candidate_choices = [(str(c.id), c.name_zh) for c in candidates if not c.asked]
    shown = {c.id for c in candidates}
    others = [(str(i), name) for i, name in need_selectors.institution_choices(actor) if i not in shown | asked]
    return NeedSendForm(data, candidates=candidate_choices, others=others)


@require_GET
@policy(MANAGE)
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, actor_of(request), pk)


@require_POST
@policy(MANAGE)
def need_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    need = need_selectors.need_get(actor, pk)
    form = _send_form(actor, request.POST, need_selectors.need_candidates(actor, need))
    if form.is_valid():
        try:
            quotes = need_send(actor=actor, need_id=need.pk, institution_ids=form.institution_ids())
        except ServiceError as exc:
            form_error(form, exc)
            return _detail(request, actor, pk, send_form=form, status=exc.status)
        messages.success(request, _("已向 %(n)s 家机构发送询价。") % {"n": len(quotes)})
        return redirect("marketplace:need_detail", pk=need.pk)
    return _detail(request, actor, pk, send_form=form, status=400)


@require_POST
@policy(MANAGE)
def need_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    form = NeedCancelForm(request.POST)
    if form.is_valid():
        try:
            need_cancel(actor=actor, need_id=pk, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            return _detail(request, actor, pk, error=exc.message, status=exc.status)
        messages.success(request, _("委托需求已取消。"))
        return redirect("marketplace:need_detail", pk=pk)
    return _detail(request, actor, pk, cancel_form=form, status=400)


@require_POST
@policy(MANAGE)
def need_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    form = NeedAttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            need_attach(actor=actor, need_id=pk, uploaded_file=form.cleaned_data["file"])
        except ServiceError as exc:
            form_error(form, exc)
            return _detail(request, actor, pk, attach_form=form, status=exc.status)
        messages.success(request, _("附件已上传。"))
        return redirect("marketplace:need_detail", pk=pk)
    need_selectors.need_get(actor, pk)
    return _detail(request, actor, pk, attach_form=form, status=400)


@require_GET
@policy(VIEW)
def need_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    """An attachment, for the need's enterprise or an institution asked to quote."""
    attachment = need_selectors.need_attachment_get(actor_of(request), pk, attachment_pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@require_POST
@policy(MANAGE)
def quote_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept one quote: the others are closed and the order opens for contract review."""
    actor = actor_of(request)
    quote = quote_selectors.quote_get(actor, pk)
    try:
        order = quote_accept(actor=actor, quote_id=quote.pk)
    except ServiceError as exc:
        return _detail(request, actor, quote.need_id, error=exc.message, status=exc.status)
    messages.success(request, _("已接受报价，委托进入合同评审。"))
    try:
        return redirect("marketplace:order_detail", pk=order.pk)
    except NoReverseMatch:
        return redirect("marketplace:need_detail", pk=quote.need_id)


# ------------------------------------------------------------------------------------------------------------------
# Institution: the inbox and one quote
# ------------------------------------------------------------------------------------------------------------------


@require_GET
@policy(QUOTE)
def quote_inbox(request: HttpRequest) -> HttpResponse:
    """Requests to answer (soonest deadline first), and the quotes already answered, filtered by status."""
    actor = actor_of(request)
    data = request.GET.copy()
    data.setdefault("status", QuoteStatus.REQUESTED)
    filters = QuoteInboxFilterForm(data)
    status, q = QuoteStatus.REQUESTED.value, ""
    if filters.is_valid():
        status, q = filters.cleaned_data["status"], filters.cleaned_data["q"]
    quotes = quote_selectors.quote_inbox(actor, status=status, q=q)
    page = Paginator(quotes, PAGE_SIZE).get_page(_page_number(request))
    context = {
        "filters": filters,
        "page": page,
        "counts": _labelled(quote_selectors.quote_inbox_counts(actor), QuoteStatus.choices),
        "status": status,
        "query": f"status={status}" + (f"&{_query(request, 'q')}" if q else ""),
    }
    return render(request, "marketplace/needs/inbox.html", context)


def _quote_page(
    request: HttpRequest,
    actor: Actor,
    quote: Any,
    *,
    form: QuoteForm | None = None,
    lines: Any = None,
    decline_form: QuoteDeclineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    editable = quote.status in (QuoteStatus.REQUESTED, QuoteStatus.SUBMITTED) and quote.need.status == NeedStatus.OPEN
    prefill = quote_prefill(actor=actor, quote_id=quote.pk)
    names = {line.item_id: line.subcontractor.name_zh for line in quote.lines.all() if line.subcontractor_id}
    for line in prefill:
        line["subcontractor_zh"] = names.get(line["item_id"], "")
    subcontractors = [(str(i), name) for i, name in quote_selectors.subcontractor_choices(actor)] if editable else []
    if editable and lines is None:
        lines = QuoteLineFormSet(
            prefix="lines",
            initial=[
                {k: line[k] for k in ("item_id", "price", "quantity", "note", "subcontractor_id")} for line in prefill
            ],
            form_kwargs={"subcontractors": subcontractors},
        )
    if editable and form is None:
        turnarounds = [line["turnaround_days"] for line in prefill if line["turnaround_days"]]
        form = QuoteForm(
            initial={
                "turnaround_days": quote.turnaround_days or (max(turnarounds) if turnarounds else None),
                "valid_until": quote.valid_until,
                "terms": quote.terms,
                "cancellation_fee_percent": quote.cancellation_fee_percent,
            }
        )
    rows = list(zip(prefill, lines.forms if lines is not None else [None] * len(prefill), strict=False))
    context = {
        "quote": quote,
        "need": quote.need,
        "rows": rows,
        "form": form if editable else None,
        "lines": lines if editable else None,
        "decline_form": (decline_form or QuoteDeclineForm()) if editable else None,
        "editable": editable,
        "attachments": list(quote.need.attachments.all()),
    }
    return render(request, "marketplace/needs/quote.html", context, status=status)


def _line_errors(form: QuoteForm, lines: Any, exc: ServiceError) -> None:
    leftover: dict[str, list[str]] = {}
    for name, msgs in exc.fields.items():
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(lines.forms):
            row = lines.forms[int(parts[1])]
            for message in msgs:
                row.add_error(parts[2] if parts[2] in row.fields else None, message)
        elif name == "lines":
            lines._non_form_errors = lines.error_class([*lines.non_form_errors(), *msgs])
        else:
            leftover[name] = msgs
    if leftover:
        form_error(form, ServiceError(exc.message, code=exc.code, fields=leftover))
    elif not exc.fields:
        form.add_error(None, exc.message)


@policy(QUOTE)
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Price a request from the list prices (or by hand), propose subcontracting, submit; or decline."""
    actor = actor_of(request)
    quote = quote_selectors.quote_get(actor, pk)
    if request.method != "POST":
        return _quote_page(request, actor, quote)
    subcontractors = [(str(i), name) for i, name in quote_selectors.subcontractor_choices(actor)]
    form = QuoteForm(request.POST)
    lines = QuoteLineFormSet(request.POST, prefix="lines", form_kwargs={"subcontractors": subcontractors})
    if form.is_valid() and lines.is_valid():
        try:
            quote_submit(
                actor=actor,
                quote_id=quote.pk,
                lines=[
                    {k: line.cleaned_data.get(k) for k in ("item_id", "price", "quantity", "note", "subcontractor_id")}
                    for line in lines.forms
                ],
                **form.cleaned_data,
            )
        except ServiceError as exc:
            _line_errors(form, lines, exc)
            quote = quote_selectors.quote_get(actor, pk)
            return _quote_page(request, actor, quote, form=form, lines=lines, status=exc.status)
        messages.success(request, _("报价已提交，客户会收到通知。"))
        return redirect("marketplace:quote_edit", pk=quote.pk)
    return _quote_page(request, actor, quote, form=form, lines=lines, status=400)


@require_POST
@policy(QUOTE)
def quote_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    quote = quote_selectors.quote_get(actor, pk)
    form = QuoteDeclineForm(request.POST)
    if form.is_valid():
        try:
            quote_decline(actor=actor, quote_id=quote.pk, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form_error(form, exc)
            return _quote_page(request, actor, quote, decline_form=form, status=exc.status)
        messages.success(request, _("已谢绝此询价，客户会看到您的说明。"))
        return redirect("marketplace:quote_inbox")
    return _quote_page(request, actor, quote, decline_form=form, status=400)


urlpatterns = [
    path("needs/", need_list, name="need_list"),
    path("needs/new/", need_new, name="need_new"),
    path("needs/from-search/", need_from_search_view, name="need_from_search"),
    path("needs/<int:pk>/", need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", need_edit, name="need_edit"),
    path("needs/<int:pk>/send/", need_send_view, name="need_send"),
    path("needs/<int:pk>/cancel/", need_cancel_view, name="need_cancel"),
    path("needs/<int:pk>/attachments/", need_attach_view, name="need_attach"),
    path("needs/<int:pk>/attachments/<int:attachment_pk>/", need_attachment, name="need_attachment"),
    path("quotes/", quote_inbox, name="quote_inbox"),
    path("quotes/<int:pk>/", quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/decline/", quote_decline_view, name="quote_decline"),
    path("quotes/<int:pk>/accept/", quote_accept_view, name="quote_accept"),
]
