"""Reads of scope imports: the institution's upload history and one import with its rows and diff."""

from __future__ import annotations

from django.db.models import IntegerField, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .models import ScopeImport, TestSite

COUNTS = ("rows", "added", "changed", "removed")


def scope_imports_of(actor: Actor) -> QuerySet[ScopeImport]:
    """The institution's imports, newest first, without their (large) rows and diff but with the diff's counts."""
    actor.require("registry.scope.manage")
    counts = {f"count_{name}": Cast(KT(f"diff__counts__{name}"), IntegerField()) for name in COUNTS}
    return (
        ScopeImport.objects.filter(organisation_id=actor.tenant_id)
        .defer("rows", "diff")
        .select_related("created_by")
        .annotate(**counts)
        .order_by("-created_at", "-id")
    )


def scope_import_get(actor: Actor, import_id: int) -> ScopeImport:
    """One import of the institution with its rows and diff; another institution's import is not found."""
    actor.require("registry.scope.manage")
    scope_import = (
        ScopeImport.objects.filter(organisation_id=actor.tenant_id, pk=import_id).select_related("created_by").first()
    )
    if scope_import is None:
        raise NotFound(_("导入记录不存在。"))
    return scope_import


def site_names_of(actor: Actor) -> list[str]:
    """The institution's test site names, oldest first (the first is the default site of an import)."""
    actor.require("registry.scope.manage")
    return list(
        TestSite.objects.filter(organisation_id=actor.tenant_id).order_by("id").values_list("name_zh", flat=True)
    )
