"""``python -m verifiers_core list``: installed rewards, dataset generators and failed plugins.

As a table, or with ``--json`` as one JSON array whose objects carry ``kind``: ``reward``,
``dataset`` or ``plugin`` (a plugin that failed to load).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``list`` subcommand."""
    p = sub.add_parser("list", help="list installed rewards, datasets and plugins")
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print installed rewards (and failed plugins) as a table or JSON."""
    from ..registry import list_datasets, list_rewards

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = list_rewards()
        datasets = list_datasets()
    if args.json:
        print(json.dumps([row.to_dict() for row in rows] + [d.to_dict() for d in datasets], indent=2))
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
    if datasets:
        print(
            "\nDatasets (python -m verifiers_core dataset NAME --output rows.jsonl; python -m trainer --dataset NAME):"
        )
    for d in datasets:
        version = f" {d.version}" if d.version else ""
        flag = "" if d.status == "ok" else f" [{d.status}]"
        print(f"{d.usage}  ({d.plugin}, {d.distribution or 'local'}{version}){flag}")
        if d.description:
            print(f"    {d.description}")
        if d.rewards:
            print(f"    fits rewards: {', '.join(d.rewards)}")
        for p in d.params:
            print(f"    --param {p.name}=...  default {p.default!r}; {p.accepts}. {p.help}".rstrip())
        if d.argument:
            print(f"    (more parameters may depend on the argument: dataset {d.usage} --describe)")
        if d.error:
            print(f"    {d.error}")
    return 0
