"""Issue #11, item 6: every URL pattern of the project, visited by every role with objects of
each, with the outcome the table says; a refused unsafe request changes nothing."""

import pytest

from .conftest import TOTALS
from .matrix import url_patterns
from .table import BY_KEY, ROWS

# The world is built once per module (tests/access/conftest.py); the mark has the test database
# set up, and each test in a transaction of its own.
pytestmark = pytest.mark.django_db

PATTERNS = dict(url_patterns())


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    missing = sorted(set(PATTERNS) - set(BY_KEY))
    stale = sorted(set(BY_KEY) - set(PATTERNS))
    TOTALS["patterns"] = len(PATTERNS)
    TOTALS["covered"] = len(set(PATTERNS) & set(BY_KEY))
    assert not missing, "URL patterns without a row in tests/access/table.py:\n" + "\n".join(
        f"  {key}  ({PATTERNS[key]})" for key in missing
    )
    assert not stale, "rows of no URL pattern:\n" + "\n".join(f"  {key}" for key in stale)


@pytest.mark.parametrize("row", ROWS, ids=[row.key for row in ROWS])
def test_access(row, world, visitor):
    failures = visitor.check(row, world)
    assert not failures, "\n".join(failures)
