"""The public directory: the listing of institutions with filters, and each institution's public profile with its
accreditations and searchable scope. Works without JavaScript; with HTMX the results refresh as one types."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tichub.accounts.models import Organisation
from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy

from .. import directory_selectors as selectors
from ..forms import DirectoryFilterForm


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _query_without_page(request: HttpRequest) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


@policy("public")
def directory(request: HttpRequest) -> HttpResponse:
    """Active institutions by name, narrowed by level, ownership, kind, region, accreditation body and name."""
    form = DirectoryFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        filters = selectors.DirectoryFilters(**{k: v or "" for k, v in data.items()})
        try:
            institutions = selectors.institutions_public(actor_of(request), filters)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            page = selectors.page_of(institutions, request.GET.get("page"), selectors.DIRECTORY_PAGE)
    items = [
        {"org": org, "bodies": selectors.accreditation_bodies(org), "region": selectors.region_of(org)}
        for org in (page or [])
    ]
    context = {"form": form, "page": page, "items": items, "query": _query_without_page(request)}
    template = "registry/directory/_results.html" if _is_htmx(request) else "registry/directory/list.html"
    return render(request, template, context, status=400 if form.errors else 200)


def _scope_context(request: HttpRequest, organisation: Organisation) -> dict[str, object]:
    actor = actor_of(request)
    q = request.GET.get("q", "")[:100]
    rows = selectors.institution_scope_public(actor, organisation, q, request.GET.get("page"))
    shown = selectors.prices_visible(actor, organisation, selectors.profile_or_default(organisation))
    query = urlencode({"q": q}) if q else ""
    return {"organisation": organisation, "rows": rows, "q": q, "prices_visible": shown, "query": query}


@policy("public")
def institution(request: HttpRequest, slug: str) -> HttpResponse:
    """An institution's public profile: who it is, its accreditations with their validity, its scope (searchable)."""
    info = selectors.institution_public(actor_of(request), slug)
    context = {"info": info, **_scope_context(request, info.organisation)}
    return render(request, "registry/directory/institution.html", context)


@policy("public")
def institution_scope(request: HttpRequest, slug: str) -> HttpResponse:
    """The scope table alone, for HTMX's search-as-you-type; without HTMX, the profile page with the same query."""
    organisation = selectors.institution_by_slug(slug)
    if not _is_htmx(request):
        target = reverse("registry:institution", args=[slug])
        query = urlencode([(k, v) for k, v in request.GET.items() if k in ("q", "page") and v])
        return redirect(f"{target}?{query}#scope" if query else f"{target}#scope")
    return render(request, "registry/directory/_scope.html", _scope_context(request, organisation))


urlpatterns = [
    path("directory/", directory, name="directory"),
    path("institutions/<slug:slug>/", institution, name="institution"),
    path("institutions/<slug:slug>/scope/", institution_scope, name="institution_scope"),
]
