"""The verdict, in the parent: decode what the sandbox observed and compare it with the expected.

Nothing from the sandbox is ever unpickled or evaluated: values arrive as tagged JSON and are
rebuilt here from their tags, so the only types that can come back are plain data.

>>> stdout_matches(b"3  \\n\\n", "3\\n")
True
>>> stdout_matches(b"3\\n", "3\\n4\\n")   # one line of two is not a pass
False
>>> values_match(decode_value(["l", [["i", "1"], ["f", "2.0000000001"]]]), [1, 2.0], 1e-6)
True
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from .cases import TestCase
from .config import DEFAULT_TOLERANCE

_SPACES = re.compile(r"(\s+)")
_MAX_DEPTH = 100
#: How judges' default validators spell non-finite numbers: nan, NaN, inf, -Inf, +infinity, ...
_NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)


class BadValue(ValueError):
    """The sandbox's record is not a well-formed plain value."""


def encode_value(value: Any, depth: int = 0) -> list:
    """The tagged encoding of a plain value (the supervisor's, for arguments sent to the sandbox).

    >>> encode_value([1, "a", {2: (None, 1.5)}])
    ['l', [['i', '1'], ['s', 'a'], ['d', [[['i', '2'], ['t', [['N'], ['f', '1.5']]]]]]]]
    >>> decode_value(encode_value({"k": [True, 2.5, {3}]}))
    {'k': [True, 2.5, {3}]}
    """
    if depth > _MAX_DEPTH:
        raise ValueError("nested deeper than 100")
    t = type(value)
    if value is None:
        return ["N"]
    if t is bool:
        return ["b", value]
    if t is int:
        return ["i", str(value)]
    if t is float:
        return ["f", repr(value)]
    if t is complex:
        return ["c", repr(value.real), repr(value.imag)]
    if t is str:
        return ["s", value]
    if t is bytes:
        return ["y", base64.b64encode(value).decode()]
    if t in (list, tuple, set, frozenset):
        tag = {list: "l", tuple: "t", set: "S", frozenset: "F"}[t]
        return [tag, [encode_value(v, depth + 1) for v in value]]
    if t is dict:
        return ["d", [[encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in value.items()]]
    raise TypeError(f"values of type {t.__name__} are not plain data")


def decode_value(node: Any, depth: int = 0) -> Any:
    """Rebuild a value from the supervisor's tagged encoding (see ``supervisor.encode_value``).

    >>> decode_value(["t", [["s", "a"], ["N"]]])
    ('a', None)
    >>> decode_value(["x", 1])
    Traceback (most recent call last):
    ...
    verifiers_code.compare.BadValue: unknown tag 'x'
    """
    if depth > _MAX_DEPTH:
        raise BadValue("nested too deeply")
    if not isinstance(node, list) or not node or not isinstance(node[0], str):
        raise BadValue(f"malformed node {str(node)[:40]!r}")
    tag = node[0]
    try:
        if tag == "N":
            return None
        if tag == "b" and isinstance(node[1], bool):
            return node[1]
        if tag == "i" and isinstance(node[1], str):
            return int(node[1])
        if tag == "f" and isinstance(node[1], str):
            return float(node[1])
        if tag == "c":
            return complex(float(node[1]), float(node[2]))
        if tag == "s" and isinstance(node[1], str):
            return node[1]
        if tag == "y" and isinstance(node[1], str):
            return base64.b64decode(node[1], validate=True)
        if tag in ("l", "t", "S", "F") and isinstance(node[1], list):
            items = [decode_value(v, depth + 1) for v in node[1]]
            return {"l": list, "t": tuple, "S": set, "F": frozenset}[tag](items)
        if tag == "d" and isinstance(node[1], list):
            out = {}
            for pair in node[1]:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise BadValue("malformed dict item")
                out[decode_value(pair[0], depth + 1)] = decode_value(pair[1], depth + 1)
            return out
    except BadValue:
        raise
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise BadValue(f"bad {tag!r} node: {exc}") from None
    raise BadValue(f"unknown tag {tag!r}")


def _canonical(x: Any) -> Any:
    """A hashable key for set and dict-key equality: types are told apart (``True`` is not ``1``,
    ``"1"`` is not ``1``), except that an int-valued float is its int (``2.0`` is ``2``)."""
    t = type(x)
    if t in (list, tuple):
        return (t.__name__, tuple(_canonical(v) for v in x))
    if t in (set, frozenset):
        return (t.__name__, frozenset(_canonical(v) for v in x))
    if t is dict:
        return ("dict", frozenset((_canonical(k), _canonical(v)) for k, v in x.items()))
    if t is float:
        if math.isnan(x):
            return ("float", "nan")
        if x.is_integer():
            return ("int", int(x))
    return (t.__name__, x)


def values_match(got: Any, expected: Any, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """Python's ``==`` as the benchmarks use it, without its holes: numbers compare by value (an
    int-valued float equals an int, an int equals a float within ``tolerance``), but a ``bool`` is
    never a number and a ``str`` never equals anything else; containers must be of the same type
    (a list is not a tuple) and compare element by element, recursively.

    >>> values_match(240.0, 240), values_match(1, 1.0), values_match(True, 1), values_match(1, True)
    (True, True, False, False)
    >>> values_match("1", 1), values_match((1,), [1]), values_match({2.0: "a"}, {2: "a"})
    (False, False, True)
    """
    te, tg = type(expected), type(got)
    if te is bool or tg is bool:
        return te is tg and got == expected
    if te is int:
        if tg is int:
            return got == expected
        return tg is float and math.isfinite(got) and got == expected  # 240.0 == 240, exactly
    if te is float:
        if tg not in (float, int):
            return False
        g = float(got)
        if math.isnan(expected) or math.isnan(g):
            return False
        return math.isclose(g, expected, rel_tol=tolerance, abs_tol=tolerance) or g == expected
    if te is complex:
        if tg not in (complex, float, int):
            return False
        return abs(complex(got) - expected) <= tolerance * max(1.0, abs(expected))
    if tg is not te:
        return False
    if te in (list, tuple):
        return len(got) == len(expected) and all(values_match(g, e, tolerance) for g, e in zip(got, expected))
    if te is dict:
        if len(got) != len(expected):
            return False
        keys = {_canonical(k): k for k in got}
        for k, v in expected.items():
            ck = _canonical(k)
            if ck not in keys or not values_match(got[keys[ck]], v, tolerance):
                return False
        return True
    if te in (set, frozenset):
        return {_canonical(v) for v in got} == {_canonical(v) for v in expected}
    return got == expected


def apps_match(got: Any, expected: Any, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """APPS/TACO's rule for call-based tests, on top of :func:`values_match`: the result (a tuple
    becomes a list) equals the expected output, or its single wrapped element (``outputs[i]`` is
    usually ``[value]``); a list of tuples also compares as a list of lists.

    >>> apps_match(3, [3]), apps_match((1, 2), [1, 2]), apps_match([(1, 2)], [[[1, 2]]]), apps_match(3, [4])
    (True, True, True, False)
    """
    if type(got) is tuple:
        got = list(got)
    if values_match(got, expected, tolerance):
        return True
    if type(expected) is list and expected:
        if values_match(got, expected[0], tolerance):
            return True
        if type(got) is list and got and all(type(x) is tuple for x in got):
            return values_match([list(x) for x in got], expected[0], tolerance)
    return False


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _token_match(got: str, expected: str, tolerance: float) -> bool:
    # Separators are kept and must match exactly: only numbers get the tolerance.
    a, b = _SPACES.split(got), _SPACES.split(expected)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        if not x or not y or x.isspace() or y.isspace():
            return False
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return False
        if not (math.isfinite(fx) and math.isfinite(fy)):
            # nan matches nan and inf matches inf of the same sign, whatever the spelling; a finite
            # number never matches either, nor does an overflow such as 1e400.
            if not (_NON_FINITE.fullmatch(x) and _NON_FINITE.fullmatch(y)):
                return False
            if math.isnan(fx) or math.isnan(fy):
                if not (math.isnan(fx) and math.isnan(fy)):
                    return False
            elif fx != fy:
                return False
            continue
        if not math.isclose(fx, fy, rel_tol=tolerance, abs_tol=tolerance):
            return False
    return True


def stdout_matches(got: bytes, expected: str, tolerance: float | None = None) -> bool:
    """Stdout against the expected output: the exact number of lines, each equal after trailing
    whitespace is removed (trailing blank lines ignored). With ``tolerance``, lines that differ
    are compared token by token: same separators, and numbers equal within the tolerance.

    >>> stdout_matches(b"0.3333334\\n", "0.33333333", 1e-6), stdout_matches(b"0.3333334", "0.33333333")
    (True, False)
    >>> stdout_matches(b"nan -inf\\n", "NaN -Infinity", 1e-6), stdout_matches(b"inf", "-inf", 1e-6)
    (True, False)
    """
    try:
        text = got.decode("utf-8")
    except UnicodeDecodeError:
        return False
    a, b = _lines(text), _lines(expected)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x != y and (tolerance is None or not _token_match(x, y, tolerance)):
            return False
    return True


def _observed_equal(observed: Any, tolerance: float) -> bool:
    """Every ``A == B`` a raw test observed holds, by :func:`values_match` either way round."""
    if not isinstance(observed, list):
        return False
    for pair in observed:
        if not isinstance(pair, list) or len(pair) != 2:
            return False
        try:
            a, b = decode_value(pair[0]), decode_value(pair[1])
        except (BadValue, RecursionError):
            return False
        if not (values_match(a, b, tolerance) or values_match(b, a, tolerance)):
            return False
    return True


def case_passed(case: TestCase, result: dict[str, Any], tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """Whether one test passed, from its case (parent side) and the sandbox's observation.

    >>> from verifiers_code.testcases import TestCase
    >>> case_passed(TestCase("stdio", expected_stdout="5"), {"status": "ok", "stdout": "NQo="})
    True
    >>> case_passed(TestCase("call", expr="f()", expected=5), {"status": "ok", "record": '{"value":["b",true]}'})
    False
    """
    if not isinstance(result, dict) or result.get("status") != "ok":
        return False
    if case.kind == "stdio":
        try:
            got = base64.b64decode(result.get("stdout", ""), validate=True)
        except (ValueError, TypeError):
            return False
        return stdout_matches(got, case.expected_stdout or "", tolerance)
    record = result.get("record")
    if not isinstance(record, str) or not record:
        return False
    try:
        data = json.loads(record)
    except (ValueError, RecursionError):
        return False
    if not isinstance(data, dict):
        return False
    if case.kind == "assert":
        return data.get("passed") is True and _observed_equal(data.get("observed", []), tolerance)
    if case.check in ("truthy", "falsy") and "truth" in data:
        # The value could not be sent; the sandbox computed bool() with a builtin type's own
        # __bool__ (a class the program defines never vouches for itself).
        truth = data["truth"]
        if type(truth) is not bool:
            return False
        return truth if case.check == "truthy" else not truth
    try:
        value = decode_value(data.get("value"))
    except (BadValue, RecursionError):
        return False
    if case.check == "truthy":
        return bool(value)
    if case.check == "falsy":
        return not value
    if case.check == "close":
        if type(value) not in (int, float) or type(case.expected) not in (int, float):
            return False
        rel = case.tolerance if case.tolerance is not None else tolerance
        absolute = case.abs_tolerance if case.abs_tolerance is not None else tolerance
        return math.isfinite(value) and math.isclose(value, case.expected, rel_tol=rel, abs_tol=absolute)
    if case.check == "apps":
        return apps_match(value, case.expected, tolerance)
    return values_match(value, case.expected, tolerance)
