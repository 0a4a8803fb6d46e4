"""Accreditation marks on a report, as pure functions (tichub.reports.marks): which marks print, which of the
laboratory's own items are flagged outside them, and how subcontracted items are kept apart."""

import datetime as dt

from tichub.reports.marks import (
    Accreditation,
    Item,
    Mark,
    ScopeHold,
    held,
    outside_marks,
    report_marks,
    subcontract_symbols,
)

DAY = dt.date(2026, 11, 21)
CNAS = Accreditation(1, "CNAS", "CNAS L1234", dt.date(2024, 1, 1), dt.date(2027, 12, 31))
CMA = Accreditation(2, "CMA", "202020000123", dt.date(2023, 6, 1), dt.date(2029, 5, 31))


def item(key: str, *ids: int, subcontracted: bool = False) -> Item:
    return Item(key, f"参数 {key}", f"parameter {key}", subcontracted, frozenset(ids))


def test_one_body_covering_some_items_lists_the_others():
    items = [item("pb", 1), item("cd"), item("as", 1)]
    marks = report_marks([CNAS], items, on=DAY)
    assert marks == [Mark("CNAS", "CNAS L1234", ("pb", "as"), ("cd",))]
    assert marks[0].symbol == "*"
    assert outside_marks(marks) == {"cd": ("CNAS",)}


def test_no_mark_when_no_item_is_covered():
    assert report_marks([CNAS, CMA], [item("pb"), item("cd")], on=DAY) == []
    assert report_marks([], [item("pb", 1)], on=DAY) == []
    assert outside_marks([]) == {}


def test_no_mark_for_an_accreditation_expired_or_not_yet_valid_on_the_day_of_issue():
    items = [item("pb", 1), item("cd", 1)]
    assert report_marks([CNAS], items, on=dt.date(2028, 1, 1)) == []  # expired the day before
    assert report_marks([CNAS], items, on=dt.date(2023, 12, 31)) == []  # not yet valid
    # Both bounds are days of validity.
    assert report_marks([CNAS], items, on=dt.date(2027, 12, 31)) == [Mark("CNAS", "CNAS L1234", ("pb", "cd"), ())]
    assert report_marks([CNAS], items, on=dt.date(2024, 1, 1)) == [Mark("CNAS", "CNAS L1234", ("pb", "cd"), ())]
    # Without a day the caller has filtered already.
    assert report_marks([CNAS], items) == [Mark("CNAS", "CNAS L1234", ("pb", "cd"), ())]


def test_a_suspended_or_withdrawn_scope_row_holds_nothing():
    assert held([ScopeHold("active", frozenset({1, 2}))]) == frozenset({1, 2})
    assert held([ScopeHold("suspended", frozenset({1}))]) == frozenset()
    assert held([ScopeHold("withdrawn", frozenset({1})), ScopeHold("active", frozenset({2}))]) == frozenset({2})
    assert held([]) == frozenset()
    # Lead's only row is suspended: lead falls outside, and cadmium keeps the mark printed.
    lead = Item("pb", "铅", "Lead", False, held([ScopeHold("suspended", frozenset({1}))]))
    cadmium = Item("cd", "镉", "Cadmium", False, held([ScopeHold("active", frozenset({1}))]))
    marks = report_marks([CNAS], [lead, cadmium], on=DAY)
    assert marks == [Mark("CNAS", "CNAS L1234", ("cd",), ("pb",))]
    assert outside_marks(marks) == {"pb": ("CNAS",)}
    # With lead alone, nothing is covered: no mark at all.
    assert report_marks([CNAS], [lead], on=DAY) == []


def test_two_bodies_print_cma_then_cnas_each_with_its_own_outside_items():
    items = [item("pb", 1, 2), item("cd", 2), item("as")]
    marks = report_marks([CNAS, CMA], items, on=DAY)
    assert marks == [
        Mark("CMA", "202020000123", ("pb", "cd"), ("as",)),
        Mark("CNAS", "CNAS L1234", ("pb",), ("cd", "as")),
    ]
    assert [mark.symbol for mark in marks] == ["△", "*"]
    assert outside_marks(marks) == {"as": ("CMA", "CNAS"), "cd": ("CNAS",)}


def test_subcontracted_items_are_never_under_the_issuers_marks_nor_listed_outside():
    items = [item("pb", 1), item("cd", 1, subcontracted=True), item("as", subcontracted=True)]
    marks = report_marks([CNAS], items, on=DAY)
    assert marks == [Mark("CNAS", "CNAS L1234", ("pb",), ())]
    assert outside_marks(marks) == {}
    # Only subcontracted items, even listed under the accreditation: no mark.
    assert report_marks([CNAS], [item("cd", 1, subcontracted=True)], on=DAY) == []


def test_of_two_accreditations_of_a_body_the_one_holding_most_items_prints():
    other = Accreditation(3, "CNAS", "CNAS L9999", dt.date(2024, 1, 1), dt.date(2027, 12, 31))
    items = [item("pb", 1), item("cd", 3), item("as", 3)]
    assert report_marks([CNAS, other], items, on=DAY) == [Mark("CNAS", "CNAS L9999", ("cd", "as"), ("pb",))]
    # On a tie, the first given.
    tie = [item("pb", 1), item("cd", 3)]
    assert report_marks([CNAS, other], tie, on=DAY) == [Mark("CNAS", "CNAS L1234", ("pb",), ("cd",))]
    assert report_marks([other, CNAS], tie, on=DAY) == [Mark("CNAS", "CNAS L9999", ("cd",), ("pb",))]


def test_other_bodies_print_no_mark():
    cnca = Accreditation(4, "CNCA", "CNCA-R-2020-001")
    assert report_marks([cnca], [item("pb", 4)], on=DAY) == []


def test_subcontract_symbols_follow_the_order_of_first_appearance():
    assert subcontract_symbols([None, 7, None, 5, 7]) == {7: "†", 5: "‡"}
    assert subcontract_symbols([]) == {}
    assert list(subcontract_symbols([1, 2, 3, 4, 5, 6]).values()) == ["†", "‡", "§", "¶", "†5", "†6"]
