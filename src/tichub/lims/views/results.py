"""Laboratory pages: a sample's result grid (enter, correct, submit) and a test's record (ISO/IEC 17025 7.5).

The grid is one table, one row per live test, made for the keyboard: Enter or ↓ goes to the next result, ↑ to the
previous one (static/tichub/lims-grid.js), and with HTMX a row saves itself when it changes and comes back
re-rendered, or with its faults next to their inputs. Without JavaScript the whole grid posts as one form and
every row that was filled or changed is recorded, all or nothing. Reading needs "lims.sample.view"; writing
"lims.result.enter"; another institution's sample or test answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.core.errors import NotFound, ServiceError
from tichub.core.routes import actor_of, policy
from tichub.core.tenancy import Actor

from .. import result_selectors, result_services
from ..choices import ResultDecision, TestStatus
from ..forms.results import ROW_FIELDS, ResultRowForm, posted_test_ids, row_prefix
from ..models import Test
from ..result_selectors import Grid
from ..result_services import FREE_STATES, REASON_STATES

VIEW, ENTER = "lims.sample.view", "lims.result.enter"
#: Offered as the unit's suggestions (any unit of the same dimension is accepted and converted).
COMMON_UNITS = ("mg/kg", "µg/kg", "g/kg", "g/100g", "mg/100g", "mg/L", "µg/L", "g/L", "%", "mmol/L", "°C")


@dataclass
class Option:
    pk: int
    label: str
    refusal: str | None
    selected: bool


@dataclass
class Row:
    """A test as the grid shows it: its inputs (as stored, or as typed when refused) and its faults by input."""

    test: Test
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    editable: bool = False
    needs_reason: bool = False
    submittable: bool = False
    options: list[Option] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return row_prefix(self.test.pk)

    @property
    def params(self) -> str:
        """The row's own inputs: HTMX posts these only, not the rest of the grid around them."""
        return ",".join(f"{self.prefix}-{name}" for name in ROW_FIELDS)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _stored(test: Test, grid: Grid) -> dict[str, str]:
    return {
        "value": test.raw_value,
        "unit": test.raw_unit or test.unit,
        "instrument_id": str(test.instrument_id or ""),
        "measured_on": (test.measured_on or grid.on).isoformat(),
        "reason": "",
        "version": str(test.version),
    }


def _row(
    actor: Actor,
    grid: Grid,
    test: Test,
    typed: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Row:
    me = actor.person.pk
    mine = test.analyst_id in (None, me)
    editable = actor.can(ENTER) and mine and not test.formula and test.status in FREE_STATES | REASON_STATES
    values = typed if typed is not None else _stored(test, grid)
    chosen = values["instrument_id"]
    return Row(
        test=test,
        values=values,
        errors=errors or {},
        editable=editable,
        needs_reason=test.status in REASON_STATES,
        submittable=actor.can(ENTER) and mine and test.status == TestStatus.ENTERED and bool(test.value),
        options=[
            Option(pk=instrument.pk, label=str(instrument), refusal=refusal, selected=str(instrument.pk) == chosen)
            for instrument, refusal in grid.instruments
        ],
    )


def _grid_page(
    request: HttpRequest,
    grid: Grid,
    *,
    typed: dict[int, dict[str, str]] | None = None,
    errors: dict[int, dict[str, list[str]]] | None = None,
    page_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    typed, errors = typed or {}, errors or {}
    rows = [_row(actor, grid, test, typed.get(test.pk), errors.get(test.pk)) for test in grid.tests]
    context = {
        "sample": grid.sample,
        "rows": rows,
        "units": COMMON_UNITS,
        "on": grid.on,
        "can_enter": actor.can(ENTER),
        "any_editable": any(row.editable for row in rows),
        "any_submittable": any(row.submittable for row in rows),
        "errors": page_errors or [],
    }
    return render(request, "lims/results/grid.html", context, status=status)


def _place(exc: ServiceError, test_ids: list[int]) -> tuple[dict[int, dict[str, list[str]]], list[str]]:
    """entries.<i>.<field> onto the i-th posted row's input (test_id faults show at the value); the rest apart."""
    placed: dict[int, dict[str, list[str]]] = {}
    left: list[str] = []
    for name, messages in exc.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "entries" and parts[1].isdigit() and int(parts[1]) < len(test_ids):
            where = parts[2] if parts[2] in ROW_FIELDS else "value"
            placed.setdefault(test_ids[int(parts[1])], {}).setdefault(where, []).extend(messages)
        else:
            left.extend(messages)
    if not exc.fields:
        left.append(exc.message)
    return placed, left


def _form_errors(form: ResultRowForm) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def _changed(test: Test, form: ResultRowForm, grid: Grid) -> bool:
    """A row to record: a value is typed and it, or what it was measured with or on, differs from the stored one
    (an unchanged row posted back with the grid is no new result)."""
    data = form.cleaned_data
    if not data["value"]:
        return False
    return (
        data["value"] != test.raw_value
        or (data["unit"] or test.unit) != (test.raw_unit or test.unit)
        or (data["instrument_id"] or test.instrument_id) != test.instrument_id
        or (data["measured_on"] or grid.on) != (test.measured_on or grid.on)
    )


@policy(VIEW)
def sample_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The sample's result grid; without JavaScript it posts here whole, and every filled row is recorded."""
    actor = actor_of(request)
    grid = result_selectors.sample_grid(actor, pk)
    if request.method != "POST":
        return _grid_page(request, grid)
    actor.require(ENTER)
    typed: dict[int, dict[str, str]] = {}
    errors: dict[int, dict[str, list[str]]] = {}
    entries, order = [], []
    for test in grid.tests:
        row = _row(actor, grid, test)
        if not row.editable:
            continue
        form = ResultRowForm(request.POST, test.pk)
        typed[test.pk] = form.raw()
        if not form.is_valid():
            errors[test.pk] = _form_errors(form)
        elif _changed(test, form, grid):
            entries.append(form.entry())
            order.append(test.pk)
    if errors:
        return _grid_page(request, grid, typed=typed, errors=errors, status=400)
    if not entries:
        flash.info(request, _("没有新填写或更改的结果。"))
        return redirect("lims:sample_results", pk=grid.sample.pk)
    try:
        written = result_services.results_record(actor=actor, entries=entries)
    except NotFound:
        raise
    except ServiceError as exc:
        errors, left = _place(exc, order)
        return _grid_page(request, grid, typed=typed, errors=errors, page_errors=left, status=exc.status)
    flash.success(request, _("已保存 %(n)d 项结果。") % {"n": len(entries)} + _calculated_note(written, len(entries)))
    return redirect("lims:sample_results", pk=grid.sample.pk)


def _calculated_note(written: list[Test], entered: int) -> str:
    calculated = len(written) - entered
    return " " + _("已按公式重新计算 %(n)d 项。") % {"n": calculated} if calculated else ""


@require_POST
@policy(ENTER)
def test_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one row of the grid (HTMX): the row re-rendered, with the calculated rows it changed out of band; or
    the row with its faults next to their inputs (400/409). Without HTMX: back to the grid."""
    actor = actor_of(request)
    grid = result_selectors.test_grid(actor, pk)
    test = grid.tests[0]
    form = ResultRowForm(request.POST, test.pk)
    errors: dict[str, list[str]]
    if form.is_valid():
        try:
            written = result_services.results_record(actor=actor, entries=[form.entry()])
        except NotFound:
            raise
        except ServiceError as exc:
            placed, left = _place(exc, [test.pk])
            errors = placed.get(test.pk, {})
            if left:
                errors.setdefault("value", []).extend(left)
            status = exc.status
        else:
            if not _is_htmx(request):
                flash.success(request, _("已保存 %(test)s 的结果。") % {"test": result_services.test_name(test)})
                return redirect("lims:sample_results", pk=test.sample_id)
            fresh = result_selectors.sample_grid(actor, test.sample_id, test_ids=[t.pk for t in written])
            rows = [_row(actor, fresh, t) for t in fresh.tests]
            main = [row for row in rows if row.test.pk == test.pk]
            others = [row for row in rows if row.test.pk != test.pk]
            return render(request, "lims/results/_rows.html", {"rows": main, "oob_rows": others})
    else:
        errors, status = _form_errors(form), 400
    if _is_htmx(request):
        row = _row(actor, grid, test, form.raw(), errors)
        return render(request, "lims/results/_rows.html", {"rows": [row], "oob_rows": []}, status=status)
    whole = result_selectors.sample_grid(actor, test.sample_id)
    return _grid_page(request, whole, typed={test.pk: form.raw()}, errors={test.pk: errors}, status=status)


@require_POST
@policy(ENTER)
def sample_results_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit the ticked entered results of the sample for review."""
    actor = actor_of(request)
    grid = result_selectors.sample_grid(actor, pk)
    on_grid = {test.pk for test in grid.tests}
    test_ids = [test_id for test_id in posted_test_ids(request.POST) if test_id in on_grid]
    try:
        submitted = result_services.results_submit(actor=actor, test_ids=test_ids)
    except NotFound:
        raise
    except ServiceError as exc:
        left = [message for messages in exc.fields.values() for message in messages] or [exc.message]
        return _grid_page(request, grid, page_errors=left, status=exc.status)
    flash.success(request, _("已提交 %(n)d 项结果，等待审核。") % {"n": len(submitted)})
    return redirect("lims:sample_results", pk=grid.sample.pk)


def _decision_label(value: str) -> str:
    return str(ResultDecision(value).label) if value in ResultDecision.values else value


@policy(VIEW)
def test_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A test's record: specification, the method settings it copied, its result, every revision and review step."""
    history = result_selectors.test_history(actor_of(request), pk)
    context: dict[str, Any] = {
        "test": history.test,
        "revisions": [(revision, _decision_label(revision.decision)) for revision in history.revisions],
        "steps": history.steps,
        "live": history.test.status not in (TestStatus.RETESTED, TestStatus.RETRACTED),
    }
    return render(request, "lims/results/detail.html", context)


urlpatterns = [
    path("samples/<int:pk>/results/", sample_results, name="sample_results"),
    path("samples/<int:pk>/results/submit/", sample_results_submit, name="sample_results_submit"),
    path("tests/<int:pk>/result/", test_result, name="test_result"),
    path("tests/<int:pk>/", test_detail, name="test_detail"),
]
