"""The JSON reader every JSON endpoint shares (referent_portal/jsonbody.py)."""

import signal

import pytest

from referent_portal import jsonbody


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('{"a": [1, {"b": 2}]}', 3),
        ('["[[[", "{{{"]', 1),  # brackets inside strings are text
        (r'["\"[[[", "\\", {"k": "]]]\\\""}]', 2),  # escaped quotes and backslashes
        ('"[[["', 0),
        ('["never closed', 1),
    ],
)
def test_the_nesting_depth_counts_only_the_brackets_outside_strings(text, depth):
    assert jsonbody.nesting_depth(text) == depth


def test_a_body_of_unclosed_strings_is_refused_without_hanging_the_worker():
    """« "\\ » repeated: each of its quotes opened a string the old scan ran to the end of the
    body to close (quadratic: 40 KB took 3 s, the 5 MB limit hours of a web worker). A guard of
    30 s against a read that takes milliseconds."""
    body = ('"\\' * 100_000).encode()

    def hung(signum, frame):
        raise AssertionError("the scan of a 200 KB body did not end in 30 s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        with pytest.raises(jsonbody.BodyError) as refused:
            jsonbody.loads(body)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert refused.value.code == jsonbody.MALFORMED_BODY


def test_json_bodies_are_limited_well_below_the_form_upload_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
    assert jsonbody.body_limit() == 256 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    assert jsonbody.body_limit() == 1024
