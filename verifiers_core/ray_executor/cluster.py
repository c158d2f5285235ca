"""Reaching the Ray cluster, and deciding where reward actors go.

:func:`connect` fails fast and clearly: the address is probed with a plain TCP connection (bounded by
``connect_timeout``) before ``ray.init``, whose own retries can otherwise wait minutes on an address
where nothing listens. :func:`plan_placement` turns the cluster's live nodes into actor slots: one per
node (or one per N CPUs), only on nodes with CPUs, and only on nodes that advertise the custom
resource when one is named.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import VerifiersCoreError
from ..executor import RayOptions

logger = logging.getLogger("verifiers_core.ray")

#: Host names of the loopback interface.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: The Ray namespace the executor's actors live in.
NAMESPACE = "verifiers_core"

START_HINT = (
    "start one with `ray start --head --port=6379` on the head node and "
    "`ray start --address=HEAD_IP:6379` on the others, then pass --ray-address HEAD_IP:6379"
)


class RayClusterError(VerifiersCoreError, ConnectionError):
    """The Ray cluster cannot be reached, or offers no node where reward actors can run."""


class RayExecutorError(VerifiersCoreError, RuntimeError):
    """The Ray executor cannot go on (no reward actor could be started or kept alive)."""


def parse_host_port(address: str) -> tuple[str, int] | None:
    """``host:port`` (IPv6 in brackets) from a Ray GCS address; ``None`` for ``auto``/``ray://``.

    >>> parse_host_port("10.0.0.1:6379"), parse_host_port("[::1]:6379"), parse_host_port("auto")
    (('10.0.0.1', 6379), ('::1', 6379), None)
    >>> parse_host_port("head-node")
    Traceback (most recent call last):
    ...
    verifiers_core.ray_executor.cluster.RayClusterError: Ray address 'head-node' must look like HOST:PORT (e.g. 10.0.0.1:6379), or be 'auto'
    """
    address = address.strip()
    if address in ("auto", "local") or address.startswith("ray://"):
        return None
    host, sep, port = address.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RayClusterError(
            f"Ray address {address!r} must look like HOST:PORT (e.g. 10.0.0.1:6379), or be 'auto'"
        )
    return host, int(port)


def probe(host: str, port: int, timeout: float) -> str | None:
    """``None`` when a TCP connection to ``host:port`` opens within ``timeout`` s, else the reason.

    >>> probe("127.0.0.1", 1, 1.0) is not None
    True
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as exc:
        return exc.strerror or str(exc)


def connect(address: str | None, timeout: float) -> str:
    """Connect this process to the cluster (once; later calls reuse the connection) and return
    the GCS address in use.

    ``address``: ``HOST:PORT`` of the head's GCS (``ray start --head`` prints it), or ``auto`` (the
    cluster started on this machine). ``None`` means ``RAY_ADDRESS`` if set, else ``auto``: no Ray is
    started behind the user's back (a local Ray would listen on every interface).

    An address where nothing listens fails in at most ``timeout`` seconds:

    >>> connect("127.0.0.1:1", timeout=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    verifiers_core.ray_executor.cluster.RayClusterError: cannot reach the Ray cluster at 127.0.0.1:1 (Connection refused); start one with `ray start --head --port=6379` ...
    """
    import ray

    address = (address or os.environ.get("RAY_ADDRESS") or "auto").strip()
    if ray.is_initialized():
        current = ray.get_runtime_context().gcs_address
        wanted = parse_host_port(address)
        if wanted is not None and not _same_endpoint(wanted, current):
            raise RayClusterError(
                f"this process is already connected to the Ray cluster at {current}, not {address}; "
                "one process reaches one cluster"
            )
        return current
    target = parse_host_port(address)
    if target is not None:
        reason = probe(*target, timeout)
        if reason is not None:
            raise RayClusterError(f"cannot reach the Ray cluster at {address} ({reason}); {START_HINT}")
    loopback = target is not None and target[0] in LOOPBACK
    try:
        with keep_loopback(loopback):
            ray.init(
                address=address,
                namespace=NAMESPACE,
                include_dashboard=False,
                logging_level=logging.WARNING,
            )
    except (ConnectionError, TimeoutError, ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RayClusterError(
            f"cannot connect to the Ray cluster at {address}: {first}; {START_HINT}"
        ) from None
    return ray.get_runtime_context().gcs_address


@contextlib.contextmanager
def keep_loopback(enabled: bool = True) -> Iterator[None]:
    """Let ``ray.init`` connect to a cluster that listens on 127.0.0.1 only (a context manager).

    Ray replaces a loopback address with this machine's network address before it connects
    (``resolve_ip_for_localhost``), which misses a head started with ``--node-ip-address=127.0.0.1``.
    It keeps the address as given when its single-machine switch (``ENABLE_RAY_CLUSTER``, the one it
    uses on macOS and Windows) is off; this turns the switch off for the ``with`` block only.

    >>> with keep_loopback():
    ...     from ray._private.services import resolve_ip_for_localhost
    ...     resolve_ip_for_localhost("127.0.0.1")
    '127.0.0.1'
    """
    if not enabled:
        yield
        return
    from ray._private import ray_constants

    saved = getattr(ray_constants, "ENABLE_RAY_CLUSTER", None)
    if saved is None:  # another Ray version: connect as Ray decides
        yield
        return
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved


def _same_endpoint(wanted: tuple[str, int], current: str) -> bool:
    have = parse_host_port(current)
    if have is None or have[1] != wanted[1]:
        return False
    loopback = {"127.0.0.1", "localhost", "::1"}
    return (
        have[0] == wanted[0] or wanted[0] in loopback or have[0] in loopback or _local_ip(wanted[0], have[0])
    )


def _local_ip(a: str, b: str) -> bool:
    try:
        return socket.gethostbyname(a) == socket.gethostbyname(b)
    except OSError:
        return False


@dataclass(frozen=True)
class Placement:
    """Where one reward actor goes: its node, the CPUs it reserves, the CPUs its pools use."""

    node_id: str
    node_ip: str
    reserve_cpus: float
    workers: int


def plan_placement(nodes: Sequence[Mapping[str, Any]], options: RayOptions) -> list[Placement]:
    """Actor placements for the live nodes (``ray.nodes()`` entries).

    >>> nodes = [{"NodeID": "a", "Alive": True, "NodeManagerAddress": "10.0.0.1", "Resources": {"CPU": 8.0}},
    ...          {"NodeID": "b", "Alive": True, "NodeManagerAddress": "10.0.0.2", "Resources": {"CPU": 8.0, "GPU": 8.0}},
    ...          {"NodeID": "c", "Alive": False, "NodeManagerAddress": "10.0.0.3", "Resources": {"CPU": 8.0}}]
    >>> [(p.node_id, p.reserve_cpus, p.workers) for p in plan_placement(nodes, RayOptions())]
    [('a', 1.0, 8), ('b', 1.0, 8)]
    >>> [(p.node_id, p.reserve_cpus, p.workers) for p in plan_placement(nodes, RayOptions(cpus_per_actor=4))]
    [('a', 4.0, 4), ('a', 4.0, 4), ('b', 4.0, 4), ('b', 4.0, 4)]
    """
    out: list[Placement] = []
    for node in nodes:
        if not node.get("Alive", False):
            continue
        resources = node.get("Resources") or {}
        cpus = float(resources.get("CPU", 0.0))
        if cpus < 1 or (options.resource and resources.get(options.resource, 0) <= 0):
            continue
        node_id, ip = str(node["NodeID"]), str(node.get("NodeManagerAddress", "?"))
        if options.cpus_per_actor == 0:
            out.append(Placement(node_id, ip, 1.0, max(1, int(cpus))))
        else:
            per = options.cpus_per_actor
            out += [Placement(node_id, ip, float(per), per) for _ in range(math.floor(cpus / per))]
    return out


def describe_nodes(nodes: Sequence[Mapping[str, Any]]) -> str:
    """A short account of the live nodes, for error messages.

    >>> describe_nodes([{"Alive": True, "NodeManagerAddress": "10.0.0.1", "Resources": {"CPU": 2.0, "GPU": 1.0}}])
    '10.0.0.1 (CPU 2, GPU 1)'
    """
    parts = []
    for node in nodes:
        if not node.get("Alive", False):
            continue
        res = node.get("Resources") or {}
        shown = ", ".join(
            f"{k} {v:g}"
            for k, v in sorted(res.items())
            if not k.startswith(("node:", "memory", "object_store"))
        )
        parts.append(f"{node.get('NodeManagerAddress', '?')} ({shown})")
    return "; ".join(parts) or "no live node"


def check_cluster(address: str | None, options: RayOptions) -> list[Placement]:
    """Connect and make sure reward actors have somewhere to run; the placements they will get.

    Raises :class:`RayClusterError` naming the address and what the cluster offers.

    >>> check_cluster("127.0.0.1:1", RayOptions(connect_timeout=2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    verifiers_core.ray_executor.cluster.RayClusterError: cannot reach the Ray cluster at 127.0.0.1:1 ...
    """
    import ray

    used = connect(address, options.connect_timeout)
    nodes = ray.nodes()
    placements = plan_placement(nodes, options)
    if not placements:
        need = (
            f"at least {options.cpus_per_actor} CPUs" if options.cpus_per_actor else "at least one CPU"
        ) + (f" and the custom resource {options.resource!r}" if options.resource else "")
        raise RayClusterError(
            f"no node of the Ray cluster at {used} can hold a reward actor (each needs {need}); "
            f"live nodes: {describe_nodes(nodes)}"
            + (
                f". Start reward nodes with `ray start --address=... --resources='{{\"{options.resource}\": 1}}'`"
                if options.resource
                else ""
            )
        )
    return placements


__all__ = [
    "NAMESPACE",
    "Placement",
    "RayClusterError",
    "RayExecutorError",
    "check_cluster",
    "connect",
    "describe_nodes",
    "keep_loopback",
    "parse_host_port",
    "plan_placement",
    "probe",
]
