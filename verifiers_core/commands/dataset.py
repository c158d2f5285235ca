"""``python -m verifiers_core dataset NAME``: generate a registered dataset and write its rows.

::

    python -m verifiers_core dataset reasoning-gym:basic_arithmetic --param size=50 --output x.jsonl
    python -m verifiers_core dataset reasoning-gym:countdown --param size=1000 \\
        --output train.parquet --layout verl
    python -m verifiers_core dataset reasoning-gym:countdown --describe   # its parameters

``--param KEY=VALUE`` values are read as YAML scalars (``size=50`` is a number, ``flag=true`` a
boolean, ``operators=[+,-]`` a list). ``--layout trl`` (default) writes the rows as generated;
``--layout verl`` writes veRL's layout (see :mod:`verifiers_core.layouts`).
"""

from __future__ import annotations

import argparse
import sys

from ..errors import VerifiersCoreError
from ..layouts import LAYOUTS


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``dataset`` subcommand."""
    p = sub.add_parser(
        "dataset",
        help="generate a registered dataset and write its rows (JSONL or Parquet)",
        description="Generate a dataset registered by a plugin (see `list`) and write its rows.",
    )
    p.add_argument(
        "name", metavar="NAME", help="dataset name, or NAME:ARGUMENT (e.g. reasoning-gym:countdown)"
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a dataset parameter (repeatable); VALUE is read as a YAML scalar",
    )
    p.add_argument("--output", help="file to write: rows.jsonl or rows.parquet")
    p.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="trl",
        help="trl: prompt + reward columns, as generated (default); verl: data_source, prompt (messages), "
        "reward_model.ground_truth, extra_info",
    )
    p.add_argument("--system-prompt", help="put this system message before every prompt")
    p.add_argument(
        "--describe", action="store_true", help="print the parameters NAME accepts and exit (no --output)"
    )
    p.set_defaults(func=run)


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings to a dict (values stay text; the dataset's parameters convert them).

    >>> parse_params(["size=50", "seed=1"])
    {'size': '50', 'seed': '1'}
    >>> parse_params(["size"])
    Traceback (most recent call last):
    ...
    verifiers_core.errors.VerifiersCoreError: --param 'size': write KEY=VALUE, e.g. --param size=100
    """
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        key = key.strip()
        if not eq or not key:
            raise VerifiersCoreError(f"--param {pair!r}: write KEY=VALUE, e.g. --param size=100")
        if key in out and out[key] != value:
            raise VerifiersCoreError(f"--param {key} is given twice, as {out[key]!r} and {value!r}")
        out[key] = value
    return out


def run(args: argparse.Namespace) -> int:
    """Generate the dataset and write it; a one-line summary on stderr."""
    from ..layouts import file_format, to_trl_rows, to_verl_rows, write_rows
    from ..registry import get_registry

    registry = get_registry()
    if args.describe:
        for p in registry.dataset_params(args.name):
            print(f"--param {p.name}=...  default {p.default!r}; {p.accepts}. {p.help}".rstrip())
        return 0
    if not args.output:
        raise VerifiersCoreError("dataset: --output rows.jsonl (or rows.parquet) is required")
    file_format(args.output)  # a bad extension fails before any generation
    generated = registry.create_dataset(args.name, **parse_params(args.param))
    convert = to_verl_rows if args.layout == "verl" else to_trl_rows
    rows = convert(generated, system_prompt=args.system_prompt)
    write_rows(rows, args.output)
    fits = ", ".join(generated.rewards) or "none declared"
    given = {k: v for k, v in generated.params.items() if v is not None}
    print(
        f"wrote {len(rows)} rows of {generated.spec} ({args.layout} layout) to {args.output}; "
        f"parameters {given}; fitting rewards: {fits}",
        file=sys.stderr,
    )
    return 0
