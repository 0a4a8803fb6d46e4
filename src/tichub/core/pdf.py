"""PDF documents from Typst templates, with a CJK font embedded, so that Chinese and English open in any reader.

`render_pdf("invoice", data)` compiles ``src/tichub/templates/pdf/invoice.typ``; the template reads its data with
``#let data = json(bytes(sys.inputs.data))`` (the data is passed as one JSON text input, never spliced into Typst
markup, so text from users is always set as text). Decimals, dates and datetimes are written as strings: format
money before it reaches the template.

Fonts come from ``settings.PDF_FONT_DIRS`` (directories searched for .ttf/.otf/.ttc/.otc files); by default the
directory of the ``manimgx-fonts-cjk`` package (Noto Sans CJK, SIL OFL 1.1, installed with the project), then
Debian's ``fonts-noto-cjk`` files under /usr/share/fonts/opentype/noto. System fonts are ignored, so the same
fonts are used wherever the project runs. With no font file in any of these directories, or when a template names
a font family that none of them holds, rendering fails with :class:`PdfFontMissing` rather than producing a PDF
with missing glyphs.

One Typst compiler per font configuration is built on first use (it indexes the fonts once, about 10-250 ms) and
reused under a lock; a compile takes a few milliseconds after the first.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import threading
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "pdf"
FONT_PACKAGE = "manimgx_fonts_cjk"
DEBIAN_NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc"})
CJK_FAMILY = "Noto Sans CJK SC"  # the family templates set Chinese and English in
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


class PdfError(RuntimeError):
    """A PDF could not be made (a template error, a missing template or font): a fault of the set-up, not input."""


class PdfFontMissing(PdfError):
    """No usable font directory, or a font family the template asks for is in none of them."""


def package_font_dir() -> Path | None:
    """The directory of the font package (Noto Sans CJK), if it is installed; found without importing it."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_font_dirs() -> list[Path]:
    found = package_font_dir()
    return [*([found] if found else []), DEBIAN_NOTO_CJK]


def _has_fonts(directory: Path) -> bool:
    try:
        return directory.is_dir() and any(p.suffix.lower() in FONT_SUFFIXES for p in directory.rglob("*"))
    except OSError:
        return False


def font_dirs(configured: Iterable[str | Path] | None = None) -> list[Path]:
    """The font directories in use: `configured` (default settings.PDF_FONT_DIRS, else the defaults) that hold
    at least one font file. None → PdfFontMissing naming every directory searched and how to fix it."""
    if configured is None:
        configured = getattr(settings, "PDF_FONT_DIRS", None) or default_font_dirs()
    searched = [Path(d) for d in configured]
    usable = [d for d in searched if _has_fonts(d)]
    if not usable:
        where = ", ".join(str(d) for d in searched) or "(none configured)"
        raise PdfFontMissing(
            f"No font file (.ttf/.otf/.ttc/.otc) in the PDF font directories: {where}. Install the Python package "
            f"manimgx-fonts-cjk (Noto Sans CJK), or Debian's fonts-noto-cjk, or set PDF_FONT_DIRS to a directory "
            f"holding {CJK_FAMILY}."
        )
    return usable


_LOCK = threading.Lock()
_COMPILERS: dict[tuple[str, ...], Any] = {}


def _compiler(dirs: Sequence[Path]) -> Any:
    import typst

    key = tuple(str(d) for d in dirs)
    compiler = _COMPILERS.get(key)
    if compiler is None:
        compiler = typst.Compiler(root=str(TEMPLATE_DIR), font_paths=list(key), ignore_system_fonts=True)
        _COMPILERS[key] = compiler
    return compiler


def template_path(template_name: str) -> Path:
    """The template file ``TEMPLATE_DIR/<name>.typ``; templates may include files beside them (TEMPLATE_DIR is the
    Typst root: nothing outside it can be read)."""
    if not _TEMPLATE_NAME.match(template_name):
        raise PdfError(f"Invalid PDF template name {template_name!r}: lower-case letters, digits, _ and /.")
    path = TEMPLATE_DIR / f"{template_name}.typ"
    if not path.is_file():
        raise PdfError(f"No PDF template {template_name!r} (looked for {path}).")
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # the written digits, never a float
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable for a PDF template")


def render_pdf(
    template_name: str,
    data: dict[str, Any],
    *,
    timestamp: dt.datetime | None = None,
    font_directories: Iterable[str | Path] | None = None,
) -> bytes:
    """The PDF made from template `template_name` with `data` (available as ``sys.inputs.data``, a JSON text).

    `timestamp` sets the document's creation date (and Typst's ``datetime.today()``); the default is now.
    Raises PdfFontMissing when the fonts are missing, PdfError when the template does not compile.
    """
    import typst

    path = template_path(template_name)
    dirs = font_dirs(font_directories)
    payload = json.dumps(data, default=_json_default, ensure_ascii=False)
    if timestamp is not None:
        timestamp = timestamp.replace(microsecond=0)  # Typst takes whole seconds
    with _LOCK:
        compiler = _compiler(dirs)
        try:
            pdf, warnings = compiler.compile_with_warnings(
                input=str(path), root=str(TEMPLATE_DIR), sys_inputs={"data": payload}, timestamp=timestamp
            )
        except typst.TypstError as exc:
            detail = getattr(exc, "diagnostic", "") or str(exc)
            raise PdfError(f"PDF template {template_name!r} did not compile: {detail}") from exc
    missing = [str(w) for w in warnings if "unknown font family" in str(w)]
    if missing:
        where = ", ".join(str(d) for d in dirs)
        raise PdfFontMissing(
            f"PDF template {template_name!r} asks for fonts that are not in {where}: {'; '.join(missing)}."
        )
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        raise PdfError(f"PDF template {template_name!r} produced no PDF.")
    return pdf
