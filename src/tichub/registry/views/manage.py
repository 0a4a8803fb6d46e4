"""An institution manages its own registry entries: public profile, test sites, accreditations and scope rows.

Every member of an institution may look ("registry.scope.view"); the administrator and the quality manager change
things ("registry.scope.manage"). Scope tables are imported on /registry/scope-import/.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy

from .. import manage_selectors as selectors
from .. import manage_services as services
from ..directory_selectors import page_of, today, validity_state
from ..forms import AccreditationForm, ProfileForm, ScopeBulkForm, ScopeFilterForm, ScopeRowForm, SiteForm

VIEW = "registry.scope.view"
MANAGE = "registry.scope.manage"
SCOPE_IMPORT_URL = "/registry/scope-import/"


def _status(form: Any) -> int:
    return 400 if form is not None and form.errors else 200


def _site_choices(actor: Any) -> list[tuple[int, str]]:
    return [(site.pk, site.name_zh) for site in selectors.my_sites(actor)]


def _accreditation_choices(actor: Any) -> list[tuple[int, str]]:
    return [(a.pk, f"{a.body} {a.number}") for a in selectors.my_accreditations(actor)]


@policy(VIEW)
def manage(request: HttpRequest) -> HttpResponse:
    """The institution's registry home: public profile (form for managers), test sites, accreditations."""
    actor = actor_of(request)
    organisation = selectors.my_institution(actor)
    profile = selectors.my_profile(actor)
    form = None
    if actor.can(MANAGE):
        initial = {name: getattr(profile, name) for name in ProfileForm.base_fields}
        form = ProfileForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.profile_update(actor=actor, **form.cleaned_data)
            except ServiceError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("registry:manage")
    elif request.method == "POST":
        actor.require(MANAGE)
    on = today()
    accreditations = [(a, validity_state(a.valid_from, a.valid_until, on)) for a in selectors.my_accreditations(actor)]
    context = {
        "organisation": organisation,
        "profile": profile,
        "form": form,
        "can_manage": actor.can(MANAGE),
        "sites": selectors.my_sites(actor),
        "accreditations": accreditations,
        "scope_import_url": SCOPE_IMPORT_URL,
    }
    return render(request, "registry/manage/home.html", context, status=_status(form))


# --- test sites -------------------------------------------------------------------------------------------------


def _site_page(request: HttpRequest, form: SiteForm, site: Any = None) -> HttpResponse:
    return render(request, "registry/manage/site_form.html", {"form": form, "site": site}, status=_status(form))


@policy(MANAGE)
def site_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    selectors.my_institution(actor)
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_create(actor=actor, **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("检测场所已添加。"))
            return redirect("registry:manage")
    return _site_page(request, form)


@policy(MANAGE)
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    site = selectors.my_site_get(actor, pk)
    initial = {name: getattr(site, name) for name in SiteForm.base_fields}
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(actor=actor, site_id=site.pk, **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:manage")
    return _site_page(request, form, site)


# --- accreditations ---------------------------------------------------------------------------------------------


def _accreditation_page(
    request: HttpRequest, form: AccreditationForm, accreditation: Any = None, *, error: str = "", status: int = 0
) -> HttpResponse:
    context = {"form": form, "accreditation": accreditation, "error": error}
    return render(request, "registry/manage/accreditation_form.html", context, status=status or _status(form))


def _accreditation_form(actor: Any, accreditation: Any, data: Any = None, files: Any = None) -> AccreditationForm:
    initial = {name: getattr(accreditation, name) for name in AccreditationForm.base_fields if name != "sites"}
    initial["sites"] = [site.pk for site in accreditation.sites.all()]
    return AccreditationForm(data, files, initial=initial, sites=_site_choices(actor))


def _accreditation_values(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    values["site_ids"] = values.pop("sites", [])
    document = values.pop("scope_document", None)
    if document is False:  # the "clear" box of the file input
        values["remove_scope_document"] = True
    elif document:
        values["scope_document"] = document
    return values


@policy(MANAGE)
def accreditation_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    selectors.my_institution(actor)
    form = AccreditationForm(request.POST or None, request.FILES or None, sites=_site_choices(actor))
    if request.method == "POST" and form.is_valid():
        values = _accreditation_values(form.cleaned_data)
        values.pop("remove_scope_document", None)
        try:
            services.accreditation_create(actor=actor, **values)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("资质已登记。"))
            return redirect("registry:manage")
    return _accreditation_page(request, form)


@policy(MANAGE)
def accreditation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    accreditation = selectors.my_accreditation_get(actor, pk)
    form = _accreditation_form(actor, accreditation, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.accreditation_update(
                actor=actor, accreditation_id=accreditation.pk, **_accreditation_values(form.cleaned_data)
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:manage")
    return _accreditation_page(request, form, accreditation)


@require_POST
@policy(MANAGE)
def accreditation_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    accreditation = selectors.my_accreditation_get(actor, pk)
    try:
        services.accreditation_remove(actor=actor, accreditation_id=accreditation.pk)
    except ServiceError as exc:
        form = _accreditation_form(actor, accreditation)
        return _accreditation_page(request, form, accreditation, error=exc.message, status=exc.status)
    messages.success(
        request, _("资质 %(body)s %(number)s 已删除。") % {"body": accreditation.body, "number": accreditation.number}
    )
    return redirect("registry:manage")


# --- scope ------------------------------------------------------------------------------------------------------


def _scope_page(request: HttpRequest, bulk_form: ScopeBulkForm | None = None, status: int = 200) -> HttpResponse:
    actor = actor_of(request)
    selectors.my_institution(actor)
    accreditation_choices = [(str(pk), label) for pk, label in _accreditation_choices(actor)]
    filter_form = ScopeFilterForm(request.GET or None, sites=_site_choices(actor), accreditations=accreditation_choices)
    page = None
    if not filter_form.is_bound or filter_form.is_valid():
        data = filter_form.cleaned_data if filter_form.is_bound else {}
        filters = selectors.ScopeFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            site=data.get("site"),
            accreditation=data.get("accreditation") or "",
        )
        page = page_of(selectors.my_scope_rows(actor, filters), request.GET.get("page"), selectors.SCOPE_PAGE)
    can_manage = actor.can(MANAGE)
    context = {
        "filter_form": filter_form,
        "page": page,
        "query": urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v]),
        "can_manage": can_manage,
        "bulk_form": bulk_form or (ScopeBulkForm() if can_manage else None),
        "scope_import_url": SCOPE_IMPORT_URL,
    }
    return render(request, "registry/manage/scope.html", context, status=400 if filter_form.errors else status)


@policy(VIEW)
def scope(request: HttpRequest) -> HttpResponse:
    """The institution's own scope rows (every status), with filters and paging; managers change status in bulk."""
    return _scope_page(request)


def _back_to_scope(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    base = reverse("registry:scope")
    if urlsplit(target).path == base and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return base


@require_POST
@policy(MANAGE)
def scope_bulk(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ScopeBulkForm(request.POST)
    if form.is_valid():
        try:
            changed = services.scope_rows_set_status(
                actor=actor,
                row_ids=form.cleaned_data["rows"],
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form_error(form, exc)
            return _scope_page(request, form, status=exc.status)
        messages.success(request, _("已修改 %(n)d 条能力范围的状态。") % {"n": changed})
        return redirect(_back_to_scope(request))
    return _scope_page(request, form, status=400)


@policy(MANAGE)
def scope_row(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit one scope row: status (with a reason to suspend or withdraw), turnaround, price, limitation,
    the accreditations that cover it."""
    actor = actor_of(request)
    row = selectors.my_scope_row_get(actor, pk)
    initial = {
        "status": row.status,
        "turnaround_days": row.turnaround_days,
        "list_price": "" if row.list_price is None else str(row.list_price),
        "limitation": row.limitation,
        "accreditations": [a.pk for a in row.accreditations.all()],
    }
    form = ScopeRowForm(request.POST or None, initial=initial, accreditations=_accreditation_choices(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.scope_row_update(
                actor=actor,
                row_id=row.pk,
                reason=data["reason"],
                status=data["status"],
                turnaround_days=data["turnaround_days"],
                list_price=data["list_price"],
                limitation=data["limitation"],
                accreditation_ids=data["accreditations"],
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:scope")
    return render(request, "registry/manage/scope_row.html", {"form": form, "row": row}, status=_status(form))


urlpatterns = [
    path("manage/", manage, name="manage"),
    path("manage/sites/new/", site_new, name="site_new"),
    path("manage/sites/<int:pk>/", site_edit, name="site_edit"),
    path("manage/accreditations/new/", accreditation_new, name="accreditation_new"),
    path("manage/accreditations/<int:pk>/", accreditation_edit, name="accreditation_edit"),
    path("manage/accreditations/<int:pk>/remove/", accreditation_remove, name="accreditation_remove"),
    path("manage/scope/", scope, name="scope"),
    path("manage/scope/status/", scope_bulk, name="scope_bulk"),
    path("manage/scope/<int:pk>/", scope_row, name="scope_row"),
]
