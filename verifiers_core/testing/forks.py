"""Check that shared state survives ``os.fork`` (a DataLoader worker, a forking server) in a plugin's tests.

A plugin that keeps per-process pools (see :mod:`verifiers_core.processes`) must let a forked child
build its own, without driving or stopping the parent's, even when another thread of the parent held
the pools' lock at the moment of the fork.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext


def check_in_fork(
    check: Callable[[], bool], *, holding: AbstractContextManager | None = None, timeout: int = 20
) -> None:
    """Fork and run ``check`` in the child; raise ``AssertionError`` unless it returns true.

    ``holding`` (a lock, say): another thread of the parent holds it while the fork happens, so the
    child starts with it taken, as it would if the fork came at a bad moment. The child gets
    ``timeout`` seconds (a deadlock on an inherited lock ends it by ``SIGALRM``).

    >>> import threading
    >>> lock = threading.Lock()
    >>> check_in_fork(lambda: os.getpid() > 0, holding=lock)
    >>> check_in_fork(lambda: lock.acquire(timeout=0.1), holding=lock)
    Traceback (most recent call last):
    ...
    AssertionError: the check failed in the forked child (exit status 1)
    """
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holding if holding is not None else nullcontext():
            held.set()
            release.wait(timeout)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    held.wait(timeout)
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 2
        try:
            signal.alarm(timeout)
            status = 0 if check() else 1
        finally:
            os._exit(status)
    release.set()
    holder.join(timeout)
    _, raw = os.waitpid(pid, 0)
    if os.WIFSIGNALED(raw):
        raise AssertionError(f"the forked child was killed by signal {os.WTERMSIG(raw)} (a deadlock?)")
    if os.WEXITSTATUS(raw) != 0:
        what = "failed" if os.WEXITSTATUS(raw) == 1 else "raised"
        raise AssertionError(f"the check {what} in the forked child (exit status {os.WEXITSTATUS(raw)})")


__all__ = ["check_in_fork"]
