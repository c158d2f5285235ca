"""veRL's own reward code (PyPI verl 0.9.1) driving our adapter, over a batch built as veRL builds it.

The function is loaded by veRL's ``get_custom_reward_fn`` from a ``pkg://`` path with
``reward_kwargs``; the legacy ``naive`` and ``batch`` managers and the reward loop (its naive
manager, ``RewardLoopWorker`` and ``RewardLoopManager.compute_rm_score``, with Ray's transport
replaced by direct calls) run on a ``DataProto`` holding left-padded prompts, right-padded
responses, ``data_source``, ``reward_model.ground_truth`` and ``extra_info``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from verifiers_core.integrations import common
from verifiers_core.integrations.verl import compute_score, compute_score_batch
from verifiers_core.suite import SuiteSpec, get_suite

from .support import OPTIONS, SAMPLES, jsonl_rows

verl = pytest.importorskip("verl", reason="installed by `make install-dev` (tests/integrations)")
from omegaconf import OmegaConf  # noqa: E402  (after the skip: verl brings omegaconf)
from verl import DataProto  # noqa: E402
from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager  # noqa: E402
from verl.workers.reward_manager import BatchRewardManager, NaiveRewardManager  # noqa: E402


def expected_samples() -> list[dict[str, float]]:
    suite = get_suite(
        SuiteSpec.from_options(OPTIONS["rewards"], OPTIONS["reward_weights"], OPTIONS["reward_args"])
    )
    return [common.sample_dict(suite, row) for row in suite.score_rows(jsonl_rows(), errors="count").rows]


def verl_config(name: str, manager: str = "naive", tokenizer_dir=None) -> object:
    """The slice of veRL's trainer config the reward path reads (``reward.*``)."""
    config = {
        "reward": {
            "custom_reward_function": {
                "path": "pkg://verifiers_core.integrations.verl",
                "name": name,
                "reward_kwargs": dict(OPTIONS),
            },
            "reward_manager": {"source": "register", "name": manager},
            "reward_model": {"enable": False},
            "sandbox_fusion": None,
            "num_workers": 2,
        },
        "actor_rollout_ref": {"model": {"path": str(tokenizer_dir), "tokenizer_path": None}},
    }
    return OmegaConf.create(config)


def make_batch(tokenizer) -> DataProto:
    """A rollout batch as veRL's trainer hands it to the reward managers."""
    prompts, responses = [], []
    for question, completion, _, _ in SAMPLES:
        chat = [{"role": "user", "content": question}]
        text = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        prompts.append(tokenizer(text, add_special_tokens=False)["input_ids"])
        responses.append(tokenizer(completion + tokenizer.eos_token, add_special_tokens=False)["input_ids"])
    p_len, r_len, pad = max(map(len, prompts)), max(map(len, responses)), tokenizer.pad_token_id
    prompt_ids = torch.tensor([[pad] * (p_len - len(p)) + p for p in prompts])
    response_ids = torch.tensor([r + [pad] * (r_len - len(r)) for r in responses])
    mask = torch.tensor(
        [
            [0] * (p_len - len(p)) + [1] * len(p) + [1] * len(r) + [0] * (r_len - len(r))
            for p, r in zip(prompts, responses)
        ]
    )
    return DataProto.from_dict(
        tensors={
            "prompts": prompt_ids,
            "responses": response_ids,
            "input_ids": torch.cat([prompt_ids, response_ids], dim=1),
            "attention_mask": mask,
        },
        non_tensors={
            "data_source": np.array(["openai/gsm8k"] * 4 + ["code"] * 3, dtype=object),
            "reward_model": np.array(
                [{"style": "rule", "ground_truth": gold} for _, _, gold, _ in SAMPLES], dtype=object
            ),
            "extra_info": np.array(
                [dict(extra, index=i) for i, (_, _, _, extra) in enumerate(SAMPLES)], dtype=object
            ),
        },
    )


def check_extra_info(extra: dict, expected: list[dict[str, float]]) -> None:
    assert set(extra) == set(expected[0])  # the same keys for every sample, counters included
    for key, column in extra.items():
        assert list(column) == pytest.approx([e[key] for e in expected]), key


def test_naive_manager_loads_the_function_by_pkg_path(tokenizer, reward_env):
    compute = get_custom_reward_fn(verl_config("compute_score"))
    manager = NaiveRewardManager(tokenizer, num_examine=0, compute_score=compute)
    batch = make_batch(tokenizer)
    out = manager(batch, return_dict=True)
    expected = expected_samples()
    lengths = batch.batch["attention_mask"][:, batch.batch["prompts"].shape[-1] :].sum(-1)
    for i, e in enumerate(expected):
        assert out["reward_tensor"][i, lengths[i] - 1].item() == pytest.approx(e["score"])
        assert out["reward_tensor"][i].sum().item() == pytest.approx(e["score"])
    check_extra_info(out["reward_extra_info"], expected)
    # what the rows should score: right-and-formatted math, wrong, unformatted, cut off, code 1, 0.5, 0
    assert [e["accuracy"] for e in expected[:4]] == [1.0, 0.0, 1.0, 0.0]
    assert [e["format"] for e in expected[:4]] == [1.0, 1.0, 0.0, 0.0]
    assert [e["code"] for e in expected[4:]] == [1.0, 0.5, 0.0]
    assert expected[3]["accuracy/no_answer"] == 1.0


def test_batch_manager_calls_the_batch_form(tokenizer, reward_env):
    compute = get_custom_reward_fn(verl_config("compute_score_batch", "batch"))
    manager = BatchRewardManager(tokenizer, num_examine=0, compute_score=compute)
    batch = make_batch(tokenizer)
    out = manager(batch, return_dict=True)
    expected = expected_samples()
    assert out["reward_tensor"].sum(-1).tolist() == pytest.approx([e["score"] for e in expected])
    check_extra_info(out["reward_extra_info"], expected)


@pytest.mark.parametrize("name", ["compute_score", "compute_score_async"])
def test_reward_loop_worker_and_manager_assembly(tokenizer_dir, tokenizer, reward_env, monkeypatch, name):
    from verl.experimental.reward_loop import reward_loop

    config = verl_config(name, tokenizer_dir=tokenizer_dir)
    worker = reward_loop.RewardLoopWorker(config)  # loads the tokenizer and the manager as in a Ray actor
    assert type(worker.reward_manager).__name__ == "NaiveRewardManager"
    batch = make_batch(tokenizer)
    expected = expected_samples()

    # RewardLoopManager.compute_rm_score as veRL runs it, with Ray's transport made a direct call
    class LocalActor:
        class compute_score_batch:  # noqa: N801 (Ray's `actor.method.remote(...)` shape)
            @staticmethod
            def remote(chunk):
                # an async Ray actor runs its methods on its event loop, the one veRL captured
                return worker.reward_manager.loop.run_until_complete(worker.compute_score_batch(chunk))

    manager = object.__new__(reward_loop.RewardLoopManager)
    manager.config, manager.reward_model_manager = config, None
    manager.reward_loop_workers = [LocalActor(), LocalActor()]
    manager.reward_manager_cls = reward_loop.resolve_reward_manager_cls(config)
    monkeypatch.setattr(reward_loop.ray, "get", lambda refs: refs)
    scored = manager.compute_rm_score(batch)

    assert scored.batch["rm_scores"].sum(-1).tolist() == pytest.approx([e["score"] for e in expected])
    assert set(scored.meta_info["reward_extra_keys"]) == set(expected[0])
    for key in scored.meta_info["reward_extra_keys"]:
        assert scored.non_tensor_batch[key].tolist() == pytest.approx([e[key] for e in expected]), key


def test_load_reward_manager_with_the_older_layout(tokenizer, reward_env):
    """``custom_reward_function.*`` at the top level is migrated by veRL into ``reward.*``."""
    from verl.experimental.reward_loop.reward_loop import migrate_legacy_reward_impl

    old = OmegaConf.create(
        {
            "reward_model": {
                "num_workers": None,
                "reward_manager": "naive",
                "reward_loop_source": None,
                "model": {"path": None},
                "rollout": {},
            },
            "custom_reward_function": {
                "path": "pkg://verifiers_core.integrations.verl",
                "name": "compute_score",
            },
            "sandbox_fusion": {"url": None},
            "reward": {
                "num_workers": 1,
                "reward_manager": {"name": "naive", "source": "register"},
                "custom_reward_function": {"path": None, "name": None},
                "reward_model": {"enable": False, "rollout": {}},
            },
        }
    )
    config = migrate_legacy_reward_impl(old)
    manager = load_reward_manager(config, tokenizer)
    out = manager.loop.run_until_complete(manager.run_single(make_batch(tokenizer)[0:1]))
    assert out["reward_score"] == pytest.approx(expected_samples()[0]["score"])


def test_malformed_inputs_score_low_and_are_counted(reward_env):
    out = compute_score_batch(
        ["gsm8k"] * 4,
        [None, 123, "<think>x</think> \\boxed{72}", "\\boxed{72}"],
        ["72", "72", None],  # shorter than the solutions: the last sample has no gold
        [None, "not a dict", {"solution": "72"}, None],
    )
    assert len(out) == 4 and all(set(o) == set(out[0]) for o in out)
    assert [o["accuracy"] for o in out] == [0.0, 0.0, 1.0, 0.0]
    assert out[0]["accuracy/errors"] == out[1]["format/errors"] == 1.0
    assert out[2]["accuracy/errors"] == 0.0
    assert compute_score("gsm8k", None, "72")["score"] == 0.0


def test_think_opened_by_the_template(reward_env):
    """veRL passes the response only: ``think_opened=prompt`` says the template opened ``<think>``."""
    response = "48/2 = 24 and 48 + 24 = 72</think> \\boxed{72}"
    assert compute_score("gsm8k", response, "72")["format"] == 0.0  # a stray </think>
    opened = compute_score("gsm8k", response, "72", think_opened="prompt")
    assert opened["format"] == 1.0 and opened["accuracy"] == 1.0
