"""Instrument pages: the register with calibration badges, one instrument with its history, and the forms to
register, edit, change the status and record a calibration (ISO/IEC 17025 6.4).

Everyone of the institution reads ("metrology.instrument.view"); instrument keepers write
("metrology.instrument.manage"). Every page works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
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

from . import selectors, services
from .forms import CalibrationForm, InstrumentFilterForm, InstrumentForm, InstrumentStatusForm
from .gating import instrument_refusal
from .models import Instrument

VIEW, MANAGE = "metrology.instrument.view", "metrology.instrument.manage"
PAGE_SIZE = 50


@dataclass
class Row:
    instrument: Instrument
    due_state: str
    refusal: str | None


def _row(instrument: Instrument) -> Row:
    today = timezone.localdate()
    return Row(instrument, selectors.due_state(instrument, today), instrument_refusal(instrument, today))


@policy(VIEW)
def instrument_list(request: HttpRequest) -> HttpResponse:
    """The register by asset number, filtered by status, calibration due (30 days) or overdue, and text."""
    actor = actor_of(request)
    form = InstrumentFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {name: form.cleaned_data[name] or None for name in ("status", "due", "q")}
    page = Paginator(selectors.instrument_list(actor, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [_row(instrument) for instrument in page],
        "query": urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v]),
        "can_manage": actor.can(MANAGE),
    }
    return render(request, "metrology/list.html", context, status=400 if form.errors else 200)


@policy(MANAGE)
def instrument_new(request: HttpRequest) -> HttpResponse:
    """Register an instrument."""
    form = InstrumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            instrument = services.instrument_register(actor=actor_of(request), **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            flash.success(request, _("已登记仪器 %(name)s。") % {"name": str(instrument)})
            return redirect("metrology:instrument_detail", pk=instrument.pk)
    status = 400 if form.errors else 200
    return render(request, "metrology/new.html", {"form": form}, status=status)


def _detail_page(
    request: HttpRequest,
    instrument: Instrument,
    *,
    edit_form: InstrumentForm | None = None,
    status_form: InstrumentStatusForm | None = None,
    calibration_form: CalibrationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "row": _row(instrument),
        "instrument": instrument,
        "history": selectors.instrument_history(actor, instrument.pk),
        "can_manage": actor.can(MANAGE),
        "edit_form": edit_form
        or InstrumentForm(
            initial={name: getattr(instrument, name) for name in InstrumentForm.base_fields}, auto_id="edit_%s"
        ),
        "status_form": status_form or InstrumentStatusForm(auto_id="status_%s"),
        "calibration_form": calibration_form or CalibrationForm(auto_id="calibration_%s"),
    }
    return render(request, "metrology/detail.html", context, status=status)


@policy(VIEW)
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One instrument: identity, status, calibration and its history; keepers edit it here (POST)."""
    actor = actor_of(request)
    instrument = selectors.instrument_get(actor, pk)
    if request.method != "POST":
        return _detail_page(request, instrument)
    actor.require(MANAGE)
    form = InstrumentForm(request.POST, auto_id="edit_%s")
    if form.is_valid():
        try:
            services.instrument_update(actor=actor, instrument_id=instrument.pk, **form.cleaned_data)
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
        else:
            flash.success(request, _("已保存。"))
            return redirect("metrology:instrument_detail", pk=instrument.pk)
    return _detail_page(request, instrument, edit_form=form, status=400)


@require_POST
@policy(MANAGE)
def instrument_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the instrument's status, with the reason."""
    actor = actor_of(request)
    instrument = selectors.instrument_get(actor, pk)
    form = InstrumentStatusForm(request.POST, auto_id="status_%s")
    status = 400
    if form.is_valid():
        try:
            changed = services.instrument_set_status(actor=actor, instrument_id=instrument.pk, **form.cleaned_data)
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
            status = exc.status
        else:
            flash.success(
                request,
                _("仪器 %(name)s 的状态已改为“%(status)s”。")
                % {"name": str(changed), "status": changed.get_status_display()},
            )
            return redirect("metrology:instrument_detail", pk=instrument.pk)
    return _detail_page(request, instrument, status_form=form, status=status)


@require_POST
@policy(MANAGE)
def instrument_calibration(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the instrument's latest calibration."""
    actor = actor_of(request)
    instrument = selectors.instrument_get(actor, pk)
    form = CalibrationForm(request.POST, auto_id="calibration_%s")
    status = 400
    if form.is_valid():
        try:
            services.instrument_record_calibration(actor=actor, instrument_id=instrument.pk, **form.cleaned_data)
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
            status = exc.status
        else:
            flash.success(request, _("已记录校准。"))
            return redirect("metrology:instrument_detail", pk=instrument.pk)
    return _detail_page(request, instrument, calibration_form=form, status=status)


urlpatterns = [
    path("instruments/", instrument_list, name="instrument_list"),
    path("instruments/new/", instrument_new, name="instrument_new"),
    path("instruments/<int:pk>/", instrument_detail, name="instrument_detail"),
    path("instruments/<int:pk>/status/", instrument_status, name="instrument_status"),
    path("instruments/<int:pk>/calibration/", instrument_calibration, name="instrument_calibration"),
]
