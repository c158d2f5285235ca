"""Ctrl-C for the command lines (``score``, the trainer): never half a row, and a prompt, clean exit.

- :func:`interrupts_deferred` holds Ctrl-C back while a batch of rows is written, so a stream never
  ends in half a row and the row count said afterwards is exact.
- :func:`exit_promptly`, once an interrupted command has said what it kept, bounds the time the
  process takes to end: exit handlers (the rewards' worker pools and sandboxes shut down there) get
  a few seconds, then the process ends anyway; a second Ctrl-C ends it at once. Grading workers and
  sandboxes are tied to this process by the kernel (``PR_SET_PDEATHSIG``, bwrap's
  ``--die-with-parent``, a closed control socket), so they end with it either way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Seconds an interrupted command gives its exit handlers before ending regardless.
EXIT_GRACE_SECONDS = 3.0


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) for the duration of the block, then raise it.

    Only in the main thread and where Python's own handler is installed; elsewhere a no-op.

    >>> with interrupts_deferred():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        yield
        return
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def exit_promptly(status: int = EXIT_INTERRUPTED, grace: float = EXIT_GRACE_SECONDS) -> None:
    """Arm a bounded exit for a process that is about to end after an interrupt.

    Call it from a command-line entry point only (never inside a library or a test process): the
    exit handlers that run next get ``grace`` seconds, after which the process ends with ``status``
    without waiting further; a second Ctrl-C ends it at once.
    """

    def end_now(*_: object) -> None:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, end_now)
    timer = threading.Timer(grace, end_now)
    timer.daemon = True
    timer.start()


__all__ = ["EXIT_GRACE_SECONDS", "EXIT_INTERRUPTED", "exit_promptly", "interrupts_deferred"]
