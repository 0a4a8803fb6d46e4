"""Helpers for the report PDF tests: worlds with chosen results, and reading a PDF back (text per page with
poppler's pdftotext, pages as PNG with pdftoppm, the attached files with pyHanko's reader).

* `world_with(values=None, extra=0)` → (w, sample): like world.ready_world, with the results `values` (keyword →
  mg/kg; default lead 0.48, cadmium 0.05) and `extra` more lead tests pb1 … pbN (results 0.01, 0.02, …), all
  checked and approved.
* `page_texts(pdf)` → the text of each page; `page_pngs(pdf, dpi)` → each page as PNG bytes. Both skip the test
  when poppler-utils is not installed.
* `attachments(pdf)` → {file name: bytes} of the PDF's embedded files.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.lims.results_world import add_tests
from tests.lims.world import LabWorld, lab_world, received
from tichub.lims.models import LabSample
from tichub.trust import key_services

from .world import SYSTEM, approve_all


def world_with(values: dict[str, str] | None = None, *, extra: int = 0) -> tuple[LabWorld, LabSample]:
    w = lab_world()
    key_services.platform_init(actor=SYSTEM)
    key_services.key_issue(actor=w.admin_actor)
    sample = received(w)
    add_tests(sample, extra)
    results = {"pb": "0.48", "cd": "0.05", **(values or {})}
    results.update({f"pb{i}": f"{i / 100:.2f}" for i in range(1, extra + 1)})
    approve_all(w, sample, results)
    sample.refresh_from_db()
    return w, sample


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def page_texts(pdf: bytes) -> list[str]:
    """The text of every page as laid out (``pdftotext -layout``: a table row is one line), each run of spaces
    made one space and each line stripped; pdftotext separates pages with a form feed."""
    run = subprocess.run([_tool("pdftotext"), "-layout", "-", "-"], input=pdf, capture_output=True, check=True)  # noqa: S603
    pages = run.stdout.decode("utf-8").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return ["\n".join(re.sub(r" {2,}", " ", line).strip() for line in page.splitlines()) for page in pages]


def page_pngs(pdf: bytes, dpi: int = 100) -> list[bytes]:
    """Every page rendered as PNG at `dpi`, in order."""
    tool = _tool("pdftoppm")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.pdf"
        source.write_bytes(pdf)
        subprocess.run([tool, "-r", str(dpi), "-png", str(source), str(Path(tmp) / "page")], check=True)  # noqa: S603
        return [path.read_bytes() for path in sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem[5:]))]


def attachments(pdf: bytes) -> dict[str, bytes]:
    """The embedded files (the document's /EmbeddedFiles name tree), by file name without directories."""
    root = PdfFileReader(io.BytesIO(pdf)).root
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    files: dict[str, bytes] = {}
    for i in range(0, len(names), 2):
        spec = names[i + 1].get_object()
        name = str(spec.get("/UF", spec.get("/F", names[i])))
        files[name.rsplit("/", 1)[-1]] = spec["/EF"]["/F"].get_object().data
    return files
