"""One Ray cluster for all of tests/ray: two simulated nodes on 127.0.0.1, stopped at the end."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="package")
def cluster():
    """Two simulated nodes (2 CPUs each) on 127.0.0.1; the second advertises ``reward_node``.
    When it stops, no process of it (``raylet``, ``gcs_server``, ``ray::`` workers and the reward
    pools they started) may be left."""
    pytest.importorskip("ray")
    from verifiers_core.ray_executor.local_cluster import local_cluster, ray_processes

    # connect=False: the executor connects itself, through the same path as a real cluster address
    with local_cluster(nodes=2, cpus_per_node=2, resources={1: {"reward_node": 1}}, connect=False) as c:
        yield c
    left = ray_processes(c.vc_temp_dir)
    assert not left, f"Ray processes left after the cluster stopped: {left}"
