"""Assert-style tests (MBPP, HumanEval) turned into (expression, expected value) pairs with :mod:`ast`.

Nothing here runs test code: the expected side is computed by :func:`constfold.fold` from
literals only. What cannot be turned into a pair runs in the sandbox as a raw assert (the weaker
guarantee). Asserts whose outcome does not depend on the program (``assert True, "..."``) are not
tests; statements without effect in a ``check()`` body (a bare ``print``, a docstring, ``pass``)
do not make the whole ``check()`` a raw test.

>>> s = parse_asserts("assert f(2) == 2 ** 3\\nassert True, 'filler'\\nassert f(1) != 0")
>>> [(c.kind, c.expr, c.expected) for c in s.cases], s.constant_asserts
([('call', 'f(2)', 8), ('assert', None, None)], 1)
"""

from __future__ import annotations

import ast
import copy
import math
import warnings
from typing import Any

from .cases import InvalidTests, TestCase, TestSuite
from .constfold import NOT_CONSTANT, fold

#: Default tolerances of ``math.isclose``.
ISCLOSE_REL = 1e-9
#: In raw asserts run in the sandbox, ``assert A == B`` becomes a call of this function, which
#: sends both values (plain data only) to the parent to compare: an ``__eq__`` override of the
#: program's cannot pass it. Defined by the supervisor after the program ran.
OBSERVE_EQUAL = "__vc_observe_equal"


class _ObserveEquality(ast.NodeTransformer):
    """``assert A == B`` → ``__vc_observe_equal(A, B)``, anywhere in a raw test."""

    def visit_Assert(self, node: ast.Assert) -> ast.stmt:
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            call = ast.Call(
                func=ast.Name(id=OBSERVE_EQUAL, ctx=ast.Load()),
                args=[test.left, test.comparators[0]],
                keywords=[],
            )
            return ast.copy_location(ast.Expr(value=call), node)
        return node


def raw_source(node: ast.AST) -> str:
    """The source of a raw test as it runs in the sandbox (equalities observed, not asserted).

    >>> import ast
    >>> raw_source(ast.parse("assert f(1) == g(1)").body[0])
    '__vc_observe_equal(f(1), g(1))'
    """
    return ast.unparse(ast.fix_missing_locations(_ObserveEquality().visit(copy.deepcopy(node))))


def join_setup(setup: Any) -> str:
    """Setup code from a dataset column: a string, or a list of lines (sanitized MBPP's
    ``test_imports``) joined with newlines.

    >>> join_setup(["import math", "import re"]), join_setup(None)
    ('import math\\nimport re', '')
    """
    if isinstance(setup, str):
        return setup
    if isinstance(setup, (list, tuple)) and all(isinstance(s, str) for s in setup):
        return "\n".join(setup)
    return ""


def parse_asserts(source: str, *, entry_point: Any = None, setup: Any = None) -> TestSuite:
    """Turn assert-style tests into (expression, expected value) pairs where possible.

    ``assert E == CONST`` (either side), ``assert E is None/True/False``, ``assert E``,
    ``assert not E``, ``assert math.isclose(E, CONST, ...)`` and ``assert abs(E - CONST) < TOL``
    become ``call`` cases, where ``CONST`` is a constant expression (:mod:`.constfold`); any other
    assert becomes an ``assert`` case (run in the sandbox). HumanEval's ``def check(candidate)`` is
    unrolled with ``candidate`` bound to ``entry_point``: its convertible asserts become calls and
    only the rest of its body (loops, helpers) runs as one raw test. Other top-level statements
    (imports, helpers, constants) are setup, run before each test.

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
    joined = join_setup(setup)
    if joined.strip():
        setup_parts.append(joined)
    asserts: list[ast.Assert] = []
    aliases: frozenset[str] = frozenset()
    check_rest: ast.FunctionDef | None = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assert):
            asserts.append(stmt)
        elif isinstance(stmt, ast.FunctionDef) and stmt.name == "check" and len(stmt.args.args) == 1:
            if not isinstance(entry_point, str) or not entry_point.isidentifier():
                raise InvalidTests("HumanEval-style check(candidate) tests need an entry_point")
            aliases = frozenset({stmt.args.args[0].arg, entry_point})
            hoisted, imports, rest = _split_check(stmt, aliases)
            setup_parts.extend(ast.unparse(s) for s in imports)
            setup_parts.append(f"{stmt.args.args[0].arg} = {entry_point}")
            asserts.extend(hoisted)
            if rest:
                check_rest = copy.copy(stmt)
                check_rest.body = imports + rest
                check_rest.decorator_list = []
        elif _is_check_call(stmt) or _is_no_op(stmt):
            continue  # the harness's own `check(entry_point)`: we call the tests ourselves
        else:
            setup_parts.append(ast.unparse(stmt))
    setup_src = "\n".join(setup_parts)
    cases: list[TestCase] = []
    constant = 0
    for node in asserts:
        case = convert_assert(node, setup_src, aliases)
        if case is None:
            constant += 1
        else:
            cases.append(case)
    if check_rest is not None:
        rest_body = check_rest.body
        if all(isinstance(s, (ast.Assert, ast.Import, ast.ImportFrom)) for s in rest_body):
            # Only raw asserts are left: each is its own (weak) test, as written.
            cases.extend(
                TestCase(
                    kind="assert", source=ast.unparse(ast.Assert(test=s.test, msg=None)), setup=setup_src
                )
                for s in rest_body
                if isinstance(s, ast.Assert)
            )
        elif any(isinstance(n, ast.Assert) for n in ast.walk(check_rest)):
            # Only here does check() itself enter the sandbox, with what could not be unrolled
            # (loops, helpers): the unrolled asserts' expected values stay in the parent.
            weak_setup = "\n".join([setup_src, raw_source(check_rest)])
            cases.append(TestCase(kind="assert", source=f"check({entry_point})", setup=weak_setup))
    return TestSuite("python", tuple(cases), constant_asserts=constant)


def _split_check(
    func: ast.FunctionDef, aliases: frozenset[str]
) -> tuple[list[ast.Assert], list[ast.stmt], list[ast.stmt]]:
    """(asserts that can leave check(), its imports, the statements that must stay in it)."""
    param = func.args.args[0].arg
    body = [s for s in func.body if not _is_no_op(s)]
    imports = [s for s in body if isinstance(s, (ast.Import, ast.ImportFrom))]
    others = [s for s in body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    bound = _bound_names(others)
    hoisted: list[ast.Assert] = []
    rest: list[ast.stmt] = []
    for stmt in others:
        if (
            isinstance(stmt, ast.Assert)
            and param not in bound
            and not (_loaded_names(stmt.test) & bound)
            and _convertible(stmt, aliases)
        ):
            hoisted.append(stmt)
        else:
            rest.append(stmt)
    return hoisted, imports, rest


def _convertible(node: ast.Assert, aliases: frozenset[str]) -> bool:
    try:
        case = convert_assert(node, "", aliases)
    except InvalidTests:
        return True  # an assert that always fails stays an error, wherever it is
    return case is None or case.kind == "call"


def _bound_names(stmts: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
    return names


def _loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_no_op(stmt: ast.stmt) -> bool:
    """A statement without effect on the outcome: ``pass``, a docstring or other constant, a bare
    ``print`` name, or ``print`` of constants."""
    if isinstance(stmt, ast.Pass):
        return True
    if not isinstance(stmt, ast.Expr):
        return False
    value = stmt.value
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.Name) and value.id == "print":
        return True
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "print"
        and all(fold(a) is not NOT_CONSTANT for a in value.args)
        and all(fold(k.value) is not NOT_CONSTANT for k in value.keywords)
    )


def _is_check_call(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Name)
        and stmt.value.func.id == "check"
    )


def convert_assert(node: ast.Assert, setup: str, aliases: frozenset[str] = frozenset()) -> TestCase | None:
    """One assert as a test case; ``None`` when its outcome does not depend on the program: a
    constant condition that holds, or an equality of an expression with itself (``aliases`` name
    the same function: HumanEval's ``candidate`` and its entry point). A constant condition that
    fails makes the row unusable.

    >>> import ast
    >>> convert_assert(ast.parse("assert 1 + 1 == 2").body[0], "") is None
    True
    >>> convert_assert(ast.parse("assert abs(f(1) - 3.14) < 0.01").body[0], "").check
    'close'
    """
    test = node.test
    constant = fold(test)
    if constant is not NOT_CONSTANT:
        if constant:
            return None
        raise InvalidTests(
            f"the assert `{ast.unparse(test)[:80]}` (line {node.lineno}) always fails, whatever the program"
        )
    raw = TestCase(kind="assert", source=raw_source(ast.Assert(test=test, msg=None)), setup=setup)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if isinstance(op, ast.Eq):
            if _normalized(left, aliases) == _normalized(right, aliases):
                return None  # f(x) == f(x): true for any program that runs
            lv, rv = fold(left), fold(right)
            if rv is not NOT_CONSTANT and lv is NOT_CONSTANT:
                return _call(left, rv, setup)
            if lv is not NOT_CONSTANT and rv is NOT_CONSTANT:
                return _call(right, lv, setup)
            return raw
        if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value in (None, True, False):
            if right.value is None or isinstance(right.value, bool):
                return _call(left, right.value, setup)
        if isinstance(op, (ast.Lt, ast.LtE)):
            close = _abs_difference(left, fold(right))
            if close is not None:
                expr, expected, tol = close
                return _call(expr, expected, setup, check="close", tolerance=0.0, abs_tolerance=tol)
        return raw
    if isinstance(test, ast.Call) and _is_isclose(test.func) and len(test.args) == 2:
        a, b = test.args
        av, bv = fold(a), fold(b)
        expr, expected = (a, bv) if av is NOT_CONSTANT else (b, av)
        if expected is NOT_CONSTANT or not _is_number(expected):
            return raw
        rel, absolute = ISCLOSE_REL, 0.0
        for kw in test.keywords:
            value = fold(kw.value)
            if kw.arg == "rel_tol" and _is_number(value) and value >= 0:
                rel = float(value)
            elif kw.arg == "abs_tol" and _is_number(value) and value >= 0:
                absolute = float(value)
            else:
                return raw
        return _call(expr, expected, setup, check="close", tolerance=rel, abs_tolerance=absolute)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        if isinstance(test.operand, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)):
            return _call(test.operand, None, setup, check="falsy")
        return raw
    if isinstance(test, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)):
        return _call(test, None, setup, check="truthy")
    return raw


def _normalized(node: ast.AST, aliases: frozenset[str]) -> str:
    node = copy.deepcopy(node)
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in aliases:
            sub.id = "__candidate__"
    return ast.dump(node, annotate_fields=False)


def _call(
    expr: ast.expr,
    expected: Any,
    setup: str,
    check: str = "equal",
    tolerance: float | None = None,
    abs_tolerance: float | None = None,
) -> TestCase:
    return TestCase(
        kind="call",
        expr=ast.unparse(expr),
        expected=expected,
        check=check,
        tolerance=tolerance,
        abs_tolerance=abs_tolerance,
        setup=setup,
    )


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _is_isclose(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "isclose" and isinstance(func.value, ast.Name) and func.value.id == "math"
    return isinstance(func, ast.Name) and func.id == "isclose"


def _abs_difference(node: ast.expr, tol: Any) -> tuple[ast.expr, Any, float] | None:
    """``abs(E - C) < tol`` or ``abs(C - E) < tol`` → (E, C, tol)."""
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
    av, bv = fold(a), fold(b)
    if av is NOT_CONSTANT and _is_number(bv):
        return a, bv, float(tol)
    if bv is NOT_CONSTANT and _is_number(av):
        return b, av, float(tol)
    return None
