"""The reward-selection options shared by every command that scores (``score``, ``serve``, ...)."""

from __future__ import annotations

import argparse

from ..suite import SuiteSpec


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--rewards``, ``--reward-weights``, ``--reward-arg`` and ``--config``.

    >>> p = argparse.ArgumentParser(); add_selection_arguments(p)
    >>> p.parse_args(["--rewards", "accuracy", "--reward-arg", "accuracy.timeout=2"]).reward_arg
    ['accuracy.timeout=2']
    """
    parser.add_argument("--rewards", help="comma-separated reward names, e.g. accuracy,format")
    parser.add_argument("--reward-weights", help="comma-separated weights aligned with the rewards")
    parser.add_argument(
        "--reward-arg",
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="a reward parameter (repeatable); VALUE is read as a YAML scalar",
    )
    parser.add_argument(
        "--config",
        help="YAML file with a 'rewards:' list (instead of --rewards; names or weights given in both "
        "places must agree; --reward-arg adds to its args)",
    )


def spec_from_args(args: argparse.Namespace) -> SuiteSpec:
    """The selection the options describe (errors name the option at fault)."""
    return SuiteSpec.from_options(args.rewards, args.reward_weights, args.reward_arg, _config(args.config))


def _config(path: str | None) -> str | None:
    from pathlib import Path

    from ..errors import VerifiersCoreError

    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise VerifiersCoreError(f"--config {path}: {exc.strerror or exc}") from None
