"""ISO 2859-1:1999 (= GB/T 2828.1-2012): Table 1, master tables 2-A/2-B/2-C cell by cell, and the switching rules."""

from __future__ import annotations

import doctest
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tichub.science.sampling import (
    AQL_VALUES,
    INSPECTION_LEVELS,
    INSPECTIONS,
    Plan,
    Switching,
    SwitchingState,
    code_letter,
    master_table_entry,
    plan_for_code_letter,
    single_sampling_plan,
)

NORMAL_LETTERS = "ABCDEFGHJKLMNPQR"
NORMAL_SIZES = dict(
    zip(NORMAL_LETTERS, (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000), strict=True)
)
REDUCED_SIZES = dict(zip(NORMAL_LETTERS, (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=True))


# --- Table 1 --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lot_size", "level", "letter"),
    [
        (1000, "II", "J"),
        (2000, "II", "K"),
        (50, "II", "D"),
        (10000, "S-1", "C"),
        (2, "III", "B"),
        (8, "II", "A"),
        (9, "II", "B"),
        (15, "I", "A"),
        (16, "S-3", "B"),
        (25, "S-4", "B"),
        (26, "S-4", "C"),
        (90, "S-2", "B"),
        (91, "S-4", "D"),
        (280, "I", "E"),
        (281, "I", "F"),
        (500, "III", "J"),
        (1200, "S-3", "E"),
        (1201, "S-2", "D"),
        (3200, "II", "K"),
        (3201, "II", "L"),
        (10001, "S-4", "H"),
        (35000, "III", "N"),
        (35001, "I", "L"),
        (150000, "S-1", "D"),
        (500000, "II", "P"),
        (500001, "II", "Q"),
        (10**9, "III", "R"),
        (10**9, "S-4", "K"),
    ],
)
def test_table_1_code_letters(lot_size: int, level: str, letter: str) -> None:
    assert code_letter(lot_size, level) == letter


def test_table_1_whole_columns() -> None:
    # One representative lot size per band of Table 1, read down each column of the printed table.
    lots = (2, 9, 16, 26, 51, 91, 151, 281, 501, 1201, 3201, 10001, 35001, 150001, 500001)
    expected = {
        "S-1": "AAAABBBBCCCCDDD",
        "S-2": "AAABBBCCCDDDEEE",
        "S-3": "AABBCCDDEEFFGGH",
        "S-4": "AABCCDEEFGGHJJK",
        "I": "AABCCDEFGHJKLMN",
        "II": "ABCDEFGHJKLMNPQ",
        "III": "BCDEFGHJKLMNPQR",
    }
    for level, column in expected.items():
        assert "".join(code_letter(lot, level) for lot in lots) == column
        # the upper edge of each band maps like its lower edge
        upper_edges = (8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10000, 35000, 150000, 500000, 10**7)
        assert "".join(code_letter(lot, level) for lot in upper_edges) == column


def test_level_is_case_insensitive() -> None:
    assert code_letter(1000, "ii") == code_letter(1000, " II ") == "J"
    assert code_letter(1000, "s-2") == "C"


@pytest.mark.parametrize("lot_size", [1, 0, -5])
def test_lot_size_below_two_is_refused(lot_size: int) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        code_letter(lot_size, "II")
    with pytest.raises(ValueError, match="at least 2"):
        single_sampling_plan(lot_size, "1.0")


@pytest.mark.parametrize("lot_size", [True, 10.0, "100"])
def test_lot_size_must_be_an_int(lot_size: Any) -> None:
    with pytest.raises(TypeError):
        code_letter(lot_size, "II")


@pytest.mark.parametrize("level", ["IV", "S-5", "G-2", "2", ""])
def test_unknown_level_lists_the_allowed_ones(level: str) -> None:
    with pytest.raises(ValueError, match=r"S-1, S-2, S-3, S-4, I, II, III"):
        code_letter(100, level)


# --- master tables, cell by cell ------------------------------------------------------------------------------
# (table code letter, AQL, code letter of the plan used, sample size, Ac). Re is Ac + 1 throughout.

TABLE_2A_CELLS = [
    ("J", "1.0", "J", 80, 2),  # lot 501–1200 at level II
    ("J", "2.5", "J", 80, 5),
    ("J", "0.65", "J", 80, 1),
    ("J", "4.0", "J", 80, 7),
    ("J", "6.5", "J", 80, 10),
    ("J", "10", "J", 80, 14),
    ("J", "15", "J", 80, 21),
    ("J", "25", "H", 50, 21),  # ↑
    ("J", "0.10", "K", 125, 0),  # ↓ to the Ac 0 plan of K
    ("J", "0.15", "J", 80, 0),
    ("J", "0.25", "H", 50, 0),  # ↑
    ("J", "0.40", "K", 125, 1),  # ↓
    ("K", "0.10", "K", 125, 0),
    ("K", "1.5", "K", 125, 5),
    ("A", "0.010", "Q", 1250, 0),  # the long ↓ of the first column
    ("A", "6.5", "A", 2, 0),
    ("A", "10", "C", 5, 1),  # ↓ (row A has nothing above it)
    ("A", "15", "B", 3, 1),
    ("A", "1000", "A", 2, 30),
    ("B", "1000", "B", 3, 44),
    ("C", "1000", "B", 3, 44),  # ↑
    ("E", "250", "E", 13, 44),
    ("E", "150", "E", 13, 30),
    ("F", "100", "E", 13, 21),  # ↑: Ac 30 and 44 exist only up to letter E
    ("D", "2.5", "C", 5, 0),  # ↑ (lot 26–50, level II)
    ("D", "4.0", "E", 13, 1),  # ↓
    ("G", "1.0", "H", 50, 1),
    ("L", "10", "K", 125, 21),
    ("M", "0.040", "M", 315, 0),
    ("N", "0.065", "P", 800, 1),
    ("Q", "0.010", "Q", 1250, 0),
    ("Q", "0.025", "R", 2000, 1),
    ("R", "0.010", "Q", 1250, 0),  # ↑
    ("R", "0.015", "P", 800, 0),  # ↑ (the bottom row has nothing below it)
    ("R", "0.025", "R", 2000, 1),
    ("R", "0.65", "R", 2000, 21),
    ("R", "1.0", "Q", 1250, 21),
]

TABLE_2B_CELLS = [
    ("J", "1.0", "J", 80, 1),
    ("J", "2.5", "J", 80, 3),
    ("J", "4.0", "J", 80, 5),
    ("J", "6.5", "J", 80, 8),
    ("J", "10", "J", 80, 12),
    ("J", "15", "J", 80, 18),
    ("J", "0.65", "K", 125, 1),  # ↓
    ("J", "0.40", "L", 200, 1),  # ↓ across the two arrow cells
    ("J", "0.25", "J", 80, 0),
    ("K", "1.0", "K", 125, 2),
    ("A", "0.010", "R", 2000, 0),
    ("A", "10", "A", 2, 0),
    ("A", "6.5", "B", 3, 0),
    ("A", "1000", "A", 2, 27),
    ("B", "1000", "B", 3, 41),
    ("E", "6.5", "E", 13, 1),
    ("E", "250", "E", 13, 41),
    ("F", "100", "E", 13, 18),
    ("Q", "0.025", "S", 3150, 1),  # the only plan of row S
    ("R", "0.025", "S", 3150, 1),
    ("R", "0.015", "Q", 1250, 0),  # ↑
    ("R", "0.010", "R", 2000, 0),
    ("R", "0.40", "R", 2000, 12),
    ("R", "0.65", "R", 2000, 18),
    ("R", "1.0", "Q", 1250, 18),  # ↑
]

TABLE_2C_CELLS = [
    ("J", "1.0", "J", 32, 1),
    ("J", "1.5", "J", 32, 2),
    ("J", "2.5", "J", 32, 3),
    ("J", "4.0", "J", 32, 5),
    ("J", "6.5", "J", 32, 6),
    ("J", "10", "J", 32, 8),
    ("J", "0.65", "K", 50, 1),  # ↓
    ("J", "0.40", "L", 80, 1),  # ↓
    ("J", "0.25", "H", 20, 0),  # ↑
    ("J", "0.15", "J", 32, 0),
    ("K", "10", "K", 50, 10),
    ("L", "10", "K", 50, 10),  # ↑
    ("A", "6.5", "A", 2, 0),
    ("A", "10", "D", 3, 1),  # ↓ from the top row
    ("B", "6.5", "A", 2, 0),
    ("C", "6.5", "E", 5, 1),
    ("E", "2.5", "G", 13, 1),
    ("H", "10", "H", 20, 6),
    ("P", "0.025", "N", 200, 0),  # the long ↑ over P, Q and R
    ("Q", "0.025", "N", 200, 0),
    ("R", "0.025", "N", 200, 0),
    ("R", "0.040", "R", 800, 1),
    ("R", "0.65", "R", 800, 10),
    ("R", "1.0", "Q", 500, 10),  # ↑
]


def _check_cell(inspection: str, letter: str, aql: str, used: str, size: int, accept: int) -> None:
    plan = plan_for_code_letter(letter, aql, inspection)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (used, size, accept, accept + 1)
    assert plan.table_code_letter == letter
    assert plan.inspection == inspection
    assert plan.aql == Decimal(aql)


@pytest.mark.parametrize(("letter", "aql", "used", "size", "accept"), TABLE_2A_CELLS)
def test_table_2a_normal(letter: str, aql: str, used: str, size: int, accept: int) -> None:
    _check_cell("normal", letter, aql, used, size, accept)


@pytest.mark.parametrize(("letter", "aql", "used", "size", "accept"), TABLE_2B_CELLS)
def test_table_2b_tightened(letter: str, aql: str, used: str, size: int, accept: int) -> None:
    _check_cell("tightened", letter, aql, used, size, accept)


@pytest.mark.parametrize(("letter", "aql", "used", "size", "accept"), TABLE_2C_CELLS)
def test_table_2c_reduced(letter: str, aql: str, used: str, size: int, accept: int) -> None:
    _check_cell("reduced", letter, aql, used, size, accept)


@pytest.mark.parametrize(
    ("inspection", "letter", "aql", "printed"),
    [
        ("normal", "J", "0.10", "↓"),
        ("normal", "J", "0.25", "↑"),
        ("normal", "J", "0.40", "↓"),
        ("normal", "J", "0.65", 1),
        ("normal", "A", "10", "↓"),
        ("normal", "R", "0.015", "↑"),
        ("tightened", "J", "0.40", "↓"),
        ("tightened", "J", "0.65", "↓"),
        ("tightened", "S", "0.025", 1),
        ("tightened", "S", "0.010", None),
        ("tightened", "S", "1.0", None),
        ("reduced", "J", "0.25", "↑"),
        ("reduced", "J", "0.40", "↓"),
        ("reduced", "Q", "0.025", "↑"),
    ],
)
def test_printed_cells_keep_their_arrows(inspection: str, letter: str, aql: str, printed: int | str | None) -> None:
    assert master_table_entry(inspection, letter, aql) == printed


def test_sample_size_columns() -> None:
    # A plan's sample size is the one of the row it is printed in; 2-C has its own, smaller column.
    for inspection, sizes in (("normal", NORMAL_SIZES), ("tightened", NORMAL_SIZES), ("reduced", REDUCED_SIZES)):
        for letter in NORMAL_LETTERS:
            for aql in AQL_VALUES:
                plan = plan_for_code_letter(letter, aql, inspection)
                assert plan.sample_size == {**sizes, "S": 3150}[plan.code_letter]


def test_row_s_exists_only_in_table_2b() -> None:
    with pytest.raises(ValueError, match="not in Table 2-A"):
        plan_for_code_letter("S", "0.025", "normal")
    with pytest.raises(ValueError, match="no sampling plan"):
        plan_for_code_letter("S", "1.0", "tightened")


# --- single_sampling_plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lot_size", "aql", "level", "inspection", "expected"),
    [
        (1000, "1.0", "II", "normal", ("J", "J", 80, 2, 3)),
        (1000, "2.5", "II", "normal", ("J", "J", 80, 5, 6)),
        (1000, "0.65", "II", "normal", ("J", "J", 80, 1, 2)),
        (1000, "0.10", "II", "normal", ("J", "K", 125, 0, 1)),
        (2000, "1.0", "II", "normal", ("K", "K", 125, 3, 4)),
        (50, "4.0", "II", "normal", ("D", "E", 13, 1, 2)),
        (50, "2.5", "II", "normal", ("D", "C", 5, 0, 1)),
        (10000, "4.0", "S-1", "normal", ("C", "B", 3, 0, 1)),
        (10000, "10", "S-1", "normal", ("C", "C", 5, 1, 2)),
        (1000, "1.0", "II", "tightened", ("J", "J", 80, 1, 2)),
        (1000, "1.0", "II", "reduced", ("J", "J", 32, 1, 2)),
        (600000, "0.025", "III", "tightened", ("R", "S", 3150, 1, 2)),
    ],
)
def test_single_sampling_plan(
    lot_size: int, aql: str, level: str, inspection: str, expected: tuple[str, str, int, int, int]
) -> None:
    plan = single_sampling_plan(lot_size, aql, level, inspection)
    assert (plan.table_code_letter, plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected
    assert plan.full_inspection is False
    assert plan.table == {"normal": "2-A", "tightened": "2-B", "reduced": "2-C"}[inspection]


def test_hundred_percent_inspection_when_the_sample_reaches_the_lot() -> None:
    # Lot 10 at level II is letter B; at AQL 0.65 the arrow leads to F (n = 20) which exceeds the lot.
    plan = single_sampling_plan(10, "0.65")
    assert (plan.table_code_letter, plan.code_letter, plan.table_sample_size) == ("B", "F", 20)
    assert (plan.sample_size, plan.accept, plan.reject, plan.full_inspection) == (10, 0, 1, True)
    # Equality also counts: lot 80 at AQL 0.10 (E ↓ K, n = 125) and a lot exactly the size of the sample.
    assert single_sampling_plan(80, "0.10").sample_size == 80
    plan = single_sampling_plan(8, "4.0", "III")  # B at 4.0: n = 3 < 8, a true sample
    assert (plan.sample_size, plan.full_inspection) == (3, False)
    plan = single_sampling_plan(13, "1.0", "I")  # A ↓ E: n = 13 equals the lot
    assert (plan.code_letter, plan.sample_size, plan.full_inspection) == ("E", 13, True)


@pytest.mark.parametrize("aql", ["1", "1.0", "1.00", " 1.0 ", Decimal("1"), Decimal("1.000"), 1])
def test_equal_aqls_are_the_same_column(aql: Decimal | str | int) -> None:
    plan = single_sampling_plan(1000, aql)
    assert (plan.sample_size, plan.accept) == (80, 2)
    assert plan.aql == Decimal("1.0")


def test_aql_written_with_or_without_trailing_zeros() -> None:
    assert single_sampling_plan(1000, "0.1") == single_sampling_plan(1000, "0.10")
    assert single_sampling_plan(1000, "6.50") == single_sampling_plan(1000, "6.5")
    assert single_sampling_plan(50, "1E+3").accept == 44  # D at 1000: ↑ past C to B's Ac 44


@pytest.mark.parametrize("aql", ["0.5", "2", "0", "-1.0", "abc", "", "NaN", "sNaN", "Infinity", "1000.1"])
def test_unknown_aql_lists_the_allowed_ones(aql: str) -> None:
    with pytest.raises(ValueError, match=r"0\.010, 0\.015, .*0\.65, 1\.0, .*1000"):
        single_sampling_plan(1000, aql)


@pytest.mark.parametrize("aql", [0.65, 1.0, True, None])
def test_aql_must_not_be_a_float(aql: Any) -> None:
    with pytest.raises(TypeError, match="Decimal or a string"):
        single_sampling_plan(1000, aql)


def test_unknown_inspection() -> None:
    with pytest.raises(ValueError, match="normal, tightened, reduced"):
        single_sampling_plan(1000, "1.0", inspection="strict")
    with pytest.raises(ValueError, match="discontinued"):
        single_sampling_plan(1000, "1.0", inspection="discontinued")
    assert single_sampling_plan(1000, "1.0", inspection=SwitchingState.TIGHTENED).accept == 1


# --- structure and properties ---------------------------------------------------------------------------------


def test_every_cell_resolves_and_plans_are_single_sampling() -> None:
    for inspection in INSPECTIONS:
        for letter in NORMAL_LETTERS:
            for aql in AQL_VALUES:
                plan = plan_for_code_letter(letter, aql, inspection)
                assert plan.reject == plan.accept + 1
                # The plan comes from a printed plan, not an arrow, and keeps that cell's sample size.
                assert master_table_entry(inspection, plan.code_letter, aql) == plan.accept


def test_arrows_point_to_larger_or_smaller_samples() -> None:
    for inspection in INSPECTIONS:
        for letter in NORMAL_LETTERS:
            for aql in AQL_VALUES:
                printed = master_table_entry(inspection, letter, aql)
                plan = plan_for_code_letter(letter, aql, inspection)
                order = "ABCDEFGHJKLMNPQRS"
                if printed == "↓":
                    assert order.index(plan.code_letter) > order.index(letter)
                elif printed == "↑":
                    assert order.index(plan.code_letter) < order.index(letter)
                else:
                    assert plan.code_letter == letter


def test_accept_never_decreases_as_aql_increases() -> None:
    for inspection in INSPECTIONS:
        for letter in NORMAL_LETTERS:
            accepts = [plan_for_code_letter(letter, aql, inspection).accept for aql in AQL_VALUES]
            assert accepts == sorted(accepts), (inspection, letter, accepts)


@pytest.mark.parametrize(
    ("inspection", "sequence"),
    [
        ("normal", {14: 0, 17: 1, 18: 2, 19: 3, 20: 5, 21: 7, 22: 10, 23: 14, 24: 21, 25: 30, 26: 44}),
        ("tightened", {15: 0, 18: 1, 19: 2, 20: 3, 21: 5, 22: 8, 23: 12, 24: 18, 25: 27, 26: 41}),
        ("reduced", {14: 0, 18: 1, 19: 2, 20: 3, 21: 5, 22: 6, 23: 8, 24: 10, 25: 14, 26: 21}),
    ],
)
def test_printed_plans_lie_on_the_diagonals(inspection: str, sequence: dict[int, int]) -> None:
    # Each master table is built on diagonals: one step down (next letter) is worth one step right (next AQL).
    # A typo in a grid row would break this.
    for row, letter in enumerate(NORMAL_LETTERS):
        for column, aql in enumerate(AQL_VALUES):
            printed = master_table_entry(inspection, letter, aql)
            if isinstance(printed, int):
                assert sequence[row + column] == printed, (inspection, letter, str(aql))


@given(
    lot_size=st.integers(min_value=2, max_value=10**7),
    aql=st.sampled_from(AQL_VALUES),
    level=st.sampled_from(INSPECTION_LEVELS),
    inspection=st.sampled_from(INSPECTIONS),
)
def test_plan_properties(lot_size: int, aql: Decimal, level: str, inspection: str) -> None:
    plan = single_sampling_plan(lot_size, aql, level, inspection)
    assert plan.reject == plan.accept + 1
    assert 1 <= plan.sample_size <= lot_size
    assert plan.full_inspection == (plan.table_sample_size >= lot_size)
    assert plan.sample_size == min(plan.table_sample_size, lot_size)
    assert plan.table_code_letter == code_letter(lot_size, level)
    assert plan.accepts(plan.accept) and not plan.accepts(plan.reject)


@given(lot_size=st.integers(min_value=2, max_value=10**7), level=st.sampled_from(INSPECTION_LEVELS))
def test_accept_grows_with_aql_for_every_lot(lot_size: int, level: str) -> None:
    for inspection in INSPECTIONS:
        accepts = [single_sampling_plan(lot_size, aql, level, inspection).accept for aql in AQL_VALUES]
        assert accepts == sorted(accepts)


def test_plan_validation() -> None:
    assert Plan("J", 80, 2, 3).table_code_letter == "J"
    assert Plan("J", 80, 2, 3).table_sample_size == 80
    with pytest.raises(ValueError, match="Ac < Re"):
        Plan("J", 80, 2, 2)
    with pytest.raises(ValueError, match="sample size"):
        Plan("J", 0, 0, 1)
    with pytest.raises(ValueError, match="inspection"):
        Plan("J", 80, 2, 3, inspection="discontinued")
    with pytest.raises(ValueError, match="negative"):
        Plan("J", 80, 2, 3).accepts(-1)


# --- switching rules (9.3) and discontinuation (9.4) ----------------------------------------------------------

NORMAL_J_10 = plan_for_code_letter("J", "1.0")  # n 80, Ac 2; one step tighter (0.65) has Ac 1
NORMAL_J_065 = plan_for_code_letter("J", "0.65")  # n 80, Ac 1
TIGHTENED_J_10 = plan_for_code_letter("J", "1.0", "tightened")
REDUCED_J_10 = plan_for_code_letter("J", "1.0", "reduced")


def _normal_lot(machine: Switching, nonconforming: int, plan: Plan = NORMAL_J_10, **flags: bool) -> SwitchingState:
    return machine.record(plan.accepts(nonconforming), nonconforming=nonconforming, plan=plan, **flags)


def test_starts_on_normal_inspection() -> None:
    machine = Switching()
    assert machine.state is SwitchingState.NORMAL
    assert machine.switching_score == 0
    assert machine.plan(1000, "1.0") == single_sampling_plan(1000, "1.0")


def test_normal_to_tightened_two_of_five() -> None:
    # 9.3.1: lots 1 and 5 not accepted: two out of five consecutive lots.
    machine = Switching()
    states = [_normal_lot(machine, d) for d in (3, 0, 1, 0, 4)]
    assert states[:4] == [SwitchingState.NORMAL] * 4
    assert states[4] is SwitchingState.TIGHTENED
    assert machine.history[-1].clause == "9.3.1"
    assert machine.plan(1000, "1.0") == single_sampling_plan(1000, "1.0", inspection="tightened")


def test_two_consecutive_rejections_also_switch() -> None:
    machine = Switching()
    assert _normal_lot(machine, 3) is SwitchingState.NORMAL
    assert _normal_lot(machine, 5) is SwitchingState.TIGHTENED


def test_two_rejections_six_lots_apart_do_not_switch() -> None:
    # Lots 1 and 6 are not within five consecutive lots.
    machine = Switching()
    states = [_normal_lot(machine, d) for d in (3, 0, 0, 0, 0, 3)]
    assert states[-1] is SwitchingState.NORMAL


def test_tightened_to_normal_after_five_consecutive_acceptances() -> None:
    # 9.3.2: a rejection restarts the count of consecutive acceptances.
    machine = Switching("tightened")
    for accepted in (True, True, True, True, False, True, True, True, True):
        assert machine.record(accepted, plan=TIGHTENED_J_10) is SwitchingState.TIGHTENED
    assert machine.record(True) is SwitchingState.NORMAL
    assert machine.history[-1].clause == "9.3.2"
    assert machine.switching_score == 0


def test_tightened_discontinued_after_five_rejections_then_resumed() -> None:
    # 9.4: the rejections on tightened inspection are cumulative, not consecutive.
    machine = Switching(SwitchingState.TIGHTENED)
    for accepted in (False, True, False, True, False, True, True, False):
        assert machine.record(accepted) is SwitchingState.TIGHTENED
    assert machine.record(False) is SwitchingState.DISCONTINUED
    assert machine.history[-1].clause == "9.4"
    with pytest.raises(ValueError, match="discontinued"):
        machine.record(True)
    with pytest.raises(ValueError, match="discontinued"):
        machine.plan(1000, "1.0")
    assert machine.resume() is SwitchingState.TIGHTENED  # "as if 9.3.1 had been invoked"
    with pytest.raises(ValueError, match="nothing to resume"):
        machine.resume()
    # Counters start afresh after resuming: four more rejections do not discontinue again.
    for _ in range(4):
        assert machine.record(False) is SwitchingState.TIGHTENED


def test_normal_to_tightened_and_back_from_normal_via_tightened_resets_score() -> None:
    machine = Switching()
    for _ in range(5):
        _normal_lot(machine, 0)
    assert machine.switching_score == 15
    _normal_lot(machine, 3)
    assert machine.switching_score == 0  # a lot not accepted resets the score


def test_switching_score_with_ac_two_or_more() -> None:
    # 9.3.3.2 a) 1): Ac = 2 at J / AQL 1.0; the lot counts if it would pass Ac = 1 (AQL 0.65).
    machine = Switching()
    for lot in range(1, 10):
        assert _normal_lot(machine, 1) is SwitchingState.NORMAL
        assert machine.switching_score == 3 * lot
    # Accepted (2 <= Ac) but not at the tighter AQL (2 > 1): reset to zero, still normal.
    assert _normal_lot(machine, 2) is SwitchingState.NORMAL
    assert machine.switching_score == 0
    for _ in range(9):
        _normal_lot(machine, 0)
    assert machine.switching_score == 27
    assert _normal_lot(machine, 1) is SwitchingState.REDUCED  # 30 reached
    assert machine.history[-1].clause == "9.3.3.1"
    assert machine.history[-1].switching_score == 0  # reduced inspection has no score


def test_switching_score_with_ac_zero_or_one() -> None:
    # 9.3.3.2 a) 2): Ac = 1 at J / AQL 0.65: +2 per accepted lot; 15 lots reach 30.
    machine = Switching()
    for lot in range(1, 15):
        assert _normal_lot(machine, 1, NORMAL_J_065) is SwitchingState.NORMAL
        assert machine.switching_score == 2 * lot
    assert _normal_lot(machine, 0, NORMAL_J_065) is SwitchingState.REDUCED


def test_reduced_needs_steady_production_and_the_authority() -> None:
    # 9.3.3.1 b) and c): a score of 30 alone is not enough.
    machine = Switching()
    for _ in range(9):
        _normal_lot(machine, 0)
    assert _normal_lot(machine, 0, production_steady=False) is SwitchingState.NORMAL
    assert machine.switching_score == 30
    assert _normal_lot(machine, 0, approved_by_authority=False) is SwitchingState.NORMAL
    assert machine.switching_score == 33
    assert _normal_lot(machine, 0) is SwitchingState.REDUCED


def _reduced_machine() -> Switching:
    machine = Switching()
    for _ in range(10):
        _normal_lot(machine, 0)
    assert machine.state is SwitchingState.REDUCED
    return machine


def test_reduced_to_normal_when_a_lot_is_not_accepted() -> None:
    machine = _reduced_machine()
    assert machine.plan(1000, "1.0") == single_sampling_plan(1000, "1.0", inspection="reduced")
    for _ in range(20):
        assert machine.record(True, nonconforming=1, plan=REDUCED_J_10) is SwitchingState.REDUCED
    assert machine.record(False, nonconforming=2, plan=REDUCED_J_10) is SwitchingState.NORMAL
    assert machine.history[-1].clause == "9.3.4"
    assert machine.switching_score == 0


def test_reduced_to_normal_when_production_is_irregular() -> None:
    machine = _reduced_machine()
    assert machine.record(True, production_steady=False) is SwitchingState.NORMAL


def test_reduced_to_normal_when_the_authority_withdraws() -> None:
    machine = _reduced_machine()
    assert machine.record(True, approved_by_authority=False) is SwitchingState.NORMAL


def test_record_checks_its_inputs() -> None:
    machine = Switching()
    with pytest.raises(ValueError, match="needs the plan"):
        machine.record(True)
    with pytest.raises(ValueError, match="number of nonconforming"):
        machine.record(True, plan=NORMAL_J_10)
    with pytest.raises(ValueError, match="accepted=True"):
        machine.record(True, nonconforming=3, plan=NORMAL_J_10)
    with pytest.raises(ValueError, match="tightened inspection but the scheme is on normal"):
        machine.record(True, nonconforming=0, plan=TIGHTENED_J_10)
    with pytest.raises(ValueError, match="negative"):
        machine.record(True, nonconforming=-1, plan=NORMAL_J_10)
    assert machine.history == ()  # nothing recorded by the refused calls


def test_a_refused_call_changes_nothing() -> None:
    machine = Switching()
    _normal_lot(machine, 3)  # one lot not accepted
    with pytest.raises(ValueError, match="number of nonconforming"):
        machine.record(False, plan=NORMAL_J_10)  # would be the second rejection, but is refused
    with pytest.raises(ValueError, match="not an acceptance number"):
        machine.record(False, nonconforming=9, plan=Plan("J", 80, 4, 5))
    assert _normal_lot(machine, 0) is SwitchingState.NORMAL
    assert len(machine.history) == 2
    with pytest.raises(ValueError, match="cannot start discontinued"):
        Switching("discontinued")
    with pytest.raises(ValueError):
        Switching("strict")


def test_hand_made_plans_score_from_the_table_diagonal() -> None:
    # Without an AQL the tighter Ac comes from the 2-A sequence 0, 1, 2, 3, 5, 7, 10, …: Ac 5 → 3.
    machine = Switching()
    plan = Plan("K", 125, 5, 6)
    machine.record(True, nonconforming=3, plan=plan)
    assert machine.switching_score == 3
    machine.record(True, nonconforming=4, plan=plan)
    assert machine.switching_score == 0
    with pytest.raises(ValueError, match="not an acceptance number"):
        machine.record(True, nonconforming=0, plan=Plan("K", 125, 4, 5))


def test_one_step_tighter_is_always_a_printed_plan_of_the_same_row() -> None:
    # What makes 9.3.3.2 a) 1) well defined: next to every 2-A plan with Ac >= 2 the tighter column holds a plan
    # of the same letter (same sample size) with the previous acceptance number of the sequence.
    sequence = (0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44)
    for letter in NORMAL_LETTERS:
        for column in range(1, len(AQL_VALUES)):
            printed = master_table_entry("normal", letter, AQL_VALUES[column])
            if isinstance(printed, int) and printed >= 2:
                tighter = master_table_entry("normal", letter, AQL_VALUES[column - 1])
                assert tighter == sequence[sequence.index(printed) - 1]


def test_history_keeps_every_lot() -> None:
    machine = Switching()
    _normal_lot(machine, 0)
    _normal_lot(machine, 3)
    _normal_lot(machine, 4)
    first, second, third = machine.history
    assert (first.index, first.accepted, first.nonconforming, first.switching_score) == (1, True, 0, 3)
    assert (second.state_before, second.state_after, second.clause) == ("normal", "normal", None)
    assert (third.state_before, third.state_after, third.clause) == ("normal", "tightened", "9.3.1")


# --- documentation --------------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "science" / "sampling.md"


def test_documentation_examples_run() -> None:
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failures == 0
