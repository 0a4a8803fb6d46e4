"""bench/trust_bench.py still runs (tiny sizes, no database); no timing is checked."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import trust_bench


def test_qr_and_in_memory_trust_list_benchmarks_run():
    rows = trust_bench.bench_qr(institutions=20, codes=10, budget=0.03)
    assert [row[0] for row in rows][:2] == [
        "QR verify_qr (trust list of 1 key per institution)",
        "QR signedqr.decode alone",
    ]
    assert trust_bench.bench_trust_list_memory(20)[0][1].startswith("20 institutions")
