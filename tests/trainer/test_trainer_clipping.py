"""The rule for when PPO clipping can act, the --mu refusal, and a guard on TRL's own condition."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from trainer.clipping import apply_mu, clipping_can_act, plan_clipping
from trainer.errors import TrainerConfigError


def _cfg(mu, ga, spg, use_vllm=False, eps=0.2, eps_high=None):
    return SimpleNamespace(
        num_iterations=mu,
        gradient_accumulation_steps=ga,
        steps_per_generation=spg,
        epsilon=eps,
        epsilon_high=eps_high,
        use_vllm=use_vllm,
        vllm_importance_sampling_correction=True,
        loss_type="dapo",
    )


@pytest.mark.parametrize(
    "ga, spg, mu, acts",
    [
        (1, 1, 1, False),  # DeepSeekMath's mu = 1: ratio identically 1
        (4, 4, 1, False),
        (1, 1, 2, True),  # default spg = GA works for every mu >= 2
        (4, 4, 2, True),
        (8, 8, 3, True),
        (4, 2, 2, False),  # GA is a multiple of spg x mu: every reuse precedes the next optimizer step
        (8, 2, 2, False),
        (2, 4, 1, True),  # spg > GA: the second half of a generation is used after an update
        (3, 2, 1, True),
    ],
)
def test_clipping_rule(ga, spg, mu, acts):
    assert clipping_can_act(ga, spg, mu) is acts


def test_trl_still_uses_this_condition():
    """If a TRL upgrade changes when it computes the old log-probs, this flags it."""
    from trl import GRPOTrainer

    source = inspect.getsource(GRPOTrainer._generate_and_score_completions)
    assert "generate_every = self.args.steps_per_generation * self.num_iterations" in source
    assert "self.args.gradient_accumulation_steps % generate_every != 0" in source
    assert "self.use_vllm and self.vllm_importance_sampling_correction" in source


def test_mu_1_is_allowed_and_explained():
    plan = plan_clipping(_cfg(1, 1, 1), set())
    assert not plan.acts and "clipping is inert" in plan.note and "--mu 2" in plan.note


def test_clip_range_in_the_plan():
    plan = plan_clipping(_cfg(2, 1, 1, eps=0.2, eps_high=0.28), {"mu"})
    assert plan.acts and plan.epsilon_low == 0.2 and plan.epsilon_high == 0.28
    assert "[0.8, 1.28]" in plan.note


def test_inert_mu_refused_even_with_vllm_correction():
    with pytest.raises(
        TrainerConfigError, match="importance-sampling correction TRL does compute the old log-probs"
    ):
        plan_clipping(_cfg(2, 4, 2, use_vllm=True), {"steps_per_generation"})


def test_inert_mu_with_values_not_set_by_user_suggests_other_values():
    with pytest.raises(TrainerConfigError, match="choose values for which the remainder is not 0"):
        plan_clipping(_cfg(2, 4, 2), set())


@pytest.mark.parametrize("bad", [0, -1])
def test_mu_must_be_positive(bad):
    with pytest.raises(TrainerConfigError, match="--mu must be an integer >= 1"):
        apply_mu({"num_iterations": 1}, bad, {"mu"})


def test_mu_agrees_with_same_num_iterations():
    kw = {"num_iterations": 3}
    apply_mu(kw, 3, {"mu", "num_iterations"})
    assert kw["num_iterations"] == 3
