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
import os
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

    def gold(self, text: str) -> list:
        """The parsed candidates of a gold answer (``[]`` when it cannot be used), cached."""
        hit = self.golds.get(text)
        if hit is not None:
            self.golds.move_to_end(text)
            return hit
        parsed = self._parse_marked(text)
        self.golds[text] = parsed
        if len(self.golds) > GOLD_CACHE_SIZE:
            self.golds.popitem(last=False)
        return parsed

    def grade(self, gold: list, text: str, free: bool) -> tuple[int, bool, str]:
        """``(verdict, parsed, shown)`` for one answer against parsed gold candidates."""
        parsed = self.parse(text, self.free_config, parsing_timeout=None) if free else self._parse_marked(text)
        if not parsed:
            return 0, False, ""
        # The string candidate is what math-verify matched: safe to show (no str() of sympy).
        shown = next((c for c in parsed if isinstance(c, str)), "")
        ok = bool(self.verify(gold, parsed, timeout_seconds=None))
        return int(ok), True, shown[:SHOWN_CHARS]


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
        except MemoryError:
            gold = []
        conn.send_bytes(json.dumps({"k": "g", "ok": bool(gold)}).encode())
        if not gold:
            continue
        for index, text, free in task["items"]:
            try:
                verdict, parsed, shown = grader.grade(gold, text, free)
            except MemoryError:
                verdict, parsed, shown = 0, True, ""
            except RecursionError:
                verdict, parsed, shown = 0, False, ""
            conn.send_bytes(json.dumps({"k": "r", "i": index, "v": verdict, "p": parsed, "a": shown}).encode())


def _run_worker(sock: socket.socket, memory_mb: int, grader: Grader) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    _cap_memory(memory_mb)
    conn = Connection(sock.detach())
    conn.send_bytes(json.dumps({"k": "hello", "pid": os.getpid()}).encode())
    worker_loop(conn, grader)


def _warm_up(grader: Grader) -> None:
    """Exercise the parser and verifier once so that every fork starts with them loaded."""
    gold = grader.gold("\\frac{1}{2}")
    for text in ("0.5", "x=\\sqrt{2}", "[0,1)", "\\{1,2\\}"):
        grader.grade(gold, text, False)
    grader.grade(gold, "so the answer is $3$.", True)
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
