"""Command-line and YAML arguments, parsed with TRL's own parser.

One parser holds three dataclasses, ours first (so ``--help`` lists them first): :class:`TrainerArguments`,
TRL's ``GRPOConfig`` (every training field) and TRL's ``ModelConfig`` (model loading and PEFT/LoRA). The
same keys work on the command line (``--learning_rate 1e-5``) and in a ``--config run.yaml`` file
(``learning_rate: 1.0e-5``); the command line wins over the file.

Two conveniences on top of TRL's parser:

- ``--reward-weights 1,0.5`` (TRL's own ``reward_weights`` field) also accepts comma-separated values;
- we record which keys the user set explicitly (command line or YAML), so that defaults we apply on
  top (the built-in demo's CPU settings) never override a choice the user made.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from .errors import TrainerConfigError

PRESETS = ("auto", "gsm8k", "math", "openr1-code", "none")


@dataclass
class TrainerArguments:
    """The trainer's own options (the rest are TRL's ``GRPOConfig`` and ``ModelConfig`` fields).

    >>> TrainerArguments(rewards="accuracy,format").mu is None
    True
    """

    rewards: str | None = field(
        default=None,
        metadata={
            "help": "Rewards to train with, by name, comma separated (e.g. accuracy,format; "
            "`python -m verifiers_core list` shows what is installed). In YAML also a list: "
            "rewards: [{name: code, weight: 1.0, args: {timeout: 2}}, format]. Weights: --reward-weights 1,0.5."
        },
    )
    reward_arg: list[str] = field(
        default_factory=list,
        metadata={
            "help": "Reward parameters as NAME.KEY=VALUE (values read as YAML scalars); repeatable, "
            "e.g. --reward-arg accuracy.timeout=2 --reward-arg format.strict=true.",
            "action": "extend",
        },
    )
    reward_executor: Literal["local", "ray"] = field(
        default="local",
        metadata={
            "help": "Where rewards run: local (this process) or ray (reward actors on a Ray cluster, one per "
            "node, scored concurrently; needs the ray extra). The cluster is checked before the model loads."
        },
    )
    ray_address: str | None = field(
        default=None,
        metadata={
            "help": "With --reward-executor ray: the cluster's head, HOST:PORT as `ray start --head` prints it "
            "(or auto). Default: RAY_ADDRESS, else auto (the cluster started on this machine)."
        },
    )
    ray_options: list[str] = field(
        default_factory=list,
        metadata={
            "help": "Ray executor options as KEY=VALUE (repeatable; in YAML a mapping): cpus_per_actor (0: one "
            "actor per node), resource (only nodes with this custom resource), max_in_flight, chunk_rows, "
            "chunk_timeout, retries, startup_timeout, connect_timeout.",
            "action": "extend",
            "aliases": ["--ray-option"],
        },
    )
    mu: int | None = field(
        default=None,
        metadata={
            "help": "Policy updates per rollout (GRPO's mu; sets num_iterations). PPO-style clipping "
            "(range [1-epsilon, 1+epsilon_high]) only acts with mu >= 2; combinations under which TRL would "
            "never compute the old-policy log-probs are refused with the reason."
        },
    )
    model: str | None = field(
        default=None,
        metadata={
            "help": "Model to train: a hub id (Qwen/Qwen2.5-0.5B-Instruct) or a local directory. Same as "
            "--model_name_or_path. With neither --model nor --dataset the built-in CPU demo model is used."
        },
    )
    dataset: str | None = field(
        default=None,
        metadata={
            "help": "Training data: a registered dataset generated at run time (arithmetic, "
            "reasoning-gym:countdown,basic_arithmetic; `python -m verifiers_core list` shows them), a local "
            "file or folder (JSON, JSONL, Parquet, Arrow, or a save_to_disk folder), or a hub id "
            "(openai/gsm8k). A registered name wins over a bare hub id; a local path of the same name is an "
            "error (write ./NAME). In YAML also dataset: {name: NAME, args: {size: 1000}}."
        },
    )
    dataset_arg: list[str] = field(
        default_factory=list,
        metadata={
            "help": "A parameter of a registered dataset as KEY=VALUE (read as a YAML scalar); repeatable, "
            "e.g. --dataset-arg size=2000 --dataset-arg seed=1.",
            "action": "extend",
        },
    )
    dataset_config: str | None = field(
        default=None, metadata={"help": "Dataset configuration name (e.g. main for openai/gsm8k)."}
    )
    dataset_split: str = field(default="train", metadata={"help": "Dataset split to train on."})
    preset: Literal["auto", "gsm8k", "math", "openr1-code", "none"] = field(
        default="auto",
        metadata={
            "help": "How to map the dataset's columns to a prompt and the reward columns: gsm8k "
            "(question, answer with ####), math (problem, solution), openr1-code (problem, "
            "verification_info), none (use --prompt_column as it is), auto (recognise by the columns)."
        },
    )
    prompt_column: str | None = field(
        default=None,
        metadata={
            "help": "Column holding the prompt (text or chat messages); default: the preset's, or prompt."
        },
    )
    system_prompt: str | None = field(
        default=None,
        metadata={
            "help": "System prompt added to text prompts. Default: R1 style (reason inside <think>...</think>, "
            "then the answer in \\boxed{}; for code, in a fenced block). An empty string adds none."
        },
    )
    prompt_format: Literal["chat", "plain"] = field(
        default="chat",
        metadata={
            "help": "chat: prompts become [system, user] messages (for instruct models); plain: the system "
            "prompt and the question are joined as text (for base models without a chat template)."
        },
    )
    max_samples: int | None = field(
        default=None, metadata={"help": "Use only the first N rows of the dataset (quick runs)."}
    )
    sample_every: int = field(
        default=10,
        metadata={
            "help": "Every N steps, write a sample of completions with their per-reward scores to "
            "samples.jsonl in output_dir (0: never)."
        },
    )
    num_samples: int = field(default=4, metadata={"help": "Completions per sample written to samples.jsonl."})


@dataclass
class ParsedArgs:
    """Everything the command line and YAML said, before any default of ours is applied.

    ``grpo`` holds keyword arguments for ``GRPOConfig`` (every field, defaults included) so that they
    can still be adjusted before the config is built; ``explicit`` names the keys the user set.
    """

    trainer: TrainerArguments
    grpo: dict[str, Any]
    model: Any  # trl.ModelConfig
    explicit: set[str]
    config_path: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    argv: list[str] = field(default_factory=list)


DESCRIPTION = """\
Train a model with GRPO (TRL's GRPOTrainer) on rewards selected by name.

  python -m trainer --rewards accuracy,format --model Qwen/Qwen2.5-0.5B-Instruct \\
      --dataset openai/gsm8k --dataset_config main --output_dir runs/gsm8k

With no --model and no --dataset it trains the built-in CPU demo model. --config run.yaml reads any of
the options below from a YAML file (keys as here, without the dashes; the command line wins). Our own
options come first, then TRL's GRPOConfig fields, then TRL's model and LoRA (PEFT) options.
"""


def build_parser():
    """TRL's ``TrlParser`` over our arguments, ``GRPOConfig`` and ``ModelConfig``, in that order.

    >>> parser = build_parser()
    >>> parser.parse_known_args(["--rewards", "format"])[0].rewards
    'format'
    """
    from trl import GRPOConfig, ModelConfig, TrlParser

    return TrlParser(
        (TrainerArguments, GRPOConfig, ModelConfig),
        prog="python -m trainer",
        description=DESCRIPTION,
        allow_abbrev=False,  # an abbreviation would escape the explicit-key bookkeeping
    )


_WEIGHT_FLAGS = ("--reward_weights", "--reward-weights")


def split_comma_weights(argv: list[str]) -> list[str]:
    """Let ``--reward-weights 1,0.5`` (and ``=1,0.5``) reach TRL's list field as ``1 0.5``.

    >>> split_comma_weights(["--reward-weights", "1,0.5", "--mu", "2"])
    ['--reward-weights', '1', '0.5', '--mu', '2']
    >>> split_comma_weights(["--reward_weights=1,2"])
    ['--reward_weights', '1', '2']
    """
    out: list[str] = []
    expect_values = False
    for token in argv:
        flag, eq, value = token.partition("=")
        if flag in _WEIGHT_FLAGS and eq:
            out.append(flag)
            out.extend(v for v in value.split(",") if v.strip())
            expect_values = False
            continue
        if token in _WEIGHT_FLAGS:
            out.append(token)
            expect_values = True
            continue
        if expect_values and not token.startswith("--"):
            out.extend(v for v in token.split(",") if v.strip())
            continue
        expect_values = False
        out.append(token)
    return out


def _pop_config(argv: list[str]) -> tuple[list[str], str | None]:
    """Remove ``--config PATH`` (or ``--config=PATH``) from argv."""
    out: list[str] = []
    path = None
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--config":
            if i + 1 >= len(argv):
                raise TrainerConfigError("--config needs a path to a YAML file")
            path = argv[i + 1]
            i += 2
            continue
        if token.startswith("--config="):
            path = token.split("=", 1)[1]
            i += 1
            continue
        out.append(token)
        i += 1
    return out, path


def load_yaml_config(path: str) -> dict[str, Any]:
    """Read a run config: a YAML mapping of option names to values.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "run.yaml")
    >>> _ = open(p, "w").write("learning_rate: 1.0e-5\\nrewards: [format]\\n")
    >>> load_yaml_config(p)["rewards"]
    ['format']
    """
    if not os.path.isfile(path):
        raise TrainerConfigError(f"config file {path!r} does not exist")
    try:
        with open(path, encoding="utf-8") as fh:
            config = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise TrainerConfigError(f"config file {path!r} is not valid YAML: {exc}") from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise TrainerConfigError(f"config file {path!r} must hold a YAML mapping of option: value")
    return config


def explicit_keys(parser, argv: list[str], config: dict[str, Any]) -> set[str]:
    """The destinations the user set: option names in argv plus keys of the YAML config.

    >>> import argparse
    >>> p = argparse.ArgumentParser(allow_abbrev=False); _ = p.add_argument("--max_steps", "--max-steps")
    >>> sorted(explicit_keys(p, ["--max-steps=3"], {"learning_rate": 1e-5}))
    ['learning_rate', 'max_steps']
    """
    keys = {k for k in config if k != "env"}
    options = parser._option_string_actions
    for token in argv:
        if token.startswith("--"):
            action = options.get(token.split("=", 1)[0])
            if action is not None:
                keys.add(action.dest)
    return keys


def parse_args(argv: list[str] | None = None) -> ParsedArgs:
    """Parse the command line (and ``--config``) into :class:`ParsedArgs`; loads no model.

    ``--help`` prints the help and exits, as argparse does.

    >>> parsed = parse_args(["--rewards", "format", "--mu", "2", "--reward-weights", "0.5"])
    >>> parsed.trainer.mu, parsed.grpo["reward_weights"], "mu" in parsed.explicit
    (2, [0.5], True)
    """
    import sys

    from trl import GRPOConfig, ModelConfig

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    argv, config_path = _pop_config(argv)
    config: dict[str, Any] = {}
    if config_path is not None:
        config = load_yaml_config(config_path)
        env = config.get("env") or {}
        if not isinstance(env, dict):
            raise TrainerConfigError(f"config file {config_path!r}: 'env' must be a mapping of NAME: value")
        for key, value in env.items():
            os.environ[str(key)] = str(value)
        defaults = {k: v for k, v in config.items() if k != "env"}
        # A YAML mapping of ray_options becomes the KEY=VALUE list that the option holds.
        if isinstance(defaults.get("ray_options"), dict):
            defaults["ray_options"] = [
                f"{k}={v if isinstance(v, str) else json.dumps(v)}"
                for k, v in defaults["ray_options"].items()
            ]
        remaining = parser.set_defaults_with_config(**defaults)
        if remaining:
            unknown = sorted({t[2:] for t in remaining[::2]})
            known = [a.dest for a in parser._actions]
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, known, n=1)
                hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise TrainerConfigError(
                f"config file {config_path!r} has unknown keys: {', '.join(hints)}; "
                "`python -m trainer --help` lists the accepted keys"
            )
    argv = split_comma_weights(argv)
    namespace, remaining = parser.parse_known_args(argv)
    if remaining:
        raise TrainerConfigError(
            f"unknown command-line arguments: {' '.join(remaining)}; `python -m trainer --help` lists the options"
        )
    values = vars(namespace)
    ours = {f.name: values[f.name] for f in dataclasses.fields(TrainerArguments)}
    grpo = {f.name: values[f.name] for f in dataclasses.fields(GRPOConfig) if f.init and f.name in values}
    model = {f.name: values[f.name] for f in dataclasses.fields(ModelConfig) if f.init and f.name in values}
    explicit = explicit_keys(parser, argv, config)
    trainer_args = TrainerArguments(**ours)
    for name in ("reward_arg", "dataset_arg", "ray_options"):
        value = getattr(trainer_args, name)
        if value is None:
            setattr(trainer_args, name, [])
        elif isinstance(value, str):
            setattr(trainer_args, name, [value])
    model_args = _merge_model_name(trainer_args, model)
    return ParsedArgs(
        trainer=trainer_args,
        grpo=grpo,
        model=ModelConfig(**model_args),
        explicit=explicit,
        config_path=config_path,
        config=config,
        argv=argv,
    )


def _merge_model_name(trainer_args: TrainerArguments, model: dict[str, Any]) -> dict[str, Any]:
    """``--model`` and TRL's ``--model_name_or_path`` name the same thing; refuse two different values."""
    ours, theirs = trainer_args.model, model.get("model_name_or_path")
    if ours and theirs and ours != theirs:
        raise TrainerConfigError(
            f"--model {ours!r} and --model_name_or_path {theirs!r} disagree; give one of them"
        )
    name = ours or theirs
    trainer_args.model = name
    return {**model, "model_name_or_path": name}


__all__ = [
    "PRESETS",
    "ParsedArgs",
    "TrainerArguments",
    "build_parser",
    "explicit_keys",
    "load_yaml_config",
    "parse_args",
    "split_comma_weights",
]
