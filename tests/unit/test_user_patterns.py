"""Patterns users type are run by RE2, capped: refused with a reason when RE2 cannot run them in
linear time, never a stall."""

from __future__ import annotations

import pytest

from lib import workbench
from lib.workbench import Check
from lib.workbench.user_patterns import MAX_PATTERN_CHARS, MAX_TEXT_CHARS, UserPatternError, compile_user_pattern


@pytest.mark.parametrize(
    "pattern, reason",
    [
        (r"(a)\1", "invalid escape sequence"),  # a backreference: no linear-time engine can run it
        ("(?=a)b", "invalid perl operator"),  # lookahead, likewise
        ("(a", "missing )"),
    ],
)
def test_patterns_re2_cannot_run_are_explained(pattern, reason):
    problem = workbench.check_problem(Check("regex", pattern))
    assert problem[0] == "workbench.bad_regex" and reason in problem[1]["error"]


def test_a_pattern_past_the_cap_is_refused_before_it_is_compiled():
    assert workbench.check_problem(Check("regex", "a" * (MAX_PATTERN_CHARS + 1))) == (
        "workbench.regex_too_long",
        {"max": MAX_PATTERN_CHARS},
    )
    with pytest.raises(UserPatternError):
        compile_user_pattern("a" * (MAX_PATTERN_CHARS + 1))


def test_a_case_value_that_breaks_the_pattern_fails_the_check_instead_of_the_run():
    assert Check("regex", "{{word}}").passes("some (text", {"word": "("}) is False
    assert Check("regex", "{{word}}").passes("some text", {"word": "te.t"}) is True


def test_only_the_first_part_of_a_huge_reply_is_searched():
    text = "a" * MAX_TEXT_CHARS + "needle"
    assert Check("regex", "needle").passes(text, {}) is False
    assert Check("regex", "needle").passes(text[-100:], {}) is True


# ------------------------------------------------------------------ test-case files


def test_a_jsonl_line_nested_thousands_deep_is_refused_with_its_line():
    load = workbench.load_file(b'{"topic": "tides"}\n' + b"[" * 100_000 + b"\n", "cases.jsonl", ["topic"])
    assert load.refusals == [("workbench.refused_jsonl_line", {"line": 2})] and not load.cases


def test_a_csv_cell_past_the_csv_field_limit_is_refused_with_its_line():
    load = workbench.load_file(b'topic\ntides\n"' + b"a" * 200_000 + b'"\n', "cases.csv", ["topic"])
    assert [key for key, _ in load.refusals] == ["workbench.refused_csv"]
    assert load.refusals[0][1]["line"] == 3
