"""``python -m verifiers_core integrations [NAME]``: how to plug the rewards into each trainer.

Prints, for veRL, OpenRLHF, slime, AReaL and PrimeIntellect verifiers (or the one named), the
exact config lines or file path to use and the environment variables the adapter reads.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..integrations import FRAMEWORKS

#: The environment variables every adapter reads, with what they hold.
ENVIRONMENT_HELP = (
    ("VERIFIERS_CORE_REWARDS", "reward names, e.g. accuracy,format"),
    ("VERIFIERS_CORE_REWARD_WEIGHTS", "weights aligned with the names, e.g. 1,0.5"),
    ("VERIFIERS_CORE_REWARD_ARGS", "space-separated NAME.KEY=VALUE, e.g. 'accuracy.timeout=5'"),
    ("VERIFIERS_CORE_CONFIG", "a YAML file with a 'rewards:' list (instead of the three above)"),
    ("VERIFIERS_CORE_THINK_OPENED", "'prompt' when the chat template opens <think> (default: auto)"),
    ("VERIFIERS_CORE_DEADLINE", "seconds one reward call may take (default: none)"),
    ("VERIFIERS_CORE_SPECIAL_TOKENS", "extra special tokens to strip, space-separated"),
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``integrations`` subcommand."""
    p = sub.add_parser(
        "integrations", help="show how to use the rewards in veRL, OpenRLHF, slime, AReaL, verifiers"
    )
    p.add_argument("name", nargs="?", choices=FRAMEWORKS, help="one framework (default: all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the instructions for one framework or all of them."""
    names = [args.name] if args.name else list(FRAMEWORKS)
    blocks = [f"== {name} ==\n{instructions(name)}" for name in names]
    print("\n\n".join(blocks))
    print("\nEnvironment variables (keyword options a framework passes win over them):")
    for name, meaning in ENVIRONMENT_HELP:
        print(f"  {name:31} {meaning}")
    return 0


def openrlhf_path() -> Path:
    """The reward-function file to pass to OpenRLHF (found without importing it).

    >>> openrlhf_path().name
    'openrlhf.py'
    """
    return Path(__file__).resolve().parent.parent / "integrations" / "openrlhf.py"


def instructions(name: str) -> str:
    """The config lines for one framework.

    >>> "pkg://verifiers_core.integrations.verl" in instructions("verl")
    True
    """
    if name == "verl":
        return """\
Hydra overrides (veRL 0.9; the reward loop and the legacy managers):
  reward.custom_reward_function.path=pkg://verifiers_core.integrations.verl
  reward.custom_reward_function.name=compute_score        # or compute_score_async (reward loop)
  +reward.custom_reward_function.reward_kwargs.rewards=accuracy,format
  +reward.custom_reward_function.reward_kwargs.reward_weights=1,0.5
  +reward.custom_reward_function.reward_kwargs.think_opened=prompt   # if the template opens <think>
batch manager: reward.reward_manager.name=batch and name=compute_score_batch
older layout: custom_reward_function.path=pkg://verifiers_core.integrations.verl (same keys)
Logged per sample: score, <reward>, <reward>/<counter> (errors, timeouts, no_answer, ...)."""
    if name == "openrlhf":
        return f"""\
Reward-function file (OpenRLHF 0.11: --reward.remote_url; older releases: --remote_rm_url):
  --reward.remote_url {openrlhf_path()}
  --data.label_key answer          # the gold, or a dict of columns
Select the rewards in the environment, e.g. VERIFIERS_CORE_REWARDS=accuracy,format
Returns rewards (weighted total), scores (in [0, 1]) and extra_logs per reward and counter."""
    if name == "slime":
        return """\
slime flags:
  --custom-rm-path verifiers_core.integrations.slime.custom_rm          # a float per sample
  --custom-rm-path verifiers_core.integrations.slime.custom_rm_dict --reward-key score
  --group-rm                      # optional: the same functions take a list of samples
sample.label is the gold (a dict label: columns); sample.metadata keys are columns."""
    if name == "areal":
        return """\
AReaL workflow reward function (a picklable function, run in AReaL's process pool):
  reward_fn: verifiers_core.integrations.areal.reward_fn
  VERIFIERS_CORE_REWARD_ARGS="accuracy.column=answer accuracy.workers=1"
The dataset row's fields are the columns; the gold column is the reward's (accuracy.column)."""
    if name == "prime":
        return """\
PrimeIntellect verifiers (0.1.9 to 0.3.x, the classic Rubric stack):
  vf-install verifiers-core-env -p environments   # from a clone of this repository
  vf-eval verifiers-core-env -a '{"rewards": "accuracy,format", "dataset": "rows.jsonl"}'
In Python: verifiers_core.integrations.prime.load_environment(rewards="accuracy,format", dataset=...)
The Rubric holds one function per reward (metrics by reward name) with the selection's weights."""
    raise ValueError(f"unknown framework {name!r}; choose from {', '.join(FRAMEWORKS)}")
