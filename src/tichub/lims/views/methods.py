"""Laboratory pages: method settings (list, new, edit with the uncertainty range table as rows), lab settings
(review levels, sample retention) and signatory authorisations (ISO/IEC 17025 6.2.6, 7.2.1, 7.8.1.1).

Everyone of the institution reads the method list and the signatories ("lims.sample.view"); laboratory managers
write ("lims.method.manage"). Every page works without JavaScript; with HTMX "add a row" swaps the form in place.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.core.errors import NotFound, ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy

from .. import method_selectors as selectors
from .. import method_services as services
from ..forms.methods import (
    RANGE_ROWS_MAX,
    AuthorisationEndForm,
    AuthorisationGrantForm,
    LabSettingsForm,
    MethodForm,
    RangeFormSet,
    RangeRowForm,
)
from ..models import TestMethod

VIEW, MANAGE = "lims.sample.view", "lims.method.manage"
PAGE_SIZE = 50
RANGES = "ranges"


# --- methods ----------------------------------------------------------------------------------------------------


@policy(VIEW)
def method_list(request: HttpRequest) -> HttpResponse:
    """Every method with its settings; managers open one to edit it or switch it on or off."""
    actor = actor_of(request)
    q = " ".join(request.GET.get("q", "").split())[:100]
    shown = request.GET.get("active", "")
    active = {"1": True, "0": False}.get(shown)
    page = Paginator(selectors.method_list(actor, active=active, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "active": shown,
        "query": urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v]),
        "can_manage": actor.can(MANAGE),
    }
    return render(request, "lims/methods/list.html", context)


def _ranges_with_extra_row(data: Any) -> Any:
    """The rows typed so far (not judged yet) and one more empty row (the "add a row" button, with or without
    HTMX: the same form posted, the same page answered)."""
    total_text = str(data.get(f"{RANGES}-TOTAL_FORMS", "0"))
    total = min(int(total_text), RANGE_ROWS_MAX) if total_text.isdigit() else 0
    initial: list[dict[str, Any]] = []
    for i in range(total):
        row: dict[str, Any] = {
            name: str(data.get(f"{RANGES}-{i}-{name}", ""))[:40] for name in ("low", "high", "value")
        }
        row["relative"] = data.get(f"{RANGES}-{i}-relative") in ("on", "true", "1")
        initial.append(row)
    formset = RangeFormSet(prefix=RANGES, initial=initial)
    formset.extra = min(total + 1, RANGE_ROWS_MAX)  # rows shown: every row is an "extra" one (RangeRows)
    return formset


def _formset_for(method: TestMethod | None) -> Any:
    rows = method.uncertainty_ranges if method is not None else []
    initial = [
        {
            "low": row.get("from", ""),
            "high": row.get("to", ""),
            "value": row.get("value", ""),
            "relative": row.get("relative", False),
        }
        for row in rows
    ]
    formset = RangeFormSet(prefix=RANGES, initial=initial)
    formset.extra = max(len(initial), 1)
    return formset


def _place_errors(form: MethodForm, rows: list[RangeRowForm], exc: ServiceError) -> list[str]:
    """uncertainty_ranges.<n>.<name> on the n-th filled row, other fields on the form; return what fits none."""
    left: list[str] = []
    service_to_form = {service: name for name, service in RangeRowForm.SERVICE_NAMES.items()}
    for name, messages in exc.fields.items():
        parts = name.split(".")
        if parts[0] == "uncertainty_ranges" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = rows[int(parts[1])]
            field = service_to_form.get(parts[2]) if len(parts) == 3 else None
            for message in messages:
                row.add_error(field, message)
        elif name in form.fields:
            for message in messages:
                form.add_error(name, message)
        else:
            left.extend(messages)
    if not exc.fields:
        left.append(exc.message)
    return left


def _method_page(
    request: HttpRequest,
    method: TestMethod | None,
    form: MethodForm,
    formset: Any,
    *,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "method": method,
        "form": form,
        "formset": formset,
        "rows_max": RANGE_ROWS_MAX,
        "errors": errors or [],
    }
    return render(request, "lims/methods/form.html", context, status=status)


def _save_method(request: HttpRequest, method: TestMethod | None) -> HttpResponse:
    """The POST of the new and edit pages: add a row, or save through the service."""
    if "add_row" in request.POST:
        return _method_page(request, method, MethodForm(request.POST), _ranges_with_extra_row(request.POST))
    form = MethodForm(request.POST)
    formset = RangeFormSet(request.POST, prefix=RANGES)
    if not (form.is_valid() and formset.is_valid()):
        return _method_page(request, method, form, formset, status=400)
    rows = [row for row in formset.forms if row.has_changed() and row.cleaned_data]
    fields = {**form.cleaned_data, "uncertainty_ranges": [row.row() for row in rows]}
    actor = actor_of(request)
    try:
        if method is None:
            saved = services.method_create(actor=actor, **fields)
        else:
            saved = services.method_update(actor=actor, method_id=method.pk, **fields)
    except NotFound:
        raise
    except ServiceError as exc:
        errors = _place_errors(form, rows, exc)
        return _method_page(request, method, form, formset, errors=errors, status=exc.status)
    flash.success(request, _("已保存方法 %(keyword)s。") % {"keyword": saved.keyword})
    return redirect("lims:method_list")


@policy(MANAGE)
def method_new(request: HttpRequest) -> HttpResponse:
    """Set up a method."""
    if request.method == "POST":
        return _save_method(request, None)
    return _method_page(request, None, MethodForm(), _formset_for(None))


@policy(MANAGE)
def method_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a method's settings (tests already created keep theirs)."""
    method = selectors.method_get(actor_of(request), pk)
    if request.method == "POST":
        return _save_method(request, method)
    initial = {name: getattr(method, name) for name in MethodForm.base_fields if name != "standard_code"}
    initial["standard_code"] = method.standard.canonical
    return _method_page(request, method, MethodForm(initial=initial), _formset_for(method))


@require_POST
@policy(MANAGE)
def method_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a method on (active=1) or off (active=0) for samples received from now on."""
    actor = actor_of(request)
    method = selectors.method_get(actor, pk)
    active = request.POST.get("active") == "1"
    try:
        services.method_set_active(actor=actor, method_id=method.pk, active=active)
    except NotFound:
        raise
    except ServiceError as exc:
        flash.error(request, exc.message)
    else:
        message = _("已启用方法 %(keyword)s。") if active else _("已停用方法 %(keyword)s。")
        flash.success(request, message % {"keyword": method.keyword})
    return redirect("lims:method_list")


# --- lab settings -----------------------------------------------------------------------------------------------


@policy(MANAGE)
def lab_settings(request: HttpRequest) -> HttpResponse:
    """Review levels (1: approval only; 2: check + approval; 3: two checks + approval) and sample retention."""
    actor = actor_of(request)
    current = selectors.lab_settings(actor.tenant_id)
    initial = {"review_levels": current.review_levels, "retention_days": current.retention_days}
    form = LabSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.lab_settings_update(actor=actor, **form.cleaned_data)
            except ServiceError as exc:
                form_error(form, exc)
                status = exc.status
            else:
                flash.success(request, _("已保存实验室设置。"))
                return redirect("lims:settings")
    context = {"form": form, "current": current}
    return render(request, "lims/methods/settings.html", context, status=status)


# --- signatory authorisations -----------------------------------------------------------------------------------


def _grant_form(request: HttpRequest, data: Any = None) -> AuthorisationGrantForm:
    actor = actor_of(request)
    signatories = [(user.pk, f"{user.name} <{user.email}>") for user in selectors.signatories(actor)]
    methods = [(m.pk, f"{m.keyword} · {m.parameter} · {m.standard.canonical}") for m in selectors.method_list(actor)]
    return AuthorisationGrantForm(data, signatories=signatories, methods=methods)


def _signatories_page(
    request: HttpRequest,
    *,
    grant_form: AuthorisationGrantForm | None = None,
    end_form: AuthorisationEndForm | None = None,
    end_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    can_manage = actor.can(MANAGE)
    today = timezone.localdate()
    context = {
        "rows": [(row, selectors.is_valid_on(row, today)) for row in selectors.authorisations(actor)],
        "today": today,
        "can_manage": can_manage,
        "grant_form": (grant_form or _grant_form(request)) if can_manage else None,
        "end_form": end_form or AuthorisationEndForm(initial={"valid_until": today}),
        "end_id": end_id,
    }
    return render(request, "lims/methods/signatories.html", context, status=status)


@policy(VIEW)
def signatories(request: HttpRequest) -> HttpResponse:
    """Who may approve which results, from when until when; managers grant authorisations here (POST)."""
    if request.method != "POST":
        return _signatories_page(request)
    actor = actor_of(request)
    actor.require(MANAGE)
    form = _grant_form(request, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.authorisation_grant(actor=actor, **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
            status = exc.status
        else:
            flash.success(request, _("已授权。"))
            return redirect("lims:signatories")
    return _signatories_page(request, grant_form=form, status=status)


@require_POST
@policy(MANAGE)
def signatory_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End an authorisation on the date given (the last day it covers)."""
    actor = actor_of(request)
    authorisation = selectors.authorisation_get(actor, pk)
    form = AuthorisationEndForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.authorisation_end(
                actor=actor, authorisation_id=authorisation.pk, valid_until=form.cleaned_data["valid_until"]
            )
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
            status = exc.status
        else:
            flash.success(request, _("已终止授权。"))
            return redirect("lims:signatories")
    return _signatories_page(request, end_form=form, end_id=authorisation.pk, status=status)


urlpatterns = [
    path("methods/", method_list, name="method_list"),
    path("methods/new/", method_new, name="method_new"),
    path("methods/<int:pk>/", method_edit, name="method_edit"),
    path("methods/<int:pk>/active/", method_active, name="method_active"),
    path("settings/", lab_settings, name="settings"),
    path("signatories/", signatories, name="signatories"),
    path("signatories/<int:pk>/end/", signatory_end, name="signatory_end"),
]
