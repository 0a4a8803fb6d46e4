"""Curating parameter aliases (铅 / Pb / lead): adding names to a group, removing one, re-keying the scope rows.

A scope row's `parameter_key` is the canonical name of its parameter's alias group (services.parameter_key), so the
search follows one indexed key whatever name the scope used. Changing the table therefore re-keys rows: joining a
group is services.alias_set; leaving it is alias_remove here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tichub.core.audit import audit_record
from tichub.core.errors import NotFound, ServiceError
from tichub.core.tenancy import Actor

from .choices import TermKind
from .models import ParameterAlias, ScopeRow, Term
from .normalise import normalise
from .services import alias_map, alias_set, parameter_key


@dataclass(frozen=True)
class RemovedAlias:
    id: int
    alias: str
    canonical: str
    rows_rekeyed: int


def alias_group_add(*, actor: Actor, canonical: str, aliases: Iterable[str]) -> tuple[str, list[ParameterAlias]]:
    """Add names to a group, refusing chains: the search resolves an alias in one step (alias → canonical).

    A canonical name that is itself an alias joins that alias's group; a name that is already the canonical name
    of a group of its own cannot become an alias of another (remove its group first).
    """
    actor.require("registry.aliases.curate")
    names = [a for a in aliases if normalise(a)]
    with transaction.atomic():
        current = alias_map()
        canonical_key = current.get(normalise(canonical), normalise(canonical))
        heads = set(current.values())
        clashes = sorted({normalise(a) for a in names} & heads - {canonical_key})
        if clashes:
            raise ServiceError.field(
                "aliases",
                _("“%(name)s”已是另一组别名的规范名，不能再作为别名；请先删除该组。") % {"name": clashes[0]},
                code="alias_is_canonical",
            )
        keys = alias_set(actor=actor, canonical=canonical_key, aliases=names)
        group = list(ParameterAlias.objects.filter(canonical=canonical_key, alias__in=keys).order_by("alias"))
    return canonical_key, group


def alias_remove(*, actor: Actor, alias_id: int) -> RemovedAlias:
    """Take one name out of its group; the scope rows named by it get their own key back."""
    actor.require("registry.aliases.curate")
    with transaction.atomic():
        alias = ParameterAlias.objects.select_for_update().filter(pk=alias_id).first()
        if alias is None:
            raise NotFound(_("别名不存在。"), code="not_found")
        name, canonical = alias.alias, alias.canonical
        # Terms named by the alias: its Chinese key, or its English name (found through the normalised search text).
        terms = [
            (term_id, zh, en)
            for term_id, key, zh, en in Term.objects.filter(
                Q(key=name) | Q(search__contains=name), kind=TermKind.PARAMETER
            ).values_list("id", "key", "name_zh", "name_en")
            if name in (key, normalise(en))
        ]
        alias.delete()
        remaining = alias_map()
        by_key: dict[str, list[int]] = defaultdict(list)
        for term_id, zh, en in terms:
            new_key = parameter_key(zh, en, remaining)
            if new_key != canonical:
                by_key[new_key].append(term_id)
        rekeyed = 0
        for new_key, term_ids in sorted(by_key.items()):
            rekeyed += ScopeRow.objects.filter(parameter_term_id__in=term_ids, parameter_key=canonical).update(
                parameter_key=new_key
            )
        alias.pk = alias_id  # the event names the row that was removed
        audit_record(
            actor=actor,
            action="alias.remove",
            obj=alias,
            before={"alias": name, "canonical": canonical},
            after={"rows_rekeyed": rekeyed},
        )
    return RemovedAlias(id=alias_id, alias=name, canonical=canonical, rows_rekeyed=rekeyed)
