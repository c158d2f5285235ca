"""Scoring one answer with its task's own scorer, rebuilt from the row alone (runs in the workers).

For a row, the scorer is the task's dataset object built with the row's ``source_config`` (cached
per task and configuration); the entry it sees is ``{"answer": gold, "metadata": metadata}``,
with what JSON loses put back (:data:`RESTORE`). Nothing is looked up by index.

Credit (the reward's ``credit`` parameter):

- tasks that keep reasoning-gym's default scorer are checked by **exact match** (answer and gold
  stripped): that default's substring credit ``len(gold)/len(answer)`` is given only with
  ``credit="substring"``, because padding an answer around the gold earns it;
- other tasks use their own ``score_answer``; ``credit="binary"`` (default) turns its value into
  1.0 (full credit) or 0.0, ``"task"`` and ``"substring"`` keep its graded values.

Known scorer defects of reasoning-gym 0.1.25 are corrected here (:data:`EXACT_TASKS`), and the
scorers that ``eval`` text or parse it with sympy are guarded (:func:`install_guards`): a model's
answer is hostile input.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
import sys
import types
from functools import lru_cache
from typing import Any

from .tasks import build_dataset, decode_config, task_classes

#: Tasks whose own scorer is wrong at reasoning-gym 0.1.25 and that are checked by exact match
#: (case-insensitive) instead: ``game_of_life_halting`` compares ``bool(answer) == bool(gold)``,
#: so any non-empty answer ("I do not know") scores 1.0.
EXACT_TASKS = {"game_of_life_halting": "casefold"}
#: Full credit, allowing for float rounding in graded scorers.
FULL = 1.0 - 1e-9
#: Longest text the guarded ``eval`` / ``parse_expr`` accept.
MAX_PARSED_CHARS = 4000


def _board(value: Any) -> Any:
    """ARC boards: the scorer compares tuples of tuples, which JSON turned into lists."""
    return tuple(tuple(row) for row in value) if isinstance(value, list) else value


#: Per task: metadata fields to convert back after a JSON round trip.
RESTORE = {
    "arc_agi": {"input": _board, "output": _board},
    "rearc": {"input": _board, "output": _board},
}


def default_scorer_tasks() -> set[str]:
    """Tasks that keep reasoning-gym's default ``score_answer`` (checked here by exact match)."""
    from reasoning_gym.dataset import ProceduralDataset

    return {
        name
        for name, (cls, _) in task_classes().items()
        if cls.score_answer is ProceduralDataset.score_answer
    }


@lru_cache(maxsize=256)
def _scorer(task: str, config_json: str) -> Any:
    overrides = decode_config(task, json.loads(config_json))
    return build_dataset(task, overrides, seed=0, size=1)


def scorer_for(task: str, source_config: dict[str, Any]) -> Any:
    """The task's dataset object for a row's configuration (built once per worker)."""
    return _scorer(task, json.dumps(source_config, sort_keys=True))


def substring_credit(answer: str, gold: str) -> float:
    """reasoning-gym's default credit: 1.0 when equal, ``len(gold)/len(answer)`` when the gold is
    inside the answer, else 0.0. Hackable: ``"42"`` padded to ``"42 or 41"`` earns 0.25.

    >>> substring_credit("42", "42"), substring_credit("42 or 41", "42"), substring_credit("41", "42")
    (1.0, 0.25, 0.0)
    """
    if answer == gold:
        return 1.0
    return len(gold) / len(answer) if gold and gold in answer else 0.0


class BadRow(ValueError):
    """The row cannot be scored whatever the answer: an unknown task, a missing gold."""


def score(task: str, answer: str, gold: Any, metadata: dict[str, Any], credit: str) -> float:
    """Score one extracted answer; :class:`BadRow` when the row itself is unusable."""
    if task not in task_classes():
        raise BadRow(f"unknown reasoning-gym task {task!r} (installed: reasoning-gym {_version()})")
    if task in EXACT_TASKS or task in _default_tasks():
        if gold is None:
            raise BadRow(f"task {task!r} needs a gold answer, and the row has none")
        gold_text, given = str(gold).strip(), answer.strip()
        if EXACT_TASKS.get(task) == "casefold":
            gold_text, given = gold_text.casefold(), given.casefold()
        if credit == "substring":
            return substring_credit(given, gold_text)
        return 1.0 if given == gold_text else 0.0
    metadata = dict(metadata)
    for key, restore in RESTORE.get(task, {}).items():
        if key in metadata:
            metadata[key] = restore(metadata[key])
    source_config = metadata.get("source_config") or {}
    value = scorer_for(task, source_config).score_answer(
        answer, {"question": "", "answer": gold, "metadata": metadata}
    )
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"task {task!r}: its scorer returned {value}")
    if credit == "binary":
        return 1.0 if value >= FULL else 0.0
    return min(max(value, 0.0), 1.0)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("reasoning-gym")
    except metadata.PackageNotFoundError:
        return "?"


@lru_cache(maxsize=1)
def _default_tasks() -> frozenset[str]:
    return frozenset(default_scorer_tasks())


# -- guards against hostile answers ----------------------------------------------------------------


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Invert: operator.invert, ast.Not: operator.not_}
#: Largest integer (in bits) an evaluated expression may produce, and largest exponent or shift.
MAX_BITS, MAX_EXPONENT = 65_536, 4096


def _evaluate(node: ast.AST) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(
        node.value, (int, float, complex, str, bytes, bool, type(None))
    ):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_evaluate(e) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_evaluate(k): _evaluate(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        numbers = (int, float, complex)
        if not (isinstance(left, numbers) and isinstance(right, numbers)):
            raise ValueError("only numbers are combined by operators here")
        if isinstance(node.op, (ast.Pow, ast.LShift)) and abs(right) > MAX_EXPONENT:
            raise ValueError("exponent or shift too large")
        value = _BINARY[type(node.op)](left, right)
        if isinstance(value, int) and value.bit_length() > MAX_BITS:
            raise ValueError("number too large")
        return value
    raise ValueError(f"{type(node).__name__} is not evaluated here")


def safe_eval(source: Any, *args: Any, **kwargs: Any) -> Any:
    """Stands in for ``eval`` inside reasoning-gym's modules: literals (lists, numbers, strings) and
    arithmetic on numbers (``+ - * / // % ** << >> & | ^ ~``, bounded in size), nothing else, so an
    answer such as ``__import__('os').system(...)`` raises instead of running.

    >>> safe_eval("[[1, 0], [0, 1]]"), safe_eval("((0x3a + 0x2b) >> 2) * -1")
    ([[1, 0], [0, 1]], -25)
    >>> safe_eval("__import__('os').getcwd()")
    Traceback (most recent call last):
    ...
    ValueError: only literals and arithmetic are evaluated here (Call is not evaluated here)
    """
    if not isinstance(source, str) or len(source) > MAX_PARSED_CHARS:
        raise ValueError("only text of bounded size is evaluated here")
    try:
        return _evaluate(ast.parse(source.strip(), mode="eval"))
    except ValueError as exc:
        raise ValueError(f"only literals and arithmetic are evaluated here ({exc})") from None
    except (SyntaxError, TypeError, ZeroDivisionError, OverflowError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not evaluated: {type(exc).__name__}") from None


def refuse_exec(*args: Any, **kwargs: Any) -> None:
    """Stands in for ``exec`` inside reasoning-gym's modules while scoring."""
    raise ValueError("exec is not allowed while scoring")


#: Names a sympy expression in an answer may use: functions and constants of the tasks' answers.
SAFE_SYMPY_NAMES = frozenset(
    """sin cos tan cot sec csc asin acos atan acot asec acsc atan2 sinh cosh tanh coth sech csch asinh
    acosh atanh acoth exp log ln sqrt cbrt root Abs sign floor ceiling pi E I oo zoo nan factorial
    binomial gamma erf Rational Integer Float Symbol Integral Derivative diff integrate
    alpha beta gamma delta epsilon zeta eta theta iota kappa lamda mu nu xi omicron rho sigma tau
    upsilon phi chi psi omega""".split()
)
_EXPR_CHARS = re.compile(r"^[A-Za-z0-9\s+\-*/^().,]*$")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def check_expression(text: Any, allowed: frozenset[str] = SAFE_SYMPY_NAMES) -> None:
    """Refuse text that sympy's ``parse_expr`` (which calls ``eval``) must not see: other characters
    than letters, digits, spaces and ``+-*/^().,``, or a name that is not a single letter or a known
    math function or constant.

    >>> check_expression("3*x**2 + sin(x) + C")
    >>> check_expression("exit()")
    Traceback (most recent call last):
    ...
    ValueError: the name 'exit' is not allowed in an expression
    >>> check_expression("().__class__")
    Traceback (most recent call last):
    ...
    ValueError: only letters, digits, spaces and +-*/^()., are allowed in an expression
    """
    if not isinstance(text, str):
        return
    if len(text) > MAX_PARSED_CHARS:
        raise ValueError(f"an expression longer than {MAX_PARSED_CHARS} characters is not parsed")
    if not _EXPR_CHARS.match(text):
        raise ValueError("only letters, digits, spaces and +-*/^()., are allowed in an expression")
    for name in _NAME.findall(text):
        if len(name) > 1 and name not in allowed:
            raise ValueError(f"the name {name!r} is not allowed in an expression")


def _guarded(original: Any, *, text_arg: bool = True) -> Any:
    """``original`` (``parse_expr`` or ``sympify``) that checks a text argument first."""

    def guarded(s: Any, *args: Any, **kwargs: Any) -> Any:
        local_dict = kwargs.get("local_dict", args[0] if args and isinstance(args[0], dict) else None)
        check_expression(s, SAFE_SYMPY_NAMES | frozenset(local_dict or ()))
        return original(s, *args, **kwargs)

    guarded.__wrapped__ = original  # type: ignore[attr-defined]
    return guarded


class _GuardedSympy(types.ModuleType):
    """What a reasoning-gym module sees as ``sympy``: the real module, except that ``parse_expr``
    and ``sympify`` check text first. sympy's own internals keep the originals."""

    def __init__(self, real: types.ModuleType, replacements: dict[str, Any]) -> None:
        super().__init__(real.__name__)
        self._real = real
        for name, value in replacements.items():
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def install_guards() -> None:
    """In this process (a scoring worker), inside reasoning-gym's modules only: ``eval`` becomes
    :func:`safe_eval`, ``exec`` is refused, and sympy's ``parse_expr`` and ``sympify`` (whether a
    module imported them by name or calls them as ``sympy.parse_expr``) check their text with
    :func:`check_expression` first."""
    import sympy
    import sympy.parsing.sympy_parser as sympy_parser

    task_classes()  # imports every task module
    replacements = {
        "parse_expr": _guarded(sympy_parser.parse_expr),
        "sympify": _guarded(sympy.sympify),
    }
    originals = {
        id(sympy_parser.parse_expr): replacements["parse_expr"],
        id(sympy.sympify): replacements["sympify"],
    }
    proxy = _GuardedSympy(sympy, replacements)
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "reasoning_gym" or name.startswith("reasoning_gym.")):
            continue
        module.eval = safe_eval  # type: ignore[attr-defined]
        module.exec = refuse_exec  # type: ignore[attr-defined]
        for attr, value in list(vars(module).items()):
            if value is sympy:
                setattr(module, attr, proxy)
            elif id(value) in originals:
                setattr(module, attr, originals[id(value)])
