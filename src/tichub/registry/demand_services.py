"""Unmet demand: searches that found no or only partial coverage, recorded without who asked.

The cluster operator uses these records to see which capabilities the cluster lacks (DOMAIN.md: "dashboards of
capacity, turnaround, demand without supply"). A record keeps what was needed and when, never who needed it: no
user, no organisation, no address, no session; the audit trail is not written either, since its events carry the
actor and the client address by design.
"""

from __future__ import annotations

from .models import DemandRecord
from .normalise import normalise
from .search_selectors import Need, SearchResult
from .search_terms import TEXT_LIMIT

MAX_RECORDED_PARAMETERS = 20
PARAMETER_LIMIT = 100


def demand_record(need: Need, result: SearchResult) -> DemandRecord | None:
    """Record a search whose need the cluster covers only in part or not at all; complete coverage is not recorded.

    "Complete" means every requested parameter is covered by the exact edition at some institution (several
    institutions together count: the capability exists in the cluster). Empty needs are not recorded. Called on
    a submitted search (full page or API call), never on the as-you-type preview.
    """
    if not result.searched or result.coverage == "complete":
        return None
    text = need.object_text if normalise(need.object_text) else need.q
    return DemandRecord.objects.create(
        object_text=normalise(text)[:TEXT_LIMIT],
        parameters=[normalise(p)[:PARAMETER_LIMIT] for p in result.parameters][:MAX_RECORDED_PARAMETERS],
        standard_code=result.standard[:80],
        coverage=result.coverage,
        missing=[k[:PARAMETER_LIMIT] for k in result.missing_keys][:MAX_RECORDED_PARAMETERS],
    )
