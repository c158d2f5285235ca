"""A scoring worker: ``python -m verifiers_reasoning_gym.worker --memory-mb N``.

It imports reasoning-gym once, installs the guards of :mod:`verifiers_reasoning_gym.scoring`, caps
its address space, dies with its parent, and then answers one JSON request per line on stdin with
one JSON reply per line on the original stdout (anything the tasks print goes to stderr)::

    {"id": 3, "task": "countdown", "answer": "...", "gold": "...", "metadata": {...}, "credit": "binary"}
    {"id": 3, "value": 1.0}            or            {"id": 3, "error": "ValueError: ..."}

A fresh interpreter (not a fork of the trainer) keeps torch's threads and the trainer's state out.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from typing import Any

READY = "ready"


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (best effort elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent is already gone
        os._exit(0)


def _cap_memory(memory_mb: int) -> None:
    if memory_mb <= 0:
        return
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """One request to one reply; a scorer's exception becomes ``error`` (the row scores 0.0)."""
    from .scoring import BadRow, score

    reply: dict[str, Any] = {"id": request.get("id")}
    try:
        reply["value"] = score(
            request["task"], request["answer"], request.get("gold"), request["metadata"], request["credit"]
        )
    except BadRow as exc:
        reply["bad_row"] = str(exc)
    except Exception as exc:  # a scorer failing on a hostile or odd answer is that answer's problem
        reply["error"] = f"{type(exc).__name__}: {exc}"[:300]
    return reply


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifiers_reasoning_gym.worker")
    parser.add_argument("--memory-mb", type=int, default=0)
    args = parser.parse_args(argv)
    _die_with_parent()
    # The protocol owns the original stdout; the tasks' own prints go to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    from .scoring import install_guards

    install_guards()
    _cap_memory(args.memory_mb)
    out.write(READY + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            out.write(json.dumps({"id": None, "error": f"bad request: {exc}"}) + "\n")
            continue
        out.write(json.dumps(handle(request)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
