"""The public standards catalogue (search, one standard with its editions) and the curators' pages (import,
withdraw/replace with the impact on institutions' scopes)."""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.ratelimit import rate_limited
from tichub.core.routes import actor_of, policy

from . import selectors, services
from .forms import ImportForm, SearchForm, WithdrawForm
from .models import StandardEdition

PAGE = 50
FAMILY_LABELS = {
    "GB": gettext_lazy("国家标准"),
    "industry": gettext_lazy("行业标准"),
    "local": gettext_lazy("地方标准"),
    "group": gettext_lazy("团体标准"),
    "enterprise": gettext_lazy("企业标准"),
    "international": gettext_lazy("国际标准"),
    "regional": gettext_lazy("区域标准"),
    "foreign_national": gettext_lazy("国外国家标准"),
    "asean": gettext_lazy("东盟国家标准"),
}
SESSION_IMPORT = "standards_import"
UPLOAD_DIR = "standards-imports"


@policy("public")
def standard_list(request: HttpRequest) -> HttpResponse:
    """Search the catalogue by code or title; with HTMX the results refresh as one types."""
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    template = "standards/_results.html" if partial else "standards/list.html"
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {
        "form": form,
        "editions": [],
        "page": 1,
        "has_next": False,
        "query": "",
        "curator": actor_of(request).can("standards.curate"),
    }
    if rate_limited(request, "public"):
        context["limited"] = True
        return render(request, template, context, status=429)
    if form.is_bound and not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data if form.is_bound else {"q": "", "status": "", "page": None}
    page = data.get("page") or 1
    editions = selectors.standard_search(data.get("q", ""), data.get("status") or None)
    rows = list(editions[(page - 1) * PAGE : page * PAGE + 1])
    context.update(
        editions=rows[:PAGE],
        page=page,
        has_next=len(rows) > PAGE,
        query=urlencode({k: v for k, v in (("q", data.get("q", "")), ("status", data.get("status") or "")) if v}),
    )
    return render(request, template, context)


def _detail_context(request: HttpRequest, edition: StandardEdition, form: WithdrawForm | None = None) -> dict[str, Any]:
    actor = actor_of(request)
    adopts, adopted_by = selectors.adoptions_of(edition)
    context: dict[str, Any] = {
        "edition": edition,
        "editions": selectors.editions_of(edition.base_key),
        "chain": selectors.replacement_chain(edition),
        "replaces": selectors.editions_replaced_by(edition),
        "adopts": adopts,
        "adopted_by": adopted_by,
        "curator": actor.can("standards.curate"),
        "family_label": FAMILY_LABELS.get(edition.family, edition.family),
    }
    if context["curator"]:
        context["form"] = form or WithdrawForm(edition=edition)
        context["impact"] = selectors.withdrawal_impact(actor, edition)
    return context


@policy("public")
def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One edition: its status and dates, every edition of the same standard, its replacements and adoptions."""
    edition = selectors.standard_get(pk)
    return render(request, "standards/detail.html", _detail_context(request, edition))


@require_POST
@policy("standards.curate")
def standard_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw (废止) or replace (被代替) an edition; the institutions whose scopes cite it are notified."""
    edition = selectors.standard_get(pk)
    form = WithdrawForm(request.POST, edition=edition)
    if form.is_valid():
        data = form.cleaned_data
        actor = actor_of(request)
        try:
            if form.replacement is not None:
                impact = services.standard_replace(
                    actor=actor, edition_id=pk, replaced_by_id=form.replacement.pk, on=data["on"], reason=data["reason"]
                )
            else:
                impact = services.standard_withdraw(actor=actor, edition_id=pk, on=data["on"], reason=data["reason"])
        except ServiceError as exc:
            form_error(form, exc)
        else:
            rows = sum(item.row_count for item in impact)
            messages.success(
                request,
                _("已登记 %(code)s 的废止信息；%(orgs)d 家机构的 %(rows)d 条能力范围受影响，已通知其质量负责人。")
                % {"code": edition.canonical, "orgs": len(impact), "rows": rows},
            )
            return redirect("standards:detail", pk=pk)
    edition = selectors.standard_get(pk)
    return render(request, "standards/detail.html", _detail_context(request, edition, form), status=400)


@policy("standards.curate")
def catalogue_import(request: HttpRequest) -> HttpResponse:
    """Upload a catalogue file: every row is checked and the result previewed; nothing is written yet."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        filename = PurePath(upload.name or "catalogue.csv").name[:120]
        try:
            report = services.catalogue_import(
                actor=actor_of(request), filename=filename, content=content, dry_run=True
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            context["report"] = report
            if report.ok:
                _discard_upload(request)
                token = secrets.token_urlsafe(24)
                suffix = PurePath(filename).suffix.lower()[:6]
                stored = default_storage.save(f"{UPLOAD_DIR}/{token}{suffix}", ContentFile(content))
                request.session[SESSION_IMPORT] = {"token": token, "path": stored, "filename": filename}
                context["token"] = token
            return render(request, "standards/import.html", context, status=200 if report.ok else 400)
    return render(request, "standards/import.html", context, status=400 if form.errors else 200)


@require_POST
@policy("standards.curate")
def catalogue_import_commit(request: HttpRequest) -> HttpResponse:
    """Write the previewed file, all rows or none."""
    pending = request.session.get(SESSION_IMPORT) or {}
    if not pending or not secrets.compare_digest(str(pending.get("token", "")), request.POST.get("token", "")):
        messages.error(request, _("预览已过期，请重新上传文件。"))
        return redirect("standards:import")
    try:
        with default_storage.open(pending["path"], "rb") as stored:
            content = stored.read()
    except OSError:
        request.session.pop(SESSION_IMPORT, None)
        messages.error(request, _("预览已过期，请重新上传文件。"))
        return redirect("standards:import")
    try:
        report = services.catalogue_import(
            actor=actor_of(request), filename=pending["filename"], content=content, dry_run=False
        )
    except ServiceError as exc:  # the catalogue changed since the preview: show what is wrong now
        report = services.catalogue_import(
            actor=actor_of(request), filename=pending["filename"], content=content, dry_run=True
        )
        context = {"form": ImportForm(), "report": report, "error": exc.message}
        return render(request, "standards/import.html", context, status=400)
    _discard_upload(request)
    messages.success(
        request,
        _("已导入 %(file)s：新增 %(created)d 条，更新 %(updated)d 条，未变 %(unchanged)d 条。")
        % {
            "file": report.filename,
            "created": len(report.created) + len(report.references_added),
            "updated": len(report.updated),
            "unchanged": report.unchanged,
        },
    )
    return render(request, "standards/import.html", {"form": ImportForm(), "report": report, "done": True})


def _discard_upload(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_IMPORT, None)
    if pending and pending.get("path"):
        default_storage.delete(pending["path"])
