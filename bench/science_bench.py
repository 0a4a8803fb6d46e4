"""Calls per second of the science functions, one process and one thread (so one core).

Run alone with `python bench/science_bench.py [--quick]`, or through `bench/run.py`.

Every function is timed over pre-generated, varied inputs (10,000 decimal strings for the rounding, say), so that
no single fast path is measured. Each figure is the median of three timed rounds after one warm-up pass; no
figure passes or fails anything, the aims of the issue are printed next to them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "src"))  # the project, even without an install

from benchlib import fmt_ms, fmt_rate, machine, median, stage, table

SEED = 8170
N_VALUES = 10_000
ROUNDS = 3

# The aims of the issue, in calls per second on one core.
AIM_ROUNDING = 200_000
AIM_SIGNEDQR = 2_000


@dataclass
class Row:
    name: str
    inputs: str
    calls_per_s: float = float("nan")
    aim: int | None = None
    note: str = ""

    @property
    def us_per_call(self) -> float:
        return 1e6 / self.calls_per_s if self.calls_per_s > 0 else float("nan")


# --- timing -----------------------------------------------------------------------------------------------------


def time_passes(one_pass: Callable[[], object], calls_per_pass: int, budget_s: float, rounds: int = ROUNDS) -> float:
    """Median calls/s over `rounds` timed rounds; each round repeats `one_pass` for about budget_s / rounds."""
    start = time.perf_counter()
    one_pass()  # warm-up, and a first estimate of how long a pass takes
    warm = max(time.perf_counter() - start, 1e-9)
    passes = max(1, round(budget_s / rounds / warm))
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(passes):
            one_pass()
        rates.append(passes * calls_per_pass / (time.perf_counter() - start))
    return median(rates)


# --- inputs (deterministic: same seed, same inputs) ------------------------------------------------------------


def rounding_inputs(rng: random.Random, n: int) -> list[tuple[str, int]]:
    """Measured values as a laboratory writes them: varied magnitudes, signs, decimals and exact halves."""
    items: list[tuple[str, int]] = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.15:  # an exact half at the rounding digit, where the rule matters (2.45 -> 2.4, 2.55 -> 2.6)
            decimals = rng.randint(1, 4)  # the last written decimal is the 5
            middle = f"{rng.randint(0, 10 ** (decimals - 1) - 1):0{decimals - 1}d}" if decimals > 1 else ""
            text, places = f"{rng.randint(0, 9999)}.{middle}5", decimals - 1
        elif kind < 0.25:  # integers rounded to tens or hundreds
            text, places = str(rng.randint(-50_000, 50_000)), rng.choice((-1, -2))
        elif kind < 0.35:  # small values in exponent notation
            text, places = f"{rng.uniform(1, 9.99):.4f}E-{rng.randint(1, 4)}", rng.randint(3, 7)
        else:
            magnitude = 10 ** rng.randint(-3, 4)
            text = f"{rng.uniform(-1, 1) * magnitude:.{rng.randint(1, 7)}f}"
            places = rng.randint(0, 4)
        items.append((text, places))
    return items


def decision_inputs(rng: random.Random, n: int) -> list[tuple[str, str | None, str | None, str]]:
    """Results near their tolerance limits, two-sided and one-sided, with their expanded uncertainty."""
    items: list[tuple[str, str | None, str | None, str]] = []
    for _ in range(n):
        nominal = rng.choice((Decimal("10.0"), Decimal("0.50"), Decimal("250"), Decimal("1.000")))
        half = nominal * Decimal(rng.choice(("0.05", "0.1", "0.02")))
        lower, upper = str(nominal - half), str(nominal + half)
        side = rng.random()
        if side < 0.2:
            lower = None
        elif side < 0.3:
            upper = None
        value = nominal + half * Decimal(str(round(rng.uniform(-1.3, 1.3), 3)))
        uncertainty = half * Decimal(rng.choice(("0.1", "0.2", "0.3", "0.5")))
        items.append((str(value), lower, upper, str(uncertainty)))
    return items


def sampling_inputs(rng: random.Random, n: int, aql_values: Sequence[Decimal]) -> list[tuple[int, str, str, str]]:
    levels = ("S-1", "S-2", "S-3", "S-4", "I", "II", "II", "II", "III")
    inspections = ("normal", "normal", "tightened", "reduced")
    items = []
    for _ in range(n):
        lot = int(10 ** rng.uniform(0.4, 6.2))
        items.append((max(2, lot), str(rng.choice(aql_values)), rng.choice(levels), rng.choice(inspections)))
    return items


def measured_results(rng: random.Random, n: int) -> list[str]:
    """Participants' results of a proficiency test: mostly normal around 10, a few outliers, as written."""
    values = []
    for _ in range(n):
        x = rng.gauss(10.0, 0.2) if rng.random() > 0.05 else rng.uniform(5.0, 15.0)
        values.append(f"{x:.3f}")
    return values


# --- the benchmarks ---------------------------------------------------------------------------------------------


def bench_rounding(rng: random.Random, n: int, budget: float) -> Row:
    from tichub.science.rounding import round_gbt8170

    items = rounding_inputs(rng, n)

    def one_pass() -> None:
        for value, places in items:
            round_gbt8170(value, places)

    row = Row("rounding.round_gbt8170", f"{n:,} decimal strings, places -2..7", aim=AIM_ROUNDING)
    row.calls_per_s = time_passes(one_pass, len(items), budget)
    return row


def bench_decide(rng: random.Random, n: int, budget: float) -> Row:
    from tichub.science.decision import DecisionRule, decide

    rule = DecisionRule.non_binary(Decimal("1"))
    items = decision_inputs(rng, n)

    def one_pass() -> None:
        for value, lower, upper, uncertainty in items:
            decide(value, lower=lower, upper=upper, uncertainty=uncertainty, rule=rule)

    row = Row("decision.decide", f"{n:,} results, non-binary w = 1 × U")
    row.calls_per_s = time_passes(one_pass, len(items), budget)
    return row


def bench_sampling(rng: random.Random, n: int, budget: float) -> Row:
    row = Row("sampling.single_sampling_plan", f"{n:,} lots 2..1.6M, all AQLs/levels/severities")
    try:
        from tichub.science.sampling import AQL_VALUES, single_sampling_plan
    except Exception as exc:  # the module may still be in the making: report it, do not crash
        row.note = f"unavailable: import failed ({type(exc).__name__}: {exc})"
        return row
    items, refused = [], 0
    for item in sampling_inputs(rng, n, AQL_VALUES):
        try:
            single_sampling_plan(*item)
        except (ValueError, KeyError, LookupError):
            refused += 1  # a combination the tables do not cover: keep the timed loop free of exceptions
        else:
            items.append(item)
    if not items:
        row.note = "unavailable: every input was refused"
        return row

    def one_pass() -> None:
        for lot, aql, level, inspection in items:
            single_sampling_plan(lot, aql, level, inspection)

    row.calls_per_s = time_passes(one_pass, len(items), budget)
    if refused:
        row.note = f"{refused} of {n} inputs refused by the function and left out"
    return row


def bench_signedqr(rng: random.Random, budget: float, codes: int = 500) -> list[Row]:
    from tichub.science import signedqr

    key = signedqr.generate_key()
    kid = signedqr.kid_for(key.public_key())
    trust = {kid: key.public_key()}
    issued = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    claims = [
        {
            "no": f"TIC-2026-{i:06d}",
            "lab": rng.choice(("ca-metrology", "nqi-sugar", "rc-electronics", "lab-lvyin")),
            "sample": rng.choice(("白砂糖 GB/T 317", "锂离子电池 GB 31241", "钢卷尺 JJG 4")),
            "result": rng.choice(("合格", "不合格", "conditional pass")),
            "items": rng.randint(1, 40),
            "issued": f"2026-03-{rng.randint(1, 28):02d}",
        }
        for i in range(codes)
    ]
    texts = [
        signedqr.encode(c, private_key=key, kid=kid, issued_at=issued, expires_at=issued + timedelta(days=3650))
        for c in claims
    ]
    now = datetime(2026, 6, 1, tzinfo=UTC)
    for text in texts[:3]:  # the timed path is the success path
        signedqr.decode(text, trust=trust, now=now)

    def decode_pass() -> None:
        for text in texts:
            signedqr.decode(text, trust=trust, now=now)

    def encode_pass() -> None:
        for c in claims:
            signedqr.encode(c, private_key=key, kid=kid, issued_at=issued)

    length = round(sum(map(len, texts)) / len(texts))
    decode_row = Row("signedqr.decode (verified)", f"{codes} codes of ~{length} chars, ES256", aim=AIM_SIGNEDQR)
    decode_row.calls_per_s = time_passes(decode_pass, len(texts), budget)
    encode_row = Row("signedqr.encode (signing)", f"{codes} claim sets, ES256", note="not in the issue; for scale")
    encode_row.calls_per_s = time_passes(encode_pass, len(claims), budget / 2)
    return [decode_row, encode_row]


def bench_algorithm_a(rng: random.Random, n: int, budget: float) -> Row:
    from tichub.science.proficiency import algorithm_a

    values = measured_results(rng, n)
    row = Row("proficiency.algorithm_a", f"one call on {n:,} results (decimal strings)")
    row.calls_per_s = time_passes(lambda: algorithm_a(values), 1, budget)
    return row


# --- report -----------------------------------------------------------------------------------------------------


def report(rows: Sequence[Row]) -> str:
    body = []
    for row in rows:
        if row.calls_per_s != row.calls_per_s:  # NaN: not measured
            cells = [row.name, row.inputs, "n/a", "n/a", "n/a"]
        else:
            per_call = row.us_per_call
            cost = f"{fmt_ms(per_call / 1000)} ms" if per_call >= 1000 else f"{per_call:.2f} µs"
            cells = [row.name, row.inputs, fmt_rate(row.calls_per_s), cost, ""]
        if row.aim is not None:
            ratio = row.calls_per_s / row.aim
            cells[4] = f"{row.aim:,}/s" + (f" ({ratio:.2f}× aim)" if ratio == ratio else "")
        body.append(cells)
    out = table(
        ["function", "inputs", "calls/s", "per call", "aim (issue)"],
        body,
        right=[False, False, True, True, False],
    )
    notes = [f"  * {row.name}: {row.note}" for row in rows if row.note]
    return out + ("\n" + "\n".join(notes) if notes else "")


def run(*, quick: bool = False, n_values: int = N_VALUES, budget: float | None = None, progress: bool = True) -> str:
    """Time every function and return the printed report."""
    from tqdm import tqdm

    budget = budget if budget is not None else (0.6 if quick else 2.4)  # seconds per function, all rounds
    rng = random.Random(SEED)
    steps: list[tuple[str, Callable[[], Row | list[Row]]]] = [
        ("round_gbt8170", lambda: bench_rounding(rng, n_values, budget)),
        ("decide", lambda: bench_decide(rng, n_values, budget)),
        ("single_sampling_plan", lambda: bench_sampling(rng, n_values, budget)),
        ("signedqr", lambda: bench_signedqr(rng, budget, codes=min(500, n_values))),
        ("algorithm_a", lambda: bench_algorithm_a(rng, n_values, budget)),
    ]
    rows: list[Row] = []
    bar = tqdm(steps, desc="science", unit="fn", leave=False, disable=not progress)
    for label, step in bar:
        bar.set_postfix_str(label)
        result = step()
        rows.extend(result if isinstance(result, list) else [result])
    bar.close()
    return report(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing rounds (about 10 s in all)")
    parser.add_argument("--budget", type=float, help="seconds of timing per function (default 2.4, quick 0.6)")
    args = parser.parse_args(argv)
    stage("Science: calls per second, one process, one thread")
    print(f"{machine()}; median of {ROUNDS} rounds after a warm-up pass; inputs seeded ({SEED}), varied")
    print(run(quick=args.quick, budget=args.budget), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
