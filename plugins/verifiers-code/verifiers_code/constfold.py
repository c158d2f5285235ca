"""Constant folding of test expressions in the parent, without running anything.

The expected side of an assert is often not a bare literal: ``(3 + 5 + 7, 3 * 5 * 7)``, ``-2 ** 10``,
``set([4, 5])``, ``1 / 3``. :func:`fold` computes such expressions from literals with a fixed set
of operations (arithmetic, comparisons, ``not``/``and``/``or``, and the constructors ``set``,
``frozenset``, ``tuple``, ``list``, ``sorted`` of constants), each bounded in size so that a
hostile dataset row cannot make the parent compute ``9 ** 9 ** 9``. Anything else (a name, an
attribute, any other call) is not a constant: :func:`fold` returns :data:`NOT_CONSTANT`.

The builtins are the real ones, whatever a program under test does to its own namespace: a
dataset's ``set(...)`` means Python's ``set``.

>>> import ast
>>> fold(ast.parse("(3 + 5 + 7, 3 * 5 * 7)", mode="eval").body)
(15, 105)
>>> fold(ast.parse("set((4, 5)) == {5, 4}", mode="eval").body)
True
>>> fold(ast.parse("f(3) + 1", mode="eval").body) is NOT_CONSTANT
True
>>> fold(ast.parse("9 ** 9 ** 9", mode="eval").body) is NOT_CONSTANT   # bounded, never computed
True
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

#: Returned for an expression that is not a constant (or too big to compute here).
NOT_CONSTANT: Any = type("NotConstant", (), {"__repr__": lambda self: "NOT_CONSTANT"})()

MAX_INT_BITS = 4096
MAX_ITEMS = 100_000
MAX_DEPTH = 50

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
    ast.Not: operator.not_,
    ast.Invert: operator.invert,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_CONSTRUCTORS: dict[str, Callable[..., Any]] = {
    "set": set,
    "frozenset": frozenset,
    "tuple": tuple,
    "list": list,
    "sorted": sorted,
}
_PLAIN = (type(None), bool, int, float, complex, str, bytes, tuple, list, set, frozenset, dict)


def fold(node: ast.AST, depth: int = 0) -> Any:
    """The value of a constant expression, or :data:`NOT_CONSTANT`.

    >>> import ast
    >>> fold(ast.parse("[1, -2.5, 'a' * 3, 2 ** 10 // 3]", mode="eval").body)
    [1, -2.5, 'aaa', 341]
    >>> fold(ast.parse("True and x", mode="eval").body) is NOT_CONSTANT
    True
    """
    if depth > MAX_DEPTH:
        return NOT_CONSTANT
    try:
        value = _fold(node, depth + 1)
    except (ArithmeticError, ValueError, TypeError, MemoryError, RecursionError):
        return NOT_CONSTANT
    if value is not NOT_CONSTANT and not isinstance(value, _PLAIN):
        return NOT_CONSTANT
    return value


def _fold(node: ast.AST, depth: int) -> Any:
    if isinstance(node, ast.Constant):
        return node.value if node.value is not Ellipsis else NOT_CONSTANT
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [fold(e, depth) for e in node.elts]
        if any(v is NOT_CONSTANT for v in items) or any(isinstance(e, ast.Starred) for e in node.elts):
            return NOT_CONSTANT
        kind = {ast.Tuple: tuple, ast.List: list, ast.Set: set}[type(node)]
        return kind(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):  # {**x}
            return NOT_CONSTANT
        keys = [fold(k, depth) for k in node.keys]  # type: ignore[arg-type]
        values = [fold(v, depth) for v in node.values]
        if any(v is NOT_CONSTANT for v in keys + values):
            return NOT_CONSTANT
        return dict(zip(keys, values))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        operand = fold(node.operand, depth)
        if operand is NOT_CONSTANT:
            return NOT_CONSTANT
        return _UNARY[type(node.op)](operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = fold(node.left, depth), fold(node.right, depth)
        if left is NOT_CONSTANT or right is NOT_CONSTANT or not _small_enough(node.op, left, right):
            return NOT_CONSTANT
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.BoolOp):
        values = [fold(v, depth) for v in node.values]
        if any(v is NOT_CONSTANT for v in values):
            return NOT_CONSTANT
        result = values[0]
        for v in values[1:]:
            if isinstance(node.op, ast.And):
                result = result and v
            else:
                result = result or v
        return result
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        left = fold(node.left, depth)
        rights = [fold(c, depth) for c in node.comparators]
        if left is NOT_CONSTANT or any(r is NOT_CONSTANT for r in rights):
            return NOT_CONSTANT
        for op, right in zip(node.ops, rights):
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _CONSTRUCTORS
        and len(node.args) <= 1
        and not node.keywords
    ):
        args = [fold(a, depth) for a in node.args]
        if any(a is NOT_CONSTANT for a in args):
            return NOT_CONSTANT
        if args and (not isinstance(args[0], (tuple, list, set, frozenset, str, dict))):
            return NOT_CONSTANT
        return _CONSTRUCTORS[node.func.id](*args)
    return NOT_CONSTANT


def _size(value: Any) -> int:
    if isinstance(value, int):
        return value.bit_length()
    if isinstance(value, (str, bytes, tuple, list)):
        return len(value)
    return 0


def _small_enough(op: ast.operator, left: Any, right: Any) -> bool:
    """Refuse operations whose result would be huge (the parent must stay fast)."""
    if isinstance(op, ast.Pow) and isinstance(left, (int, float)) and isinstance(right, (int, float)):
        if isinstance(right, int) and abs(left) > 1:
            return right * math.log2(abs(left)) <= MAX_INT_BITS
        return True
    if isinstance(op, ast.LShift) and isinstance(right, int):
        return right <= MAX_INT_BITS
    if isinstance(op, ast.Mod):  # '%' on strings is formatting ('%0999999999d' % 1): numbers only
        return isinstance(left, (int, float)) and isinstance(right, (int, float))
    if isinstance(op, ast.Mult):
        if isinstance(left, int) and isinstance(right, int):
            return left.bit_length() + right.bit_length() <= MAX_INT_BITS
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, tuple, list)) and isinstance(count, int):
                return len(seq) * max(count, 0) <= MAX_ITEMS
        return True
    if isinstance(op, ast.Add):
        return _size(left) + _size(right) <= MAX_ITEMS
    return True
