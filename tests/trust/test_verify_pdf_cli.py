"""`tichub verify --pdf FILE --trust-list F`: the offline check of a report PDF (tichub.trust.verify_cli): its
signature, the QR code and report data it attaches, in plain words, and the exit status (0 only for a valid
signature, a genuine and current code and matching data)."""

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from tests.reports.world import issued, ready_world
from tichub.reports.render import render_report
from tichub.trust import sign_services, verify_cli
from tichub.trust.trust_list_selectors import trust_list_build
from tichub.trust.verify import load_trust_list

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def saved(tmp_path):
    w, sample = ready_world()
    report = issued(w, sample)
    trust_list = tmp_path / "trust-list.json"
    trust_list.write_bytes(trust_list_build().content)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.pdf.read())
    return w, report, trust_list, pdf


def _run(trust_list, pdf, **kwargs):
    out = io.StringIO()
    code = verify_cli.run(text=None, trust_list_path=str(trust_list), pdf_path=str(pdf), out=out, **kwargs)
    return code, out.getvalue()


def test_attachments_are_read_back(saved):
    _w, report, _trust_list, pdf = saved
    files = verify_cli.pdf_attachments(pdf.read_bytes())
    assert files["qr.txt"].decode() == report.qr_text
    import hashlib

    assert hashlib.sha256(files["report.json"]).hexdigest() == report.content_sha256
    assert verify_cli.pdf_attachments(b"%PDF-1.7 nothing") == {}


def test_a_hostile_name_tree_costs_little(saved):
    """Kids that point back at their parent, many times over: a bounded walk, nothing found."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    _w, _report, _trust_list, pdf = saved
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf.read_bytes()))
    node = generic.DictionaryObject()
    ref = writer.add_object(node)
    node[generic.NameObject("/Kids")] = generic.ArrayObject([ref] * 50)
    names = writer.root["/Names"]
    names[generic.NameObject("/EmbeddedFiles")] = ref
    writer.update_container(names)
    out = io.BytesIO()
    writer.write(out)
    assert verify_cli.pdf_attachments(out.getvalue()) == {}


def test_genuine_report_pdf(saved):
    w, report, trust_list, pdf = saved
    code, out = _run(trust_list, pdf)
    assert code == 0, out
    institution = w.institution
    day = timezone.localdate(report.issued_at).isoformat()
    url = report.content["verify_url"]
    assert "结论：真实文件\nVerdict: Genuine file\n" in out
    assert (
        f"真实：PDF 签名有效，所附二维码真实，报告数据与二维码一致。这是{institution.name_zh}于 {day} 签发的报告 "
        f"{report.number} 第 1 版。离线核验无法得知此后是否已更正或撤回：请到 {url} 查看当前状态。\n"
    ) in out
    assert (
        "Genuine: the PDF signature is valid, its QR code is genuine and the report data match the code. This is "
        f"report {report.number} version 1, issued by {institution.name_en} on {day}. Offline, nothing tells "
        f"whether it has since been amended or withdrawn: see {url} for its current state.\n"
    ) in out
    assert (
        f"报告数据 SHA-256 Report data SHA-256 (report.json): {report.content_sha256} (与二维码一致 matches the code)"
        in out
    )
    assert f"文件 SHA-256 File SHA-256: {report.sha256}" in out
    assert "  结论 Conclusion: 有条件合格 / conditional pass" in out
    assert f"(key {report.pdf_kid})" in out


def test_altered_pdf(saved):
    w, report, trust_list, pdf = saved
    data = bytearray(pdf.read_bytes())
    at = data.index(b"/Type /Page") + 2  # inside the signed bytes
    data[at] ^= 0x20
    pdf.write_bytes(bytes(data))
    code, out = _run(trust_list, pdf)
    assert code == 1
    assert "结论：文件被改动\nVerdict: Altered file\n" in out
    assert (
        "Altered: the signed content of the file does not match its signature. The QR code attached to the file is "
        f"genuine and names report {report.number} version 1 of {w.institution.name_en}: ask them for the original "
        "file.\n"
    ) in out


def test_data_mismatch_and_stale_list(saved, tmp_path):
    w, report, trust_list, pdf = saved
    content = {**report.content, "number": "FORGED"}
    forged = sign_services.pdf_seal(
        actor=w.admin_actor, pdf_bytes=render_report(content, report.qr_text), reason="r", location="l"
    )
    other = tmp_path / "forged.pdf"
    other.write_bytes(forged)
    code, out = _run(trust_list, other)
    assert code == 1
    assert "结论：报告数据与二维码不符\nVerdict: Report data do not match the code\n" in out
    assert "(与二维码不符 does not match the code)" in out
    # A genuine file with a trust list past its next update: a warning and exit status 1.
    code, out = _run(trust_list, pdf, now=timezone.now() + dt.timedelta(days=30))
    assert code == 1 and "the trust list is out of date" in out


def test_not_a_pdf_and_unsigned(saved, tmp_path):
    _w, report, trust_list, _pdf = saved
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"hello")
    code, out = _run(trust_list, junk)
    assert code == 2
    assert "结论：不是 TICHub 报告\nVerdict: Not a TICHub report\n" in out
    assert "This is not a report file issued through TICHub: This is not a PDF file, or it is damaged.\n" in out
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(render_report(report.content, report.qr_text))
    code, out = _run(trust_list, unsigned)
    assert code == 1
    assert "这不是 TICHub 签发的报告文件：文件没有电子签名。\n" in out
    code, out = _run(trust_list, tmp_path / "missing.pdf")
    assert code == 2 and "Cannot read the file" in out


def test_check_is_the_same_as_the_cli_verdict(saved):
    _w, report, trust_list, pdf = saved
    trust = load_trust_list(trust_list.read_bytes())
    check = verify_cli.report_pdf_check(pdf.read_bytes(), trust, timezone.now())
    assert (check.status, check.ok, check.data_sha256, check.qr_text) == (
        "genuine",
        True,
        report.content_sha256,
        report.qr_text,
    )


def test_tichub_verify_pdf_command_runs_offline(saved):
    """The real console command, in a fresh process: no database is needed."""
    _w, _report, trust_list, pdf = saved
    env = {
        "PATH": "/usr/bin:/bin",
        "TICHUB_VAR_DIR": str(trust_list.parent / "var"),
        "DATABASE_URL": "sqlite:////nonexistent/x",
    }
    command = [sys.executable, "-m", "tichub.cli", "verify", "--pdf", str(pdf), "--trust-list", str(trust_list)]
    run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Verdict: Genuine file" in run.stdout and "结论：真实文件" in run.stdout
    both = [*command, "TIC1:ABC"]
    run = subprocess.run(both, env=env, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
    assert run.returncode == 2
