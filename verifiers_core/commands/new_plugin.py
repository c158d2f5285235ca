"""``python -m verifiers_core new-plugin NAME``: write a reward plugin distribution from the template."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``new-plugin`` subcommand."""
    p = sub.add_parser("new-plugin", help="write a new reward plugin distribution")
    p.add_argument("name", help="plugin name, e.g. my-rewards")
    p.add_argument("--output-dir", default=".", help="where to create it (default: .)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write a plugin distribution from the template."""
    from ..scaffold import write_plugin

    target = write_plugin(args.name, Path(args.output_dir))
    print(f"wrote {target}")
    print(f"next: pip install -e {target} && pytest {target}")
    return 0
