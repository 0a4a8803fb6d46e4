"""Data for the directory and self-management tests: institutions with profiles, sites, accreditations, scope."""

import datetime as dt
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.registry.models import Accreditation, InstitutionProfile, ScopeRow, TestSite
from tichub.registry.normalise import normalise
from tichub.registry.services import terms_ensure
from tichub.science.standard_codes import parse_standard_code
from tichub.standards.models import StandardEdition

_numbers = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def today():
    return timezone.localdate()


def edition(code="GB 5009.12-2017", title="食品中铅的测定"):
    parsed = parse_standard_code(code)
    found = StandardEdition.objects.filter(edition_key=parsed.edition_key).first()
    if found:
        return found
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
    )


def lab(**kwargs):
    """An institution and an actor holding the given role (institution admin by default)."""
    role = kwargs.pop("role", Role.INSTITUTION_ADMIN)
    org = InstitutionFactory(**kwargs)
    user = member(org, role)
    return org, user, Actor(user=user, organisation=org, roles=frozenset({role}))


def profile(org, **fields):
    return InstitutionProfile.objects.create(organisation=org, **fields)


def site(org, name=None, region=""):
    return TestSite.objects.create(organisation=org, name_zh=name or f"{org.slug} 本部", region=region)


def accreditation(org, body="CNAS", *, number=None, valid_from=None, valid_until=None, sites=()):
    acc = Accreditation.objects.create(
        organisation=org,
        body=body,
        number=number or f"{body}-L{next(_numbers):05d}",
        valid_from=valid_from or today() - dt.timedelta(days=365),
        valid_until=valid_until or today() + dt.timedelta(days=365),
    )
    acc.sites.set(sites)
    return acc


def row(
    org,
    *,
    at=None,
    obj=("白砂糖", "White sugar"),
    parameter=("铅", "Lead"),
    code="GB 5009.12-2017",
    clause="",
    status="active",
    price=None,
    turnaround=None,
    limitation="",
    accreditations=(),
):
    standard = edition(code)
    object_id = terms_ensure("object", [obj])[normalise(obj[0])]
    parameter_id = terms_ensure("parameter", [parameter])[normalise(parameter[0])]
    scope_row = ScopeRow.objects.create(
        organisation=org,
        object_term_id=object_id,
        parameter_term_id=parameter_id,
        parameter_key=normalise(parameter[0]),
        standard=standard,
        standard_base_key=standard.base_key,
        clause=clause,
        limitation=limitation,
        site=at or TestSite.objects.filter(organisation=org).first() or site(org),
        status=status,
        list_price=price,
        turnaround_days=turnaround,
    )
    scope_row.accreditations.set(accreditations)
    return scope_row


def pdf(name="scope.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)
