"""The grading processes: a zygote that forks warm workers, and the workers' loop.

Run as ``python -m verifiers_math.worker CONTROL_FD MEMORY_MB``; only :mod:`verifiers_math.pool`
starts it. The zygote is a fresh interpreter (started with ``subprocess``, so it never inherits the
trainer's threads, CUDA state or ``__main__``). It imports math-verify once, warms it up, and then
forks one worker per request from the pool; a fork of a single-threaded process is safe, and the
worker starts warm in a few milliseconds. A worker gets a memory cap (``RLIMIT_AS``), dies with the
zygote (``PR_SET_PDEATHSIG``), and then grades tasks sent by the pool over its own socket.

Everything that can be slow on a hostile answer (parsing, verifying, building strings) happens
here, never in the trainer's process. Messages are JSON in both directions: a worker that a crafted
answer has subverted (sympy's ``parse_expr`` evaluates code) cannot make the trainer unpickle
anything.

A task is ``{"gold": str, "items": [[index, text, free], ...]}``. The worker answers first
``{"k": "g", "ok": bool}`` (could the gold be parsed), then one ``{"k": "r", "i": index, "v": 0|1,
"p": parsed, "a": shown}`` per item, in order, so that the pool can time each step from the end of
the previous one.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import socket
import sys
from collections import OrderedDict
from multiprocessing.connection import Connection
from typing import Any

#: How many parsed golds a worker keeps (GRPO sends each gold once per generation batch).
GOLD_CACHE_SIZE = 512
#: Longest candidate text shown back to the trainer's completions table.
SHOWN_CHARS = 200
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_DECIMAL_RE = re.compile(r"^[-+]?\d{1,50}\.\d{1,50}$")


def _math() -> Any:
    """Import math-verify quietly (its "timeout is disabled" warning is expected here)."""
    import logging

    for name in ("math_verify", "latex2sympy2_extended"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    import math_verify

    return math_verify


class Grader:
    """Parses golds (cached) and answers, and verifies them with math-verify, without timeouts.

    The caller (the pool) enforces time limits by killing the process, so math-verify's own
    ``signal.alarm`` timeouts are switched off.

    >>> g = Grader()
    >>> gold = g.gold("\\\\frac{1}{2}")
    >>> g.grade(gold, "0.5", free=False)[:2], g.grade(gold, "1/3", free=False)[:2]
    ((1, True), (0, True))
    """

    def __init__(self) -> None:
        mv = _math()
        from latex2sympy2_extended import NormalizationConfig

        self.parse, self.verify = mv.parse, mv.verify
        normalization = NormalizationConfig(
            basic_latex=True, units=True, malformed_operators=True, nits=True, boxed="all", equations=False
        )
        # A marked answer or a gold is wrapped in \boxed{}, so the boxed match comes first and the
        # whole expression is read (a bare `a+3z=0` must not collapse to the number `0`).
        self.marked_config = [
            mv.LatexExtractionConfig(boxed_match_priority=0, normalization_config=normalization),
            mv.ExprExtractionConfig(),
        ]
        # Free extraction of a completion's tail: math-verify's own anchors ("answer is", last $..$).
        self.free_config = [
            mv.LatexExtractionConfig(boxed_match_priority=0, normalization_config=normalization),
            mv.ExprExtractionConfig(),
        ]
        self.golds: OrderedDict[str, list] = OrderedDict()

    def _parse_marked(self, text: str) -> list:
        parsed = self.parse("\\boxed{" + text + "}", self.marked_config, parsing_timeout=None)
        if not parsed:  # unbalanced braces break the wrapper: read it as it stands
            parsed = self.parse(text, self.marked_config, parsing_timeout=None)
        return parsed

    def _parse_free(self, text: str) -> list:
        # The last sentence first (math-verify's "answer" anchor would otherwise pick the 3 in
        # "To answer this we count 3 and 4. That makes 7."), then the whole tail.
        sentences = [s for s in _SENTENCE_RE.split(text.strip()) if s.strip()]
        if len(sentences) > 1:
            parsed = self.parse(sentences[-1], self.free_config, parsing_timeout=None)
            if any(not isinstance(c, str) for c in parsed):
                return parsed
        return self.parse(text, self.free_config, parsing_timeout=None)

    def gold(self, text: str) -> list:
        """The parsed candidates of a gold answer (``[]`` when it cannot be used), cached."""
        hit = self.golds.get(text)
        if hit is not None:
            self.golds.move_to_end(text)
            return hit
        parsed = self._parse_marked(text)
        if not any(not isinstance(c, str) for c in parsed):
            parsed = []  # only math-verify's string fallback: nothing was understood
        # A gold must compare equal to itself. This also builds its string form here, under the
        # pool's deadline: a power tower such as 5^{5^{5^{5^5}}} hangs now, once, and the gold is
        # then known to be unusable, rather than hanging on every answer graded against it.
        if parsed and not self.verify(parsed, parsed, timeout_seconds=None):
            parsed = []
        self.golds[text] = parsed
        if len(self.golds) > GOLD_CACHE_SIZE:
            self.golds.popitem(last=False)
        return parsed

    def grade(self, gold: list, text: str, free: bool) -> tuple[int, bool, str]:
        """``(verdict, parsed, shown)`` for one answer against parsed gold candidates."""
        parsed = self._parse_free(text) if free else self._parse_marked(text)
        if not parsed:
            return 0, False, ""
        # The string candidate is what math-verify matched: safe to show (no str() of sympy).
        shown = next((c for c in parsed if isinstance(c, str)), "")
        if self._clearly_different(gold, parsed):
            return 0, True, shown[:SHOWN_CHARS]
        ok = bool(self.verify(gold, parsed, timeout_seconds=None, allow_set_relation_comp=True))
        written = shown.strip() if free else text  # what the answer says, as the model wrote it
        if ok and _DECIMAL_RE.match(written):
            ok = self._precise_enough(gold, written)
        return int(ok), True, shown[:SHOWN_CHARS]

    def _clearly_different(self, gold: list, parsed: list) -> bool:
        """True when every pair of candidates are plain numbers far apart (so verify would say no).

        math-verify's symbolic check (``simplify``) is most of the cost of a wrong answer; two
        numbers whose values differ by more than 1e-5 (and more than 1e-9 relatively) can never be
        equal under its rules, so they skip it. Percentages, infinities, sets, equations and
        anything with a variable still go through verify.
        """
        import sympy

        golds = [c for c in gold if not isinstance(c, str)]
        answers = [c for c in parsed if not isinstance(c, str)]
        if not golds or not answers:
            return False
        values = {}
        for expr in golds + answers:
            if not isinstance(expr, sympy.Expr) or not expr.is_number or expr.has(sympy.UnevaluatedExpr):
                return False
            try:
                value = complex(sympy.N(expr, 30))
            except (TypeError, ValueError, ArithmeticError):
                return False
            if not (math.isfinite(value.real) and math.isfinite(value.imag)):
                return False
            values[id(expr)] = value
        for g in golds:
            for a in answers:
                x, y = values[id(g)], values[id(a)]
                diff = abs(x - y)
                if diff <= 1e-5 or diff <= 1e-9 * max(abs(x), abs(y)):
                    return False
        return True

    def _precise_enough(self, gold: list, text: str) -> bool:
        """A decimal answer must match the gold to its own last digit.

        math-verify rounds both sides to 6 places, so it would take ``0.0000001`` for ``0`` and
        ``3.000000000000001`` for ``3``. An answer that writes ``d`` decimals must be within
        ``10^-d`` of the gold: ``0.333333`` is right for ``1/3``, ``0.0000001`` is wrong for ``0``.
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
    """Grade tasks from ``conn`` until it closes."""
    while True:
        try:
            task = json.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            gold = grader.gold(task["gold"])
        except Exception:  # MemoryError under the cap, RecursionError, a parser bug
            gold = []
        conn.send_bytes(json.dumps({"k": "g", "ok": bool(gold)}).encode())
        if not gold:
            continue
        for index, text, free in task["items"]:
            try:
                verdict, parsed, shown = grader.grade(gold, text, free)
            except Exception:  # MemoryError under the cap, RecursionError: a wrong answer
                verdict, parsed, shown = 0, False, ""
            conn.send_bytes(
                json.dumps({"k": "r", "i": index, "v": verdict, "p": parsed, "a": shown}).encode()
            )


def _run_worker(sock: socket.socket, memory_mb: int, grader: Grader) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    _cap_memory(memory_mb)
    conn = Connection(sock.detach())
    conn.send_bytes(json.dumps({"k": "hello", "pid": os.getpid()}).encode())
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
)
WARM_UP_FREE = (
    "so the answer is $3$.",
    "Putting it together, we get 42",
    "The final answer is $\\frac{1}{2}$. I hope it is correct.",
    "Therefore $x = 5$ and we are done.",
)


def _warm_up(grader: Grader) -> None:
    """Exercise the parser and verifier so that every fork starts with them loaded and learnt."""
    golds = [grader.gold(text) for text in ("\\frac{1}{2}", "[0,1)", "y = 2x + 1", "\\{1,2\\}")]
    for i, text in enumerate(WARM_UP_ANSWERS):
        try:
            grader.grade(golds[i % len(golds)], text, False)
        except Exception:  # warm-up only
            pass
    for text in WARM_UP_FREE:
        grader.grade(golds[0], text, True)
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
