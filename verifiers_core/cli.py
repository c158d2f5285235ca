"""``python -m verifiers_core``: list rewards, score JSONL offline, scaffold a plugin, and more.

Each subcommand lives in its own module under :mod:`verifiers_core.commands`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

from .commands import COMMANDS
from .errors import VerifiersCoreError
from .interrupts import EXIT_INTERRUPTED, exit_promptly


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser.

    >>> build_parser().parse_args(["list", "--json"]).json
    True
    """
    parser = argparse.ArgumentParser(
        prog="python -m verifiers_core",
        description="Rule-based rewards for GRPO: list them, score with them offline, write new ones.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f".commands.{name}", __package__).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code: 0 done, 2 a user error (one ``error:`` line, no traceback),
    130 interrupted (Ctrl-C)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Plugin warnings are for the user: one line each, not a source location.
    warnings.formatwarning = lambda message, category, *rest, **kw: f"warning: {message}\n"
    try:
        return args.func(args)
    except VerifiersCoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # commands with work to save say more themselves (score)
        print(f"interrupted: {args.command}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `score ... | head`: quiet, and no second error when stdout closes
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def entry_point() -> None:
    """``python -m verifiers_core`` and the ``verifiers-core`` script: :func:`main`, then exit; after
    Ctrl-C the exit is bounded in time (:func:`~verifiers_core.interrupts.exit_promptly`)."""
    status = main()
    if status == EXIT_INTERRUPTED:
        exit_promptly(status)
    sys.exit(status)


if __name__ == "__main__":
    entry_point()
