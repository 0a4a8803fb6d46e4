"""Writes of the registry shared by imports, the demo and the generator: terms, aliases, parameter keys."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from tichub.core.audit import audit_record
from tichub.core.errors import ServiceError
from tichub.core.tenancy import Actor

from .models import ParameterAlias, ScopeRow, Term
from .normalise import normalise


def alias_map() -> dict[str, str]:
    """Every alias key → its canonical key (a few thousand rows; read once per import or search)."""
    return dict(ParameterAlias.objects.values_list("alias", "canonical"))


def parameter_key(name_zh: str, name_en: str = "", aliases: dict[str, str] | None = None) -> str:
    """The key under which search finds a parameter: the canonical name of its alias group, else its own name."""
    aliases = alias_map() if aliases is None else aliases
    for name in (name_zh, name_en):
        key = normalise(name)
        if key in aliases:
            return aliases[key]
    return normalise(name_zh) or normalise(name_en)


def terms_ensure(kind: str, names: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Ids of the terms for (name_zh, name_en) pairs, creating the missing ones in one statement."""
    wanted = {normalise(zh): (zh.strip(), en.strip()) for zh, en in names}
    found = dict(Term.objects.filter(kind=kind, key__in=wanted).values_list("key", "id"))
    missing = [
        Term(kind=kind, key=key, name_zh=zh, name_en=en, search=normalise(f"{zh} {en}"))
        for key, (zh, en) in wanted.items()
        if key not in found
    ]
    if missing:
        Term.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
        found = dict(Term.objects.filter(kind=kind, key__in=wanted).values_list("key", "id"))
    return found


def alias_set(*, actor: Actor, canonical: str, aliases: Iterable[str]) -> list[str]:
    """Group names under one canonical parameter (铅 / Pb / lead → pb) and re-key the scope rows they name."""
    actor.require("registry.aliases.curate")
    canonical_key = normalise(canonical)
    keys = sorted({normalise(a) for a in aliases} - {canonical_key, ""})
    if not canonical_key:
        raise ServiceError.field("canonical", _("请填写规范名。"), code="required")
    if not keys:
        raise ServiceError.field("aliases", _("至少填写一个别名。"), code="required")
    with transaction.atomic():
        for key in keys:
            ParameterAlias.objects.update_or_create(alias=key, defaults={"canonical": canonical_key})
        # Rows keyed by an alias (or by the canonical name's own aliases) follow the group.
        ScopeRow.objects.filter(parameter_key__in=keys).update(parameter_key=canonical_key)
        alias = ParameterAlias.objects.get(alias=keys[0])
        audit_record(actor=actor, action="alias.set", obj=alias, after={"canonical": canonical_key, "aliases": keys})
    return keys
