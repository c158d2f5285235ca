"""Test cases from a dataset row: open-r1's ``verification_info`` and MBPP/HumanEval asserts.

Everything here runs in the trainer's process and never runs test or program code: asserts are
read with :mod:`ast`, and expected values are built with :func:`ast.literal_eval` only.

>>> suite = load_tests({"language": "python",
...     "test_cases": [{"type": "stdin_stdout", "input": "1 2\\n", "output": "3\\n"}]})
>>> suite.language, suite.cases[0].kind, suite.cases[0].expected_stdout
('python', 'stdio', '3\\n')
>>> suite = load_tests("assert add(1, 2) == 3\\nassert add(*[1] * 2) > 1")
>>> [(c.kind, c.expr, c.expected) for c in suite.cases]
[('call', 'add(1, 2)', 3), ('assert', None, None)]
"""

from __future__ import annotations

import ast
import json
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .extract import normalize_language

#: Upper bound on the size of a test specification we parse (characters).
MAX_TEST_CHARS = 5_000_000


class InvalidTests(ValueError):
    """A row's tests cannot be used (malformed JSON, no test cases, unparseable asserts, ...)."""


@dataclass(frozen=True)
class TestCase:
    """One test. ``kind`` is:

    - ``"stdio"``: run the program with ``stdin``; its stdout must equal ``expected_stdout``;
    - ``"call"``: evaluate ``expr`` after the program (and ``setup``); the returned plain value is
      compared in the parent with ``expected`` according to ``check`` (``equal``, ``close``,
      ``truthy``, ``falsy``);
    - ``"assert"``: an assert that could not be turned into a call; it runs inside the sandbox
      (``source``) and only its completing counts: the weaker guarantee.
    """

    __test__ = False  # not a pytest class

    kind: str
    stdin: str = ""
    expected_stdout: str | None = None
    expr: str | None = None
    expected: Any = None
    check: str = "equal"
    tolerance: float | None = None
    source: str | None = None
    setup: str = ""


@dataclass(frozen=True)
class TestSuite:
    """The tests of one row and the language they are for."""

    __test__ = False

    language: str
    cases: tuple[TestCase, ...]

    @property
    def weak(self) -> int:
        """How many tests run as raw asserts inside the sandbox."""
        return sum(1 for c in self.cases if c.kind == "assert")


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
    verifiers_code.testcases.InvalidTests: verification_info has no test cases
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
        suite = TestSuite(suite.language, suite.cases[:max_tests])
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
        if info.get("fn_name"):
            raise InvalidTests("function-call tests (fn_name) are not supported; use asserts")
        inputs, outputs = info["inputs"], info["outputs"]
        if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
            raise InvalidTests("inputs and outputs must be lists of the same length")
        return TestSuite(lang, tuple(_stdio(a, b, i) for i, (a, b) in enumerate(zip(inputs, outputs))))
    if "test" in info or "test_list" in info:
        tests = info.get("test", info.get("test_list"))
        if isinstance(tests, list):
            tests = "\n".join(str(t) for t in tests)
        if not isinstance(tests, str):
            raise InvalidTests("the 'test' field must be a string of asserts")
        if lang != "python":
            raise InvalidTests(f"assert-style tests need Python, not {language!r}")
        return parse_asserts(
            tests,
            entry_point=info.get("entry_point", entry_point),
            setup=info.get("test_setup_code", setup),
        )
    raise InvalidTests("verification_info has neither 'test_cases' nor 'inputs'/'outputs' nor 'test'")


def _stdio(stdin: Any, stdout: Any, i: int) -> TestCase:
    if stdout is None:
        raise InvalidTests(f"test case {i} has no output")
    if isinstance(stdin, list):  # some datasets store lines
        stdin = "\n".join(map(str, stdin))
    if isinstance(stdout, list):
        stdout = "\n".join(map(str, stdout))
    return TestCase(kind="stdio", stdin="" if stdin is None else str(stdin), expected_stdout=str(stdout))


# ---------------------------------------------------------------------------------------------
# Asserts


def parse_asserts(source: str, *, entry_point: Any = None, setup: Any = None) -> TestSuite:
    """Turn assert-style tests into (expression, expected literal) pairs where possible.

    ``assert E == LITERAL`` (either side), ``assert E is None/True/False``, ``assert E``,
    ``assert not E``, ``assert math.isclose(E, LITERAL)`` and ``assert abs(E - LITERAL) < TOL``
    become ``call`` cases; any other assert becomes an ``assert`` case (run in the sandbox).
    HumanEval's ``def check(candidate)`` is unrolled with ``candidate`` bound to ``entry_point``.
    Other top-level statements (imports, helpers, constants) are setup, run before each test.

    >>> s = parse_asserts("def check(candidate):\\n    assert candidate([1]) == [1]\\n",
    ...                   entry_point="sort_list")
    >>> s.cases[0].expr, s.cases[0].setup.splitlines()[-1]
    ('candidate([1])', 'candidate = sort_list')
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise InvalidTests(f"the tests do not parse as Python: {exc}") from None
    setup_parts: list[str] = []
    if isinstance(setup, str) and setup.strip():
        setup_parts.append(setup)
    asserts: list[ast.Assert] = []
    raw: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assert):
            asserts.append(stmt)
        elif isinstance(stmt, ast.FunctionDef) and stmt.name == "check" and len(stmt.args.args) == 1:
            param = stmt.args.args[0].arg
            if not isinstance(entry_point, str) or not entry_point.isidentifier():
                raise InvalidTests("HumanEval-style check(candidate) tests need an entry_point")
            body = [s for s in stmt.body if not _is_docstring(s)]
            if body and all(isinstance(s, (ast.Assert, ast.Import, ast.ImportFrom, ast.Pass)) for s in body):
                setup_parts.extend(
                    ast.unparse(s) for s in body if isinstance(s, (ast.Import, ast.ImportFrom))
                )
                setup_parts.append(f"{param} = {entry_point}")
                asserts.extend(s for s in body if isinstance(s, ast.Assert))
            else:
                # Only here does check() itself enter the sandbox (its expected values with it):
                # unrolled asserts must not, or the program could read them from memory.
                setup_parts.append(ast.unparse(stmt))
                raw.append(f"check({entry_point})")
        elif _is_check_call(stmt):
            continue  # the harness's own `check(entry_point)`: we call the tests ourselves
        else:
            setup_parts.append(ast.unparse(stmt))
    setup_src = "\n".join(setup_parts)
    cases = [_convert(a, setup_src) for a in asserts]
    cases += [TestCase(kind="assert", source=src, setup=setup_src) for src in raw]
    return TestSuite("python", tuple(cases))


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_check_call(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Name)
        and stmt.value.func.id == "check"
    )


_NO = object()


def _literal(node: ast.expr) -> Any:
    """The value of a literal expression, or ``_NO`` (``literal_eval`` only: nothing is run)."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO


def _convert(node: ast.Assert, setup: str) -> TestCase:
    test = node.test
    raw = TestCase(kind="assert", source=ast.unparse(ast.Assert(test=test, msg=None)), setup=setup)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if isinstance(op, ast.Eq):
            lv, rv = _literal(left), _literal(right)
            if rv is not _NO and lv is _NO:
                return _call(left, rv, setup)
            if lv is not _NO and rv is _NO:
                return _call(right, lv, setup)
            return raw
        if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value in (None, True, False):
            if right.value is None or isinstance(right.value, bool):
                return _call(left, right.value, setup)
        if isinstance(op, (ast.Lt, ast.LtE)):
            close = _abs_difference(left, _literal(right))
            if close is not None:
                expr, expected, tol = close
                return _call(expr, expected, setup, check="close", tolerance=tol)
        return raw
    if isinstance(test, ast.Call) and _is_isclose(test.func) and len(test.args) == 2:
        a, b = test.args
        av, bv = _literal(a), _literal(b)
        expr, expected = (a, bv) if av is _NO else (b, av)
        if expected is _NO or not _is_number(expected) or (av is not _NO and bv is not _NO):
            return raw
        tol = 1e-9
        for kw in test.keywords:
            value = _literal(kw.value)
            if kw.arg in ("rel_tol", "abs_tol") and _is_number(value):
                tol = max(tol, float(value))
            else:
                return raw
        return _call(expr, expected, setup, check="close", tolerance=tol)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        if isinstance(test.operand, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)):
            return _call(test.operand, None, setup, check="falsy")
        return raw
    if isinstance(test, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)):
        return _call(test, None, setup, check="truthy")
    return raw


def _call(
    expr: ast.expr, expected: Any, setup: str, check: str = "equal", tolerance: float | None = None
) -> TestCase:
    return TestCase(
        kind="call", expr=ast.unparse(expr), expected=expected, check=check, tolerance=tolerance, setup=setup
    )


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _is_isclose(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "isclose" and isinstance(func.value, ast.Name) and func.value.id == "math"
    return isinstance(func, ast.Name) and func.id == "isclose"


def _abs_difference(node: ast.expr, tol: Any) -> tuple[ast.expr, Any, float] | None:
    """``abs(E - L) < tol`` or ``abs(L - E) < tol`` → (E, L, tol)."""
    if not _is_number(tol) or tol <= 0:
        return None
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "abs"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.BinOp)
        and isinstance(node.args[0].op, ast.Sub)
    ):
        return None
    a, b = node.args[0].left, node.args[0].right
    av, bv = _literal(a), _literal(b)
    if av is _NO and _is_number(bv):
        return a, bv, float(tol)
    if bv is _NO and _is_number(av):
        return b, av, float(tol)
    return None
