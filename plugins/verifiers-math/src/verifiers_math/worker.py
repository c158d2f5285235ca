"""The grading processes: a zygote that forks warm workers, and the workers' loop.

Run as ``python -m verifiers_math.worker CONTROL_FD MEMORY_MB``; only :mod:`verifiers_math.pool`
starts it. The zygote is a fresh interpreter (started with ``subprocess``, so it never inherits the
trainer's threads, CUDA state or ``__main__``). It imports math-verify once, warms it up, and then
forks one worker per request from the pool; a fork of a single-threaded process is safe, and the
worker starts warm in a few milliseconds. A worker gets a memory cap (``RLIMIT_AS``), dies with the
zygote (``PR_SET_PDEATHSIG``), and then grades tasks sent by the pool over its own socket.

Everything that can be slow on a hostile answer (parsing, verifying, building strings) happens
here, never in the trainer's process. The messages are :mod:`verifiers_math.protocol`'s (JSON, named
fields); the comparison rules are :mod:`verifiers_math.compare`'s (exact unless a side is a decimal),
installed in the zygote before the warm-up, so every worker inherits them.
"""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import sys
from collections import OrderedDict
from multiprocessing.connection import Connection
from typing import Any

from . import compare, protocol
from .compare import MemoryCapHit

#: How many parsed golds a worker keeps (GRPO sends each gold once per generation batch).
GOLD_CACHE_SIZE = 512
#: Longest candidate text shown back to the trainer's completions table.
SHOWN_CHARS = 200
_DECIMAL_RE = re.compile(r"^[-+]?\d{1,50}\.\d{1,50}$")


def _math() -> Any:
    """Import math-verify quietly (its "timeout is disabled" warning is expected here)."""
    import logging

    for name in ("math_verify", "latex2sympy2_extended"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    import math_verify

    return math_verify


class Grader:
    """Parses golds (cached) and answers, and compares them with math-verify, without timeouts.

    The caller (the pool) enforces time limits by killing the process, so math-verify's own
    ``signal.alarm`` timeouts are switched off. An answer's parts must *all* equal the gold.

    >>> g = Grader()
    >>> gold = g.gold("\\\\frac{1}{2}")
    >>> g.grade(gold, ["0.5"])[:2], g.grade(gold, ["1/3"])[:2], g.grade(g.gold("2"), ["2", "1"])[:2]
    ((1, True), (0, True), (0, True))
    """

    def __init__(self) -> None:
        mv = _math()
        from latex2sympy2_extended import NormalizationConfig

        compare.install()
        self.parse, self.verify = mv.parse, mv.verify
        # Units are read in the caller (``normalize``): math-verify's rule also strips letters that
        # are variables (`3t` would equal 3, `\\sin^2 t` would lose its `t`).
        normalization = NormalizationConfig(
            basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="all", equations=False
        )
        # An answer or a gold is wrapped in \boxed{}, so the boxed match comes first and the whole
        # expression is read (a bare `a+3z=0` must not collapse to the number `0`).
        self.config = [
            mv.LatexExtractionConfig(boxed_match_priority=0, normalization_config=normalization),
            mv.ExprExtractionConfig(),
        ]
        self.golds: OrderedDict[str, list] = OrderedDict()

    def _parse(self, text: str) -> list:
        parsed = self.parse("\\boxed{" + text + "}", self.config, parsing_timeout=None)
        if not parsed:  # unbalanced braces break the wrapper: read it as it stands
            parsed = self.parse(text, self.config, parsing_timeout=None)
        return parsed

    def gold(self, text: str) -> list:
        """The parsed candidates of a gold answer (``[]`` when it cannot be used), cached."""
        hit = self.golds.get(text)
        if hit is not None:
            self.golds.move_to_end(text)
            return hit
        parsed = self._parse(text)
        if not any(not isinstance(c, str) for c in parsed):
            parsed = []  # only math-verify's string fallback: nothing was understood
        # A gold must compare equal to itself. This also builds its string form here, under the
        # pool's deadline: a power tower such as 5^{5^{5^{5^5}}} hangs now, once, and the gold is
        # then known to be unusable, rather than hanging on every answer graded against it.
        if parsed and not self._equal(parsed, parsed, ""):
            parsed = []
        self.golds[text] = parsed
        if len(self.golds) > GOLD_CACHE_SIZE:
            self.golds.popitem(last=False)
        return parsed

    def grade(self, gold: list, parts: list[str]) -> tuple[int, bool, str]:
        """``(verdict, parsed, shown)`` for an answer's parts against parsed gold candidates."""
        shown = ""
        for part in parts:
            parsed = self._parse(part)
            if not parsed:
                return 0, False, shown
            # The string candidate is what math-verify matched: safe to show (no str() of sympy).
            shown = next((c for c in parsed if isinstance(c, str)), "")[:SHOWN_CHARS]
            if not self._equal(gold, parsed, part):
                return 0, True, shown
        return 1, True, shown

    def _equal(self, gold: list, parsed: list, written: str) -> bool:
        numbers = _plain_numbers(gold), _plain_numbers(parsed)
        if numbers[0] and numbers[1]:
            # Plain numbers on both sides: the comparison rule alone decides (no symbolic work).
            ok = any(self._numbers_equal(g, a) for g in numbers[0] for a in numbers[1])
        else:
            ok = any(not _surely_different(g, a) and self._verify(g, a) for g in gold for a in parsed)
        if ok and _DECIMAL_RE.match(written.strip()):
            ok = self._precise_enough(gold, written.strip())
        return ok

    def _numbers_equal(self, gold: Any, answer: Any) -> bool:
        try:
            return compare.numbers_equal(gold, answer, compare.tolerance())
        except MemoryError:
            raise MemoryCapHit from None
        except Exception:  # OverflowError on a tower too big to evaluate: not equal
            return False

    def _verify(self, gold: Any, answer: Any) -> bool:
        try:
            return bool(
                self.verify(
                    gold, answer, timeout_seconds=None, allow_set_relation_comp=True, raise_on_error=True
                )
            )
        except MemoryError:
            raise MemoryCapHit from None
        except Exception:  # math-verify's own rule: a comparison that fails is "not equal"
            return False

    def _precise_enough(self, gold: list, text: str) -> bool:
        """A decimal answer must match the gold to its own last digit.

        The relative tolerance alone would take ``1000000.1`` for ``1000000``; an answer that writes
        ``d`` decimals must also be within ``10^-d`` of the gold: ``0.333333`` is right for ``1/3``,
        ``0.0000001`` is wrong for ``0``.
        """
        import sympy

        value = next((c for c in gold if not isinstance(c, str)), None)
        if value is None or getattr(value, "free_symbols", True) or not getattr(value, "is_number", False):
            return True  # not a plain number (a set, an equation, a percentage...): keep the verdict
        decimals = len(text.split(".", 1)[1])
        answer = sympy.Rational(text.lstrip("+"))
        exact = value if value.is_Rational else sympy.N(value, decimals + 15)
        try:
            return bool(abs(sympy.Rational(exact) - answer) < sympy.Rational(1, 10**decimals))
        except (TypeError, ValueError):
            return True


#: Positive rational points at which two expressions in the same symbols are compared before any
#: symbolic work (positive, as the radical rule of :mod:`.compare` assumes).
_PROBES = ((7, 5), (13, 11), (5, 3))


def _surely_different(gold: Any, answer: Any) -> bool:
    """True when two expressions in the same symbols take clearly different values at a probe point.

    Expressions that are equal as functions take equal values everywhere they are defined, so a clear
    difference at a point proves "not equal" (only that is ever concluded here) and spares the
    symbolic simplification that is most of the cost of a wrong answer. Relations, sets, tuples,
    matrices, decimals and percentages are left to math-verify.

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> _surely_different(x**2 + 7*x + 10, (x + 2) * (x + 3)), _surely_different(x**2 + 7*x + 10, (x + 2) * (x + 5))
    (True, False)
    """
    import sympy

    if not (isinstance(gold, sympy.Expr) and isinstance(answer, sympy.Expr)):
        return False
    symbols = gold.free_symbols
    if not symbols or symbols != answer.free_symbols or len(symbols) > 6:
        return False
    for expr in (gold, answer):
        if expr.has(sympy.Float, sympy.UnevaluatedExpr) or not all(s.is_Symbol for s in expr.free_symbols):
            return False
    ordered = sorted(symbols, key=lambda s: s.name)
    for k, (p, q) in enumerate(_PROBES[:2]):
        point = {s: sympy.Rational(p + 2 * j, q + k + j) for j, s in enumerate(ordered)}
        try:
            x = complex(sympy.N(gold.subs(point), 30))
            y = complex(sympy.N(answer.subs(point), 30))
        except MemoryError:
            raise MemoryCapHit from None
        except Exception:  # not defined there, or not a number: no conclusion
            return False
        if not all(math.isfinite(v) for v in (x.real, x.imag, y.real, y.imag)):
            return False
        if abs(x - y) > 1e-9 * max(1.0, abs(x), abs(y)):
            return True
    return False


def _plain_numbers(candidates: list) -> list:
    """The candidates if every non-string one is a plain number (no percentage, set, symbol), else ``[]``."""
    import sympy

    numbers = [c for c in candidates if not isinstance(c, str)]
    for c in numbers:
        if not isinstance(c, sympy.Expr) or not c.is_number or c.has(sympy.UnevaluatedExpr):
            return []
    return numbers


def _die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent (the zygote) dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # not Linux: the closed socket still ends the worker when it is idle
        pass


def _cap_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_loop(conn: Connection, grader: Grader) -> None:
    """Grade tasks from ``conn`` until it closes (see :mod:`verifiers_math.protocol`)."""
    while True:
        try:
            task = protocol.Task.decode(conn.recv_bytes())
        except (EOFError, OSError):
            return
        compare.set_tolerance(task.tolerance)
        reason = ""
        try:
            gold = grader.gold(task.gold)
            reason = "" if gold else "unparsed"
        except (MemoryCapHit, MemoryError):
            gold, reason = [], "memory"
        except Exception:  # RecursionError, a parser bug
            gold, reason = [], "error"
        conn.send_bytes(protocol.gold_status(bool(gold), reason))
        if not gold:
            continue
        for item in task.items:
            memory = False
            try:
                verdict, parsed, shown = grader.grade(gold, item.parts)
            except (MemoryCapHit, MemoryError):
                verdict, parsed, shown, memory = 0, False, "", True
            except Exception:  # RecursionError, a parser bug: not an answer we can read
                verdict, parsed, shown = 0, False, ""
            conn.send_bytes(protocol.result(item.index, verdict, parsed, shown, memory))


def _run_worker(sock: socket.socket, memory_mb: int, grader: Grader) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    _cap_memory(memory_mb)
    conn = Connection(sock.detach())
    conn.send_bytes(protocol.hello(os.getpid()))
    worker_loop(conn, grader)


#: Typical answers, parsed once in the zygote: the LaTeX parser (ANTLR) learns its prediction
#: tables lazily and keeps them per process, so every forked worker starts with them learnt.
WARM_UP_ANSWERS = (
    "42",
    "-7",
    "3.5",
    "0.25",
    "1000000",
    "\\frac{1}{2}",
    "\\frac{-3}{4}",
    "-\\frac{7}{12}",
    "\\dfrac{5}{8}",
    "3/4",
    "2\\sqrt{3}",
    "\\sqrt{2}",
    "\\frac{\\sqrt{3}}{2}",
    "\\sqrt[3]{5}",
    "4\\pi",
    "\\frac{\\pi}{6}",
    "\\pi \\cdot 3",
    "e^{2}",
    "2^{10}",
    "10^{-3}",
    "4.5\\times10^{33}",
    "3 \\cdot 10^{8}",
    "[0,1)",
    "(-\\infty, 2]",
    "(1, 5)",
    "[2, 7]",
    "(-\\infty,-1)\\cup(1,\\infty)",
    "\\{1, 2, 3\\}",
    "1, 2",
    "(2, -3)",
    "\\emptyset",
    "x^2 + 5x + 6",
    "(x+2)(x+3)",
    "3x^2 - 2x + 1",
    "y = 2x + 1",
    "x = 5",
    "a + 3z = 0",
    "x \\le 2",
    "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
    "\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}",
    "30^\\circ",
    "50\\%",
    "\\$18.90",
    "12\\text{ cm}",
    "\\text{(C)}",
    "\\text{Tuesday}",
    "3 - 4i",
    "\\infty",
    "\\ln 2",
    "\\log_2 8",
    "\\binom{5}{2}",
    "5!",
    "\\sin 30^\\circ",
    "0.\\overline{3}",
    "1011_2",
    "\\pm 1",
    "-3, 2",
    "(1,2),(2,1),(-1,-20)",
    "k = 45, n = 2",
    "(1, 2, n)",
    "\\frac{1}{2004!}",
    "\\frac{1}{2^{99}}",
    "\\sqrt{1/n}",
    "\\frac{1}{\\sqrt{n}}",
    "e^2",
    "2+3i",
    "(3, \\frac{\\pi}{2})",
    "(3.0, 1.5707963267948966)",
    "\\frac{x+2}{7}",
    "x \\in [-2,7]",
    "\\sin^2 t",
    "p - q",
    "3R^2",
    "5.4 \\text{ cents}",
)


def _warm_up(grader: Grader) -> None:
    """Exercise the parser and the comparisons so that every fork starts with them loaded and learnt."""
    golds = [grader.gold(text) for text in ("\\frac{1}{2}", "[0,1)", "y = 2x + 1", "\\{1,2\\}", "-3, 2")]
    for i, text in enumerate(WARM_UP_ANSWERS):
        try:
            grader.gold(text)  # the same shapes as golds: parsed and compared with themselves
            grader.grade(golds[i % len(golds)], [text])
        except (Exception, MemoryCapHit):  # warm-up only
            pass
    grader.golds.clear()


def zygote_main(control_fd: int, memory_mb: int) -> None:
    """Serve fork requests on ``control_fd`` until the pool closes it."""
    control = socket.socket(fileno=control_fd)
    grader = Grader()
    _warm_up(grader)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps dead workers
    control.send(b"ready")
    while True:
        try:
            request = control.recv(64)
        except OSError:
            request = b""
        if not request:  # the pool is gone; the workers die with us (PR_SET_PDEATHSIG)
            return
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                parent_end.close()
                _run_worker(child_end, memory_mb, grader)
            finally:
                os._exit(0)
        child_end.close()
        socket.send_fds(control, [str(pid).encode()], [parent_end.fileno()])
        parent_end.close()


if __name__ == "__main__":
    zygote_main(int(sys.argv[1]), int(sys.argv[2]))
