"""Answer extraction, normalisation and the exact fast paths (all in the caller: no sympy)."""

from __future__ import annotations

import doctest
import time

import pytest
import verifiers_math.compare
import verifiers_math.extract
import verifiers_math.forms
import verifiers_math.freeform
import verifiers_math.grading
import verifiers_math.normalize
import verifiers_math.plugin
import verifiers_math.pool
import verifiers_math.protocol
import verifiers_math.rewards
import verifiers_math.scheduling
import verifiers_math.simple
from verifiers_math.extract import extract_answer, extract_gold
from verifiers_math.freeform import read_value
from verifiers_math.normalize import exact_key, normalize
from verifiers_math.simple import simple_verdict


@pytest.mark.parametrize(
    "module",
    [
        verifiers_math.compare,
        verifiers_math.extract,
        verifiers_math.forms,
        verifiers_math.freeform,
        verifiers_math.normalize,
        verifiers_math.simple,
        verifiers_math.grading,
        verifiers_math.plugin,
        verifiers_math.pool,
        verifiers_math.protocol,
        verifiers_math.rewards,
        verifiers_math.scheduling,
    ],
)
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("region", "fmt", "expected"),
    [
        (" so \\boxed{2}", "any", (("2",), "boxed")),
        ("\\boxed{1} then \\boxed{2}", "any", (("1", "2"), "boxed")),  # all boxes: read by the gold's form
        ("\\boxed{1} then \\boxed{12", "any", ((), "unfinished")),
        ("Work.\n#### 1,234", "any", (("1,234",), "hashes")),
        ("So the final answer is: **$\\frac{1}{2}$**.", "any", (("\\frac{1}{2}",), "line")),
        ("Final Answer: The volume of $ABCDEFGH$ is 120.", "marked", (("120",), "line")),
        ("<answer> 42 inches </answer>", "marked", (("42 inches",), "tag")),
        ("<answer> Yes, that is right. </answer>", "any", ((), "unsure")),
        ("It is 5 apples", "any", (("5",), "free")),
        ("It is 5 apples", "marked", ((), "missing")),
        ("It could be 3, or maybe 4, I am not sure which one it", "any", ((), "unsure")),
        ("The answer is 5", "boxed", ((), "missing")),
        ("\\boxed{" + "9" * 3000 + "}", "any", ((), "too_long")),
    ],
)
def test_extraction_policy(region, fmt, expected):
    found = extract_answer(region, fmt)
    assert (found.parts, found.how) == expected


def test_gold_forms():
    assert extract_gold("Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72") == "72"
    assert (
        extract_gold(r"We get $\boxed{\frac{1}{2}}$ and then $\boxed{\sqrt{3}}$.") == r"\sqrt{3}"
    )  # the last box
    assert extract_gold("Janet sells 9 eggs, so 9 * 2 = 18.\nThe answer is 18.") == "18"
    assert extract_gold(r"$[0,1)$") == "[0,1)"
    assert extract_gold(7) == "7" and extract_gold(2.5) == "2.5"
    for unusable in (
        None,
        "",
        " ",
        True,
        float("nan"),
        "\\boxed{3",
        "#### ",
        "This one has no answer at all.",
        ["1"],
    ):
        assert extract_gold(unusable) is None, unusable


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("4.5e33", "4.5\\times10^{33}"),
        ("4.5E-3", "4.5\\times10^{-3}"),
        ("2e", "2e"),  # 2 times e, not a number in e notation
        ("6.02 x 10^23", "6.02\\times 10^{23}"),
        ("\u22123", "-3"),
        ("\u221a2", "\\sqrt{2}"),
        ("\u221a(x+1)", "\\sqrt{(x+1)}"),
        ("2\u03c0", "2 \\pi"),
        ("3 \u00d7 4", "3 \\times 4"),
        ("1,000,000", "1000000"),
        ("1{,}000", "1000"),
        ("1\\,000", "1000"),
        ("**42**", "42"),
        ("30\u00b0", "30^\\circ"),
        ("30 degrees", "30^\\circ"),
        ("\\text{12}", "12"),
        ("\\varnothing", "\\emptyset"),
        ("[0,1)", "[0,1)"),  # interval brackets are never touched
        ("50\\%", "50\\%"),  # percentages are left to math-verify (no x100 rule)
        ("0.\\overline{3}", "\\frac{3}{9}"),
        ("{{7}}", "7"),
    ],
)
def test_normalisation_closes_the_gaps(raw, normal):
    assert normalize(raw) == normal


def test_exact_key_ignores_only_spacing_latex_ignores():
    assert exact_key(normalize("\\frac{1}{2}")) == exact_key(normalize("\\frac {1} { 2 }"))
    assert exact_key(normalize("[0, 1)")) == exact_key(normalize("[0,1)"))
    assert exact_key("(0,1)") != exact_key("[0,1)")
    assert exact_key("x y") != exact_key("xy")


@pytest.mark.parametrize(
    ("gold", "answer", "verdict"),
    [
        ("72", "72.00", 1.0),
        ("72", "-72", 0.0),
        ("\\frac{1}{2}", "0.5", 1.0),
        ("\\frac{1}{2}", "2/4", 1.0),
        ("\\frac{1}{3}", "0.333333", 1.0),  # a decimal: relative, within 1e-6, and to its last digit
        ("\\frac{1}{3}", "0.33", 0.0),
        ("0", "0.0000001", 0.0),
        ("1000000", "1000000.1", 0.0),
        ("7\\sqrt{3}", "\\sqrt{147}", 1.0),
        ("7\\sqrt{3}", "7\\sqrt 3", 1.0),
        ("7\\sqrt{3}", "\\sqrt{21}", 0.0),
        ("6\\pi", "\\pi \\cdot 6", 1.0),
        ("6\\pi", "18.84", None),
        ("[2, 5)", "[2,5)", 1.0),
        ("[2, 5)", "(2, 5)", 0.0),
        ("(2, -3)", "(-3, 2)", 0.0),
        ("(2, 3)", "5", 0.0),
        ("x^2+1", "x^2+1", None),  # not simple: math-verify
    ],
)
def test_simple_values_are_compared_exactly(gold, answer, verdict):
    assert simple_verdict(normalize(gold), normalize(answer)) == verdict


def test_caller_side_work_is_fast_on_hostile_text():
    hostile = [
        "answer: " + " " * 100_000 + "x",
        "The answer is " + "*" * 100_000,
        "\\boxed{" * 20_000,
        "\\boxed{" * 20_000 + "}" * 3,
        "</think>" + "\\boxed{1}" * 20_000,
        "{" * 100_000,
        "1e" * 50_000,
        "\u221a" * 50_000,
        "#### " + "1," * 50_000,
        "$" * 100_000,
        "$1 and " * 20_000,
        ". 5" * 30_000,
        "x = " * 30_000 + "5",
        "<answer>" * 20_000,
        "The answer is (" * 20_000,
        "```" * 30_000,
    ]
    start = time.perf_counter()
    for text in hostile:
        found = extract_answer(text, prompt=text[:2000])
        for part in found.parts:
            normalize(part)
        read_value(text, prompt=text[:2000])
    assert time.perf_counter() - start < 3.0
