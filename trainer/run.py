"""``python -m trainer``: check everything cheap first, then hand over to TRL's ``GRPOTrainer``.

Order of a run (every check before the first model load):

1. parse the command line and ``--config`` YAML (TRL's parser);
2. resolve the rewards through the registry (unknown names, bad parameters and weights fail here);
   with ``--reward-executor ray``, reach the cluster and start the reward actors (an unreachable
   cluster fails here; step 5 waits until they are up, and fails when none could start);
3. set ``num_iterations`` from ``--mu``; check that ``--output_dir`` can be created and written;
4. check the model path, load and map the dataset, check each reward finds its columns;
5. build ``GRPOConfig`` (batch shape checked first) and refuse μ ≥ 2 where clipping would stay inert;
6. only then build the trainer (the model loads), train, and write the run's files.

With no ``--model`` and no ``--dataset`` the built-in demo (``trainer.builtin``) supplies the model,
tokenizer, data and CPU settings; its model is built on first use, after step 2.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
from dataclasses import dataclass, field
from typing import Any

from verifiers_core.errors import VerifiersCoreError
from verifiers_core.executor import ExecutorChoice, build_executor
from verifiers_core.interrupts import EXIT_INTERRUPTED
from verifiers_core.selection import (
    ResolvedRewards,
    RewardChoice,
    build_choices,
    on_executor,
    resolve,
)
from verifiers_core.suite import SuiteSpec

from . import outputs, progress
from .args import ParsedArgs, TrainerArguments, parse_args
from .checks import (
    check_batch,
    check_model,
    check_output_dir,
    check_reward_executor,
    wait_for_reward_actors,
)
from .clipping import ClipPlan, apply_mu, plan_clipping
from .data import PreparedData, check_reward_columns, load_any, prepare
from .errors import TrainerConfigError
from .sources import REGISTERED, dataset_choice, dataset_kind, generate_rows, rows_to_dataset


@dataclass
class RunPlan:
    """Everything decided before a model loads."""

    parsed: ParsedArgs
    rewards: ResolvedRewards
    config: Any  # trl.GRPOConfig
    clip: ClipPlan
    data: PreparedData
    model_name: str
    builtin: Any = None  # trainer.builtin.BuiltinSetup when the demo defaults are used
    applied_defaults: dict[str, Any] = field(default_factory=dict)
    executor: ExecutorChoice = field(default_factory=ExecutorChoice)
    executor_note: str | None = None


@dataclass
class RunResult:
    """What a finished run produced."""

    output_dir: str
    summary: dict[str, Any]
    records: list[dict[str, Any]]


def reward_choices(args: TrainerArguments, weights: Any) -> list[RewardChoice]:
    """The reward selection from ``--rewards``/YAML ``rewards:``, ``reward_weights`` and ``--reward-arg``.

    >>> [c.name for c in reward_choices(TrainerArguments(rewards="accuracy,format"), [1, 0.5])]
    ['accuracy', 'format']
    >>> reward_choices(TrainerArguments(rewards="accuracy,format"), [1.0])
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardSelectionError: 1 reward weights given for 2 rewards; give one weight per reward, in the same order
    >>> reward_choices(TrainerArguments(rewards=[{"name": "accuracy", "weight": 2}]), [1.0])
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardSelectionError: reward weights given twice and they differ: --reward-weights gives [1.0], the config gives [2.0]; give them in one place
    """
    selected = args.rewards
    if selected is None or (isinstance(selected, (str, list)) and not selected):
        raise TrainerConfigError(
            "no rewards selected: pass --rewards accuracy,format (names from `python -m verifiers_core list`) "
            "or a 'rewards:' list in the --config YAML"
        )
    # The one selection rule of the core: weights given both in the `rewards:` entries and as
    # reward_weights must agree; --reward-arg adds to each reward's args.
    return build_choices(selected, weights, args.reward_arg or [])


def _load_builtin(seed: int | None):
    """The built-in demo setup (model built and cached on first use); ``None``: its own default seed."""
    try:
        from .builtin import builtin_defaults
    except ImportError as exc:
        raise TrainerConfigError(
            "no --model and --dataset given and the built-in demo model is not available "
            f"({exc}); pass --model and --dataset"
        ) from exc
    return builtin_defaults() if seed is None else builtin_defaults(seed=seed)


def _cpu_defaults(grpo: dict[str, Any], explicit: set[str]) -> dict[str, Any]:
    """Settings that only make sense on a GPU, turned off on a machine without one (unless set)."""
    import torch

    applied: dict[str, Any] = {}
    if torch.cuda.is_available():
        return applied
    # activation_checkpointing is transformers' name since 5.23; gradient_checkpointing its deprecated alias.
    aliases = {"activation_checkpointing": ("activation_checkpointing", "gradient_checkpointing")}
    for key, value in (("bf16", False), ("activation_checkpointing", False)):
        if any(k in explicit for k in aliases.get(key, (key,))):
            continue
        if grpo.get(key) != value:
            grpo[key] = value
            applied[key] = value
    return applied


def plan_run(parsed: ParsedArgs) -> RunPlan:
    """Resolve and check everything; loads no model (except building the built-in demo's on first use)."""
    from trl import GRPOConfig

    args = parsed.trainer
    grpo = dict(parsed.grpo)
    explicit = parsed.explicit
    if args.dataset is None and args.dataset_arg:
        raise TrainerConfigError("--dataset-arg given without --dataset")
    use_builtin = not args.model and not args.dataset
    if not use_builtin and not (args.model and args.dataset):
        given, missing = ("--model", "--dataset") if args.model else ("--dataset", "--model")
        raise TrainerConfigError(
            f"{given} given without {missing}: give both, or neither to train the built-in demo model"
        )

    choices = reward_choices(args, grpo.get("reward_weights"))
    executor = build_executor(args.reward_executor, args.ray_address, args.ray_options or None)
    rewards = resolve(choices)
    grpo["reward_weights"] = list(rewards.weights)
    # The cluster is reached (and its reward actors started) before any model or dataset loads.
    spec = SuiteSpec.from_choices(choices, executor)
    check_reward_executor(spec)
    # Async remote rewards: TRL gathers them concurrently, so the cluster scores them side by side.
    rewards = on_executor(rewards, spec, asynchronous=True)
    apply_mu(grpo, args.mu, explicit)
    check_output_dir(grpo.get("output_dir"))  # before the demo model is built or any model loads

    applied: dict[str, Any] = {}
    setup = None
    if use_builtin:
        # The rewards are resolved above, so a typo fails before the demo model is built.
        # --seed picks the demo model's seed too; unset, the demo keeps its own (TRL's default seed is 42).
        setup = _load_builtin(int(grpo["seed"]) if "seed" in explicit else None)
        for key, value in dict(setup.grpo_overrides).items():
            if key not in explicit:
                grpo[key] = value
                applied[key] = value
        data = PreparedData(setup.train_dataset, "builtin", "prompt", "")
        model_name = setup.model_path
        dataset_name = "the built-in dataset"
    else:
        check_model(args.model)
        model_name = args.model
        data, dataset_name = _load_data(args, explicit)
    check_reward_columns(rewards.rewards, data.dataset.column_names, dataset_name)
    applied.update(_cpu_defaults(grpo, explicit | set(applied)))

    model_init = dict(grpo.get("model_init_kwargs") or {})
    model_args = parsed.model
    model_init.setdefault("revision", model_args.model_revision)
    model_init.setdefault("dtype", model_args.dtype)
    if model_args.attn_implementation is not None:
        model_init.setdefault("attn_implementation", model_args.attn_implementation)
    grpo["model_init_kwargs"] = model_init

    check_batch(grpo)
    try:
        config = GRPOConfig(**grpo)
    except (ValueError, TypeError) as exc:
        raise TrainerConfigError(f"invalid training settings: {exc}") from exc
    clip = plan_clipping(config, explicit)
    executor_note = wait_for_reward_actors(spec)  # started above; up by now, or a clear error
    return RunPlan(parsed, rewards, config, clip, data, model_name, setup, applied, executor, executor_note)


def _load_data(args: TrainerArguments, explicit: set[str]) -> tuple[PreparedData, str]:
    """Load or generate ``--dataset`` by the rule of :mod:`trainer.sources`, then map it to prompts."""
    choice = dataset_choice(args.dataset, args.dataset_arg)
    assert choice is not None
    generated = None
    if dataset_kind(choice.name) == REGISTERED:
        if args.dataset_config is not None:
            raise TrainerConfigError(
                f"--dataset_config applies to hub datasets; {choice.name!r} is a registered dataset: pass its "
                "parameters with --dataset-arg KEY=VALUE"
            )
        if args.preset not in ("auto", "none"):
            raise TrainerConfigError(
                f"--preset {args.preset} does not apply to the registered dataset {choice.name!r}: its rows "
                "already hold a prompt and the columns its rewards read"
            )
        split = args.dataset_split if "dataset_split" in explicit else None
        made = generate_rows(choice, split)
        raw, generated, preset, name = (
            rows_to_dataset(made.rows),
            made.describe(),
            "none",
            f"dataset {choice.name!r}",
        )
    else:
        if choice.args:
            raise TrainerConfigError(
                f"--dataset-arg applies to registered datasets; {choice.name!r} is a "
                "local or hub dataset (use --dataset_config and --dataset_split for hub datasets)"
            )
        raw = load_any(choice.name, args.dataset_config, args.dataset_split)
        preset, name = args.preset, f"dataset {choice.name!r}"
    data = prepare(
        raw,
        preset=preset,
        prompt_column=args.prompt_column,
        system_prompt=args.system_prompt,
        prompt_format=args.prompt_format,
        max_samples=args.max_samples,
        name=name,
    )
    data.generated = generated
    return data, name


def _versions() -> dict[str, Any]:
    from importlib import metadata

    out: dict[str, Any] = {"python": platform.python_version()}
    for dist in ("verifiers-core", "trl", "transformers", "torch", "datasets", "accelerate", "peft"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def run_description(plan: RunPlan) -> dict[str, Any]:
    """The content of ``run.json``: command, rewards with plugin versions, clip plan, data, full config."""
    args = plan.parsed.trainer
    return {
        "command": [sys.executable, "-m", "trainer", *plan.parsed.argv]
        + (["--config", plan.parsed.config_path] if plan.parsed.config_path else []),
        "rewards": plan.rewards.describe(),
        "reward_executor": plan.executor.describe(),
        "mu": plan.config.num_iterations,
        "clipping": plan.clip.to_dict(),
        "model": plan.model_name,
        "builtin": plan.builtin is not None,
        "data": plan.data.describe(),
        "explicit_keys": sorted(plan.parsed.explicit),
        "defaults_applied": plan.applied_defaults,
        "trainer_args": dataclasses.asdict(args),
        "grpo_config": plan.config.to_dict(),
        "model_config": dataclasses.asdict(plan.parsed.model),
        "config_file": plan.parsed.config,
        "versions": _versions(),
    }


def build_trainer(plan: RunPlan, callbacks: list[Any]):
    """Build TRL's ``GRPOTrainer``: here the model loads."""
    from trl import GRPOTrainer, get_peft_config, get_quantization_config

    model_args = plan.parsed.model
    quantization = get_quantization_config(model_args)
    kwargs: dict[str, Any] = {}
    if quantization is not None:  # TRL puts it into the model's init kwargs (and handles device_map)
        kwargs["quantization_config"] = quantization
    if plan.builtin is not None:
        kwargs["processing_class"] = plan.builtin.tokenizer
    return GRPOTrainer(
        model=plan.model_name,
        reward_funcs=list(plan.rewards.rewards),
        args=plan.config,
        train_dataset=plan.data.dataset,
        peft_config=get_peft_config(model_args),
        callbacks=callbacks,
        **kwargs,
    )


def _evaluate(plan: RunPlan, trainer) -> float:
    model = trainer.accelerator.unwrap_model(trainer.model)
    was_training = model.training
    try:
        return float(plan.builtin.evaluate(model, plan.builtin.tokenizer, plan.builtin.heldout_dataset))
    finally:
        model.train(was_training)


def execute(plan: RunPlan) -> RunResult:
    """Train as planned and write the run's files; returns the summary."""
    out_dir = plan.config.output_dir
    main = outputs.is_main_process()
    if main:
        os.makedirs(out_dir, exist_ok=True)
        outputs.write_json(os.path.join(out_dir, outputs.RUN_FILE), run_description(plan))
    names = plan.rewards.names
    args = plan.parsed.trainer
    callback = outputs.make_run_log_callback(out_dir, names, args.sample_every, args.num_samples)
    trainer = build_trainer(plan, [callback])
    callback.trainer = trainer
    progress.install(trainer, names)
    summary: dict[str, Any] = {}
    if plan.builtin is not None:
        summary["heldout_accuracy_before"] = _evaluate(plan, trainer)
    metrics_path = os.path.join(out_dir, outputs.METRICS_FILE)
    try:
        trainer.train(resume_from_checkpoint=plan.config.resume_from_checkpoint)
    except KeyboardInterrupt:
        progress.close(trainer)
        state = trainer.state
        raise RunInterrupted(
            f"training stopped at step {state.global_step} of {state.max_steps}; "
            f"{_steps(len(callback.records))} logged to {metrics_path} (partial); no model saved"
        ) from None
    finally:  # a crashed or interrupted run still leaves its plot next to metrics.jsonl
        if main and callback.records:
            from .plot import plot_metrics

            plot_metrics(callback.records, names, os.path.join(out_dir, outputs.PLOT_FILE))
    try:
        if plan.builtin is not None:
            summary["heldout_accuracy_after"] = _evaluate(plan, trainer)
        trainer.save_model(out_dir)
    except KeyboardInterrupt:
        raise RunInterrupted(
            f"after training ({_steps(trainer.state.global_step)}, logged to {metrics_path}); "
            "the model was not saved"
        ) from None
    records = callback.records
    summary["rewards"] = outputs.reward_means(records, names)
    summary["steps"] = trainer.state.global_step
    clip = [
        r["clip_ratio/region_mean"]
        for r in records
        if isinstance(r.get("clip_ratio/region_mean"), (int, float))
    ]
    summary["clip_ratio_max"] = max(clip, default=None)
    summary["train"] = callback.final_logs
    if main:
        outputs.write_json(os.path.join(out_dir, outputs.SUMMARY_FILE), summary)
        print(format_summary(summary, out_dir))
    if hasattr(trainer, "end"):
        trainer.end()
    return RunResult(out_dir, summary, records)


def format_summary(summary: dict[str, Any], out_dir: str) -> str:
    """The lines printed at the end of a run.

    >>> print(format_summary({"rewards": {"format": {"first_tenth_mean": 0.25, "last_tenth_mean": 0.75}},
    ...                       "heldout_accuracy_before": 0.4, "heldout_accuracy_after": 0.9}, "runs/x"))
    reward format: 0.250 (first tenth of steps) -> 0.750 (last tenth)
    held-out accuracy: 0.400 -> 0.900
    files in runs/x: metrics.jsonl, metrics.png, samples.jsonl, run.json, summary.json
    """

    def fmt(v: Any) -> str:
        return f"{v:.3f}" if isinstance(v, (int, float)) else "n/a"

    lines = [
        f"reward {name}: {fmt(m.get('first_tenth_mean'))} (first tenth of steps) -> "
        f"{fmt(m.get('last_tenth_mean'))} (last tenth)"
        for name, m in summary.get("rewards", {}).items()
    ]
    if "heldout_accuracy_before" in summary:
        lines.append(
            f"held-out accuracy: {fmt(summary['heldout_accuracy_before'])} -> "
            f"{fmt(summary.get('heldout_accuracy_after'))}"
        )
    files = [
        outputs.METRICS_FILE,
        outputs.PLOT_FILE,
        outputs.SAMPLES_FILE,
        outputs.RUN_FILE,
        outputs.SUMMARY_FILE,
    ]
    lines.append(f"files in {out_dir}: {', '.join(files)}")
    return "\n".join(lines)


def run(argv: list[str] | None = None) -> RunResult:
    """Parse, check, train; raises :class:`TrainerConfigError` (or a registry error) on a bad configuration."""
    plan = plan_run(parse_args(argv))
    if outputs.is_main_process():
        print(
            f"rewards: {', '.join(f'{n} (weight {w:g})' for n, w in zip(plan.rewards.names, plan.rewards.weights))}"
        )
        print(f"mu = {plan.clip.num_iterations}: {plan.clip.note}")
        if plan.executor_note:
            print(plan.executor_note)
    return execute(plan)


class RunInterrupted(Exception):
    """Ctrl-C during a run; the message says what was interrupted and what was written."""


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: exit status 0 on success, 2 on a configuration error (one ``error:``
    line on stderr), 130 after Ctrl-C (one ``interrupted:`` line saying what was written)."""
    try:
        run(argv)
    except (TrainerConfigError, VerifiersCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunInterrupted as exc:
        print(f"interrupted: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:  # checks, data loading, building or loading the model
        print("interrupted: before training started; no steps run", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


__all__ = [
    "RunInterrupted",
    "RunPlan",
    "RunResult",
    "build_trainer",
    "execute",
    "format_summary",
    "main",
    "plan_run",
    "reward_choices",
    "run",
    "run_description",
]
