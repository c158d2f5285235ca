"""OpenRLHF's own loading and call path (PyPI openrlhf 0.11.2, ``openrlhf/utils/agent.py``) on our file.

``SingleTurnAgentExecutor`` loads ``reward_func`` from the file path given as
``--reward.remote_url``, tokenizes the prompt, asks the engine for a continuation, decodes prompt +
response *with* special tokens and calls the function in a thread. Only the vLLM engine is a
stand-in (it returns the response's token ids). The step after, ``_process_response_into_experience``
(``openrlhf/trainer/ppo_utils/samples_generator.py``), imports vLLM at module level, so its
conversion of the returned tensors is reproduced here line for line.
"""

from __future__ import annotations

import asyncio
import types

import pytest
import torch

from verifiers_core.commands.integrations import openrlhf_path
from verifiers_core.integrations import common
from verifiers_core.suite import SuiteSpec, get_suite

from .support import OPTIONS, SAMPLES, jsonl_rows

agent = pytest.importorskip(
    "openrlhf.utils.agent", reason="installed by `make install-dev` (tests/integrations)"
)


class FakeEngine:
    """vLLM's engine as ``execute`` uses it: ``await generate(prompt_ids, params)`` → outputs[0]."""

    def __init__(self, response_ids: list[int]) -> None:
        self.response_ids = response_ids

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        output = types.SimpleNamespace(
            token_ids=self.response_ids, text="", finish_reason="stop", logprobs=None
        )
        return types.SimpleNamespace(outputs=[output])


def experience_info(output: dict) -> dict[str, float]:
    """What ``_process_response_into_experience`` makes of the executor's output (0.11.2)."""
    info = {"reward": torch.tensor([output["reward"]]), "score": torch.tensor([output["scores"]])}
    for key, value in output.get("extra_logs", {}).items():
        if isinstance(value, torch.Tensor):
            value = value.flatten()[0].item()
        info[key] = torch.tensor([value])
    return {k: v.flatten()[0].item() for k, v in info.items()}


def run_sample(executor, tokenizer, prompt: str, response: str, label) -> dict:
    ids = tokenizer(response + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    params = types.SimpleNamespace(max_tokens=None, logprobs=None)
    return asyncio.run(executor.execute(prompt, label, params, 4096, tokenizer, FakeEngine(ids)))


def test_executor_loads_our_file_and_scores_samples(tokenizer, reward_env):
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=[str(openrlhf_path())])
    assert executor.reward_func.__module__ == "reward_func"  # loaded from the file, as OpenRLHF does
    suite = get_suite(
        SuiteSpec.from_options(OPTIONS["rewards"], OPTIONS["reward_weights"], OPTIONS["reward_args"])
    )
    expected = [common.sample_dict(suite, r) for r in suite.score_rows(jsonl_rows(), errors="count").rows]
    for (question, completion, gold, extra), want in zip(SAMPLES, expected):
        chat = [{"role": "user", "content": question}]
        prompt = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        label = {"solution": gold, "verification_info": gold, **extra} if extra else gold
        output = run_sample(executor, tokenizer, prompt, completion, label)
        info = experience_info(output)
        assert info["reward"] == pytest.approx(want["score"])
        assert info["score"] == pytest.approx(common.unit_score(suite, want["score"]))
        assert 0.0 <= info["score"] <= 1.0
        for key in [*suite.keys, *suite.counter_keys()]:
            assert info[key] == pytest.approx(want[key]), key
        assert info["prompt_mismatch"] == 0.0


def test_template_that_opens_think_is_seen_in_the_prompt(tokenizer, reward_env):
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=[str(openrlhf_path())])
    chat = [{"role": "user", "content": SAMPLES[0][0]}]
    prompt = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False) + "<think>\n"
    info = experience_info(run_sample(executor, tokenizer, prompt, "48 + 24 = 72</think> \\boxed{72}", "72"))
    assert info["accuracy"] == 1.0 and info["format"] == 1.0


def test_reward_func_direct_edge_cases(reward_env):
    from verifiers_core.integrations.openrlhf import reward_func

    out = reward_func(
        [
            "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n\\boxed{72}<|im_end|>",
            None,
            "no prompt here",
        ],
        ["a prompt that is not there", "p", "<|im_start|>user"],
        ["72", "72", {"solution": "72", "verification_info": "{}"}],
    )
    assert out["rewards"].shape == (3,) and out["scores"].shape == (3,)
    assert out["extra_logs"]["accuracy"].tolist() == [1.0, 0.0, 0.0]  # header found; malformed; wrong
    assert out["extra_logs"]["prompt_mismatch"].tolist() == [1.0, 0.0, 1.0]
    assert out["extra_logs"]["accuracy/errors"].tolist() == [0.0, 1.0, 0.0]
