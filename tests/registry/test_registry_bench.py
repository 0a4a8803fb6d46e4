"""The registry generator and benchmark still run, at toy size: rows written, searches answered, plans read.

No timing is checked (DESIGN.md: benchmarks print figures, tests never assert on time).
"""

import random
import sys
from pathlib import Path

import pytest
from django.db.models import Count, F
from django.utils import timezone

from tichub.registry.models import ScopeRow, Term
from tichub.registry.search_selectors import capability_search

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import registry_bench
import registry_generate

pytestmark = pytest.mark.django_db


def test_generator_writes_a_consistent_registry_and_the_bench_searches_it():
    made = registry_generate.generate(institutions=30, rows=3000, seed=7, log=lambda *a: None)
    assert (made.institutions, made.rows) == (30, 3000)
    assert ScopeRow.objects.count() == 3000
    links = ScopeRow.accreditations.through.objects
    assert links.count() == made.links > 0
    # Rows link only to their own institution's accreditations, valid today.
    assert not links.exclude(accreditation__organisation=F("scoperow__organisation")).exists()
    assert not links.filter(accreditation__valid_until__lt=timezone.localdate()).exists()
    # Popularity: the most common parameter has the most rows; the vocabulary is a few thousand names.
    top = ScopeRow.objects.values("parameter_key").annotate(n=Count("id")).order_by("-n").first()
    assert top is not None and top["parameter_key"] == "铅"
    assert Term.objects.count() > 4000

    rng = random.Random(7)
    needs = registry_bench.parameter_needs(made.vocabulary, 20, rng)
    assert sum(capability_search(need).total > 0 for _kind, need in needs) >= 10
    texts = registry_bench.text_needs(made.vocabulary, 14, rng)
    assert sum(capability_search(need).total > 0 for _kind, need in texts) >= 7
    timed = registry_bench.time_searches(needs)
    assert timed["n"] == 20 and timed["p50"] <= timed["p95"] <= timed["max"]

    popular = next(need for kind, need in needs if kind == "popular")
    plans = registry_bench.plans("popular", popular)
    scope = [p for p in plans if p["table"] == "registry_scoperow"]
    assert scope and scope[0]["plan"] and not scope[0]["full_scans"]
    report = registry_bench.report(
        {"parameters": timed, "text": registry_bench.time_searches(texts), "plans": plans, "import": []}
    )
    assert "2 parameters + standard code" in report and "registry_scoperow" in report
