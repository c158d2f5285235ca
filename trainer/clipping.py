"""The μ (``num_iterations``) flag and when PPO-style clipping can act in TRL's GRPOTrainer.

GRPO's loss clips the ratio ``π_θ / π_old`` to ``[1 - epsilon, 1 + epsilon_high]``. That only matters
when ``π_old`` differs from the policy being updated, i.e. when a generated batch is still in use after
an optimizer step. In TRL 1.16 (``GRPOTrainer._generate_and_score_completions``) a generated batch
serves ``steps_per_generation × num_iterations`` micro-steps, and the old log-probs are computed only when
``gradient_accumulation_steps % (steps_per_generation × num_iterations) != 0`` (or always, with vLLM's
importance-sampling correction). Otherwise TRL uses a detached copy of the current log-probs: the ratio
is exactly 1 and clipping is inert. With vLLM's correction the old log-probs are computed, but under the
same alignment every use of the batch still happens before the next optimizer step, so the ratio is
again 1. Hence one rule covers both cases:

    clipping can act  ⇔  gradient_accumulation_steps % (steps_per_generation × num_iterations) != 0

``steps_per_generation`` defaults to ``gradient_accumulation_steps``, which satisfies the rule for every
μ ≥ 2. We never change ``steps_per_generation`` behind the user's back: a combination the user set
explicitly that would leave clipping inert with μ ≥ 2 is refused, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import TrainerConfigError


def clipping_can_act(
    gradient_accumulation_steps: int, steps_per_generation: int, num_iterations: int
) -> bool:
    """Whether a generated batch is still used after an optimizer step (so π_old ≠ π_θ can happen).

    >>> clipping_can_act(1, 1, 1), clipping_can_act(1, 1, 2), clipping_can_act(4, 2, 2), clipping_can_act(2, 4, 1)
    (False, True, False, True)
    """
    return gradient_accumulation_steps % (steps_per_generation * num_iterations) != 0


@dataclass(frozen=True)
class ClipPlan:
    """What the run will do about clipping, for the log and ``run.json``."""

    num_iterations: int
    gradient_accumulation_steps: int
    steps_per_generation: int
    epsilon_low: float
    epsilon_high: float
    acts: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form.

        >>> ClipPlan(2, 1, 1, 0.2, 0.2, True, "n").to_dict()["acts"]
        True
        """
        return dict(self.__dict__)


def apply_mu(grpo: dict[str, Any], mu: int | None, explicit: set[str]) -> None:
    """Set ``num_iterations`` from ``--mu`` in the GRPOConfig keyword arguments.

    >>> kw = {"num_iterations": 1}
    >>> apply_mu(kw, 2, {"mu"}); kw["num_iterations"]
    2
    >>> apply_mu({"num_iterations": 3}, 2, {"mu", "num_iterations"})
    Traceback (most recent call last):
    ...
    trainer.errors.TrainerConfigError: --mu 2 and num_iterations 3 disagree; --mu sets num_iterations, give one of them
    """
    if mu is None:
        return
    if isinstance(mu, bool) or not isinstance(mu, int) or mu < 1:
        raise TrainerConfigError(f"--mu must be an integer >= 1 (updates per rollout), got {mu!r}")
    if "num_iterations" in explicit and grpo.get("num_iterations") != mu:
        raise TrainerConfigError(
            f"--mu {mu} and num_iterations {grpo.get('num_iterations')} disagree; "
            "--mu sets num_iterations, give one of them"
        )
    grpo["num_iterations"] = mu


def plan_clipping(config: Any, explicit: set[str]) -> ClipPlan:
    """Check a built ``GRPOConfig``: refuse μ ≥ 2 where TRL would never compute π_old.

    ``explicit`` is only used to phrase the fix (which of the user's settings to change).

    >>> from types import SimpleNamespace as NS
    >>> cfg = NS(num_iterations=2, gradient_accumulation_steps=4, steps_per_generation=2, epsilon=0.2,
    ...          epsilon_high=0.28, use_vllm=False, vllm_importance_sampling_correction=True, loss_type="dapo")
    >>> plan_clipping(cfg, {"steps_per_generation"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trainer.errors.TrainerConfigError: num_iterations (mu) = 2 would leave PPO clipping inert: ...
    >>> cfg.steps_per_generation = 4
    >>> plan_clipping(cfg, set()).acts
    True
    """
    mu = int(config.num_iterations)
    ga = int(config.gradient_accumulation_steps)
    spg = int(config.steps_per_generation)
    low = float(config.epsilon)
    high = float(config.epsilon_high if config.epsilon_high is not None else config.epsilon)
    acts = clipping_can_act(ga, spg, mu)
    rule = (
        f"gradient_accumulation_steps ({ga}) % (steps_per_generation ({spg}) × num_iterations ({mu})) "
        f"= {ga % (spg * mu)}"
    )
    if mu >= 2 and not acts:
        vllm = ""
        if getattr(config, "use_vllm", False) and getattr(
            config, "vllm_importance_sampling_correction", False
        ):
            vllm = (
                " (With vLLM's importance-sampling correction TRL does compute the old log-probs, but every "
                "use of a generated batch still falls before the next optimizer step, so the ratio stays 1.)"
            )
        set_by_user = [k for k in ("steps_per_generation", "generation_batch_size") if k in explicit]
        fix = (
            f"unset {' and '.join(set_by_user)} (steps_per_generation then defaults to "
            "gradient_accumulation_steps, which works for every mu >= 2)"
            if set_by_user
            else "choose values for which the remainder is not 0"
        )
        raise TrainerConfigError(
            f"num_iterations (mu) = {mu} would leave PPO clipping inert: TRL computes the old-policy "
            f"log-probs only when gradient_accumulation_steps % (steps_per_generation × num_iterations) != 0, "
            f"and here {rule}. Every reuse of a generated batch would happen before the next optimizer step, "
            f"so the ratio stays exactly 1 and clip_ratio stays 0.{vllm} Fix: {fix}."
        )
    if acts:
        note = f"clipping can act: {rule} != 0; the ratio is clipped to [{1 - low:g}, {1 + high:g}] on reuse passes"
    else:
        note = (
            f"clipping is inert (ratio ≡ 1, clip_ratio stays 0): {rule}. This is GRPO with one update per "
            "rollout (mu = 1), as in DeepSeekMath; pass --mu 2 or more for clipping to act"
        )
    return ClipPlan(mu, ga, spg, low, high, acts, note)


__all__ = ["ClipPlan", "apply_mu", "clipping_can_act", "plan_clipping"]
