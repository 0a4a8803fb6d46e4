import datetime as dt

import pytest

from tichub.science.standard_codes import parse_standard_code
from tichub.standards import demo
from tichub.standards.models import Adoption, StandardEdition
from tichub.standards.selectors import replacement_chain
from tichub.standards.services import edition_problems


def test_every_code_is_written_canonically_and_once():
    codes = [e.code for e in demo.CATALOGUE]
    assert [parse_standard_code(c).canonical for c in codes] == codes
    assert len({parse_standard_code(c).edition_key for c in codes}) == len(codes)
    assert all(parse_standard_code(c).dated for c in codes)
    known = set(codes)
    assert {e.replaced_by for e in demo.CATALOGUE if e.replaced_by} <= known
    assert {code for e in demo.CATALOGUE for code, _ in e.adopts} <= known


@pytest.mark.parametrize("today", [dt.date(2025, 6, 1), dt.date(2026, 11, 22), dt.date(2028, 1, 1)])
def test_statuses_and_dates_are_consistent_on_any_day(today):
    for e, published, effective, withdrawn in demo.editions_with_dates():
        problems = edition_problems(
            status=demo.status_on(effective, withdrawn, today), published_on=published, effective_on=effective,
            withdrawn_on=withdrawn, replaced=e.replaced_by is not None, today=today,
        )  # fmt: skip
        assert problems == {}, (e.code, problems)


@pytest.mark.django_db
def test_load_is_idempotent_and_links_editions():
    first = demo.load(today=dt.date(2026, 11, 22))
    assert first["created"] == len(demo.CATALOGUE) == StandardEdition.objects.count()
    assert demo.load(today=dt.date(2026, 11, 22)) == {"created": 0, "updated": 0, "editions": len(demo.CATALOGUE)}
    assert StandardEdition.objects.count() == len(demo.CATALOGUE)
    gb = StandardEdition.objects.get(canonical="GB 317-2006")
    assert [e.canonical for e in replacement_chain(gb)] == ["GB 317-2006", "GB/T 317-2006", "GB/T 317-2018"]
    lead = StandardEdition.objects.get(canonical="GB 5009.12-2017")
    assert (lead.status, lead.withdrawn_on, lead.replaced_by.canonical) == (
        "withdrawn",
        dt.date(2024, 3, 6),
        "GB 5009.12-2023",
    )
    assert StandardEdition.objects.get(canonical="GB 7718-2025").status == "upcoming"
    assert StandardEdition.objects.get(canonical="GB 7718-2011").status == "to_be_withdrawn"
    assert StandardEdition.objects.get(canonical="GB 38031-2025").status == "current"
    adoption = Adoption.objects.get(edition__canonical="GB/T 2828.1-2012")
    assert (adoption.adopts.canonical, adoption.relation) == ("ISO 2859-1:1999", "IDT")
    statuses = set(StandardEdition.objects.values_list("status", flat=True))
    assert statuses == {"current", "upcoming", "to_be_withdrawn", "withdrawn"}


@pytest.mark.django_db
def test_load_moves_statuses_on_with_the_date():
    demo.load(today=dt.date(2025, 6, 1))
    assert StandardEdition.objects.get(canonical="GB 38031-2025").status == "upcoming"
    assert StandardEdition.objects.get(canonical="GB 38031-2020").status == "to_be_withdrawn"
    result = demo.load(today=dt.date(2026, 11, 22))
    assert result["created"] == 0 and result["updated"] >= 2
    assert StandardEdition.objects.get(canonical="GB 38031-2020").status == "withdrawn"
