"""Run the reward server under uvicorn: warnings at start, a graceful stop on SIGTERM.

uvicorn handles SIGTERM and SIGINT: it stops accepting connections, waits for the requests in
flight (at most ``--drain-timeout`` seconds), then the app's lifespan stops the scorers and the
sandboxes, and the process exits with nothing left behind.
"""

from __future__ import annotations

import logging
import sys

from .settings import ServerSettings, is_loopback


def banner(settings: ServerSettings) -> list[str]:
    """What the server says at start about who can reach it.

    >>> from verifiers_core.suite import SuiteSpec
    >>> spec = SuiteSpec.from_options(rewards="format")
    >>> banner(ServerSettings(spec=spec))[0]
    'verifiers-core reward server on http://127.0.0.1:8000 (this machine only), rewards: format'
    >>> banner(ServerSettings(spec=spec, host="0.0.0.0", insecure=True))[1][:30]
    '!!! INSECURE: 0.0.0.0:8000 is '
    """
    where = f"http://{settings.host}:{settings.port}"
    lines = [
        f"verifiers-core reward server on {where}"
        + (" (this machine only)" if is_loopback(settings.host) else "")
        + f", rewards: {', '.join(settings.spec.names)}"
    ]
    if not is_loopback(settings.host):
        if settings.token:
            lines.append(
                f"WARNING: {settings.host}:{settings.port} is reachable from other machines. Every request "
                "but GET /health needs the token (Authorization: Bearer <token>). Traffic is plain HTTP: "
                "use it on a trusted network or behind a TLS proxy."
            )
        else:
            lines.append(
                f"!!! INSECURE: {settings.host}:{settings.port} is reachable from other machines and needs NO "
                "token (--insecure). Anyone who can reach it can use its CPUs and run programs in its "
                "sandbox. Give --token unless the network is yours alone."
            )
    elif settings.token is None:
        lines.append("no token: any local user can call it (give --token to require one)")
    return lines


def serve(settings: ServerSettings) -> int:
    """Serve until SIGTERM/SIGINT; the exit code (1 if the server could not start)."""
    import uvicorn

    from .app import create_app

    settings.check()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for line in banner(settings):
        print(line, file=sys.stderr, flush=True)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.drain_timeout),
        server_header=False,
    )
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        print("error: the reward server did not start (see the log above)", file=sys.stderr)
        return 1
    return 0
