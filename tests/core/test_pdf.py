"""core.pdf: Typst templates rendered to PDF with an embedded CJK font; clear errors when fonts or templates fail."""

import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest

from tichub.core import pdf

TINY = """#let data = json(bytes(sys.inputs.data))
#set page(paper: "a5")
#set text(font: "Noto Sans CJK SC")
= 检测报告 Test report
#data.greeting \\
金额 Amount: #data.amount \\
#text(weight: "bold")[#data.name]
"""


def _text(content: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    run = subprocess.run([pdftotext, "-", "-"], input=content, capture_output=True, check=True)  # noqa: S603
    return run.stdout.decode()


@pytest.fixture
def templates(tmp_path, monkeypatch):
    """A template directory of our own, with the tiny bilingual template."""
    (tmp_path / "tiny.typ").write_text(TINY, encoding="utf-8")
    monkeypatch.setattr(pdf, "TEMPLATE_DIR", tmp_path)
    return tmp_path


def test_fonts_are_found():
    dirs = pdf.font_dirs()
    assert dirs, "no CJK font directory: install manimgx-fonts-cjk or fonts-noto-cjk"
    assert pdf.default_font_dirs()[-1] == pdf.DEBIAN_NOTO_CJK


def test_tiny_bilingual_template(templates):
    data = {"greeting": "你好，世界 Hello, world", "amount": Decimal("0.10"), "name": "广西检测中心 Guangxi Lab"}
    content = pdf.render_pdf("tiny", data, timestamp=dt.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC))
    assert content.startswith(b"%PDF")
    text = _text(content)
    assert "检测报告 Test report" in text
    assert "你好，世界 Hello, world" in text
    assert "金额 Amount: 0.10" in text  # a Decimal keeps its written digits
    assert "广西检测中心 Guangxi Lab" in text


def test_user_text_is_set_as_text_not_markup(templates):
    sneaky = '#set page(width: 1cm) *bold* $x^2$ #read("/etc/passwd") 中文'
    text = _text(pdf.render_pdf("tiny", {"greeting": sneaky, "amount": "1", "name": "x"}))
    assert sneaky in text


def test_the_real_invoice_template_compiles():
    party = {"name_zh": "甲", "name_en": "", "address_zh": "", "address_en": "", "uscc": ""}
    data = {
        "number": "I2026-00001", "issued_on": "2026-01-02", "order_number": "O2026-00001", "order_date": "2026-01-01",
        "subject": "", "institution": party, "enterprise": party,
        "lines": [{"position": 1, "description": "铅 Lead", "quantity": "1", "unit_price": "1.00", "amount": "1.00"}],
        "subtotal": "1.00", "tax_rate": "6", "tax": "0.06", "total": "1.06", "total_in_words": "人民币壹元零陆分",
    }  # fmt: skip
    assert pdf.render_pdf("invoice", data).startswith(b"%PDF")


def test_no_font_directory_is_a_clear_error(tmp_path, templates):
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    with pytest.raises(pdf.PdfFontMissing) as caught:
        pdf.render_pdf("tiny", {"greeting": "", "amount": "", "name": ""}, font_directories=[empty, tmp_path / "nope"])
    message = str(caught.value)
    assert str(empty) in message and "manimgx-fonts-cjk" in message and "PDF_FONT_DIRS" in message


def test_settings_name_the_font_directories(settings, tmp_path):
    settings.PDF_FONT_DIRS = [str(tmp_path)]
    with pytest.raises(pdf.PdfFontMissing):
        pdf.font_dirs()


def test_a_font_family_not_installed_is_a_clear_error(templates):
    (templates / "odd.typ").write_text('#set text(font: "No Such Font Family")\nHello 你好', encoding="utf-8")
    with pytest.raises(pdf.PdfFontMissing) as caught:
        pdf.render_pdf("odd", {})
    assert "no such font family" in str(caught.value).lower()


def test_template_errors(templates):
    (templates / "broken.typ").write_text("#let x = (\n", encoding="utf-8")
    with pytest.raises(pdf.PdfError) as caught:
        pdf.render_pdf("broken", {})
    assert "broken" in str(caught.value) and "broken.typ" in str(caught.value)  # where Typst stopped
    for name in ("../etc/passwd", "Tiny", "", "missing"):
        with pytest.raises(pdf.PdfError):
            pdf.render_pdf(name, {})


def test_values_json_cannot_carry_are_refused(templates):
    with pytest.raises(TypeError):
        pdf.render_pdf("tiny", {"greeting": object(), "amount": "", "name": ""})


@pytest.mark.parametrize("source", ["package", "debian"])
def test_each_font_source_renders_chinese(templates, source):
    directory = pdf.package_font_dir() if source == "package" else pdf.DEBIAN_NOTO_CJK
    if directory is None or not directory.is_dir():
        pytest.skip(f"the {source} CJK fonts are not installed here")
    content = pdf.render_pdf("tiny", {"greeting": "你好", "amount": "1", "name": "粗体"}, font_directories=[directory])
    text = _text(content)
    assert "你好" in text and "粗体" in text
