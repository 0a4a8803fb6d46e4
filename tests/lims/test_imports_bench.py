"""The import benchmark still runs its pieces: the instrument export it writes and its report. No timing checked."""

import csv
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import lims_import_bench as bench


def test_the_export_has_one_row_per_test_with_a_fifth_in_micrograms():
    lab = bench.Lab(actor=None, instrument_id=1, samples=[f"S{k:04d}" for k in range(500)], seconds=0)
    content, counts = bench.export_csv(lab, 1000, seed=1)
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0] == ["Sample Name", "Analyte", "Conc.", "Unit", "Acq. Time"]
    assert len(rows) == 1001 and {row[1] for row in rows[1:]} == {"Pb", "Cadmium"}
    converted = sum(row[3] == "µg/kg" for row in rows[1:])
    assert converted == counts["converted"] and 150 < converted < 250
    assert 50 < counts["below LOD"] < 150


def test_the_report_prints_seconds_rates_and_queries():
    result = {
        "rows": 1000, "preview_s": 0.5, "preview_cpu": 0.4, "preview_q": 8, "apply_s": 1.0, "apply_cpu": 0.9,
        "apply_q": 21, "decisions": {"pass": 900, "fail": 100}, "converted": 200, "below_limits": 100, "distinct": 700,
    }  # fmt: skip
    text = bench.report(result)
    assert text.splitlines()[4].split() == ["preview", "+", "apply", "1.50", "1.30", "667", "29"]
    assert "decisions: pass 900, fail 100" in text
    assert bench.main is not None
