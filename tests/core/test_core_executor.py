"""Choosing where rewards run: the executor part of the selection (no cluster needed here)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from verifiers_core.errors import RewardSelectionError, VerifiersCoreError
from verifiers_core.executor import LOCAL, RayOptions, build_executor, parse_ray_options
from verifiers_core.suite import SuiteSpec


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_importing_the_core_and_choosing_ray_imports_no_ray():
    code = (
        "import sys, verifiers_core\n"
        "from verifiers_core.suite import SuiteSpec\n"
        "from verifiers_core.commands.selection_args import add_selection_arguments\n"
        "spec = SuiteSpec.from_options('format', executor='ray', ray_options=['cpus_per_actor=2'])\n"
        "assert spec.executor.ray.cpus_per_actor == 2\n"
        "print('ray' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_executor_from_options_config_and_environment():
    assert SuiteSpec.from_options("format").executor == LOCAL
    spec = SuiteSpec.from_options(
        config="rewards: [format]\nreward_executor: ray\nray_address: 10.0.0.1:6379\n"
        "ray_options: {cpus_per_actor: 4, resource: reward_node}\n",
        ray_options=["chunk_timeout=30"],
    )
    assert (spec.names, spec.executor.kind, spec.executor.ray_address) == (["format"], "ray", "10.0.0.1:6379")
    assert spec.executor.ray == RayOptions(cpus_per_actor=4, resource="reward_node", chunk_timeout=30)
    # a config that only says where to run, with --rewards naming the rewards
    assert SuiteSpec.from_options("format", config={"reward_executor": "ray"}).executor.is_ray
    env = {
        "VERIFIERS_CORE_REWARDS": "format",
        "VERIFIERS_CORE_REWARD_EXECUTOR": "ray",
        "VERIFIERS_CORE_RAY_ADDRESS": "auto",
        "VERIFIERS_CORE_RAY_OPTIONS": "max_in_flight=3 retries=2",
    }
    from_env = SuiteSpec.from_env(env)
    assert (
        from_env.executor.ray_address,
        from_env.executor.ray.max_in_flight,
        from_env.executor.ray.retries,
    ) == (
        "auto",
        3,
        2,
    )
    # the actors build the same selection, run locally; the executor is part of the cache key
    assert from_env.local().executor == LOCAL and from_env.local().choices == from_env.choices
    assert from_env != from_env.local()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"executor": "spark"}, "unknown reward executor 'spark'; choose one of: local, ray"),
        (
            {"ray_address": "10.0.0.1:6379"},
            "--ray-address (ray_address) is given but the reward executor is 'local'",
        ),
        ({"ray_options": ["retries=2"]}, "ray options are given but the reward executor is 'local'"),
        ({"executor": "ray", "ray_options": ["cpus=2"]}, "unknown ray option 'cpus'"),
        ({"executor": "ray", "ray_options": ["retries"]}, "must look like KEY=VALUE"),
        ({"executor": "ray", "ray_options": {"max_in_flight": 0}}, "max_in_flight must be at least 1, got 0"),
        ({"executor": "ray", "ray_options": {"chunk_timeout": "soon"}}, "chunk_timeout must be a number"),
        ({"executor": "ray", "ray_options": {"chunk_rows": 2.5}}, "chunk_rows must be a whole number"),
        (
            {"executor": "local", "config": {"reward_executor": "ray"}},
            "reward executor given twice and they differ: --reward-executor says 'local', the config says 'ray'",
        ),
    ],
)
def test_bad_executor_choices_name_what_is_wrong(kwargs, message):
    with pytest.raises(RewardSelectionError) as info:
        build_executor(**kwargs)
    assert message in str(info.value)


def test_command_line_options_give_the_same_choice_as_python():
    import argparse

    from verifiers_core.commands.selection_args import add_selection_arguments, spec_from_args

    parser = argparse.ArgumentParser()
    add_selection_arguments(parser)
    args = parser.parse_args(
        [
            "--rewards",
            "format",
            "--reward-executor",
            "ray",
            "--ray-address",
            "h:1",
            "--ray-option",
            "retries=0",
        ]
    )
    assert spec_from_args(args) == SuiteSpec.from_options(
        "format", executor="ray", ray_address="h:1", ray_options={"retries": 0}
    )
    assert parse_ray_options("resource=gpu_free chunk_rows=64") == RayOptions(
        resource="gpu_free", chunk_rows=64
    )


def test_score_against_an_unreachable_cluster_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("ray")
    from verifiers_core.cli import main

    source = tmp_path / "rows.jsonl"
    source.write_text('{"completion": "x"}\n')
    port = closed_port()
    argv = ["score", "--rewards", "format", "--input", str(source), "--reward-executor", "ray"]
    assert main([*argv, "--ray-address", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port} (Connection refused)" in err
    assert "ray start --head" in err
    assert main([*argv, "--ray-address", "head-node"]) == 2
    assert "must look like HOST:PORT" in capsys.readouterr().err


def test_select_rewards_on_an_unreachable_cluster_raises_before_any_call():
    pytest.importorskip("ray")
    from verifiers_core import select_rewards
    from verifiers_core.ray_executor import RayClusterError

    with pytest.raises(RayClusterError) as info:
        select_rewards("format", executor="ray", ray_address=f"127.0.0.1:{closed_port()}")
    assert isinstance(info.value, VerifiersCoreError)


def test_chunks_keep_groups_whole_and_cover_every_row_once():
    import random

    from verifiers_core.ray_executor.chunks import plan_chunks

    rng = random.Random(0)
    for _ in range(200):
        sizes = [rng.choice([1, 2, 4, 8, 16]) for _ in range(rng.randint(1, 30))]
        prompts = [f"p{g}" for g, size in enumerate(sizes) for _ in range(size)]
        golds = [str(g % 3) for g, size in enumerate(sizes) for _ in range(size)]
        n = len(prompts)
        chunks = plan_chunks(n, prompts, {"solution": golds}, rng.randint(1, 40))
        assert [i for r in chunks for i in r] == list(range(n))
        for r in chunks[1:]:
            assert prompts[r.start] != prompts[r.start - 1]  # never inside a group
