"""Dataset generators registered through the ``register_datasets`` hook: registry, ``list``, ``dataset``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

import verifiers_core
from verifiers_core import (
    DatasetError,
    DatasetParamError,
    Param,
    PluginLoadWarning,
    Registry,
    UnknownDatasetError,
)
from verifiers_core.errors import PluginError
from verifiers_core.layouts import to_verl_rows
from verifiers_core.testing.examples import ExamplePlugin


class TaskPlugin:
    """A generator that takes an argument (comma-separated task names) and per-task parameters."""

    TASKS = {"add": "+", "mul": "*"}

    @verifiers_core.hookimpl
    def register_datasets(self, register):
        register(
            "tasks",
            self.rows,
            description="tasks by name",
            params=[Param("size", int, 2, min=1)],
            rewards=["exact_answer"],
            gold_column="answer",
            argument="TASK[,TASK...]",
            params_for=self.params_for,
        )

    def params_for(self, argument):
        names = argument.split(",")
        unknown = [n for n in names if n not in self.TASKS]
        if unknown:
            raise DatasetParamError(f"unknown task {unknown[0]!r}; tasks: {', '.join(self.TASKS)}")
        return [Param("base", int, 1, "first operand")]

    def rows(self, argument, size, base):
        names = argument.split(",")
        out = []
        for i in range(size):
            op = self.TASKS[names[i % len(names)]]
            a, b = base + i, 2
            out.append(
                {
                    "prompt": f"{a}{op}{b}?",
                    "answer": str(eval(f"{a}{op}{b}")),
                    "data_source": names[i % len(names)],
                }
            )
        return out


@pytest.fixture
def registry():
    reg = Registry(load_entry_points=False)
    reg.register_plugin(ExamplePlugin(), name="examples")
    reg.register_plugin(TaskPlugin(), name="tasks")
    return reg


def test_generate_with_typed_params_and_argument(registry):
    made = registry.create_dataset("tasks:add,mul", size="3", base=5)
    assert [r["prompt"] for r in made.rows] == ["5+2?", "6*2?", "7+2?"]
    assert made.params == {"size": 3, "base": 5} and made.argument == "add,mul"
    assert made.describe()["plugin"] == "tasks" and made.rewards == ("exact_answer",)
    verl = to_verl_rows(made, system_prompt="Think.")
    assert verl[1]["data_source"] == "mul"
    assert verl[1]["prompt"] == [{"role": "system", "content": "Think."}, {"role": "user", "content": "6*2?"}]
    assert verl[1]["reward_model"] == {"style": "rule", "ground_truth": "12"}
    assert verl[1]["extra_info"] == {"answer": "12", "index": 1}


@pytest.mark.parametrize(
    ("spec", "params", "error", "message"),
    [
        (
            "tasks:add",
            {"bse": 1},
            DatasetParamError,
            "dataset 'tasks:add' has no parameter 'bse' (did you mean 'base'?)",
        ),
        (
            "tasks:add",
            {"size": 0},
            DatasetParamError,
            "dataset 'tasks:add', parameter 'size': must be at least 1",
        ),
        ("tasks:sub", {}, DatasetParamError, "unknown task 'sub'; tasks: add, mul"),
        ("tasks", {}, DatasetParamError, "needs an argument: write it as tasks:TASK[,TASK...]"),
        ("sums:x", {}, DatasetParamError, "takes no argument"),
        ("sumz", {}, UnknownDatasetError, "unknown dataset 'sumz'; did you mean 'sums'?"),
        ("openai/gsm8k", {}, UnknownDatasetError, "is not a dataset name"),
    ],
)
def test_errors_name_the_dataset_and_what_is_wrong(registry, spec, params, error, message):
    with pytest.raises(error) as info:
        registry.create_dataset(spec, **params)
    assert message in str(info.value)


def test_bad_rows_and_failing_generators_are_reported_with_the_row():
    class Bad:
        @verifiers_core.hookimpl
        def register_datasets(self, register):
            register("noprompt", lambda: [{"prompt": "ok"}, {"question": "q"}])
            register("boom", lambda: 1 / 0)

    reg = Registry(load_entry_points=False)
    reg.register_plugin(Bad(), name="bad")
    with pytest.raises(DatasetError, match=r"dataset 'noprompt', row 1: no 'prompt' \(columns: question\)"):
        reg.create_dataset("noprompt")
    with pytest.raises(DatasetError, match="dataset 'boom' .* could not be generated .*ZeroDivisionError"):
        reg.create_dataset("boom")


def test_invalid_registration_fails_the_plugin_and_keeps_the_others():
    class Slash:
        @verifiers_core.hookimpl
        def register_rewards(self, register):
            register("fine", lambda: lambda completions, **kw: [0.0] * len(completions))

        @verifiers_core.hookimpl
        def register_datasets(self, register):
            register("a/b", lambda: [])

    reg = Registry(load_entry_points=False)
    reg.register_plugin(ExamplePlugin(), name="examples")
    with pytest.warns(PluginLoadWarning, match="register_datasets failed.*'a/b' is invalid"):
        info = reg.register_plugin(Slash(), name="slash")
    assert info.status == "failed"
    assert [e.name for e in reg.entries()] == ["exact_answer"]  # the failed plugin's reward is not kept
    assert reg.create_dataset("sums", size=1).rows


def test_duplicate_dataset_names_are_listed_as_conflicts_and_refused():
    reg = Registry(load_entry_points=False)
    reg.register_plugin(ExamplePlugin(), name="one")
    with pytest.warns(PluginLoadWarning, match="dataset 'sums' is registered twice"):
        reg.register_plugin(ExamplePlugin(), name="two")
    assert {(d.plugin, d.status) for d in reg.describe_datasets()} == {
        ("one", "conflict"),
        ("two", "conflict"),
    }
    with pytest.raises(DatasetError, match="registered twice"):
        reg.create_dataset("sums")
    with pytest.raises(DatasetError, match=r"by plugin one \(no distribution\) and plugin two"):
        strict = Registry(load_entry_points=False, strict=True)
        strict.register_plugin(ExamplePlugin(), name="one")
        strict.register_plugin(ExamplePlugin(), name="two")


def test_a_factory_that_cannot_be_imported_is_named():
    class Missing:
        @verifiers_core.hookimpl
        def register_datasets(self, register):
            register("ghost", "no_such_module_xyz:rows")

    reg = Registry(load_entry_points=False)
    reg.register_plugin(Missing(), name="missing")
    with pytest.raises(
        PluginError, match="dataset 'ghost' .* cannot import its factory 'no_such_module_xyz:rows'"
    ):
        reg.create_dataset("ghost")


def _cli(*args, check=True):
    proc = subprocess.run(
        [sys.executable, "-m", "verifiers_core", *args], capture_output=True, text=True, timeout=300,
        env={**os.environ},
    )  # fmt: skip
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_list_shows_the_installed_datasets():
    rows = json.loads(_cli("list", "--json").stdout)
    arithmetic = [r for r in rows if r.get("kind") == "dataset" and r["name"] == "arithmetic"]
    assert len(arithmetic) == 1 and arithmetic[0]["plugin"] == "builtin"
    assert arithmetic[0]["rewards"] == ["accuracy", "format"] and arithmetic[0]["gold_column"] == "solution"
    assert [p["name"] for p in arithmetic[0]["params"]] == ["size", "seed", "split", "regroup_share"]
    assert all(r["kind"] in ("reward", "dataset", "plugin") for r in rows)
    table = _cli("list").stdout
    assert (
        "Datasets" in table and "arithmetic  (builtin" in table and "fits rewards: accuracy, format" in table
    )


def test_dataset_command_writes_both_layouts_and_score_scores_the_rows(tmp_path):
    out = tmp_path / "rows.jsonl"
    proc = _cli("dataset", "arithmetic", "--param", "size=5", "--param", "seed=1", "--output", str(out))
    assert "wrote 5 rows of arithmetic (trl layout)" in proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["prompt"][0]["role"] for r in rows] == ["user"] * 5 and all(r["solution"] for r in rows)
    from trainer.builtin.rows import arithmetic_rows

    assert rows == arithmetic_rows(size=5, seed=1)  # the demo's generator, through the registry

    # `score` scores the rows as written, with a completion added: the gold right, then wrong
    scored_in = tmp_path / "completions.jsonl"
    lines = []
    for i, row in enumerate(rows):
        answer = row["solution"] if i % 2 == 0 else str(int(row["solution"]) + 1)
        lines.append(json.dumps({**row, "completion": f"<think>work</think> \\boxed{{{answer}}}"}))
    scored_in.write_text("\n".join(lines) + "\n")
    scored = _cli("score", "--rewards", "accuracy,format", "--input", str(scored_in)).stdout
    values = [json.loads(line)["rewards"]["accuracy"] for line in scored.splitlines()]
    assert values == [1.0, 0.0, 1.0, 0.0, 1.0]

    parquet = tmp_path / "rows.parquet"
    _cli("dataset", "arithmetic", "--param", "size=3", "--output", str(parquet), "--layout", "verl")
    import pyarrow.parquet as pq

    verl = pq.read_table(parquet).to_pylist()
    assert [r["extra_info"]["index"] for r in verl] == [0, 1, 2]
    assert verl[0]["data_source"] == "arithmetic" and verl[0]["prompt"][0]["role"] == "user"
    assert verl[0]["reward_model"]["ground_truth"] == verl[0]["extra_info"]["solution"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["arithmetic", "--param", "size=0", "--output", "x.jsonl"], "parameter 'size': must be at least 1"),
        (["arithmetic", "--param", "size", "--output", "x.jsonl"], "--param 'size': write KEY=VALUE"),
        (["arithmetic", "--output", "x.csv"], "write .jsonl or .parquet"),
        (["arithmetic"], "--output rows.jsonl (or rows.parquet) is required"),
        (["nosuchdataset", "--output", "x.jsonl"], "unknown dataset 'nosuchdataset'"),
    ],
)
def test_dataset_command_errors(tmp_path, args, message):
    proc = subprocess.run(
        [sys.executable, "-m", "verifiers_core", "dataset", *args], capture_output=True, text=True, cwd=tmp_path,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.jsonl").exists()


def test_describe_lists_the_parameters():
    out = _cli("dataset", "arithmetic", "--describe").stdout
    assert "--param size=...  default 2000" in out and "--param split=...  default 'train'" in out


def test_warnings_do_not_leak_from_list(recwarn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(d.status == "ok" for d in verifiers_core.list_datasets() if d.name == "arithmetic")
