"""A small hand-built registry for the search tests: editions, laboratories, sites, accreditations and scope rows."""

import datetime as dt
import itertools

from django.utils import timezone

from tichub.registry.models import Accreditation, InstitutionProfile, ScopeRow, TestSite
from tichub.registry.normalise import normalise
from tichub.registry.services import parameter_key, terms_ensure
from tichub.science.standard_codes import parse_standard_code
from tichub.standards.models import StandardEdition

_numbers = itertools.count(1)


def today():
    return timezone.localdate()


def edition(code, *, status="current", replaced_by=None, title="食品中铅的测定"):
    parsed = parse_standard_code(code)
    return StandardEdition.objects.create(
        canonical=parsed.canonical,
        base=parsed.base,
        edition_key=parsed.edition_key,
        base_key=parsed.base_key,
        prefix=parsed.prefix,
        number=parsed.number,
        year=parsed.year,
        family=parsed.family,
        mandatory=parsed.mandatory,
        title_zh=title,
        status=status,
        replaced_by=replaced_by,
    )


def lead_editions():
    """GB 5009.12-2010 (withdrawn, replaced by) GB 5009.12-2017, and GB/T 5009.12-2003, a different standard."""
    new = edition("GB 5009.12-2017")
    old = edition("GB 5009.12-2010", status="withdrawn", replaced_by=new)
    recommended = edition("GB/T 5009.12-2003", title="食品中铅的测定（推荐性）")
    return old, new, recommended


def site(org, name=None, region=""):
    return TestSite.objects.create(organisation=org, name_zh=name or f"{org.name_zh} 本部", region=region)


def accredit(org, body="CNAS", *, valid_until=None, valid_from=None):
    return Accreditation.objects.create(
        organisation=org,
        body=body,
        number=f"{body}-L{next(_numbers):05d}",
        valid_from=valid_from or today() - dt.timedelta(days=365),
        valid_until=valid_until or today() + dt.timedelta(days=365),
    )


def profile(org, region="", prices_public=False):
    return InstitutionProfile.objects.create(organisation=org, region=region, prices_public=prices_public)


def scope(
    org,
    standard,
    *,
    obj=("白砂糖", "White sugar"),
    parameter=("铅", "Lead"),
    at=None,
    accreditations=(),
    turnaround=None,
    clause="",
    status="active",
    price=None,
):
    object_id = terms_ensure("object", [obj])[normalise(obj[0])]
    parameter_id = terms_ensure("parameter", [parameter])[normalise(parameter[0])]
    row = ScopeRow.objects.create(
        organisation=org,
        object_term_id=object_id,
        parameter_term_id=parameter_id,
        parameter_key=parameter_key(*parameter),
        standard=standard,
        standard_base_key=standard.base_key,
        clause=clause,
        site=at or TestSite.objects.filter(organisation=org).first() or site(org),
        status=status,
        turnaround_days=turnaround,
        list_price=price,
    )
    if accreditations:
        row.accreditations.set(accreditations)
    return row
