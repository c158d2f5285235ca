"""End to end on a shortened build: cache, determinism, evaluation and a few GRPO steps with TRL."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
import torch
from transformers import AutoModelForCausalLM

from trainer.builtin import BuiltinSetup, build_builtin, builtin_defaults, evaluate, grpo_overrides
from trainer.builtin import build as build_module
from trainer.builtin.sft import SFTRecipe
from trainer.builtin.task import boxed_answer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

# Enough steps for the model to pick up the shape of an answer, far too few to learn the task.
TINY = SFTRecipe(steps=40, batch_size=32, warmup_steps=5)
# For tests of the cache machinery only.
MICRO = SFTRecipe(steps=2, batch_size=4, warmup_steps=1)
SIZES = {"train_size": 64, "heldout_size": 40, "verbose": False}


def _tiny(seed: int, cache_dir, sft: SFTRecipe = TINY) -> BuiltinSetup:
    return build_builtin(seed, cache_dir, sft=sft, **SIZES)


def _weights_digest(model_path: str) -> str:
    state = AutoModelForCausalLM.from_pretrained(model_path).state_dict()
    digest = hashlib.sha256()
    for name in sorted(state):
        digest.update(name.encode())
        digest.update(state[name].detach().contiguous().numpy().tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def tiny_setup(tmp_path_factory) -> BuiltinSetup:
    return _tiny(0, tmp_path_factory.mktemp("cache"))


def test_builtin_build_layout_and_datasets(tiny_setup):
    setup = tiny_setup
    assert os.path.basename(setup.model_path).startswith("builtin-")
    assert setup.model_path.endswith("-seed0")
    assert os.path.isfile(os.path.join(setup.model_path, "builtin.json"))
    assert setup.build["reused"] is False and setup.build["seed"] == 0
    assert 300_000 < setup.build["parameters"] < 1_000_000
    for ds, n in ((setup.train_dataset, 64), (setup.heldout_dataset, 40)):
        assert ds.column_names == ["prompt", "solution"] and len(ds) == n
        row = ds[0]
        assert [m["role"] for m in row["prompt"]] == ["user"]
        assert re.fullmatch(r"\d{2}[+-]\d{2}=\?", row["prompt"][0]["content"])
        a, op, b = re.match(r"(\d+)([+-])(\d+)", row["prompt"][0]["content"]).groups()
        assert row["solution"] == str(int(a) + int(b) if op == "+" else int(a) - int(b))
    tok = setup.tokenizer
    assert tok.padding_side == "left" and tok.eos_token == "<|im_end|>"
    ids = tok("<think>1</think>")["input_ids"]
    assert tok.batch_decode([ids + [tok.eos_token_id]], skip_special_tokens=True) == ["<think>1</think>"]


def test_builtin_cache_is_reused_without_rebuilding(tiny_setup, monkeypatch):
    def no_sft(*args, **kwargs):
        raise AssertionError("the cached model was rebuilt")

    monkeypatch.setattr(build_module, "run_sft", no_sft)
    cache_root = os.path.dirname(tiny_setup.model_path)
    again = _tiny(0, cache_root)
    assert again.model_path == tiny_setup.model_path
    assert again.build["reused"] is True
    assert again.build["sft"] == tiny_setup.build["sft"]


def test_builtin_build_is_deterministic_and_seed_dependent(tiny_setup, tmp_path):
    same = _tiny(0, tmp_path / "a")
    other = _tiny(1, tmp_path / "b")
    assert same.model_path != tiny_setup.model_path  # a separate cache: really rebuilt
    assert same.build["reused"] is False
    assert _weights_digest(same.model_path) == _weights_digest(tiny_setup.model_path)
    assert same.build["sft"]["final_loss"] == tiny_setup.build["sft"]["final_loss"]
    assert _weights_digest(other.model_path) != _weights_digest(tiny_setup.model_path)
    assert other.heldout_dataset["prompt"] != tiny_setup.heldout_dataset["prompt"]


def test_builtin_interrupted_build_is_never_reused(tmp_path, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(build_module.os, "rename", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _tiny(0, tmp_path, MICRO)
    assert os.listdir(tmp_path) == []  # neither a final directory nor a temporary one is left

    # A directory at the final place without the build record (not ours, or damaged) is rebuilt.
    setup = _tiny(0, tmp_path, MICRO)
    os.remove(os.path.join(setup.model_path, "builtin.json"))
    rebuilt = _tiny(0, tmp_path, MICRO)
    assert rebuilt.build["reused"] is False
    assert os.path.isfile(os.path.join(rebuilt.model_path, "builtin.json"))


def test_builtin_changed_recipe_gets_its_own_cache_dir(tiny_setup):
    cache_root = os.path.dirname(tiny_setup.model_path)
    changed = _tiny(0, cache_root, MICRO)
    assert changed.model_path != tiny_setup.model_path and changed.build["reused"] is False


def test_builtin_evaluate_is_a_fraction_and_restores_training_mode(tiny_setup):
    model = AutoModelForCausalLM.from_pretrained(tiny_setup.model_path)
    model.train()
    acc = evaluate(model, tiny_setup.tokenizer, tiny_setup.heldout_dataset)
    assert isinstance(acc, float) and 0.0 <= acc <= 1.0
    assert model.training
    assert tiny_setup.evaluate(model, tiny_setup.tokenizer, tiny_setup.heldout_dataset) == acc
    with pytest.raises(ValueError, match="solution"):
        evaluate(model, tiny_setup.tokenizer, tiny_setup.heldout_dataset.remove_columns("solution"))


def test_builtin_defaults_signature_and_overrides(tiny_setup, monkeypatch, tmp_path):
    from trl import GRPOConfig

    overrides = grpo_overrides(7)
    args = GRPOConfig(output_dir=str(tmp_path), **overrides)
    assert args.seed == 7 and args.beta == 0.0 and args.use_cpu and not args.bf16
    assert args.generation_batch_size % args.num_generations == 0
    assert args.generation_batch_size // args.num_generations == 4  # prompts per step
    # builtin_defaults uses the real recipe; pointed at a cache holding it, it only reads.
    seen = {}

    def fake_build(seed, cache_dir, **kwargs):
        seen.update(seed=seed, cache_dir=cache_dir, **kwargs)
        return tiny_setup

    monkeypatch.setattr("trainer.builtin.defaults.build_builtin", fake_build)
    assert builtin_defaults(seed=2, cache_dir="somewhere") is tiny_setup
    assert seen == {"seed": 2, "cache_dir": "somewhere"}
    with pytest.raises(ValueError, match="seed"):
        build_builtin(-1, tmp_path)


# Module-level reward stand-ins (TRL may pickle rewards); they record what they saw.
SEEN: list[str] = []


def accuracy(completions, solution, **kwargs):
    texts = [c[0]["content"] for c in completions]
    SEEN.extend(texts)
    return [1.0 if boxed_answer(t) == s else 0.0 for t, s in zip(texts, solution)]


def think_format(completions, **kwargs):
    pattern = re.compile(r"^<think>(?:(?!</?think>).)*</think>\s*\S", re.S)
    return [1.0 if pattern.match(c[0]["content"]) else 0.0 for c in completions]


def test_builtin_grpo_runs_a_few_steps_with_trl(tiny_setup, tmp_path):
    from trl import GRPOConfig, GRPOTrainer

    setup = tiny_setup
    overrides = {**setup.grpo_overrides, "max_steps": 3, "learning_rate": 1e-3}
    args = GRPOConfig(output_dir=str(tmp_path), disable_tqdm=True, **overrides)
    trainer = GRPOTrainer(
        model=setup.model_path,
        reward_funcs=[accuracy, think_format],
        args=args,
        train_dataset=setup.train_dataset,
        processing_class=setup.tokenizer,
    )
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    SEEN.clear()
    trainer.train()
    logged = [h for h in trainer.state.log_history if "rewards/accuracy/mean" in h]
    assert len(logged) == 3
    for h in logged:
        assert 0.0 <= h["rewards/accuracy/mean"] <= 1.0
        assert 0.0 <= h["rewards/think_format/mean"] <= 1.0
    # 3 steps × 4 prompts × 8 generations reached the rewards, think tags intact.
    assert len(SEEN) == 96
    assert sum(t.startswith("<think>") for t in SEEN) > 48
    # A barely trained policy is inconsistent, so groups differ in reward: there is a learning
    # signal, and the update moved the weights (a wiring error that zeroes advantages would not).
    assert any(h["reward_std"] > 0 for h in logged)
    after = trainer.model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    acc = setup.evaluate(trainer.model, setup.tokenizer, setup.heldout_dataset)
    assert 0.0 <= acc <= 1.0
