"""``python -m verifiers_core``: list rewards, score JSONL offline, scaffold a plugin, and more.

Each subcommand lives in its own module under :mod:`verifiers_core.commands`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence

from .commands import COMMANDS
from .errors import VerifiersCoreError


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
    """Entry point; returns the exit code (2 for a user error, printed without a traceback)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Plugin warnings are for the user: one line each, not a source location.
    warnings.formatwarning = lambda message, category, *rest, **kw: f"warning: {message}\n"
    try:
        return args.func(args)
    except VerifiersCoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `score ... | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
