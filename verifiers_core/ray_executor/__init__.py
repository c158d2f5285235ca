"""Reward execution on a Ray cluster (the ``ray`` extra: ``pip install 'verifiers-core[ray]'``).

Any registered reward (built-in or from a plugin installed on every node) runs on reward actors,
one per node (or per N CPUs), each holding the built rewards and their warm pools. Select it like
any other part of the selection::

    python -m trainer --rewards accuracy,code --reward-executor ray --ray-address HEAD_IP:6379
    python -m verifiers_core score --rewards accuracy --reward-executor ray --input rows.jsonl

or from Python::

    from verifiers_core import select_rewards
    chosen = select_rewards("accuracy,format", executor="ray", ray_address="HEAD_IP:6379")
    trainer = GRPOTrainer(..., reward_funcs=chosen.rewards)

``import verifiers_core`` never imports this package (nor Ray).
"""

from __future__ import annotations

try:
    import ray  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    from ..errors import VerifiersCoreError

    raise VerifiersCoreError(
        "the Ray reward executor needs Ray: pip install 'verifiers-core[ray]' (or `make install`)"
    ) from exc

from .cluster import RayClusterError, RayExecutorError, check_cluster, connect
from .dispatch import RayExecutor, close_executors, get_executor
from .reward import AsyncRayReward, RayReward, wrap_rewards

__all__ = [
    "AsyncRayReward",
    "RayClusterError",
    "RayExecutor",
    "RayExecutorError",
    "RayReward",
    "check_cluster",
    "close_executors",
    "connect",
    "get_executor",
    "wrap_rewards",
]
