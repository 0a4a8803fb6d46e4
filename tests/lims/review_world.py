"""Builders for the review and progress tests: results recorded and submitted through the results services.

`submitted(w, sample, {"pb": "0.48", "cd": "0.05"}, actor=w.analyst_actor)` assigns the sample's tests named in
the values to that analyst on the ICP-MS, records the values in mg/kg (lims.result_services.results_record)
and submits them (results_submit). With the world's limits (lead ≤ 0.5, U 10 %; cadmium ≤ 0.1, U 0.002 mg/kg) and
its non-binary rule: pb 0.48 → conditional pass, 0.30 → pass, 0.52 → conditional fail, 0.60 → fail; cd 0.05 →
pass, 0.12 → fail.
"""

from __future__ import annotations

from tichub.accounts.choices import Role
from tichub.core.testing.factories import member
from tichub.lims.models import LabSettings, Test
from tichub.lims.result_services import ResultEntry, results_record, results_submit

from .world import LabWorld, actor_of, sample_tests

DEFAULT = {"pb": "0.48", "cd": "0.05"}


def submitted(w: LabWorld, sample, values: dict[str, str] | None = None, *, actor=None) -> dict:
    values = values or DEFAULT
    actor = actor or w.analyst_actor
    tests = sample_tests(sample)
    person = actor.person
    ids = [tests[keyword].pk for keyword in values]
    Test.objects.filter(pk__in=ids).update(analyst=person, instrument=w.icp)
    entries = [ResultEntry(test_id=tests[keyword].pk, value=value, unit="mg/kg") for keyword, value in values.items()]
    results_record(actor=actor, entries=entries)
    results_submit(actor=actor, test_ids=ids)
    return sample_tests(sample)


def levels(w: LabWorld, n: int) -> None:
    LabSettings.objects.update_or_create(institution=w.institution, defaults={"review_levels": n})


def two_hats(w: LabWorld, *roles: str):
    """A person of the lab who is an analyst and also holds `roles` (e.g. a reviewer who tests too): their actor as
    analyst, their actor with the other roles, and the user."""
    user = member(w.institution, Role.ANALYST, *roles)
    return actor_of(w.institution, user, Role.ANALYST), actor_of(w.institution, user, *roles), user
