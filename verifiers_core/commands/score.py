"""``python -m verifiers_core score``: score JSONL rows with selected rewards; a summary on stderr.

What can go wrong, and what the user sees:

- a line that cannot be a row (invalid UTF-8 or JSON, nested too deep, longer than
  ``--max-line-bytes``, no ``completion``): ``FILE:LINE: skipped: why`` on stderr as it is read; every
  other row is scored and written;
- the input or the output cannot be used (missing, a directory, unreadable, unwritable, a full
  disk, the output is the input): one ``error: ...`` line naming the path and saying how many rows
  were written (and where), exit status 2;
- Ctrl-C: ``interrupted: N rows written to F (partial)``, exit status 130; the rewards' worker
  processes and sandboxes end with the process.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from ..errors import VerifiersCoreError
from ..interrupts import EXIT_INTERRUPTED
from ..jsonl_input import DEFAULT_MAX_LINE_BYTES, RowError, parse_size
from .selection_args import add_selection_arguments, spec_from_args


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``score`` subcommand."""
    p = sub.add_parser(
        "score",
        help="score JSONL rows with rewards",
        description=(
            "Score JSONL rows with rewards. Each output row is the input row plus 'rewards' and "
            "'total_reward'; a summary per reward, with its counters, goes to stderr."
        ),
        epilog=(
            "Output: with --output, rows go to a temporary file in the output's directory, flushed after "
            "every batch, that replaces the output only when every row is scored; the input itself is "
            "never overwritten (the same file, also through links, is refused). If the run stops early "
            "(Ctrl-C, a full disk, an error), the rows scored so far are kept in OUTPUT.partial and the "
            "last line on stderr says so. Without --output, rows go to stdout as each batch is scored. "
            "Lines that cannot be rows are reported with their number as they are read and skipped. "
            "Exit status: 0 done, 2 an error (one 'error:' line), 130 interrupted."
        ),
    )
    add_selection_arguments(p)
    p.add_argument("--input", required=True, help="JSONL file ('-' for stdin): completion, prompt, columns")
    p.add_argument(
        "--output",
        help="JSONL file to write, replaced only when every row is scored (default: stdout, written as scored)",
    )
    p.add_argument("--batch-size", type=int, default=256, help="rows per reward call (default 256)")
    p.add_argument(
        "--max-line-bytes",
        default=str(DEFAULT_MAX_LINE_BYTES),
        metavar="SIZE",
        help="longest input line read (bytes, or with K/M/G, e.g. 256M); longer lines are reported and "
        f"skipped (default {DEFAULT_MAX_LINE_BYTES // 2**20}M)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Score a JSONL file; summary per reward on stderr."""
    try:
        return _run(args)
    except KeyboardInterrupt:  # before any row was scored (building the rewards, opening files)
        print("interrupted: no rows written", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    from ..jsonl_output import InputError, OutputError, open_input, open_sink
    from ..scoring import RewardStats, score_stream

    if args.batch_size < 1:
        raise VerifiersCoreError("--batch-size must be at least 1")
    try:
        max_line_bytes = parse_size(args.max_line_bytes)
    except ValueError as exc:
        raise VerifiersCoreError(f"--max-line-bytes: {exc}") from None
    if max_line_bytes < 1:
        raise VerifiersCoreError("--max-line-bytes must be at least 1 byte")
    # Rewards resolve first (a typo fails before any file is touched); their pools start lazily.
    suite = spec_from_args(args).build()

    source: Any = None
    try:
        source, size = open_input(args.input)
        sink = open_sink(args.output, args.input)
    except (InputError, OutputError) as exc:
        _close_input(source)
        print(f"error: {exc}; no rows written", file=sys.stderr)
        return 2
    except BaseException:
        _close_input(source)
        raise
    stats = [RewardStats(key) for key in suite.keys]
    where = "<stdin>" if args.input == "-" else args.input
    try:
        _, bad, scored = score_stream(
            suite,
            _NamedInput(source, args.input),
            sink,
            batch_size=args.batch_size,
            max_line_bytes=max_line_bytes,
            total=size,
            on_skip=lambda row: _report_skip(where, row),
            stats=stats,
        )
        sink.commit()
    except KeyboardInterrupt:
        print(f"interrupted: {_rows_kept(sink)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except VerifiersCoreError as exc:  # unusable input or output, a missing column, a broken reward
        print(f"error: {exc}; {_rows_kept(sink)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `score ... | head`: the reader has what it wanted
        raise
    except BaseException:
        print(f"{_rows_kept(sink)}; the error follows", file=sys.stderr)
        raise
    finally:
        _close_input(source)
    print(f"scored {scored} rows ({len(bad)} malformed rows skipped)", file=sys.stderr)
    for stat in stats:
        print("  " + stat.line(), file=sys.stderr)
    return 0


def _close_input(source: Any) -> None:
    if source is not None and source is not sys.stdin.buffer:
        with contextlib.suppress(OSError):
            source.close()


class _NamedInput:
    """The input stream, whose read errors name ``--input`` (a disk error, a vanished mount)."""

    def __init__(self, stream: Any, path: str) -> None:
        self.stream, self.path = stream, path

    def readline(self, limit: int = -1) -> bytes:
        from ..jsonl_output import InputError

        try:
            return self.stream.readline(limit)
        except OSError as exc:
            raise InputError(f"reading --input {self.path} failed: {exc.strerror or exc}") from exc


def _report_skip(where: str, row: RowError) -> None:
    """Print a skipped line at once, above the progress bar if one is shown."""
    from tqdm import tqdm

    tqdm.write(f"{where}:{row.line}: skipped: {row.reason}", file=sys.stderr)


def _rows_kept(sink: Any) -> str:
    """``120 rows written to out.jsonl.partial (partial)``, or ``no rows written``."""
    where = sink.keep_partial()
    if where is None or not sink.rows:
        return "no rows written"
    return f"{sink.rows} row{'s' if sink.rows != 1 else ''} written to {where} (partial)"
