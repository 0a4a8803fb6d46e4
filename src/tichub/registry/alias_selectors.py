"""Reading the parameter alias table for its curators."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tichub.core.tenancy import Actor

from .models import ParameterAlias
from .normalise import normalise


def alias_list(actor: Actor, *, q: str = "") -> QuerySet[ParameterAlias]:
    """Every alias, grouped by canonical name; `q` keeps the groups whose canonical name or an alias contains it."""
    actor.require("registry.aliases.curate")
    aliases = ParameterAlias.objects.order_by("canonical", "alias")
    text = normalise(q)
    if text:
        groups = ParameterAlias.objects.filter(Q(alias__contains=text) | Q(canonical__contains=text)).values(
            "canonical"
        )
        aliases = aliases.filter(canonical__in=groups)
    return aliases
