"""``python -m trainer --reward-executor ray``: a few real GRPO steps with rewards scored on the cluster."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytest.importorskip("trl")

SUPPORT = Path(__file__).parents[1] / "trainer" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from trainer_test_support import OFFLINE_ENV, TINY_RUN, build_tiny_model, write_jsonl  # noqa: E402

pytestmark = pytest.mark.timeout(420)


def test_training_scores_on_the_cluster_and_logs_its_counters(cluster, tmp_path, monkeypatch):
    from trainer import run as run_module
    from trainer.outputs import read_metrics

    for key, value in OFFLINE_ENV.items():
        monkeypatch.setenv(key, value)
    model = build_tiny_model(tmp_path / "model")
    data = write_jsonl(
        tmp_path / "arith.jsonl",
        [{"prompt": f"What is {a} + {a + 3}?", "solution": str(2 * a + 3)} for a in range(16)],
    )
    out = tmp_path / "out"
    config = tmp_path / "run.yaml"  # the executor from YAML, as a run config would give it
    config.write_text(
        f"reward_executor: ray\nray_address: '{cluster.address}'\nray_options: {{chunk_timeout: 120}}\n"
    )
    argv = [
        "--config", str(config),
        "--rewards", "accuracy,format",
        "--reward-arg", "accuracy.workers=1",
        "--model", str(model),
        "--dataset", str(data),
        "--output_dir", str(out),
        "--max_steps", "2",
        *TINY_RUN,
    ]  # fmt: skip
    plan = run_module.plan_run(run_module.parse_args(argv))
    assert plan.executor.is_ray and "2 reward actors ready on 2 nodes" in plan.executor_note
    from trl.trainer.utils import is_async_callable

    assert all(is_async_callable(r) for r in plan.rewards.rewards)  # TRL gathers them concurrently
    try:
        run_module.execute(plan)
        records = read_metrics(out / "metrics.jsonl")
        assert len(records) == 2
        for name in ("accuracy", "format"):
            assert all(isinstance(r.get(f"rewards/{name}/mean"), float) for r in records), name
            assert all(r.get(f"{name}/ray_timeouts") == 0.0 for r in records)
        assert all(r.get("ray/chunk_seconds_mean", 0) > 0 for r in records)
        run_json = json.loads((out / "run.json").read_text())
        assert run_json["reward_executor"]["kind"] == "ray"
        assert run_json["reward_executor"]["ray_options"]["chunk_timeout"] == 120.0
        assert [r["name"] for r in run_json["rewards"]] == ["accuracy", "format"]
    finally:
        plan.rewards.rewards[0].executor.close()


def test_reward_actors_that_cannot_start_are_a_clear_error_before_the_model_loads(cluster):
    from trainer.checks import check_reward_executor, wait_for_reward_actors
    from trainer.errors import TrainerConfigError
    from verifiers_core.ray_executor import get_executor
    from verifiers_core.suite import SuiteSpec

    # as if the plugin were installed here but not on the cluster's nodes
    spec = SuiteSpec.from_options("not_installed_on_nodes", executor="ray", ray_address=cluster.address)
    check_reward_executor(spec)  # the cluster is there: fine so far
    try:
        with pytest.raises(TrainerConfigError) as info:
            wait_for_reward_actors(spec)
        text = str(info.value)
        assert "no reward actor could start on the Ray cluster" in text
        assert "unknown reward 'not_installed_on_nodes'" in text
    finally:
        get_executor(spec, spec.executor).close()
