"""The reward-selection options shared by every command that scores (``score``, ``serve``, ...)."""

from __future__ import annotations

import argparse

from ..executor import EXECUTORS
from ..suite import SuiteSpec


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--rewards``, ``--reward-weights``, ``--reward-arg``, ``--config`` and where the rewards
    run: ``--reward-executor local|ray``, ``--ray-address``, ``--ray-option KEY=VALUE``.

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
        "places must agree; --reward-arg adds to its args); it may also set reward_executor, "
        "ray_address and ray_options",
    )
    parser.add_argument(
        "--reward-executor",
        choices=EXECUTORS,
        default=None,
        help="where rewards run: local (this process, the default) or ray (reward actors on a Ray "
        "cluster; needs the ray extra)",
    )
    parser.add_argument(
        "--ray-address",
        metavar="HOST:PORT",
        help="the Ray cluster's head (what `ray start --head` prints), or auto; default: RAY_ADDRESS, "
        "else auto (the cluster started on this machine with `ray start --head`)",
    )
    parser.add_argument(
        "--ray-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Ray executor option (repeatable): cpus_per_actor, resource, max_in_flight, chunk_rows, "
        "chunk_timeout, retries, startup_timeout, connect_timeout",
    )


def spec_from_args(args: argparse.Namespace) -> SuiteSpec:
    """The selection the options describe (errors name the option at fault).

    >>> p = argparse.ArgumentParser(); add_selection_arguments(p)
    >>> spec = spec_from_args(p.parse_args(["--rewards", "format", "--reward-executor", "ray",
    ...                                     "--ray-option", "cpus_per_actor=2"]))
    >>> spec.executor.kind, spec.executor.ray.cpus_per_actor
    ('ray', 2)
    """
    return SuiteSpec.from_options(
        args.rewards,
        args.reward_weights,
        args.reward_arg,
        _config(args.config),
        executor=getattr(args, "reward_executor", None),
        ray_address=getattr(args, "ray_address", None),
        ray_options=getattr(args, "ray_option", None) or None,
    )


def _config(path: str | None) -> str | None:
    from pathlib import Path

    from ..errors import VerifiersCoreError

    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise VerifiersCoreError(f"--config {path}: {exc.strerror or exc}") from None
