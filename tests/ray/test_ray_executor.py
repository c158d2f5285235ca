"""The Ray executor on the two-node cluster of ``conftest.py`` (started on 127.0.0.1, stopped at the end).

The tests
compare the remote rewards with the same rewards in this process on the same rows, kill an actor in the
middle of a call, let a chunk miss its deadline, and place actors by a custom resource.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

ray = pytest.importorskip("ray")

from verifiers_core import select_rewards  # noqa: E402
from verifiers_core.ray_executor import AsyncRayReward, RayReward, get_executor  # noqa: E402
from verifiers_core.testing import check_reward_contract  # noqa: E402

pytestmark = pytest.mark.timeout(420)

#: Pools of one worker per actor (two simulated nodes share this machine's cores).
ARGS = ["accuracy.workers=1", "code.workers=1"]
G = 4  # completions per prompt, as in a GRPO group


def math_rows() -> dict:
    """Groups of G completions sharing a prompt and a gold: right, wrong, cut off, unparsable."""
    golds = ["\\frac{1}{2}", "42", "x^2+1", "[0,1)", "3.5", "-7"]
    right = ["0.5", "42", "1+x^2", "[0,1)", "7/2", "-7"]
    prompts, completions, solutions = [], [], []
    for g, (gold, ok) in enumerate(zip(golds, right)):
        for k in range(G):
            prompts.append(f"Problem {g}?")
            solutions.append(gold)
            completions.append(
                [
                    f"<think>work</think> \\boxed{{{ok}}}",
                    f"<think>work</think> \\boxed{{{g + 100}}}",
                    "<think>I ran out of tokens while",
                    "<think>hmm</think> no idea at all",
                ][k]
            )
    return {"prompts": prompts, "completions": completions, "solution": solutions}


def code_rows(slow_group: int | None = None, sleep: float = 0.0) -> dict:
    """Groups of G programs sharing a prompt and tests: right, wrong, no code block, a crash."""
    prompts, completions, infos = [], [], []
    for g in range(6):
        tests = json.dumps(
            {"test_cases": [{"type": "stdin_stdout", "input": f"{g}\n", "output": f"{2 * g}\n"}] * 2}
        )
        for k in range(G):
            body = [
                "print(int(input()) * 2)",
                "print(int(input()) + 1)",
                None,
                "raise SystemExit(3)",
            ][k]
            if g == slow_group and body is not None:
                body = f"import time\ntime.sleep({sleep})\n{body}"
            text = "no code here" if body is None else f"<think>ok</think>\n```python\n{body}\n```"
            prompts.append(f"Task {g}")
            completions.append(text)
            infos.append(tests)
    return {"prompts": prompts, "completions": completions, "verification_info": infos}


@pytest.fixture(scope="module")
def remote(cluster):
    """accuracy and code on the cluster's reward actors (one per node), ready to score."""
    chosen = select_rewards("accuracy,code", reward_args=ARGS, executor="ray", ray_address=cluster.address)
    executor = chosen.rewards[0].executor
    assert executor.wait_ready() == 2
    return chosen


@pytest.fixture(scope="module")
def local():
    return select_rewards("accuracy,code", reward_args=ARGS)


def _executor_keys():
    from verifiers_core.ray_executor import dispatch

    return dispatch._EXECUTORS.keys()


def _without_ray_counts(counts) -> dict:
    return {k: float(v) for k, v in counts.items() if not k.startswith("ray_") and v}


def test_remote_rewards_keep_the_reward_contract_shape(remote, local):
    accuracy, code = remote.rewards
    assert isinstance(accuracy, RayReward) and (accuracy.__name__, code.__name__) == ("accuracy", "code")
    assert accuracy.required_columns == ("solution",)
    assert code.required_columns == local.rewards[1].required_columns  # () with tests_column=auto
    assert {s["node"] for s in accuracy.executor.status()} == {n["NodeID"] for n in ray.nodes()}


@pytest.mark.parametrize("index, rows", [(0, math_rows), (1, code_rows)], ids=["accuracy", "code"])
def test_same_values_and_counters_as_in_process(remote, local, index, rows):
    data = rows()
    columns = {k: v for k, v in data.items() if k not in ("prompts", "completions")}
    here = local.rewards[index].evaluate(data["completions"], prompts=data["prompts"], columns=columns)
    metrics: list[tuple[str, float]] = []
    extras: dict[str, list] = {}
    there = remote.rewards[index].evaluate(
        data["completions"],
        prompts=data["prompts"],
        columns=columns,
        log_metric=lambda name, value: metrics.append((name, value)),
        log_extra=lambda column, values: extras.__setitem__(column, values),
    )
    assert there.values == here.values
    assert _without_ray_counts(there.counts) == _without_ray_counts(here.counts)
    assert {i: dict(c) for i, c in there.row_counts.items()} == {
        i: dict(c) for i, c in here.row_counts.items()
    }
    assert there.counts["ray_retries"] == there.counts["ray_timeouts"] == 0
    names = dict(metrics)
    name = remote.rewards[index].__name__
    for what in (*local.rewards[index].reported_counts, "ray_retries", "ray_timeouts", "ray_actor_restarts"):
        assert f"{name}/{what}" in names
    # the call was cut into chunks of whole groups, spread over both actors
    assert names["ray/chunks"] >= 2
    assert sum(k.startswith("ray/actor") and k.endswith("/queue_depth") for k in names) == 2
    if index == 0:
        assert len(extras["accuracy_answer"]) == len(data["completions"])


def test_trl_keyword_call_and_async_form_gathered(remote, local):
    accuracy, code = remote.rewards
    m, c = math_rows(), code_rows()
    expected_m = local.rewards[0](prompts=m["prompts"], completions=m["completions"], solution=m["solution"])
    expected_c = local.rewards[1](
        prompts=c["prompts"], completions=c["completions"], verification_info=c["verification_info"]
    )
    # TRL's sync call, with the trainer's extra keywords
    assert (
        accuracy(
            prompts=m["prompts"],
            completions=m["completions"],
            solution=m["solution"],
            trainer_state=None,
            log_metric=lambda *a: None,
        )
        == expected_m
    )
    # the async form: TRL sees an async callable and gathers it with the others
    from trl.trainer.utils import is_async_callable

    async_m, async_c = (
        AsyncRayReward(accuracy.local, 0, accuracy.suite_spec, accuracy.choice),
        AsyncRayReward(code.local, 1, code.suite_spec, code.choice),
    )
    assert is_async_callable(async_m) and not is_async_callable(accuracy)

    async def gather():
        return await asyncio.gather(
            async_m(prompts=m["prompts"], completions=m["completions"], solution=m["solution"]),
            async_c(
                prompts=c["prompts"], completions=c["completions"], verification_info=c["verification_info"]
            ),
        )

    assert asyncio.run(gather()) == [expected_m, expected_c]


def test_contract_checker_passes_on_the_remote_reward(remote):
    report = check_reward_contract(
        remote.rewards[0],
        [
            {"completion": "<think>a</think> \\boxed{4}", "solution": "4", "expected": 1.0},
            {"completion": "<think>a</think> \\boxed{5}", "solution": "4", "expected": 0.0},
        ],
    )
    assert "picklable" in report.checks


def test_actor_killed_mid_call_every_completion_scored_and_retry_counted(remote, local):
    code = remote.rewards[1]
    executor = code.executor
    data = code_rows()
    columns = {"verification_info": data["verification_info"]}
    # the same programs in-process, then made to sleep a little (same output), so that chunks are
    # running when the actor is killed
    expected = local.rewards[1].evaluate(data["completions"], prompts=data["prompts"], columns=columns)
    data["completions"] = [
        t.replace("```python\n", "```python\nimport time\ntime.sleep(0.4)\n") for t in data["completions"]
    ]
    restarts_before = executor.restarts
    result: dict = {}

    def call():
        result["scored"] = code.evaluate(data["completions"], prompts=data["prompts"], columns=columns)

    worker = threading.Thread(target=call)
    worker.start()
    deadline = time.monotonic() + 30
    busy = None
    while busy is None and time.monotonic() < deadline:
        busy = next((s for s in executor.status() if s["in_flight"] and s["state"] == "ready"), None)
        time.sleep(0.02)
    assert busy is not None, "no chunk was ever in flight"
    victim = executor.actor_handles()[busy["actor"]]
    ray.kill(victim, no_restart=False)  # the process dies mid-chunk; Ray restarts it
    worker.join(timeout=120)
    assert not worker.is_alive()
    scored = result["scored"]
    assert scored.values == expected.values  # nothing lost, nothing scored twice (values are exact)
    assert None not in scored.values
    assert scored.counts["ray_retries"] >= 1
    assert scored.counts["ray_actor_restarts"] >= 1
    assert scored.counts["ray_timeouts"] == 0
    assert executor.restarts > restarts_before
    assert executor.wait_ready() == 2  # the killed actor came back


def test_missed_deadline_kills_retries_elsewhere_then_scores_the_timeout_value(cluster, local):
    chosen = select_rewards(
        "code",
        reward_args=["code.workers=1", "code.timeout=15"],
        executor="ray",
        ray_address=cluster.address,
        ray_options={"chunk_timeout": 4, "chunk_rows": G},
    )
    code = chosen.rewards[0]
    try:
        assert code.executor.wait_ready() == 2
        data = code_rows(slow_group=2, sleep=10)  # group 2 outlives the 4 s chunk deadline on every try
        columns = {"verification_info": data["verification_info"]}
        warm = code_rows()  # start both actors' sandboxes, so that only group 2 can miss the deadline
        code.evaluate(
            warm["completions"],
            prompts=warm["prompts"],
            columns={"verification_info": warm["verification_info"]},
        )
        scored = code.evaluate(data["completions"], prompts=data["prompts"], columns=columns)
        fast = [i for i in range(len(data["prompts"])) if data["prompts"][i] != "Task 2"]
        slow = [i for i in range(len(data["prompts"])) if data["prompts"][i] == "Task 2"]
        expected = local.rewards[1].evaluate(
            [data["completions"][i] for i in fast],
            prompts=[data["prompts"][i] for i in fast],
            columns={"verification_info": [data["verification_info"][i] for i in fast]},
        )
        assert [scored.values[i] for i in fast] == expected.values
        assert [scored.values[i] for i in slow] == [0.0] * G  # the reward's timeout value (low)
        assert all(scored.row_counts[i]["ray_timeouts"] == 1 for i in slow)
        assert scored.counts["ray_timeouts"] == G
        assert scored.counts["ray_retries"] == 1  # once elsewhere, then given up
        assert scored.counts["ray_actor_restarts"] == 2  # both actors missed the deadline
        assert code.executor.wait_ready() == 2
    finally:
        code.executor.close()


def test_custom_resource_keeps_actors_on_the_nodes_that_have_it(cluster):
    chosen = select_rewards(
        "format", executor="ray", ray_address=cluster.address, ray_options=["resource=reward_node"]
    )
    executor = chosen.rewards[0].executor
    try:
        assert executor.wait_ready() == 1
        (only,) = executor.status()
        marked = [n["NodeID"] for n in ray.nodes() if n["Resources"].get("reward_node")]
        assert only["node"] == marked[0]
        assert chosen.rewards[0](prompts=["p"], completions=["<think>a</think> b"]) == [1.0]
    finally:
        executor.close()


def test_score_command_on_ray_matches_local(cluster, tmp_path, capsys):
    from verifiers_core.cli import main

    data = math_rows()
    source = tmp_path / "rows.jsonl"
    source.write_text(
        "".join(
            json.dumps({"prompt": p, "completion": c, "solution": s}) + "\n"
            for p, c, s in zip(data["prompts"], data["completions"], data["solution"])
        )
    )
    args = [
        "score",
        "--rewards",
        "accuracy,format",
        "--reward-arg",
        "accuracy.workers=1",
        "--input",
        str(source),
    ]
    assert main([*args, "--output", str(tmp_path / "local.jsonl")]) == 0
    remote_args = [*args, "--output", str(tmp_path / "ray.jsonl"), "--reward-executor", "ray"]
    try:
        assert main([*remote_args, "--ray-address", cluster.address]) == 0
    finally:
        from verifiers_core.suite import SuiteSpec

        spec = SuiteSpec.from_options(
            "accuracy,format", reward_args=["accuracy.workers=1"], executor="ray", ray_address=cluster.address
        )
        assert spec.local() in {key[0] for key in _executor_keys()}
        get_executor(spec, spec.executor).close()
    capsys.readouterr()
    assert (tmp_path / "ray.jsonl").read_text() == (tmp_path / "local.jsonl").read_text()


def test_a_reward_missing_on_the_nodes_is_a_clear_error_not_a_hang(cluster):
    from verifiers_core import get_reward
    from verifiers_core.ray_executor import RayExecutorError
    from verifiers_core.ray_executor.calls import Payload
    from verifiers_core.ray_executor.dispatch import RayExecutor
    from verifiers_core.suite import SuiteSpec

    spec = SuiteSpec.from_options("only_on_the_driver", executor="ray", ray_address=cluster.address)
    executor = RayExecutor(spec, spec.executor)
    try:
        with pytest.raises(RayExecutorError) as info:
            executor.run(0, get_reward("format"), Payload(["x"], None, None, {}))
        assert "no reward actor is alive" in str(info.value)
        assert (
            "failed to start: verifiers_core.errors.UnknownRewardError: unknown reward 'only_on_the_driver'"
            in str(info.value)
        )
    finally:
        executor.close()
