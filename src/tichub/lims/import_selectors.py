"""Reading instrument CSV mappings and result imports (ISO/IEC 17025 7.5, 7.11: the data as it came in).

Everything is the actor's institution's: another institution's instrument or import answers NotFound, as one that
does not exist. Reads need "lims.result.enter", the policy of the import itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor
from tichub.metrology.choices import InstrumentStatus
from tichub.metrology.models import Instrument

from .models import ImportMapping, ResultImport

ENTER = "lims.result.enter"
RECENT = 20


def instrument_not_found() -> NotFound:
    return NotFound(_("仪器不存在，或不属于本机构。"))


def import_not_found() -> NotFound:
    return NotFound(_("导入记录不存在，或不属于本机构。"))


@dataclass(frozen=True)
class InstrumentChoice:
    instrument: Instrument
    mapping: ImportMapping | None


def instruments_for_import(actor: Actor) -> list[InstrumentChoice]:
    """The institution's instruments that are not retired, each with its saved mapping (two queries)."""
    actor.require(ENTER)
    instruments = list(
        Instrument.objects.filter(institution_id=actor.tenant_id)
        .exclude(status=InstrumentStatus.RETIRED)
        .order_by("asset_number")
    )
    mappings = {
        m.instrument_id: m
        for m in ImportMapping.objects.filter(institution_id=actor.tenant_id, instrument__in=instruments)
    }
    return [InstrumentChoice(i, mappings.get(i.pk)) for i in instruments]


def instrument_get(actor: Actor, instrument_id: int) -> Instrument:
    actor.require(ENTER)
    instrument = Instrument.objects.filter(institution_id=actor.tenant_id, pk=instrument_id).first()
    if instrument is None:
        raise instrument_not_found()
    return instrument


def mapping_of(actor: Actor, instrument_id: int) -> ImportMapping | None:
    """The instrument's saved mapping (None when it has none); NotFound for another institution's instrument."""
    instrument = instrument_get(actor, instrument_id)
    mapping = ImportMapping.objects.filter(institution_id=actor.tenant_id, instrument_id=instrument.pk).first()
    if mapping is not None:
        mapping.instrument = instrument
    return mapping


def result_import_get(actor: Actor, import_id: int) -> ResultImport:
    """One import of the institution, with its instrument and author (one query)."""
    actor.require(ENTER)
    found = (
        ResultImport.objects.select_related("instrument", "created_by")
        .filter(institution_id=actor.tenant_id, pk=import_id)
        .first()
    )
    if found is None:
        raise import_not_found()
    return found


def result_imports_recent(actor: Actor) -> QuerySet[ResultImport]:
    """The institution's imports, newest first (slice it; one query whatever the number shown)."""
    actor.require(ENTER)
    return (
        ResultImport.objects.select_related("instrument", "created_by")
        .filter(institution_id=actor.tenant_id)
        .defer("errors", "columns")
        .order_by("-created_at", "-id")
    )
