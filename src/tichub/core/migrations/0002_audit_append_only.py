"""The database itself keeps the audit trail append-only.

PostgreSQL refuses UPDATE and DELETE on core_auditevent. SQLite refuses UPDATE; DELETE stays possible there only
because test databases are emptied row by row between tests (PostgreSQL empties them with TRUNCATE instead).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION tichub_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'core_auditevent is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION tichub_audit_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS tichub_audit_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER auditevent_no_update BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only: UPDATE refused'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS auditevent_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    sql = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(vendor)
    if sql:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    sql = {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
