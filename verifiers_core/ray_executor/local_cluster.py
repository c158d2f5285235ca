"""A multi-node Ray cluster inside this machine, bound to 127.0.0.1, for tests and benchmarks.

Each simulated node is a raylet of its own with its CPUs (Ray's ``ray.cluster_utils.Cluster``); the
reward actors see them as separate nodes. Nothing listens beyond the loopback interface: the nodes
are started with ``node_ip_address=127.0.0.1``, and Ray's habit of replacing a loopback address with
this machine's network address is switched off while they start and while this process connects
(:func:`~verifiers_core.ray_executor.cluster.keep_loopback`).

For example (about ten seconds to start; ``tests/ray`` and ``benchmarks/bench_ray.py`` use it)::

    with local_cluster(nodes=2, cpus_per_node=1) as cluster:
        chosen = select_rewards("accuracy", executor="ray", ray_address=cluster.address)
        chosen.rewards[0](prompts=["p"], completions=["\\boxed{2}"], solution=["2"])
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from typing import Any


@contextlib.contextmanager
def local_cluster(
    nodes: int = 2,
    cpus_per_node: int = 1,
    *,
    resources: Mapping[int, Mapping[str, float]] | None = None,
    connect: bool = True,
    object_store_mb: int = 100,
) -> Iterator[Any]:
    """Start ``nodes`` simulated nodes (the first is the head) on 127.0.0.1, connect this process to
    them (``connect``), and stop every Ray process on the way out (the driver disconnects first).

    ``resources`` gives custom resources per node index, e.g. ``{1: {"reward_node": 1}}``.
    Yields the :class:`ray.cluster_utils.Cluster` (its ``address`` is the GCS address).
    """
    import ray
    from ray.cluster_utils import Cluster

    from .cluster import NAMESPACE, keep_loopback

    resources = resources or {}
    temp_dir = tempfile.mkdtemp(prefix="vcray-", dir="/tmp")  # short: Ray's socket paths are limited
    common = {
        "node_ip_address": "127.0.0.1",
        "object_store_memory": object_store_mb * 1024 * 1024,
        "include_dashboard": False,
        "temp_dir": temp_dir,
    }
    cluster = None
    # Ray's test cluster records its address in (and at shutdown deletes) <RAY_TMPDIR>/ray/..., by
    # default /tmp/ray/ray_current_cluster, which `ray.init("auto")` reads: keep that in our directory,
    # so a cluster of the user's on this machine is neither hidden nor forgotten.
    saved_tmpdir = os.environ.get("RAY_TMPDIR")
    os.environ["RAY_TMPDIR"] = temp_dir
    os.makedirs(os.path.join(temp_dir, "ray"), exist_ok=True)
    try:
        with keep_loopback():
            cluster = Cluster(
                initialize_head=True,
                connect=False,
                head_node_args={**common, "num_cpus": cpus_per_node, "resources": dict(resources.get(0, {}))},
            )
            for i in range(1, nodes):
                cluster.add_node(**common, num_cpus=cpus_per_node, resources=dict(resources.get(i, {})))
            cluster.wait_for_nodes()
            cluster.vc_temp_dir = temp_dir  # where its processes write: see ray_processes()
            if connect:
                ray.init(
                    address=cluster.address,
                    namespace=NAMESPACE,
                    include_dashboard=False,
                    logging_level="WARNING",
                    _temp_dir=temp_dir,
                )
        yield cluster
    finally:
        try:
            from .dispatch import close_executors

            close_executors()
        finally:
            if ray.is_initialized():
                ray.shutdown()
            if cluster is not None:
                cluster.shutdown()
            _wait_gone(temp_dir)
            if saved_tmpdir is None:
                os.environ.pop("RAY_TMPDIR", None)
            else:
                os.environ["RAY_TMPDIR"] = saved_tmpdir
            shutil.rmtree(temp_dir, ignore_errors=True)


def ray_processes(temp_dir: str | None = None) -> list[str]:
    """This user's processes of a Ray cluster: with ``temp_dir``, those of the cluster started there
    (its ``raylet`` and ``gcs_server`` name the directory; its workers, ``ray::``, and their children
    write their output there); without it, every ``raylet``, ``gcs_server`` and ``ray::`` process.

    >>> ray_processes("/nonexistent-ray-dir")
    []
    """
    found = []
    me = os.getuid()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if os.stat(f"/proc/{pid}").st_uid != me:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if temp_dir is None:
            hit = cmd.startswith("ray::") or "/raylet " in cmd or "gcs_server" in cmd.split(" ")[0]
        else:
            hit = temp_dir in cmd or _writes_under(pid, temp_dir)
        if hit:
            found.append(f"{pid} {cmd[:120]}")
    return found


def _writes_under(pid: str, directory: str) -> bool:
    try:
        for fd in ("1", "2"):
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(directory):
                return True
    except OSError:
        pass
    return False


def _wait_gone(temp_dir: str, timeout: float = 30.0) -> None:
    """Give the stopped processes of the cluster in ``temp_dir`` time to exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and ray_processes(temp_dir):
        time.sleep(0.2)


__all__ = ["local_cluster", "ray_processes"]
