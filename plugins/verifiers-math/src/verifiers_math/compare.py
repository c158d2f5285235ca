"""How the grading workers compare values: exactly, unless a side is a decimal. Imported by workers only.

math-verify 0.9.0 (pinned) compares numbers in two ways that let distinct exact values pass:
``(a - b).evalf(chop=True) == 0`` chops any difference below about 1e-15, so ``\\frac{1}{2^{98}}`` equals
``\\frac{1}{2^{99}}`` and ``\\frac{1}{2004!}`` equals ``\\frac{1}{2006!}``; and a decimal side is rounded to 6
places, an absolute rule. :func:`install` replaces its numeric comparison (``sympy_numeric_eq``, looked up
by name when it compares) with :func:`numbers_equal`:

- no decimal on either side: exact, ``a - b`` is zero (sympy decides; when it cannot, a 50-digit evaluation
  must vanish to 40 digits relative to the values);
- a decimal on a side: relative, ``|a - b| <= tolerance * max(|a|, |b|)``, ``tolerance`` a parameter of the
  reward (default 1e-6);
- percentages keep math-verify's meaning (``50\\%`` is ``1/2``; ``9\\%`` equals ``9``), for decimals too
  (``25.0\\%`` equals ``25``, as ``25\\%`` does).

It also extends the symbolic comparison with equivalent radical forms: expressions whose difference does
not simplify to zero for arbitrary complex symbols are tried again with positive symbols
(``\\frac{1}{\\sqrt{n}}`` equals ``\\sqrt{1/n}``), unless an absolute value is involved (``|x|`` is not ``x``).

Speed: the LaTeX parser (ANTLR) is switched to ANTLR's two-stage parsing, the documented way to run
it fast: each answer is parsed first in SLL prediction mode, which bails out at the first syntax error,
and only then, if it failed, in the full LL mode used before. Where SLL succeeds the parse is the same
(checked on the corpora's 1,175 distinct answers and golds, and by a test); it halved the workers' time
on the benchmark's realistic batch, since full-context prediction was most of the parse time.

Memory: the workers run under an address-space cap, so an answer that needs too much memory raises
``MemoryError`` deep inside the parser or sympy, where math-verify's ``except Exception`` would turn it into
"not equal". :func:`install` wraps the parser's entry points and the comparisons so that a ``MemoryError``
becomes :class:`MemoryCapHit`, a ``BaseException`` those handlers do not catch: the worker stops that answer
at once and reports it as a memory error.

>>> import sympy
>>> numbers_equal(sympy.Rational(1, 2**98), sympy.Rational(1, 2**99), 1e-6)
False
>>> numbers_equal(sympy.Float("0.3333333"), sympy.Rational(1, 3), 1e-6), numbers_equal(sympy.sqrt(8), 2 * sympy.sqrt(2), 1e-6)
(True, True)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

#: The relative tolerance of the task being graded (set per task by the worker).
_state = threading.local()
DEFAULT_TOLERANCE = 1e-6
#: Slack on the relative bound, kept equal to :data:`verifiers_math.simple.TOLERANCE_SLACK`.
TOLERANCE_SLACK = 1e-9


class MemoryCapHit(BaseException):  # noqa: N818 - it is an event, and must not be an Exception
    """An answer or gold needed more memory than the worker's cap (raised instead of ``MemoryError``)."""


def set_tolerance(tolerance: float) -> None:
    """Use ``tolerance`` for the comparisons that follow (the worker calls this per task)."""
    _state.tolerance = tolerance


def tolerance() -> float:
    return getattr(_state, "tolerance", DEFAULT_TOLERANCE)


def _has_float(expr: Any) -> bool:
    import sympy

    try:
        return bool(expr.has(sympy.Float))
    except Exception:
        return False


def numbers_equal(a: Any, b: Any, tol: float) -> bool:
    """Exact equality of two sympy numbers, or relative within ``tol`` when one holds a decimal."""
    import sympy

    if a == b:
        return True
    if a.is_infinite or b.is_infinite or a.has(sympy.nan, sympy.zoo) or b.has(sympy.nan, sympy.zoo):
        return False  # oo equals only oo (above); -oo, zoo and nan equal nothing else
    if _has_float(a) or _has_float(b):
        x, y = sympy.N(a, 30), sympy.N(b, 30)
        diff, scale = abs(sympy.N(x - y, 30)), max(abs(x), abs(y))
        if diff.is_real is False or scale.is_real is False:
            return False
        return bool(diff <= sympy.Float(tol, 30) * scale * (1 + sympy.Float(TOLERANCE_SLACK, 30)))
    difference = a - b
    if difference == 0:
        return True
    zero = difference.is_zero
    if zero is not None:
        return bool(zero)
    value = abs(sympy.N(difference, 50))
    scale = max(abs(sympy.N(a, 50)), abs(sympy.N(b, 50)), sympy.Integer(1))
    return bool(value <= sympy.Float(10, 50) ** -40 * scale)


def _numeric_eq(a: Any, b: Any, float_rounding: int, numeric_precision: int) -> bool:
    """math-verify's ``sympy_numeric_eq`` with :func:`numbers_equal` as the rule (same structure)."""
    import sympy
    from math_verify import grader as mv
    from sympy import Integer, MatrixBase, Number
    from sympy.matrices.expressions.matexpr import MatrixExpr

    if isinstance(a, (MatrixBase, MatrixExpr)) and isinstance(b, (MatrixBase, MatrixExpr)):
        a, b = mv.safe_sympy_doit(a), mv.safe_sympy_doit(b)
        if isinstance(a, MatrixBase) and isinstance(b, MatrixBase) and a.shape == b.shape:
            return all(
                _numeric_eq(x, y, float_rounding, numeric_precision) for x, y in zip(a.flat(), b.flat())
            )
        return False
    if mv.is_atomic_or_pct_atomic(a, Number) or mv.is_atomic_or_pct_atomic(b, Number):
        if mv.is_atomic_or_pct_atomic(a, Integer) and mv.is_atomic_or_pct_atomic(b, Integer):
            return mv.get_pct_val(a, a) == mv.get_pct_val(b, b)  # 9% == 9, as in math-verify
        pa, pb = mv.get_pct_val(a), mv.get_pct_val(b)
        if (pa is None) != (pb is None) and isinstance(pa if pa is not None else pb, Number):
            # one side is a percentage: its number may be the answer (25.0% for 25), as for integers
            percent, other = (pa, b) if pa is not None else (pb, a)
            if isinstance(other, Number) and numbers_equal(percent, other, tolerance()):
                return True
        a, b = mv.safe_sympy_doit(a), mv.safe_sympy_doit(b)
    if isinstance(a, sympy.Basic) and isinstance(b, sympy.Basic) and a.is_number and b.is_number:
        try:
            return numbers_equal(a, b, tolerance())
        except MemoryError:
            raise MemoryCapHit from None
        except Exception:
            return False
    return False  # symbolic: decided by the symbolic comparison


def _positive(expr: Any) -> Any:
    import sympy

    return expr.subs({s: sympy.Symbol(s.name, positive=True) for s in expr.free_symbols if s.is_Symbol})


def _radical(expr: Any) -> bool:
    import sympy

    return any(p.exp.is_Rational and not p.exp.is_Integer for p in expr.atoms(sympy.Pow))


def _zero_difference(a: Any, b: Any) -> bool:
    """math-verify's symbolic rule (``simplify(a - b)`` is zero), without its ``except Exception``,
    which would also swallow a ``MemoryError``."""
    from sympy import Basic, MatrixBase, simplify

    difference = simplify(a - b)
    if isinstance(difference, MatrixBase):
        return bool(difference.is_zero_matrix)
    return isinstance(difference, Basic) and bool(difference.is_zero)


def _symbolic_eq(a: Any, b: Any) -> bool:
    """math-verify's ``sympy_symbolic_eq``, then again with positive symbols for radical forms."""
    import sympy

    try:
        if _zero_difference(a, b):
            return True
        if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
            return False
        if not (a.free_symbols or b.free_symbols) or a.has(sympy.Abs) or b.has(sympy.Abs):
            return False
        if not (_radical(a) or _radical(b)):
            return False
        return _zero_difference(_positive(a), _positive(b))
    except MemoryError:
        raise MemoryCapHit from None
    except Exception:  # math-verify's own rule: a comparison that fails is "not equal"
        return False


def _memory_guard(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a ``MemoryError`` inside ``function`` into :class:`MemoryCapHit`."""

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except MemoryError:
            raise MemoryCapHit from None

    return guarded


_ORIGINAL: dict[str, Callable[..., Any]] = {}


def _two_stage_converter(base: type) -> type:
    """latex2sympy's converter, parsing in SLL mode first and in LL mode only when that fails."""
    from antlr4.atn.PredictionMode import PredictionMode
    from antlr4.error.ErrorStrategy import BailErrorStrategy

    class TwoStage(base):  # type: ignore[misc, valid-type]
        _fast = False

        def create_parser(self, latex_str: str) -> Any:
            parser = super().create_parser(latex_str)
            if self._fast:
                parser._interp.predictionMode = PredictionMode.SLL
                parser._errHandler = BailErrorStrategy()
            return parser

        def parse(self, latex_str: str) -> Any:
            self._fast = True
            try:
                return super().parse(latex_str)
            except MemoryError:
                raise
            except Exception:  # SLL gave up (or the input is wrong): the full parser decides
                pass
            finally:
                self._fast = False
            return super().parse(latex_str)

    TwoStage.__name__ = TwoStage.__qualname__ = f"TwoStage{base.__name__}"
    return TwoStage


def install(two_stage: bool = True) -> None:
    """Replace math-verify's comparisons and guard its parser (in this process; workers only).

    Raises ``RuntimeError`` if math-verify no longer has the functions replaced here (a version other
    than the pinned one), rather than grading with its original rules.
    """
    from latex2sympy2_extended import latex2sympy2
    from math_verify import grader, parser

    if _ORIGINAL:
        return
    if not hasattr(latex2sympy2, "_Latex2Sympy"):
        raise RuntimeError(
            "latex2sympy2_extended has no _Latex2Sympy; verifiers-math needs math-verify 0.9.0"
        )
    if two_stage:
        latex2sympy2._Latex2Sympy = _two_stage_converter(latex2sympy2._Latex2Sympy)
    for module, name in (
        (grader, "sympy_numeric_eq"),
        (grader, "sympy_symbolic_eq"),
        (parser, "parse_latex_cached"),
        (parser, "parse_expr_cached"),
    ):
        if not callable(getattr(module, name, None)):
            raise RuntimeError(
                f"math-verify has no {module.__name__}.{name}; verifiers-math needs math-verify 0.9.0"
            )
        _ORIGINAL[name] = getattr(module, name)
    grader.sympy_numeric_eq = _numeric_eq
    grader.sympy_symbolic_eq = _symbolic_eq
    parser.parse_latex_cached = _memory_guard(_ORIGINAL["parse_latex_cached"])
    parser.parse_expr_cached = _memory_guard(_ORIGINAL["parse_expr_cached"])
