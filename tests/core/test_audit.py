import pytest
from django.db import DatabaseError, connection, transaction

from tichub.accounts import services
from tichub.accounts.choices import Role
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, member

pytestmark = pytest.mark.django_db


def make_event():
    lab = InstitutionFactory()
    actor = Actor(user=member(lab, Role.INSTITUTION_ADMIN), organisation=lab, roles=frozenset({Role.INSTITUTION_ADMIN}))
    services.organisation_update(actor=actor, name_en="Audited")
    return AuditEvent.objects.get(action="organisation.update")


def test_event_carries_request_context_fields():
    event = make_event()
    assert event.actor is not None and event.object_type == "accounts.organisation"
    assert event.after["name_en"] == "Audited"


def test_database_refuses_update_of_an_audit_event():
    event = make_event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    event.refresh_from_db()
    assert event.reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is refused by the PostgreSQL trigger")
def test_postgresql_refuses_delete_of_an_audit_event():
    event = make_event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()
