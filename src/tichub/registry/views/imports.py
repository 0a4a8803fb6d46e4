"""Registry pages: scope imports (upload and history, preview with the diff, commit, discard, the template file)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tichub.core.errors import NotFound, ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy

from .. import import_services
from ..choices import ScopeStatus
from ..import_selectors import scope_import_get, scope_imports_of, site_names_of
from ..imports import MAX_BYTES
from ..models import ScopeImport

PAGE = 50
HISTORY_PAGE = 20
SECTIONS = ("added", "changed", "removed")
TEMPLATE_HEADERS = [
    "序号", "检测对象", "检测对象（英文）", "项目/参数", "参数英文名", "检测标准（方法）名称及编号（含年号）", "条款",
    "限制范围", "说明", "场所", "认可/资质", "状态", "周期（工作日）", "参考价格（元）",
]  # fmt: skip


class ScopeImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("范围表文件（XLSX 或 CSV）"),
        help_text=gettext_lazy("CNAS/CMA 能力范围附表的列布局，中文或英文表头；CSV 可为 UTF-8 或 GB18030 编码。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件过大：上限为 %(mb)d MB。") % {"mb": MAX_BYTES // (1024 * 1024)})
        return upload


def _page(request: HttpRequest, name: str) -> int:
    try:
        return max(1, int(request.GET.get(name, "1")))
    except ValueError:
        return 1


@policy("registry.scope.manage")
def scope_import(request: HttpRequest) -> HttpResponse:
    """Upload a scope table (→ its preview) and the institution's earlier imports."""
    actor = actor_of(request)
    form = ScopeImportForm(request.POST or None, request.FILES or None)
    row_errors: list[tuple[str, list[str]]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_services.scope_import_preview(actor=actor, filename=upload.name, content=upload.read())
        except ServiceError as exc:
            if exc.code == "invalid_rows":
                form.add_error(None, exc.message)
                row_errors = list(exc.fields.items())
            else:
                form_error(form, exc)
        else:
            messages.success(request, _("已读取 %(count)d 行，请核对预览后确认导入。") % {"count": len(result.rows)})
            return redirect("registry:scope_import_detail", pk=result.pk)
    page = _page(request, "page")
    history = list(scope_imports_of(actor)[(page - 1) * HISTORY_PAGE : page * HISTORY_PAGE + 1])
    context = {
        "form": form,
        "row_errors": row_errors,
        "imports": history[:HISTORY_PAGE],
        "page": page,
        "has_next": len(history) > HISTORY_PAGE,
    }
    return render(request, "registry/imports/upload.html", context, status=400 if form.errors else 200)


def _value(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == "status":
        return str(ScopeStatus(value).label)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _after(name: str, row: dict[str, Any]) -> Any:
    return {
        "parameter": row["parameter_zh"],
        "accreditations": row["accreditations"],
    }.get(name, row.get(name))


FIELD_LABELS = {
    "parameter": gettext_lazy("项目/参数"),
    "clause": gettext_lazy("条款"),
    "limitation": gettext_lazy("限制范围"),
    "accreditations": gettext_lazy("认可/资质"),
    "status": gettext_lazy("状态"),
    "turnaround_days": gettext_lazy("周期（工作日）"),
    "list_price": gettext_lazy("参考价格（元）"),
}


def _section_items(scope_import: ScopeImport, name: str) -> list[Any]:
    rows, diff = scope_import.rows, scope_import.diff
    if name == "added":
        return [rows[i] for i in diff.get("added", [])]
    if name == "removed":
        return list(diff.get("removed", []))
    return list(diff.get("changed", []))


def _with_changes(items: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = []
    for change in items:
        row = rows[change["row"]]
        shown.append(
            {
                "row": row,
                "changes": [
                    (FIELD_LABELS.get(f, f), _value(f, change["before"].get(f)), _value(f, _after(f, row)))
                    for f in change["fields"]
                ],
            }
        )
    return shown


@policy("registry.scope.manage")
def scope_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview (or the record) of one import: counts, then the added, changed and removed rows, paged."""
    scope_import = scope_import_get(actor_of(request), pk)
    sections = []
    for name in SECTIONS:
        items = _section_items(scope_import, name)
        page = _page(request, f"{name}_page")
        shown = items[(page - 1) * PAGE : page * PAGE]
        if name == "changed":
            shown = _with_changes(shown, scope_import.rows)
        sections.append(
            {
                "name": name,
                "items": shown,
                "count": len(items),
                "page": page,
                "has_next": len(items) > page * PAGE,
                "pages": (len(items) + PAGE - 1) // PAGE,
            }
        )
    context = {
        "import": scope_import,
        "counts": scope_import.diff.get("counts", {}),
        "catalogue": scope_import.diff.get("catalogue", {}),
        "site_to_create": scope_import.diff.get("site_to_create"),
        "sections": sections,
        "is_preview": scope_import.status == ScopeImport.Status.PREVIEW,
        "query": request.GET,
    }
    return render(request, "registry/imports/detail.html", context)


@require_POST
@policy("registry.scope.manage")
def scope_import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        result = import_services.scope_import_commit(actor=actor_of(request), import_id=pk)
    except NotFound:
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        counts = result.diff.get("counts", {})
        messages.success(
            request,
            _("已导入：新增 %(added)d 条，修改 %(changed)d 条，撤销 %(removed)d 条。")
            % {
                "added": counts.get("added", 0),
                "changed": counts.get("changed", 0),
                "removed": counts.get("removed", 0),
            },
        )
    return redirect("registry:scope_import_detail", pk=pk)


@require_POST
@policy("registry.scope.manage")
def scope_import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        import_services.scope_import_discard(actor=actor_of(request), import_id=pk)
    except NotFound:
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已放弃该导入，能力范围未作任何改动。"))
    return redirect("registry:scope_import")


@policy("registry.scope.manage")
def scope_import_template(request: HttpRequest) -> HttpResponse:
    """A CSV with the Chinese headers and two example rows (UTF-8 with BOM, so that Excel opens it right)."""
    sites = site_names_of(actor_of(request))
    site = sites[0] if sites else ""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(
        ["1", "白砂糖", "White granulated sugar", "铅", "Lead", "食品安全国家标准 食品中铅的测定 GB 5009.12-2017",
         "第一法", "", "", site, "CNAS,CMA", "有效", "5", "300.00"]
    )  # fmt: skip
    writer.writerow(
        ["2", "白砂糖", "White granulated sugar", "二氧化硫", "Sulfur dioxide",
         "食品安全国家标准 食品中二氧化硫的测定 GB 5009.34-2022", "第一法", "不测亚硫酸盐", "", site, "CMA", "有效",
         "3", "150.00"]
    )  # fmt: skip
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="scope-import-template.csv"'
    return response


urlpatterns: list = [
    path("scope-import/", scope_import, name="scope_import"),
    path("scope-import/template.csv", scope_import_template, name="scope_import_template"),
    path("scope-import/<int:pk>/", scope_import_detail, name="scope_import_detail"),
    path("scope-import/<int:pk>/commit/", scope_import_commit, name="scope_import_commit"),
    path("scope-import/<int:pk>/discard/", scope_import_discard, name="scope_import_discard"),
]
