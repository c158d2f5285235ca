"""Helpers for tests that interrupt a command: its process tree, and whether any of it is left.

Only the tree of the process under test is watched (other work on the machine may run processes as
uid 65534 too): descendants are collected while it runs, from ``/proc`` (``descendant_pids``),
including the processes that started their own session (grading zygotes, sandboxes).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from verifiers_core.processes import descendant_pids


def descendants(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (children, grandchildren, ...)."""
    return set(descendant_pids(pid))


def uid_of(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def running(pids: set[int]) -> set[int]:
    """The pids still running (zombies waiting to be reaped by init do not count)."""
    out = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            out.add(pid)
    return out


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def left_behind(pids: set[int], timeout: float = 10.0) -> set[int]:
    """The pids of ``pids`` still running after up to ``timeout`` seconds (empty: all gone)."""
    wait_until(lambda: not running(pids), timeout)
    return running(pids)
