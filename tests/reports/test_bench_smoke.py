"""bench/reports_bench.py and bench/reports_seed.py still run (tiny sizes, the test database); no timing is checked."""

import sys
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.test import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import http_bench
import reports_bench
import reports_seed

from tichub.reports.choices import ReportStatus
from tichub.reports.models import Report


@pytest.mark.django_db
def test_documents_benchmark_renders_signs_issues_and_verifies_a_30_row_report():
    rows, facts = reports_bench.document_figures(budget=0.01)
    assert [row[0] for row in rows] == [
        "render_report alone (Typst)",
        "  of which the QR code's SVG (segno)",
        "sign alone (document_seal: QR ES256 + PAdES)",
        "render + sign (document_seal)",
        "report_issue end to end (an amendment)",
        "verify_qr of the report's QR (offline)",
    ]
    assert facts["rows"] == 30 and facts["pages"] >= 1
    assert facts["claims"]["concl"] == "pass"
    # The amendments were real issues: one report number, versions 1..n, only the last one current.
    versions = list(Report.objects.order_by("version").values_list("number", "version", "status"))
    assert len({number for number, _v, _s in versions}) == 1
    assert [v for _n, v, _s in versions] == list(range(1, len(versions) + 1))
    assert [s for _n, _v, s in versions] == [ReportStatus.SUPERSEDED] * (len(versions) - 1) + [ReportStatus.ISSUED]


@pytest.mark.django_db
def test_seeded_rows_are_reports_the_verification_api_answers():
    real = reports_seed.real_reports()
    chosen, _written, _settled = reports_seed.bulk_insert(real, 300, 40, seed=3)
    assert Report.objects.count() == 302
    assert len(chosen) == 40 and len(set(chosen)) == 40
    assert Report.objects.filter(public_id__in=chosen).count() == 40
    seeded = Report.objects.exclude(pk__in=[r.pk for r in real])
    assert set(seeded.values_list("status", flat=True)) <= {"issued", "superseded", "withdrawn"}
    assert {(r.institution_id, r.order_id) for r in seeded} == {(real[0].institution_id, real[0].order_id)}
    assert seeded.values("public_id").distinct().count() == 300
    client = Client()
    expected = {"issued": "genuine", "superseded": "superseded", "withdrawn": "withdrawn"}
    for status, verdict in expected.items():
        row = seeded.filter(status=status).first()
        if row is None:  # 300 rows may hold no withdrawn one (1 %)
            continue
        response = client.get(f"/api/v1/verify/{row.public_id}")
        assert (response.status_code, response.json()["status"]) == (200, verdict)
        row.refresh_from_db()
        assert row.verification_count == 1


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # no request log on stderr
        pass


def test_load_generator_draws_its_paths_from_the_file(tmp_path):
    seen: list[str] = []

    def app(environ, start_response):
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    paths = [f"/api/v1/verify/{c * 26}" for c in "abc"]
    paths_file = tmp_path / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    server = make_server("127.0.0.1", 0, app, server_class=WSGIServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        latencies, errors = http_bench._python_load_worker(
            "127.0.0.1", server.server_port, "/", {}, 1, 0.3, str(paths_file)
        )
    finally:
        server.shutdown()
        server.server_close()
    assert errors == 0 and len(latencies) == len(seen) > 3
    assert set(seen) <= set(paths) and len(set(seen)) > 1
    script = Path(http_bench.wrk_paths_script(str(paths_file)))
    assert script.suffix == ".lua" and f'io.lines("{paths_file}")' in script.read_text()
