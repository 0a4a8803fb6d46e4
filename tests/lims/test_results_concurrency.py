"""Concurrent result entry on PostgreSQL loses nothing (the issue's "done when").

Two analysts, two threads, each with its own database connection, released together by a barrier:

* entering results of different tests of one sample, round after round: every value and every revision is kept,
  and the calculated test over both (pb + cd) is right after every round, which needs its row lock: without it each
  would compute from the other's old value (or both would write the same revision number);
* writing the same test from the same version: one succeeds, the other gets a Conflict, one revision is written,
  which needs the lock on the test: without it both would pass the version check.

SQLite has no row locks (its IMMEDIATE transactions queue whole writers): these tests run on PostgreSQL only.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from tichub.core.errors import Conflict
from tichub.core.models import AuditEvent
from tichub.lims.models import ResultRevision, Test
from tichub.lims.result_services import ResultEntry, results_record

from .results_world import add_formula, add_tests
from .world import lab_world, received, sample_tests

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks (SELECT … FOR UPDATE) need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
ROUNDS = 8


def together(*calls):
    """Run the calls in parallel threads released at once; return what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except BaseException as exc:  # reported by the caller's assertions
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer is still waiting (deadlock?)"
    return outcomes


def test_two_analysts_entering_different_tests_of_one_sample_lose_nothing():
    w = lab_world()
    sample = received(w)
    tests = sample_tests(sample)
    pb, cd = tests["pb"], tests["cd"]
    Test.objects.filter(pk=pb.pk).update(analyst=w.analyst)
    Test.objects.filter(pk=cd.pk).update(analyst=w.analyst2)
    total = add_formula(sample)
    lead_values = [f"0.1{n:02d}" for n in range(1, ROUNDS + 1)]
    cadmium_values = [f"0.0{n:02d}" for n in range(1, ROUNDS + 1)]
    for lead, cadmium in zip(lead_values, cadmium_values, strict=True):
        outcomes = together(
            lambda lead=lead: results_record(actor=w.analyst_actor, entries=[ResultEntry(pb.pk, lead)]),
            lambda cadmium=cadmium: results_record(actor=w.analyst2_actor, entries=[ResultEntry(cd.pk, cadmium)]),
        )
        assert [type(outcome) for outcome in outcomes] == [list, list], outcomes
        total.refresh_from_db()
        assert total.value == str(Decimal(lead) + Decimal(cadmium))
    pb.refresh_from_db()
    cd.refresh_from_db()
    assert (pb.value, pb.version, cd.value, cd.version) == (lead_values[-1], ROUNDS, cadmium_values[-1], ROUNDS)
    assert list(ResultRevision.objects.filter(test=pb).values_list("version", "value", "changed_by_id")) == [
        (n, value, w.analyst.pk) for n, value in enumerate(lead_values, start=1)
    ]
    assert list(ResultRevision.objects.filter(test=cd).values_list("version", "value", "changed_by_id")) == [
        (n, value, w.analyst2.pk) for n, value in enumerate(cadmium_values, start=1)
    ]
    calculated = list(ResultRevision.objects.filter(test=total).values_list("version", "value", "source"))
    assert [version for version, _value, _source in calculated] == list(range(1, total.version + 1))
    assert calculated[-1][1:] == (str(Decimal(lead_values[-1]) + Decimal(cadmium_values[-1])), "calculation")
    assert AuditEvent.objects.filter(action="result.enter").count() == 2 * ROUNDS
    assert AuditEvent.objects.filter(action="result.calculate").count() == len(calculated)


def test_two_analysts_writing_the_same_test_from_the_same_version_one_wins():
    w = lab_world()
    sample = received(w)
    for test in add_tests(sample, ROUNDS):
        outcomes = together(
            lambda t=test: results_record(actor=w.analyst_actor, entries=[ResultEntry(t.pk, "0.2", version=0)]),
            lambda t=test: results_record(actor=w.analyst2_actor, entries=[ResultEntry(t.pk, "0.3", version=0)]),
        )
        won = [outcome for outcome in outcomes if isinstance(outcome, list)]
        lost = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
        assert (len(won), len(lost)) == (1, 1), outcomes
        assert (lost[0].code, list(lost[0].fields)) == ("stale_version", ["entries.0.version"])
        [written] = won[0]
        test.refresh_from_db()
        assert (test.version, test.value, test.analyst_id) == (1, written.value, written.entered_by_id)
        assert list(ResultRevision.objects.filter(test=test).values_list("version", "value")) == [(1, written.value)]
