"""Data for the generic permission suite: capability search, unmet demand and parameter aliases.

Search (page, fragment, API) is public and parameterless; the demand page and API and the alias list are
parameterless operator GETs: the suite covers them without a case. Aliases are cluster-wide (no tenant owns them).
"""

import itertools

from tichub.core.testing.permissions import Setup, case
from tichub.registry.models import ParameterAlias

_n = itertools.count()


def _alias(org, user):
    alias = ParameterAlias.objects.create(alias=f"pb-{next(_n)}", canonical="铅")
    return Setup(kwargs={"alias_id": alias.pk})


case("registry:alias_remove", method="POST", kind="operator", cluster_wide=True, build=_alias)
case(
    "POST /api/v1/registry/aliases",
    method="POST",
    kind="operator",
    cluster_wide=True,
    build=lambda org, user: Setup(data={"canonical": "铅", "aliases": ["Pb", "lead"]}),
)
case("DELETE /api/v1/registry/aliases/{alias_id}", method="DELETE", kind="operator", cluster_wide=True, build=_alias)
