"""The examples of docs/science.md run as written."""

import doctest
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "science.md"


def test_science_overview_examples_run():
    failures, attempted = doctest.testfile(str(DOCS), module_relative=False)
    assert attempted >= 15
    assert failures == 0
