"""``python -m verifiers_core``: list rewards, score JSONL offline, scaffold a plugin."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

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

    p_list = sub.add_parser("list", help="list installed rewards and plugins")
    p_list.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p_list.set_defaults(func=cmd_list)

    p_score = sub.add_parser("score", help="score JSONL rows with rewards")
    p_score.add_argument(
        "--rewards", required=True, help="comma-separated reward names, e.g. accuracy,format"
    )
    p_score.add_argument("--reward-weights", help="comma-separated weights aligned with --rewards")
    p_score.add_argument(
        "--reward-arg",
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="a reward parameter (repeatable); VALUE is read as a YAML scalar",
    )
    p_score.add_argument("--config", help="YAML file with a 'rewards:' list (instead of --rewards)")
    p_score.add_argument(
        "--input", required=True, help="JSONL file ('-' for stdin): completion, prompt, columns"
    )
    p_score.add_argument("--output", help="JSONL file to write (default: stdout)")
    p_score.add_argument("--batch-size", type=int, default=256, help="rows per reward call (default 256)")
    p_score.set_defaults(func=cmd_score)

    p_new = sub.add_parser("new-plugin", help="write a new reward plugin distribution")
    p_new.add_argument("name", help="plugin name, e.g. my-rewards")
    p_new.add_argument("--output-dir", default=".", help="where to create it (default: .)")
    p_new.set_defaults(func=cmd_new_plugin)
    return parser


def cmd_list(args: argparse.Namespace) -> int:
    """Print installed rewards (and failed plugins) as a table or JSON."""
    from .registry import list_rewards

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = list_rewards()
    if args.json:
        print(json.dumps([row.to_dict() for row in rows], indent=2))
        return 0
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    if not rows:
        print("No rewards installed. Install a plugin, e.g. pip install -e plugins/verifiers-format")
        return 0
    for row in rows:
        version = f" {row.version}" if row.version else ""
        if row.status == "failed":
            print(f"[failed] plugin {row.plugin} ({row.distribution or '?'}{version}): {row.error}")
            continue
        flag = "" if row.status == "ok" else f" [{row.status}]"
        print(f"{row.name}  ({row.plugin}/{row.name}, {row.distribution or 'local'}{version}){flag}")
        if row.description:
            print(f"    {row.description}")
        for p in row.params:
            print(
                f"    --reward-arg {row.name}.{p.name}=...  default {p.default!r}; {p.accepts}. {p.help}".rstrip()
            )
        if row.error:
            print(f"    {row.error}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """Score a JSONL file; summary per reward on stderr."""
    from . import selection
    from .scoring import score_stream

    if args.config:
        if args.reward_weights:
            raise VerifiersCoreError(
                "--reward-weights cannot be combined with --config (put weights in the YAML)"
            )
        choices = selection.choices_from_config(_read_text(args.config, "--config"))
        selection.apply_args(choices, selection.parse_reward_args(args.reward_arg))
    else:
        choices = selection.make_choices(args.rewards, args.reward_weights, args.reward_arg)
    resolved = selection.resolve(choices)
    if args.batch_size < 1:
        raise VerifiersCoreError("--batch-size must be at least 1")

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
        stats, bad, scored = score_stream(
            resolved.rewards, resolved.weights, source, sink, batch_size=args.batch_size, total=total
        )
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


def cmd_new_plugin(args: argparse.Namespace) -> int:
    """Write a plugin distribution from the template."""
    from .scaffold import write_plugin

    target = write_plugin(args.name, Path(args.output_dir))
    print(f"wrote {target}")
    print(f"next: pip install -e {target} && pytest {target}")
    return 0


def _read_text(path: str, flag: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise VerifiersCoreError(f"{flag} {path}: {exc.strerror}") from None


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


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
