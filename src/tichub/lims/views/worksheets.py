"""Laboratory pages: worksheets (ISO/IEC 17025 7.7.1): the list, making one, its grid, and its bench sheet.

A worksheet is one table, one row per slot (sample tests and QC measurements), made for the keyboard like the
sample grid (static/tichub/lims-grid.js: Enter or ↓ to the next value, ↑ to the previous one); with HTMX a row
saves itself when it changes and comes back re-rendered with its verdict (and the duplicates of its test with
theirs), or with its faults next to their inputs. Without JavaScript the whole worksheet posts as one form and
every row filled or changed is recorded, all or nothing. The bench sheet prints the worksheet on A4 with empty
boxes for the raw readings written by hand. Reading needs "lims.sample.view", everything else
"lims.result.enter"; another institution's worksheet answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.core.errors import NotFound, ServiceError
from tichub.core.routes import actor_of, policy
from tichub.core.tenancy import Actor
from tichub.metrology.gating import instrument_refusal
from tichub.metrology.selectors import instruments_for_choice

from .. import worksheet_selectors, worksheet_services
from ..choices import QcKind, ResultDecision, TestStatus, WorksheetStatus
from ..forms.worksheets import (
    ROW_FIELDS,
    MeasuredOnForm,
    QcRowFormSet,
    SlotRowForm,
    offer,
    posted_id,
    posted_ids,
    slot_prefix,
)
from ..models import Test, Worksheet
from ..result_services import FREE_STATES, REASON_STATES
from ..worksheet_selectors import SlotRow, WorksheetDetail
from ..worksheet_services import SlotResult

VIEW, ENTER = "lims.sample.view", "lims.result.enter"
PAGE_SIZE = 50
Errors = dict[str, list[str]]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- list ---------------------------------------------------------------------------------------------------------


@policy(VIEW)
def worksheet_list(request: HttpRequest) -> HttpResponse:
    """The institution's worksheets (all, or the actor's own), by status, newest first, paged."""
    actor = actor_of(request)
    status = request.GET.get("status", "")
    status = status if status in WorksheetStatus.values else ""
    mine = request.GET.get("mine") == "1"
    worksheets = worksheet_selectors.worksheet_list(actor, status=status or None, mine=mine)
    page = Paginator(worksheets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "mine": mine,
        "statuses": WorksheetStatus.choices,
        "query": urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v]),
        "can_enter": actor.can(ENTER),
    }
    return render(request, "lims/worksheets/list.html", context)


# --- making a worksheet, adding to it -----------------------------------------------------------------------------


def _test_label(test: Test) -> str:
    return f"{test.sample.number} {test.parameter}"


def _place_pick_errors(exc: ServiceError, formset: Any, rows: list[int]) -> tuple[Errors, list[str]]:
    """Faults of worksheet_create / worksheet_add_tests: qc.<n>.<field> onto the formset form that row n came from
    (`rows`), instrument_id and test_ids apart by name; the rest as page errors."""
    by_name: Errors = {}
    left: list[str] = []
    for name, messages in exc.fields.items():
        parts = name.split(".")
        if parts[0] == "qc" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
            form = formset.forms[rows[int(parts[1])]]
            target = parts[2] if len(parts) == 3 and parts[2] in form.fields else None
            target = "duplicate_of" if len(parts) == 3 and parts[2] == "duplicate_of_test_id" else target
            for message in messages:
                form.add_error(target, message)
        elif parts[0] in ("test_ids", "instrument_id"):
            by_name.setdefault(parts[0], []).extend(messages)
        else:
            left.extend(messages)
    if not exc.fields:
        left.append(exc.message)
    return by_name, left


def _qc_rows(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled QC rows, and for each the index of the form it came from."""
    rows, origins = [], []
    for index, form in enumerate(formset.forms):
        row = form.row() if form.is_valid() else None
        if row is not None:
            rows.append(row)
            origins.append(index)
    return rows, origins


@dataclass(frozen=True)
class Pick:
    """What the test-picking page is for: a new worksheet (method and instrument chosen or not yet), or adding to
    `worksheet`."""

    worksheet: Worksheet | None
    method_id: int | None
    instrument_id: int | None
    chosen: bool


def _pick_page(
    request: HttpRequest,
    pick: Pick,
    *,
    formset: Any = None,
    ticked: list[int] | None = None,
    errors: Errors | None = None,
    page_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    worksheet, method_id, chosen = pick.worksheet, pick.method_id, pick.chosen
    method = worksheet.method if worksheet is not None else None
    if worksheet is None and method_id is not None:
        method = worksheet_selectors.worksheet_method(actor, method_id)
    tests = list(worksheet_selectors.tests_available(actor, method.pk if method else None)) if chosen else []
    partners = [(test.pk, _test_label(test)) for test in tests]
    if worksheet is not None:
        partners = [
            *(
                (row.test.pk, _test_label(row.test))
                for row in worksheet_selectors.worksheet_detail(actor, worksheet.pk).rows
                if row.test
            ),
            *partners,
        ]
    if formset is None:
        formset = QcRowFormSet(prefix="qc", form_kwargs={"partners": partners})
    else:
        for form in formset.forms:
            offer(form, partners)
    context = {
        "worksheet": worksheet,
        "method": method,
        "method_id": method_id,
        "methods": worksheet_selectors.worksheet_methods(actor) if worksheet is None else [],
        "instruments": instruments_for_choice(actor, timezone.localdate()) if worksheet is None else [],
        "instrument_id": pick.instrument_id,
        "chosen": chosen,
        "tests": tests,
        "ticked": set(ticked or []),
        "formset": formset,
        "errors": errors or {},
        "page_errors": page_errors or [],
    }
    return render(request, "lims/worksheets/pick.html", context, status=status)


@policy(ENTER)
def worksheet_new(request: HttpRequest) -> HttpResponse:
    """Make a worksheet: choose the method and the instrument (those that may not be used today are shown
    disabled, with why), then tick the available tests and add QC slots."""
    actor = actor_of(request)
    source = request.POST if request.method == "POST" else request.GET
    method_id, instrument_id = posted_id(source, "method"), posted_id(source, "instrument")
    if request.method != "POST":
        return _pick_page(request, Pick(None, method_id, instrument_id, "method" in source))
    formset = QcRowFormSet(request.POST, prefix="qc")
    test_ids = posted_ids(request.POST, "test_ids")
    page = Pick(None, method_id, instrument_id, chosen=True)
    if not formset.is_valid():
        return _pick_page(request, page, formset=formset, ticked=test_ids, status=400)
    qc, origins = _qc_rows(formset)
    try:
        worksheet = worksheet_services.worksheet_create(
            actor=actor, test_ids=test_ids, method_id=method_id, instrument_id=instrument_id, qc=qc
        )
    except NotFound:
        raise
    except ServiceError as exc:
        errors, left = _place_pick_errors(exc, formset, origins)
        return _pick_page(
            request, page, formset=formset, ticked=test_ids, errors=errors, page_errors=left, status=exc.status
        )
    flash.success(request, _("已建立工作单 %(number)s。") % {"number": worksheet.number})
    return redirect("lims:worksheet_detail", pk=worksheet.pk)


@policy(ENTER)
def worksheet_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Put more tests (of the worksheet's method) and QC slots on an open worksheet."""
    actor = actor_of(request)
    worksheet = worksheet_selectors.worksheet_get(actor, pk)
    page = Pick(worksheet, worksheet.method_id, None, chosen=True)
    if request.method != "POST":
        return _pick_page(request, page)
    formset = QcRowFormSet(request.POST, prefix="qc")
    test_ids = posted_ids(request.POST, "test_ids")
    if not formset.is_valid():
        return _pick_page(request, page, formset=formset, ticked=test_ids, status=400)
    qc, origins = _qc_rows(formset)
    try:
        added = worksheet_services.worksheet_add_tests(actor=actor, worksheet_id=pk, test_ids=test_ids, qc=qc)
    except NotFound:
        raise
    except ServiceError as exc:
        errors, left = _place_pick_errors(exc, formset, origins)
        return _pick_page(
            request, page, formset=formset, ticked=test_ids, errors=errors, page_errors=left, status=exc.status
        )
    flash.success(
        request, _("已在工作单 %(number)s 上增加 %(n)d 个位置。") % {"number": worksheet.number, "n": len(added)}
    )
    return redirect("lims:worksheet_detail", pk=pk)


# --- the worksheet grid -------------------------------------------------------------------------------------------


class Grid:
    """Turns slots into the rows the grid template shows: plain dicts of ready-made text, because a worksheet of
    500 results is rendered in one go and every template lookup counts (ISO/IEC 17025 asks for the record, the
    bench asks for speed). Labels and choices are translated once per page, not once per row."""

    def __init__(self, actor: Actor, worksheet: Worksheet) -> None:
        self.worksheet = worksheet
        self.open = _can_change(actor, worksheet)
        self.me = actor.person.pk
        self.english = (get_language() or "").startswith("en")
        self.kinds = {value: str(label) for value, label in QcKind.choices}
        self.states = {value: str(label) for value, label in TestStatus.choices}
        self.decisions = {value: str(label) for value, label in ResultDecision.choices}
        self.texts = {
            "limit": _("限值"),
            "lod": _("检出限"),
            "certified": _("标准值"),
            "pass": _("合格"),
            "fail": _("不合格"),
            "result": _("结果"),
            "reason": _("更正理由"),
            "remove": _("删除位置"),
        }
        self.slot_url = reverse("lims:worksheet_slot", args=[worksheet.pk, 0])[: -len("0/")]

    def row(self, row: SlotRow, typed: dict[str, str] | None = None, errors: Errors | None = None) -> dict[str, Any]:
        slot, test = row.slot, row.test
        prefix = slot_prefix(slot.pk)
        if test is None:
            editable = self.open
            stored = {"value": slot.qc_value, "reason": "", "version": ""}
        else:
            editable = self.open and test.analyst_id in (None, self.me) and test.status in FREE_STATES | REASON_STATES
            stored = {"value": test.raw_value, "reason": "", "version": str(test.version)}
        shown: dict[str, Any] = {
            "id": str(slot.pk),  # text: numbers would go through localisation, 500 times over
            "position": str(slot.position),
            "kind": slot.kind,
            "is_qc": test is None,
            "kind_label": self.kinds[slot.kind] if test is None else "",
            "sample_number": row.sample_number,
            "parameter": row.parameter,
            "unit": row.unit,
            "stored": row.value,
            "values": typed if typed is not None else stored,
            "errors": errors or {},
            "editable": editable,
            "needs_reason": test is not None and test.status in REASON_STATES,
            "prefix": prefix,
            "params": ",".join([*(f"{prefix}-{name}" for name in ROW_FIELDS), "measured_on"]),
            "save_url": f"{self.slot_url}{slot.pk}/",
            "remove_url": f"{self.slot_url}{slot.pk}/remove/",
        }
        if test is None:
            shown.update(self._qc(row))
        else:
            text = test.result_text_en if self.english else test.result_text_zh
            shown.update(
                specification=test.specification,
                result=text if test.value else "",
                decision=test.decision,
                decision_label=self.decisions.get(test.decision, ""),
                status=self.states.get(test.status, test.status),
            )
        return shown

    def _qc(self, row: SlotRow) -> dict[str, Any]:
        slot = row.slot
        if slot.kind == QcKind.BLANK and slot.qc_expected:
            expected = f"{self.texts['limit']} {slot.qc_expected}"
        elif slot.kind == QcKind.BLANK:
            method = self.worksheet.method
            expected = f"{self.texts['lod']} {method.lod if method is not None else ''}"
        elif slot.kind == QcKind.REFERENCE:
            expected = f"{self.texts['certified']} {slot.qc_expected}"
        else:
            expected = ""
        outcome = row.outcome
        return {
            "expected": expected,
            "tolerance": slot.qc_tolerance,
            "verdict": "" if outcome is None else "pass" if outcome.accepted else "fail",
            "verdict_label": "" if outcome is None else self.texts["pass" if outcome.accepted else "fail"],
            "explanation": row.explanation,
            "problem": bool(row.qc_problem),
        }


def _can_change(actor: Actor, worksheet: Worksheet) -> bool:
    return worksheet.status == WorksheetStatus.OPEN and actor.can(ENTER)


def _grid_page(
    request: HttpRequest,
    detail: WorksheetDetail,
    *,
    typed: dict[int, dict[str, str]] | None = None,
    errors: dict[int, Errors] | None = None,
    page_errors: list[str] | None = None,
    measured_on: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    worksheet = detail.worksheet
    typed, errors = typed or {}, errors or {}
    grid = Grid(actor, worksheet)
    rows = [grid.row(row, typed.get(row.slot.pk), errors.get(row.slot.pk)) for row in detail.rows]
    context = {
        "worksheet": worksheet,
        "detail": detail,
        "rows": rows,
        "can_enter": grid.open,
        "T": grid.texts,
        "any_editable": any(row["editable"] for row in rows),
        "measured_on": measured_on or worksheet_services.measured_on_default(worksheet).isoformat(),
        "errors": page_errors or [],
        # Results are refused on an instrument that may not be used: say so before anybody types them.
        "instrument_refusal": (
            instrument_refusal(worksheet.instrument, timezone.localdate())
            if worksheet.instrument is not None and grid.open
            else None
        ),
    }
    return render(request, "lims/worksheets/detail.html", context, status=status)


def _place(exc: ServiceError, slot_ids: list[int]) -> tuple[dict[int, Errors], list[str]]:
    """entries.<i>.<field> onto the i-th entered row, values.<slot id> and slots.<slot id> onto that row's
    value; the rest apart."""
    placed: dict[int, Errors] = {}
    left: list[str] = []
    for name, messages in exc.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "entries" and parts[1].isdigit() and int(parts[1]) < len(slot_ids):
            where = parts[2] if parts[2] in ROW_FIELDS else "value"
            placed.setdefault(slot_ids[int(parts[1])], {}).setdefault(where, []).extend(messages)
        elif len(parts) == 2 and parts[0] in ("values", "slots") and parts[1].isdigit():
            placed.setdefault(int(parts[1]), {}).setdefault("value", []).extend(messages)
        else:
            left.extend(messages)
    if not exc.fields:
        left.append(exc.message)
    return placed, left


def _form_errors(form: Any) -> Errors:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


@policy(VIEW)
def worksheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The worksheet grid; without JavaScript it posts here whole, and every row filled or changed is recorded."""
    actor = actor_of(request)
    detail = worksheet_selectors.worksheet_detail(actor, pk)
    if request.method != "POST":
        return _grid_page(request, detail)
    actor.require(ENTER)
    day = MeasuredOnForm(request.POST)
    typed: dict[int, dict[str, str]] = {}
    errors: dict[int, Errors] = {}
    entries: list[SlotResult] = []
    order: list[int] = []
    qc: dict[int, str] = {}
    grid = Grid(actor, detail.worksheet)
    for row in detail.rows:
        if not grid.row(row)["editable"]:
            continue
        form = SlotRowForm(request.POST, row.slot.pk)
        typed[row.slot.pk] = form.raw()
        if not form.is_valid():
            errors[row.slot.pk] = _form_errors(form)
            continue
        data = form.cleaned_data
        if row.is_qc:
            if data["value"] != row.slot.qc_value:
                qc[row.slot.pk] = data["value"]
        elif data["value"] and data["value"] != row.value:
            entries.append(SlotResult(row.slot.pk, data["value"], reason=data["reason"], version=data["version"]))
            order.append(row.slot.pk)
    measured_on = str(request.POST.get("measured_on", ""))
    if errors or not day.is_valid():
        page_errors = [str(m) for messages in day.errors.values() for m in messages]
        return _grid_page(
            request, detail, typed=typed, errors=errors, page_errors=page_errors, measured_on=measured_on, status=400
        )
    if not entries and not qc:
        flash.info(request, _("没有新填写或更改的结果。"))
        return redirect("lims:worksheet_detail", pk=pk)
    try:
        worksheet_services.worksheet_enter(
            actor=actor, worksheet_id=pk, entries=entries, qc=qc or None, measured_on=day.cleaned_data["measured_on"]
        )
    except NotFound:
        raise
    except ServiceError as exc:
        placed, left = _place(exc, order)
        return _grid_page(
            request,
            detail,
            typed=typed,
            errors=placed,
            page_errors=left,
            measured_on=measured_on,
            status=exc.status,
        )
    flash.success(request, _("已保存 %(n)d 项结果和 %(q)d 项质控结果。") % {"n": len(entries), "q": len(qc)})
    return redirect("lims:worksheet_detail", pk=pk)


def _rows_answer(
    request: HttpRequest, grid: Grid, rows: list[dict[str, Any]], oob: list[dict[str, Any]], status: int = 200
) -> HttpResponse:
    context = {"worksheet": grid.worksheet, "rows": rows, "oob_rows": oob, "can_enter": grid.open, "T": grid.texts}
    return render(request, "lims/worksheets/_rows.html", context, status=status)


@require_POST
@policy(ENTER)
def worksheet_slot(request: HttpRequest, pk: int, slot_id: int) -> HttpResponse:
    """Save one row (HTMX): the row re-rendered with its verdict, and the duplicates of its test out of band; or
    the row with its faults next to their inputs (400/409). Without HTMX: back to the worksheet."""
    actor = actor_of(request)
    worksheet, rows = worksheet_selectors.worksheet_slot_rows(actor, pk, slot_id)
    row = rows[0]
    form = SlotRowForm(request.POST, slot_id)
    day = MeasuredOnForm(request.POST)
    errors: Errors
    if form.is_valid() and day.is_valid():
        value = form.cleaned_data["value"]
        try:
            if row.is_qc:
                worksheet_services.worksheet_record_qc(actor=actor, worksheet_id=pk, values={slot_id: value})
            else:
                entry = SlotResult(
                    slot_id, value, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
                )
                worksheet_services.worksheet_enter(
                    actor=actor, worksheet_id=pk, entries=[entry], measured_on=day.cleaned_data["measured_on"]
                )
        except NotFound:
            raise
        except ServiceError as exc:
            placed, left = _place(exc, [slot_id])
            errors = placed.get(slot_id, {})
            if left:
                errors.setdefault("value", []).extend(left)
            status = exc.status
        else:
            if not _is_htmx(request):
                flash.success(request, _("已保存位置 %(position)d。") % {"position": row.slot.position})
                return redirect("lims:worksheet_detail", pk=pk)
            worksheet, fresh = worksheet_selectors.worksheet_slot_rows(actor, pk, slot_id)
            grid = Grid(actor, worksheet)
            return _rows_answer(request, grid, [grid.row(fresh[0])], [grid.row(other) for other in fresh[1:]])
    else:
        errors, status = _form_errors(form), 400
        for message in day.errors.get("measured_on", []):
            errors.setdefault("value", []).append(str(message))
    if _is_htmx(request):
        grid = Grid(actor, worksheet)
        return _rows_answer(request, grid, [grid.row(row, form.raw(), errors)], [], status=status)
    detail = worksheet_selectors.worksheet_detail(actor, pk)
    return _grid_page(request, detail, typed={slot_id: form.raw()}, errors={slot_id: errors}, status=status)


@require_POST
@policy(ENTER)
def worksheet_slot_remove(request: HttpRequest, pk: int, slot_id: int) -> HttpResponse:
    """Take a slot off the open worksheet."""
    actor = actor_of(request)
    try:
        worksheet_services.worksheet_remove_slot(actor=actor, worksheet_id=pk, slot_id=slot_id)
    except NotFound:
        raise
    except ServiceError as exc:
        detail = worksheet_selectors.worksheet_detail(actor, pk)
        return _grid_page(request, detail, page_errors=[exc.message], status=exc.status)
    flash.success(request, _("已删除该位置。"))
    return redirect("lims:worksheet_detail", pk=pk)


@require_POST
@policy(ENTER)
def worksheet_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit the worksheet's results for review, or show every slot that stops it (failed QC, missing values)."""
    actor = actor_of(request)
    try:
        worksheet = worksheet_services.worksheet_submit(actor=actor, worksheet_id=pk)
    except NotFound:
        raise
    except ServiceError as exc:
        detail = worksheet_selectors.worksheet_detail(actor, pk)
        placed, _left = _place(exc, [])
        lines = [message for messages in exc.fields.values() for message in messages] or [exc.message]
        return _grid_page(request, detail, errors=placed, page_errors=lines, status=exc.status)
    flash.success(request, _("工作单 %(number)s 已提交，结果等待审核。") % {"number": worksheet.number})
    return redirect("lims:worksheet_detail", pk=pk)


@policy(VIEW)
def worksheet_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The worksheet as a bench sheet (A4): number, method, instrument, one line per slot with boxes for the raw
    readings written by hand, and the signatures."""
    detail = worksheet_selectors.worksheet_detail(actor_of(request), pk)
    return render(request, "lims/worksheets/print.html", {"worksheet": detail.worksheet, "detail": detail})


urlpatterns = [
    path("worksheets/", worksheet_list, name="worksheet_list"),
    path("worksheets/new/", worksheet_new, name="worksheet_new"),
    path("worksheets/<int:pk>/", worksheet_detail, name="worksheet_detail"),
    path("worksheets/<int:pk>/add/", worksheet_add, name="worksheet_add"),
    path("worksheets/<int:pk>/submit/", worksheet_submit, name="worksheet_submit"),
    path("worksheets/<int:pk>/print/", worksheet_print, name="worksheet_print"),
    path("worksheets/<int:pk>/slots/<int:slot_id>/", worksheet_slot, name="worksheet_slot"),
    path("worksheets/<int:pk>/slots/<int:slot_id>/remove/", worksheet_slot_remove, name="worksheet_slot_remove"),
]
