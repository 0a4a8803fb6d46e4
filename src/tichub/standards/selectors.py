"""Reads of the standards catalogue. The catalogue is public; the impact of a withdrawal is the curator's."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from tichub.accounts.models import Organisation
from tichub.core.errors import NotFound, ServiceError
from tichub.core.tenancy import Actor
from tichub.registry.choices import ScopeStatus
from tichub.registry.models import ScopeRow
from tichub.science.standard_codes import StandardCode, StandardCodeError, parse_standard_code

from .choices import StandardStatus
from .models import Adoption, StandardEdition

CHAIN_LIMIT = 50  # a replacement chain longer than this is a data error; stop following it
IMPACT_SAMPLES = 3


def code_error(exc: StandardCodeError, *, field: str = "code") -> ServiceError:
    """The refusal for a code the normaliser cannot read: the reason, and the corrected code when there is one."""
    message = _("无法识别的标准号“%(text)s”：%(reason)s。") % {"text": exc.text.strip(), "reason": exc.reason}
    if exc.suggestion:
        message += _("您是否要输入 %(suggestion)s？") % {"suggestion": exc.suggestion}
    return ServiceError(message, code="bad_standard_code", fields={field: [message]})


def parse_code(text: str, *, field: str = "code") -> StandardCode:
    """`parse_standard_code`, refusing bad input as a ServiceError that names `field`."""
    if not text or not text.strip():
        raise ServiceError.field(field, _("请填写标准号。"), code="required")
    try:
        return parse_standard_code(text)
    except StandardCodeError as exc:
        raise code_error(exc, field=field) from exc


# --- the public catalogue ---------------------------------------------------------------------------------------


def standard_search(q: str = "", status: str | None = None) -> QuerySet[StandardEdition]:
    """Editions matching `q`, ordered by standard then newest edition first (the caller paginates).

    A `q` that parses as a code matches editions whose code starts with it (a dated code: that edition and its
    amendments; an undated one: every edition of standards whose number starts with it, so "GB/T 2828" finds
    "GB/T 2828.1-2012"). GB and GB/T stay apart. Anything else matches the start of the code as typed, the
    number, or a substring of the Chinese or English title.
    """
    editions = StandardEdition.objects.select_related("replaced_by")
    if status:
        if status not in StandardStatus.values:
            raise ServiceError.field("status", _("未知的标准状态“%(status)s”。") % {"status": status})
        editions = editions.filter(status=status)
    text = " ".join((q or "").split())[:200]
    if not text:
        return editions
    try:
        code = parse_standard_code(text)
    except StandardCodeError:
        code = None
    if code is not None:
        key = code.edition_key if code.dated else code.base_key
        return editions.filter(edition_key__startswith=key)
    folded = text.casefold()
    return editions.filter(
        Q(edition_key__startswith=folded)
        | Q(number__startswith=text.upper())
        | Q(title_zh__icontains=text)
        | Q(title_en__icontains=text)
    )


def standard_get(pk: int) -> StandardEdition:
    edition = StandardEdition.objects.select_related("replaced_by").filter(pk=pk).first()
    if edition is None:
        raise NotFound(_("目录中没有该标准。"), code="not_found")
    return edition


def editions_of(base_key: str) -> list[StandardEdition]:
    """Every catalogued edition of one standard (same body, number and part), newest first."""
    return list(
        StandardEdition.objects.filter(base_key=base_key).select_related("replaced_by").order_by("-year", "canonical")
    )


def standard_by_code(
    text: str, *, field: str = "code"
) -> tuple[StandardEdition | None, list[StandardEdition], StandardCode]:
    """The edition a code names (None if not catalogued or undated), the other editions of the same standard,
    and the parsed code. Raises ServiceError (naming `field`) with the parser's suggestion for bad input."""
    code = parse_code(text, field=field)
    editions = editions_of(code.base_key)
    exact = next((e for e in editions if code.dated and e.edition_key == code.edition_key), None)
    return exact, [e for e in editions if e is not exact], code


def replacement_chain(edition: StandardEdition) -> list[StandardEdition]:
    """`edition` and the editions that replaced it in turn, ending with the one not replaced (or where a loop
    would begin: each edition appears once)."""
    chain = [edition]
    seen = {edition.pk}
    current = edition
    while current.replaced_by_id is not None and len(chain) < CHAIN_LIMIT:
        if current.replaced_by_id in seen:
            break
        nxt = StandardEdition.objects.select_related("replaced_by").filter(pk=current.replaced_by_id).first()
        if nxt is None:
            break
        chain.append(nxt)
        seen.add(nxt.pk)
        current = nxt
    return chain


def editions_replaced_by(edition: StandardEdition) -> list[StandardEdition]:
    """The editions this one replaced (代替)."""
    return list(StandardEdition.objects.filter(replaced_by=edition).order_by("canonical"))


def adoptions_of(edition: StandardEdition) -> tuple[list[Adoption], list[Adoption]]:
    """What `edition` adopts (GB/T 2828.1-2012 IDT ISO 2859-1:1999) and what adopts it."""
    adopts = list(Adoption.objects.filter(edition=edition).select_related("adopts").order_by("adopts__canonical"))
    adopted_by = list(Adoption.objects.filter(adopts=edition).select_related("edition").order_by("edition__canonical"))
    return adopts, adopted_by


# --- the impact of a withdrawal (curators) -----------------------------------------------------------------------


class Impact(NamedTuple):
    """One institution's active scope rows that cite a withdrawn (or to-be-withdrawn) edition."""

    organisation: Organisation
    row_count: int
    samples: list[ScopeRow]


def withdrawal_impact(actor: Actor, edition: StandardEdition, *, samples: int = IMPACT_SAMPLES) -> list[Impact]:
    """Per institution, how many active scope rows cite `edition`, with a few of them (three queries).

    Cluster-wide, so for catalogue curators only; institutions see their own rows through the registry.
    """
    actor.require("standards.curate")
    return impact_of(edition, samples=samples)


def impact_of(edition: StandardEdition, *, samples: int = IMPACT_SAMPLES) -> list[Impact]:
    """withdrawal_impact without the policy check: for services that checked their actor already."""
    rows = ScopeRow.objects.filter(standard=edition, status=ScopeStatus.ACTIVE)
    counts = dict(rows.values_list("organisation_id").annotate(n=Count("id")).order_by())
    if not counts:
        return []
    organisations = Organisation.objects.in_bulk(list(counts))
    picked: dict[int, list[ScopeRow]] = {}
    if samples > 0:
        ranked = (
            rows.annotate(rank=Window(RowNumber(), partition_by=[F("organisation_id")], order_by=F("id").asc()))
            .filter(rank__lte=samples)
            .select_related("object_term", "parameter_term", "site")
            .order_by("organisation_id", "id")
        )
        for row in ranked:
            picked.setdefault(row.organisation_id, []).append(row)
    impact = [Impact(organisations[pk], n, picked.get(pk, [])) for pk, n in counts.items() if pk in organisations]
    impact.sort(key=lambda item: (-item.row_count, item.organisation.name_zh))
    return impact
