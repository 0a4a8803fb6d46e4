import pytest

from tichub.reports.choices import ReportStatus

from .world import issued, ready_world

pytestmark = pytest.mark.django_db


def test_issue_then_amend():
    w, sample = ready_world()
    first = issued(w, sample)
    assert first.version == 1 and first.status == ReportStatus.ISSUED
    assert first.pdf.read().startswith(b"%PDF")
    second = issued(w, sample, reason="客户名称更正")
    first.refresh_from_db()
    assert (first.status, second.version, second.amends_id) == (ReportStatus.SUPERSEDED, 2, first.pk)
