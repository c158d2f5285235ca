"""Every shipped config loads, without a GPU: run configs into GRPOConfig + ModelConfig, accelerate configs
into accelerate's own config class."""

from __future__ import annotations

from pathlib import Path

import pytest

import trainer
from trainer.args import parse_args
from trainer.checks import check_batch
from trainer.clipping import apply_mu, plan_clipping
from trainer.run import reward_choices

CONFIGS = Path(trainer.__file__).parent / "configs"
RUN_CONFIGS = sorted(CONFIGS.glob("*.yaml"))
ACCELERATE_CONFIGS = sorted((CONFIGS / "accelerate").glob("*.yaml"))


def test_configs_are_shipped():
    assert len(RUN_CONFIGS) >= 4 and len(ACCELERATE_CONFIGS) >= 4
    names = " ".join(p.name for p in RUN_CONFIGS)
    for part in ("0.5b", "1.5b", "lora", "full", "1gpu", "2gpu"):
        assert part in names


@pytest.mark.parametrize("path", RUN_CONFIGS, ids=lambda p: p.name)
def test_run_config_builds_grpo_config(path, monkeypatch):
    import transformers.training_args as ta
    from trl import GRPOConfig, ModelConfig, get_peft_config

    # bf16 is checked against the hardware when GRPOConfig is built; the configs are meant for a GPU.
    monkeypatch.setattr(ta, "is_torch_bf16_gpu_available", lambda *a, **k: True)
    parsed = parse_args(["--config", str(path)])
    choices = reward_choices(parsed.trainer, parsed.grpo.get("reward_weights"))
    assert [c.name for c in choices] == ["accuracy", "format"]
    assert parsed.trainer.dataset == "openai/gsm8k" and parsed.trainer.preset == "gsm8k"
    grpo = dict(parsed.grpo)
    apply_mu(grpo, parsed.trainer.mu, parsed.explicit)
    processes = 2 if "2gpu" in path.name and "vllm-server" not in path.name else 1
    check_batch(grpo, processes=processes)
    config = GRPOConfig(**grpo)
    assert config.bf16 and config.activation_checkpointing
    assert config.output_dir.startswith("runs/")
    plan = plan_clipping(config, parsed.explicit)
    assert plan.acts == (config.num_iterations > 1)
    model = parsed.model
    assert isinstance(model, ModelConfig) and model.model_name_or_path.startswith("Qwen/Qwen2.5-")
    assert model.dtype == "bfloat16"
    peft = get_peft_config(model)
    assert (peft is not None) == ("lora" in path.name)
    if peft is not None:
        assert peft.r == 32 and "q_proj" in peft.target_modules
    if "vllm" in path.name or config.use_vllm:
        assert config.vllm_mode in ("server", "colocate")


@pytest.mark.parametrize("path", ACCELERATE_CONFIGS, ids=lambda p: p.name)
def test_accelerate_config_loads(path):
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.utils import DistributedType

    config = ClusterConfig.from_yaml_file(str(path))
    assert config.mixed_precision == "bf16"
    expected = 2 if "2gpu" in path.name else 1
    assert config.num_processes == expected
    kind = path.name.split("-")[0]
    want = {
        "single": DistributedType.NO,
        "ddp": DistributedType.MULTI_GPU,
        "zero2": DistributedType.DEEPSPEED,
        "zero3": DistributedType.DEEPSPEED,
        "fsdp": DistributedType.FSDP,
    }[kind]
    assert config.distributed_type == want
    if kind.startswith("zero"):
        assert config.deepspeed_config["zero_stage"] == int(kind[-1])
