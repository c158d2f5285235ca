"""``python -m verifiers_core score``: score JSONL rows with selected rewards; a summary on stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import VerifiersCoreError
from .selection_args import add_selection_arguments, spec_from_args


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``score`` subcommand."""
    p = sub.add_parser("score", help="score JSONL rows with rewards")
    add_selection_arguments(p)
    p.add_argument("--input", required=True, help="JSONL file ('-' for stdin): completion, prompt, columns")
    p.add_argument("--output", help="JSONL file to write (default: stdout)")
    p.add_argument("--batch-size", type=int, default=256, help="rows per reward call (default 256)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Score a JSONL file; summary per reward on stderr."""
    from ..scoring import score_stream

    if args.batch_size < 1:
        raise VerifiersCoreError("--batch-size must be at least 1")
    suite = spec_from_args(args).build()

    if args.input == "-":
        source, total = sys.stdin, None
    else:
        path = Path(args.input)
        if not path.is_file():
            raise VerifiersCoreError(f"--input {args.input}: no such file")
        source = path.open(encoding="utf-8")
        total = None if path.stat().st_size > 200_000_000 else _count_lines(path)
    sink = sys.stdout if not args.output else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        stats, bad, scored = score_stream(suite, source, sink, batch_size=args.batch_size, total=total)
    finally:
        if source is not sys.stdin:
            source.close()
        if sink is not sys.stdout:
            sink.close()
    for row_error in bad:
        print(f"{args.input}:{row_error.line}: skipped: {row_error.reason}", file=sys.stderr)
    print(f"scored {scored} rows ({len(bad)} malformed rows skipped)", file=sys.stderr)
    for stat in stats:
        print("  " + stat.line(), file=sys.stderr)
    return 0


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())
