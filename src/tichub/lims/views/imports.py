"""Laboratory pages: results from instruments' CSV exports (ISO/IEC 17025 7.11.2).

/lab/imports/new/ — choose the instrument (its saved mapping is filled in), upload its export, check the mapping
(the file's headers are offered as choices), optionally keep the mapping for the instrument; the recent imports
below. /lab/imports/<pk>/ — the preview: counts, the first 200 rows as they will be written, every error with its
line; a confirm button when there is none; a refused import can be checked again with another mapping without
uploading the file again. Everything needs "lims.result.enter"; another institution's import answers 404.

Without JavaScript every step is a plain form; with HTMX choosing an instrument fills in its mapping and choosing
a file reads its header row, in place (the file stays chosen).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.core.errors import NotFound, ServiceError
from tichub.core.forms import form_error
from tichub.core.policies import LAB_MANAGERS
from tichub.core.routes import actor_of, policy

from .. import import_selectors, import_services
from ..choices import ImportStatus, ResultDecision
from ..csvfile import COLUMNS, REQUIRED, CsvRefused, column_labels, read_headers
from ..forms.imports import ImportUploadForm, MappingForm
from ..models import ResultImport

ENTER = "lims.result.enter"
RECENT = 20
ERRORS_PER_PAGE = 200


def _instrument_choices(actor: Any) -> tuple[list[tuple[int, str]], dict[int, Any]]:
    choices, mappings = [], {}
    for choice in import_selectors.instruments_for_import(actor):
        label = str(choice.instrument)
        if choice.mapping is not None:
            label += " · " + _("已保存映射")
            mappings[choice.instrument.pk] = choice.mapping
        choices.append((choice.instrument.pk, label))
    return choices, mappings


def _new_page(request: HttpRequest, form: ImportUploadForm, *, status: int = 200, **extra: Any) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "form": form,
        "required": REQUIRED,
        "imports": list(import_selectors.result_imports_recent(actor)[:RECENT]),
        **extra,
    }
    return render(request, "lims/imports/new.html", context, status=status)


def _headers_of(upload: Any, delimiter: str) -> tuple[list[str], str]:
    """The header row of the chosen file, or ([], why not)."""
    if upload is None:
        return [], _("请先选择文件。")
    try:
        headers, _delimiter, _encoding = read_headers(upload.read(), delimiter)
    except CsvRefused as exc:
        return [], exc.message
    return headers, ""


@policy(ENTER)
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload an instrument's export; the recent imports of the institution below."""
    actor = actor_of(request)
    instruments, mappings = _instrument_choices(actor)
    if request.method != "POST":
        chosen = request.GET.get("instrument", "")
        mapping = mappings.get(int(chosen)) if chosen.isdigit() else None
        start: dict[str, Any] = {"instrument": chosen if chosen.isdigit() else ""}
        if mapping is not None:
            start.update(MappingForm.initial_of(mapping.columns, mapping.delimiter))
        return _new_page(request, ImportUploadForm(initial=start, instruments=instruments))
    if "read_headers" in request.POST:
        # The file's header row as the mapping's choices; the inputs as typed, not judged yet. With HTMX only the
        # mapping is swapped in and the file stays chosen; without, the file is chosen again to upload it.
        headers, problem = _headers_of(request.FILES.get("file"), request.POST.get("delimiter", ""))
        initial: dict[str, Any] = {name: request.POST.get(name, "") for name in ("instrument", *COLUMNS, "delimiter")}
        initial["save_mapping"] = bool(request.POST.get("save_mapping"))
        form = ImportUploadForm(initial=initial, instruments=instruments, headers=headers)
        return _new_page(request, form, header_problem=problem, headers_read=bool(headers))
    form = ImportUploadForm(request.POST, request.FILES, instruments=instruments)
    if not form.is_valid():
        return _new_page(request, form, status=400)
    upload = form.cleaned_data.get("file")
    if upload is None:
        form.add_error("file", _("请选择仪器导出的 CSV 文件。"))
        return _new_page(request, form, status=400)
    columns = form.mapping()
    instrument_id = form.instrument_id()
    try:
        result = import_services.import_preview(
            actor=actor,
            file=upload,
            instrument_id=instrument_id,
            columns=columns if columns or instrument_id is None else None,
            delimiter=form.cleaned_data.get("delimiter", ""),
            save_mapping=form.cleaned_data.get("save_mapping", False),
        )
    except NotFound:
        raise
    except ServiceError as exc:
        form_error(form, exc)
        return _new_page(request, form, status=exc.status)
    return redirect("lims:import_detail", pk=result.pk)


def _can_apply(actor: Any, result_import: ResultImport) -> bool:
    return result_import.status == ImportStatus.PREVIEWED and (
        result_import.created_by_id == actor.person.pk or bool(actor.roles & LAB_MANAGERS)
    )


def _detail_page(
    request: HttpRequest,
    result_import: ResultImport,
    *,
    recheck: MappingForm | None = None,
    apply_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    settings = result_import.columns or {}
    headers = settings.get("headers", [])
    if recheck is None and result_import.status == ImportStatus.REFUSED:
        recheck = MappingForm(
            initial=MappingForm.initial_of(settings.get("mapping"), settings.get("delimiter")), headers=headers
        )
    labels = {**column_labels(), "instrument": _("仪器"), "": ""}
    mapping = settings.get("mapping", {})
    errors = [
        {**error, "label": labels.get(error["column"], error["column"]), "header": mapping.get(error["column"], "")}
        for error in result_import.errors
    ]
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    decisions = {d.value: d.label for d in ResultDecision}
    summary = settings.get("summary") or {}
    context = {
        "result_import": result_import,
        "summary": summary,
        "decision_counts": [(decisions.get(k, k), n) for k, n in summary.get("decisions", {}).items()],
        "rows": settings.get("preview", []),
        "decisions": decisions,
        "mapping": [(column_labels()[name], mapping.get(name, "")) for name in COLUMNS],
        "delimiter": settings.get("delimiter", ""),
        "errors_page": page,
        "recheck": recheck,
        "required": REQUIRED,
        "can_apply": _can_apply(actor, result_import),
        "apply_errors": apply_errors or [],
    }
    return render(request, "lims/imports/detail.html", context, status=status)


@policy(ENTER)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of one import (or its record once applied)."""
    return _detail_page(request, import_selectors.result_import_get(actor_of(request), pk))


@require_POST
@policy(ENTER)
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Write every result of a previewed import, or none."""
    actor = actor_of(request)
    try:
        result_import = import_services.import_apply(actor=actor, import_id=pk)
    except NotFound:
        raise
    except ServiceError as exc:
        current = import_selectors.result_import_get(actor, pk)
        problems = [f"{name}：{message}" for name, msgs in exc.fields.items() for message in msgs]
        return _detail_page(request, current, apply_errors=[exc.message, *problems], status=exc.status)
    tests = (result_import.columns.get("summary") or {}).get("tests", 0)
    flash.success(request, _("已导入 %(n)d 项结果（导入记录 #%(id)d）。") % {"n": tests, "id": result_import.pk})
    return redirect("lims:import_detail", pk=result_import.pk)


@require_POST
@policy(ENTER)
def import_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the stored file of an import again with another mapping: a new import."""
    actor = actor_of(request)
    earlier = import_selectors.result_import_get(actor, pk)
    form = MappingForm(request.POST, headers=(earlier.columns or {}).get("headers", []))
    if form.is_valid():
        try:
            result = import_services.import_recheck(
                actor=actor,
                import_id=pk,
                columns=form.mapping(),
                delimiter=form.cleaned_data.get("delimiter", ""),
                save_mapping=form.cleaned_data.get("save_mapping", False),
            )
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
        else:
            return redirect("lims:import_detail", pk=result.pk)
    return _detail_page(request, earlier, recheck=form, status=400)


urlpatterns = [
    path("imports/new/", import_new, name="import_new"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/<int:pk>/apply/", import_apply, name="import_apply"),
    path("imports/<int:pk>/recheck/", import_recheck, name="import_recheck"),
]
