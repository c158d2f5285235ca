"""Test cases from a dataset row: open-r1's ``verification_info``, APPS/TACO ``input_output``
(stdin/stdout or call-based with ``fn_name``) and MBPP/HumanEval asserts.

Everything here runs in the trainer's process and never runs test or program code: asserts are
read with :mod:`ast` (:mod:`.asserts`), expected values are constants folded from literals.

>>> suite = load_tests({"language": "python",
...     "test_cases": [{"type": "stdin_stdout", "input": "1 2\\n", "output": "3\\n"}]})
>>> suite.language, suite.cases[0].kind, suite.cases[0].expected_stdout
('python', 'stdio', '3\\n')
>>> suite = load_tests("assert add(1, 2) == 3\\nassert add(*[1] * 2) > 1")
>>> [(c.kind, c.expr, c.expected) for c in suite.cases]
[('call', 'add(1, 2)', 3), ('assert', None, None)]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .asserts import join_setup, parse_asserts
from .cases import InvalidTests, TestCase, TestSuite
from .compare import encode_value
from .extract import normalize_language

__all__ = ["APPS_PRELUDE", "InvalidTests", "TestCase", "TestSuite", "load_tests", "parse_asserts"]

#: Upper bound on the size of a test specification we parse (characters).
MAX_TEST_CHARS = 5_000_000


#: What APPS's and TACO's harnesses import before a call-based program (their standard-library
#: part; numpy is not available in the sandbox): solutions often use ``List`` or ``Counter``
#: without importing them.
APPS_PRELUDE = "\n".join(
    [
        "import sys, time, itertools, collections, math, fractions, random, heapq",
        "from itertools import accumulate, product, permutations, combinations",
        "from collections import Counter, OrderedDict, deque, defaultdict, ChainMap",
        "from functools import lru_cache",
        "from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2",
        "from typing import List, Tuple",
        "from heapq import *",
    ]
)


def load_tests(
    value: Any,
    *,
    entry_point: Any = None,
    setup: Any = None,
    default_language: str = "python",
    max_tests: int | None = None,
) -> TestSuite:
    """Read a row's tests, whatever their form; raises :class:`InvalidTests` with the reason.

    Accepted: a ``verification_info`` object or JSON string (``test_cases`` of ``stdin_stdout``,
    or ``inputs``/``outputs`` lists), a string of Python asserts (MBPP's ``test``, HumanEval's
    ``def check(candidate)``), or a list of assert strings (MBPP's ``test_list``).

    >>> load_tests('{"test_cases": []}')
    Traceback (most recent call last):
    ...
    verifiers_code.cases.InvalidTests: verification_info has no test cases
    """
    if value is None:
        raise InvalidTests("the tests column is empty (None)")
    if isinstance(value, str) and len(value) > MAX_TEST_CHARS:
        raise InvalidTests(f"the tests are too long ({len(value)} characters)")
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise InvalidTests(f"verification_info is not valid JSON: {exc}") from None
    if isinstance(value, Mapping):
        suite = _from_mapping(value, entry_point, setup, default_language)
    elif isinstance(value, str):
        suite = parse_asserts(value, entry_point=entry_point, setup=setup)
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        suite = parse_asserts("\n".join(value), entry_point=entry_point, setup=setup)
    else:
        raise InvalidTests(f"cannot read tests from a {type(value).__name__}")
    if not suite.cases:
        raise InvalidTests("no test cases")
    if max_tests is not None and len(suite.cases) > max_tests:
        suite = TestSuite(suite.language, suite.cases[:max_tests], suite.constant_asserts)
    return suite


def _from_mapping(info: Mapping, entry_point: Any, setup: Any, default_language: str) -> TestSuite:
    language = info.get("language", default_language) or default_language
    lang = normalize_language(language)
    if lang is None:
        raise InvalidTests(f"unsupported language {language!r} (supported: python, cpp)")
    if "test_cases" in info:
        raw = info["test_cases"]
        if not isinstance(raw, list) or not raw:
            raise InvalidTests("verification_info has no test cases")
        cases = []
        for i, case in enumerate(raw):
            if not isinstance(case, Mapping):
                raise InvalidTests(f"test case {i} is a {type(case).__name__}, not an object")
            kind = case.get("type", "stdin_stdout")
            if kind != "stdin_stdout":
                raise InvalidTests(f"test case {i} has type {kind!r}; only 'stdin_stdout' is supported")
            cases.append(_stdio(case.get("input"), case.get("output"), i))
        return TestSuite(lang, tuple(cases))
    if "inputs" in info and "outputs" in info:
        inputs, outputs = info["inputs"], info["outputs"]
        if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
            raise InvalidTests("inputs and outputs must be lists of the same length")
        if info.get("fn_name"):
            if lang != "python":
                raise InvalidTests(f"function-call tests (fn_name) need Python, not {language!r}")
            return TestSuite(lang, call_based(info["fn_name"], inputs, outputs))
        return TestSuite(lang, tuple(_stdio(a, b, i) for i, (a, b) in enumerate(zip(inputs, outputs))))
    if "test" in info or "test_list" in info:
        tests = info.get("test", info.get("test_list"))
        if isinstance(tests, list):
            tests = "\n".join(str(t) for t in tests)
        if not isinstance(tests, str):
            raise InvalidTests("the 'test' field must be a string of asserts")
        if lang != "python":
            raise InvalidTests(f"assert-style tests need Python, not {language!r}")
        own_setup = [join_setup(info.get(k)) for k in ("test_imports", "test_setup_code")]
        return parse_asserts(
            tests,
            entry_point=info.get("entry_point", entry_point),
            setup="\n".join(p for p in own_setup if p) or setup,
        )
    raise InvalidTests("verification_info has neither 'test_cases' nor 'inputs'/'outputs' nor 'test'")


def call_based(fn_name: Any, inputs: list, outputs: list) -> tuple[TestCase, ...]:
    """APPS/TACO call-based tests: ``fn_name(*inputs[i])`` must return ``outputs[i]``.

    As APPS's harness does, a JSON object given as the first argument or as the output gets its
    keys back as integers when they all are (JSON turned them into strings), the program is
    preceded by :data:`APPS_PRELUDE`, and a ``class Solution`` provides the method when present.

    >>> [(c.fn, c.expected) for c in call_based("add", [[1, 2], [3, 4]], [[3], [7]])]
    [('add', [3]), ('add', [7])]
    >>> call_based("add", ["1 2"], [[3]])
    Traceback (most recent call last):
    ...
    verifiers_code.cases.InvalidTests: call-based test 0: the inputs must be a list of arguments, got str
    """
    if not isinstance(fn_name, str) or not fn_name.isidentifier():
        raise InvalidTests(f"fn_name must be a Python identifier, got {fn_name!r}")
    cases = []
    for i, (args, expected) in enumerate(zip(inputs, outputs)):
        if not isinstance(args, list):
            raise InvalidTests(
                f"call-based test {i}: the inputs must be a list of arguments, got {type(args).__name__}"
            )
        if args and isinstance(args[0], dict):
            args = _with_int_keys(args[0], lambda d: [d], args)
        if isinstance(expected, dict):
            expected = _with_int_keys(expected, lambda d: [d], expected)
        elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
            expected = _with_int_keys(expected[0], lambda d: [d], expected)
        try:
            encoded = json.dumps(encode_value(args), separators=(",", ":"))
        except (TypeError, ValueError, RecursionError) as exc:
            raise InvalidTests(f"call-based test {i}: the arguments are not plain data: {exc}") from None
        cases.append(
            TestCase(
                kind="invoke", fn=fn_name, args=encoded, expected=expected, check="apps", prelude=APPS_PRELUDE
            )
        )
    return tuple(cases)


def _with_int_keys(mapping: dict, wrap: Any, fallback: Any) -> Any:
    """APPS's repair of JSON's string keys: all keys back to ``int``, else the value unchanged."""
    try:
        return wrap({int(k): v for k, v in mapping.items()})
    except (TypeError, ValueError):
        return fallback


def _stdio(stdin: Any, stdout: Any, i: int) -> TestCase:
    if stdout is None:
        raise InvalidTests(f"test case {i} has no output")
    if isinstance(stdin, list):  # some datasets store lines
        stdin = "\n".join(map(str, stdin))
    if isinstance(stdout, list):
        stdout = "\n".join(map(str, stdout))
    return TestCase(kind="stdio", stdin="" if stdin is None else str(stdin), expected_stdout=str(stdout))
