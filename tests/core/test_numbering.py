import datetime as dt
import threading

import pytest
from django.db import connection

from tichub.accounts.choices import Role
from tichub.core.numbering import number_next
from tichub.core.services import numbering_rule_set
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, member


@pytest.mark.django_db
def test_default_pattern_restarts_each_year():
    lab = InstitutionFactory()
    assert number_next(organisation_id=lab.pk, kind="sample", on=dt.date(2026, 12, 31)) == "S2026-00001"
    assert number_next(organisation_id=lab.pk, kind="sample", on=dt.date(2026, 12, 31)) == "S2026-00002"
    assert number_next(organisation_id=lab.pk, kind="sample", on=dt.date(2027, 1, 1)) == "S2027-00001"
    assert number_next(organisation_id=lab.pk, kind="report", on=dt.date(2027, 1, 1)) == "R2027-00001"


@pytest.mark.django_db
def test_institutions_number_independently_with_their_own_rule():
    lab, other = InstitutionFactory(), InstitutionFactory()
    admin = Actor(user=member(lab, Role.INSTITUTION_ADMIN), organisation=lab, roles=frozenset({Role.INSTITUTION_ADMIN}))
    numbering_rule_set(actor=admin, kind="report", prefix="GXQI-R", digits=6, yearly=True)
    assert number_next(organisation_id=lab.pk, kind="report", on=dt.date(2026, 5, 1)) == "GXQI-R2026-000001"
    assert number_next(organisation_id=other.pk, kind="report", on=dt.date(2026, 5, 1)) == "R2026-00001"


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_never_get_the_same_number():
    lab = InstitutionFactory()
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer():
        try:
            mine = [number_next(organisation_id=lab.pk, kind="order") for _ in range(25)]
            with lock:
                results.extend(mine)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 200
    assert len(set(results)) == 200
    assert sorted(int(n.split("-")[1]) for n in results) == list(range(1, 201))
