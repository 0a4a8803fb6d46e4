"""Small helpers shared by the benchmarks: stage headers, medians and plain-text tables."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence


def stage(title: str) -> None:
    """A clear header between the stages of a run."""
    print(f"\n=== {title} " + "=" * max(3, 100 - len(title)), flush=True)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    """Interpreter, CPUs and the load average: other work on the machine shows up in every figure."""
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s){load}"


def fmt_rate(value: float) -> str:
    """Calls or requests per second, with thousands separators (e.g. 213,456)."""
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def fmt_ms(value: float) -> str:
    if value != value:
        return "n/a"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A plain-text table; `right` says which columns are right-aligned (numbers)."""
    right = right or [False] * len(headers)
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(cell).rjust(width) if is_right else str(cell).ljust(width)
            for cell, width, is_right in zip(cells, widths, right, strict=False)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
