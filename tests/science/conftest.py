import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():
    """tichub.science is pure Python: these tests need no Django, so they also run with `-p no:django`."""
    yield
