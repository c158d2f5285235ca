"""Contract tests in the exact call shapes of slime, AReaL and PrimeIntellect verifiers.

- slime is not on PyPI: its ``async_rm`` / ``batched_async_rm`` (``slime/rollout/rm_hub/__init__.py``
  at commit 624b824) and ``Sample`` fields (``slime/utils/types.py``) are reproduced here.
- AReaL: its own ``AsyncRewardWrapper`` (PyPI areal 1.0.4, ``areal/api/reward_api.py``) runs our
  ``reward_fn`` in its process pool. The module is loaded from its file: ``areal/__init__.py``
  imports the whole training stack.
- verifiers: its own ``Rubric`` and ``SingleTurnEnv`` (PyPI verifiers 0.3.1, the classic stack).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from verifiers_core.integrations import common
from verifiers_core.suite import SuiteSpec, get_suite

from .support import OPTIONS, SAMPLES, jsonl_rows

ROOT = Path(__file__).resolve().parents[2]


def expected() -> tuple[Any, list[dict[str, float]]]:
    suite = get_suite(
        SuiteSpec.from_options(OPTIONS["rewards"], OPTIONS["reward_weights"], OPTIONS["reward_args"])
    )
    return suite, [common.sample_dict(suite, r) for r in suite.score_rows(jsonl_rows(), errors="count").rows]


# -- slime ------------------------------------------------------------------------------------------


@dataclass
class Sample:
    """The fields of slime's ``Sample`` a reward model reads."""

    prompt: str | list[dict[str, str]] = ""
    response: str = ""
    label: Any = None
    reward: float | dict[str, Any] | None = None
    metadata: dict = field(default_factory=dict)
    custom_rm_path: str | None = None


def load_function(path: str):
    """slime.utils.misc.load_function."""
    module_path, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_path), attr)


async def async_rm(args, sample: Sample, **kwargs):
    """slime's async_rm, custom-path branches."""
    if sample.custom_rm_path:
        return await load_function(sample.custom_rm_path)(args, sample, **kwargs)
    return await load_function(args.custom_rm_path)(args, sample, **kwargs)


async def batched_async_rm(args, samples: list[Sample], **kwargs):
    """slime's batched_async_rm with --custom-rm-path (also what --group-rm calls)."""
    return await load_function(args.custom_rm_path)(args, samples, **kwargs)


def slime_samples() -> list[Sample]:
    return [
        Sample(prompt=q, response=c, label=g, metadata=dict(extra, verification_info=g) if extra else {})
        for q, c, g, extra in SAMPLES
    ]


def test_slime_single_and_group_calls(reward_env):
    suite, want = expected()
    args = types.SimpleNamespace(custom_rm_path="verifiers_core.integrations.slime.custom_rm", group_rm=True)

    async def one_by_one():  # generate_and_rm: one coroutine per sample, gathered
        return await asyncio.gather(*(async_rm(args, s) for s in slime_samples()))

    singles = asyncio.run(one_by_one())
    group = asyncio.run(batched_async_rm(args, slime_samples()))
    totals = [w["score"] for w in want]
    assert singles == pytest.approx(totals) and group == pytest.approx(totals)

    args.custom_rm_path = "verifiers_core.integrations.slime.custom_rm_dict"
    dicts = asyncio.run(batched_async_rm(args, slime_samples()))
    assert [d["score"] for d in dicts] == pytest.approx(totals)  # what --reward-key score reads
    for d, w in zip(dicts, want):
        assert d == pytest.approx(w)


def test_slime_malformed_sample(reward_env):
    args = types.SimpleNamespace(custom_rm_path="verifiers_core.integrations.slime.custom_rm_dict")
    out = asyncio.run(async_rm(args, Sample(prompt="Q", response=None, label="72")))
    assert out["score"] == 0.0 and out["accuracy/errors"] == 1.0


# -- AReaL ------------------------------------------------------------------------------------------


def areal_reward_api():
    """``areal.api.reward_api`` from AReaL's installed files, without its package ``__init__``."""
    pytest.importorskip("colorlog", reason="installed by `make install-dev` (tests/integrations)")
    spec = importlib.util.find_spec("areal")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("areal is installed by `make install-dev` (tests/integrations)")
    root = Path(next(iter(spec.submodule_search_locations)))
    saved = {
        k: sys.modules.get(k)
        for k in ("areal", "areal.utils", "areal.api", "areal.utils.logging", "areal.api.reward_api")
    }
    try:
        for name in ("areal", "areal.utils", "areal.api"):
            package = types.ModuleType(name)
            package.__path__ = [str(root.joinpath(*name.split(".")[1:]))]
            sys.modules[name] = package
        for name, rel in (
            ("areal.utils.logging", "utils/logging.py"),
            ("areal.api.reward_api", "api/reward_api.py"),
        ):
            module_spec = importlib.util.spec_from_file_location(name, root / rel)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            module_spec.loader.exec_module(module)
        return sys.modules["areal.api.reward_api"]
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_areal_wrapper_runs_reward_fn_in_its_process_pool(tokenizer, reward_env):
    from verifiers_core.integrations.areal import reward_fn

    api = areal_reward_api()
    wrapper = api.AsyncRewardWrapper(reward_fn, timeout_seconds=120, max_workers=1)
    suite, want = expected()

    async def rollouts():  # RLVRWorkflow._compute_rewards, one per sample
        calls = []
        for question, completion, gold, extra in SAMPLES:
            prompt = tokenizer.apply_chat_template(
                [{"role": "user", "content": question}], add_generation_prompt=True, tokenize=False
            )
            prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            output_ids = tokenizer(completion + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
            completions = tokenizer.decode(output_ids)  # special tokens kept, as AReaL decodes
            task_data = {"solution": gold, "verification_info": gold, **extra}
            calls.append(wrapper(prompt, completions, prompt_ids, output_ids, **task_data))
        return await asyncio.gather(*calls)

    try:
        rewards = asyncio.run(rollouts())
    finally:
        api.AsyncRewardWrapper._atexit_shutdown_all()
    assert rewards == pytest.approx([w["score"] for w in want])


def test_areal_reward_fn_malformed_and_missing_gold(reward_env):
    from verifiers_core.integrations.areal import reward_fn

    assert reward_fn("Q", None, [], []) == 0.0
    assert reward_fn("Q", "<think>x</think> \\boxed{72}", [1], [2]) == pytest.approx(0.5)  # format only


# -- PrimeIntellect verifiers -----------------------------------------------------------------------


def test_verifiers_rubric_scores_our_functions(reward_env):
    vf = pytest.importorskip("verifiers", reason="installed by `make install-dev` (tests/integrations)")
    from verifiers_core.integrations.prime import reward_functions

    funcs, weights = reward_functions(**OPTIONS)
    rubric = vf.Rubric(funcs=funcs, weights=weights)
    suite, want = expected()
    states = []
    for question, completion, gold, extra in SAMPLES:
        states.append(
            {
                "prompt": [{"role": "user", "content": question}],
                "completion": [{"role": "assistant", "content": completion}],
                "answer": gold,
                "info": dict(extra, verification_info=gold, solution=gold),
                "input": {"question": question},
                "trajectory": [],
            }
        )
    asyncio.run(rubric.score_group(states))
    for state, w in zip(states, want):
        assert state["reward"] == pytest.approx(w["score"])
        assert state["metrics"] == pytest.approx({k: w[k] for k in suite.keys})
    one = dict(states[0], reward=None, metrics=None)
    asyncio.run(rubric.score_rollout(one))
    assert one["reward"] == pytest.approx(want[0]["score"])


def test_verifiers_loads_the_installable_environment(reward_env, monkeypatch, tmp_path):
    vf = pytest.importorskip("verifiers", reason="installed by `make install-dev` (tests/integrations)")
    from verifiers_core.integrations.prime import RewardFunction

    monkeypatch.syspath_prepend(str(ROOT / "environments" / "verifiers_core_env"))
    data = tmp_path / "rows.jsonl"
    data.write_text('{"question": "1+1?", "answer": "2"}\n{"question": "2+2?", "answer": "4"}\n')
    env = vf.load_environment(
        "verifiers-core-env", rewards="accuracy,format", reward_weights="1,0.5", dataset=str(data)
    )
    assert isinstance(env, vf.SingleTurnEnv)
    rubrics = getattr(env.rubric, "rubrics", [env.rubric])  # the env adds its monitor rubric beside ours
    ours = [r for r in rubrics if any(isinstance(f, RewardFunction) for f in r.funcs)]
    assert len(ours) == 1
    assert [f.__name__ for f in ours[0].funcs] == ["accuracy", "format"] and ours[0].weights == [1.0, 0.5]
    assert len(env.dataset) == 2
