"""``python -m verifiers_core serve``: a reward server for OpenRLHF, slime, veRL's SandboxFusion
client and any HTTP client (needs the ``serve`` extra: ``pip install 'verifiers-core[serve]'``).

>>> import argparse
>>> sub = argparse.ArgumentParser().add_subparsers()
>>> add_parser(sub)
>>> args = sub.choices["serve"].parse_args(["--rewards", "accuracy", "--port", "9000"])
>>> args.host, args.port, args.label_column
('127.0.0.1', 9000, 'auto')
"""

from __future__ import annotations

import argparse
import os

from ..errors import VerifiersCoreError
from .selection_args import add_selection_arguments, spec_from_args

#: Where the token may come from instead of the command line (which other users can see in ps).
TOKEN_ENV = "VERIFIERS_CORE_SERVER_TOKEN"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand."""
    p = sub.add_parser(
        "serve",
        help="serve rewards over HTTP (OpenRLHF, slime, SandboxFusion's /run_code)",
        description="Serve the selected rewards over HTTP: POST /get_reward (OpenRLHF), POST /slime/reward "
        "(slime), POST /v1/score, POST /run_code (SandboxFusion), GET /health, GET /metrics.",
    )
    add_selection_arguments(p)
    net = p.add_argument_group("address and access")
    net.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    net.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    net.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV) or None,
        help=f"bearer token every request but GET /health must carry (default: ${TOKEN_ENV}); required "
        "for an address other machines can reach, unless --insecure",
    )
    net.add_argument("--insecure", action="store_true", help="allow a reachable address without a token")
    rows = p.add_argument_group("rows and labels")
    rows.add_argument(
        "--label-column",
        default="auto",
        help="where OpenRLHF's and slime's label goes: 'auto' (default: as the file-mode adapters, a JSON "
        "object gives columns, anything else goes to each reward's gold column), a column name, or '*' "
        "(each label must be a JSON object of columns)",
    )
    limits = p.add_argument_group("limits")
    limits.add_argument(
        "--max-body-bytes", type=int, default=64 << 20, help="largest request body (default 64 MiB)"
    )
    limits.add_argument(
        "--max-rows-per-request",
        type=int,
        default=None,
        help="most rows in one request (default 4096, or --max-queue-rows when that is lower)",
    )
    limits.add_argument(
        "--max-queue-rows", type=int, default=16384, help="most rows waiting; beyond, 429 with Retry-After"
    )
    limits.add_argument(
        "--max-batch-rows", type=int, default=1024, help="most rows merged into one scoring call"
    )
    limits.add_argument("--scorers", type=int, default=1, help="scorer processes (default 1)")
    limits.add_argument(
        "--batch-timeout",
        type=float,
        default=600.0,
        help="deadline of one scoring call in seconds (default 600)",
    )
    limits.add_argument(
        "--drain-timeout", type=float, default=120.0, help="how long SIGTERM waits for requests"
    )
    code = p.add_argument_group("/run_code (SandboxFusion)")
    code.add_argument("--code-workers", type=int, default=0, help="sandboxes for /run_code (0: one per core)")
    code.add_argument("--max-code-jobs", type=int, default=256, help="most programs waiting or running")
    code.add_argument("--max-run-timeout", type=float, default=60.0, help="cap on run_timeout (seconds)")
    code.add_argument(
        "--max-compile-timeout", type=float, default=60.0, help="cap on compile_timeout (seconds)"
    )
    code.add_argument("--max-memory-mb", type=int, default=4096, help="cap on memory_limit_MB")
    code.add_argument("--default-memory-mb", type=int, default=1024, help="memory when the request says -1")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the selection and the settings, then serve until SIGTERM/SIGINT."""
    try:
        from ..server.runner import serve
        from ..server.settings import ServerSettings
    except ImportError as exc:
        raise VerifiersCoreError(
            f"the reward server needs the 'serve' extra ({exc.name} is missing): "
            "pip install 'verifiers-core[serve]'"
        ) from None
    spec = spec_from_args(args)
    spec.build()  # an unknown reward or parameter fails here, before anything binds
    settings = ServerSettings(
        spec=spec,
        host=args.host,
        port=args.port,
        token=args.token,
        insecure=args.insecure,
        label_column=args.label_column,
        max_body_bytes=args.max_body_bytes,
        max_rows_per_request=args.max_rows_per_request or min(4096, args.max_queue_rows),
        max_queue_rows=args.max_queue_rows,
        max_batch_rows=args.max_batch_rows,
        scorers=args.scorers,
        batch_timeout=args.batch_timeout,
        drain_timeout=args.drain_timeout,
        code_workers=args.code_workers,
        max_code_jobs=args.max_code_jobs,
        max_run_timeout=args.max_run_timeout,
        max_compile_timeout=args.max_compile_timeout,
        max_memory_mb=args.max_memory_mb,
        default_memory_mb=args.default_memory_mb,
    ).check()
    return serve(settings)
