import datetime as dt

import pytest

from tichub.core import pdf

from .world import TINY_TYPST, lab, platform


@pytest.fixture
def plat(db):
    return platform()


@pytest.fixture
def a_lab(db):
    return lab()


@pytest.fixture
def tiny_pdf(tmp_path, monkeypatch):
    """A real PDF from tichub.core.pdf (Typst, Noto Sans CJK embedded), two pages of Chinese and English."""
    (tmp_path / "tiny.typ").write_text(TINY_TYPST, encoding="utf-8")
    monkeypatch.setattr(pdf, "TEMPLATE_DIR", tmp_path)
    body = "白砂糖 蔗糖分 99.8 g/100g 合格 · White granulated sugar, sucrose 99.8 g/100 g, conforms. " * 60
    return pdf.render_pdf("tiny", {"body": body}, timestamp=dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC))
