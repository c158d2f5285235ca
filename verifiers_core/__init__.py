"""verifiers-core: rule-based rewards for GRPO, installed with pip and selected by name.

Rewards come from installed plugins; here, an example plugin in an isolated registry:

>>> import verifiers_core
>>> from verifiers_core.testing import isolated_registry
>>> from verifiers_core.testing.examples import ExamplePlugin
>>> with isolated_registry() as registry:
...     _ = registry.register_plugin(ExamplePlugin(), name="examples")
...     reward = verifiers_core.get_reward("exact_answer")
...     [r.qualified_name for r in verifiers_core.list_rewards()]
['examples/exact_answer']
>>> reward(prompts=["2+2?"], completions=["<think>2+2=4</think> 4"], solution=["4"])
[1.0]
"""

from __future__ import annotations

from .config import RewardConfig, option, option_from
from .dataset_registry import DatasetInfo, GeneratedDataset
from .errors import (
    AmbiguousRewardError,
    DatasetError,
    DatasetParamError,
    DuplicateRewardError,
    MissingColumnError,
    PluginError,
    RewardContractError,
    RewardParamError,
    RewardSelectionError,
    UnknownDatasetError,
    UnknownRewardError,
    VerifiersCoreError,
)
from .hookspecs import hookimpl
from .params import COMMON_PARAMS, MAX_COMPLETION_CHARS_PARAM, THINK_OPENED, Param
from .registry import (
    PluginLoadWarning,
    Registry,
    RewardInfo,
    RewardSpec,
    get_dataset,
    get_registry,
    get_reward,
    list_datasets,
    list_rewards,
    set_registry,
)
from .reward import AsyncReward, Batch, CallableReward, Reward
from .selection import ResolvedRewards, RewardChoice, select_rewards
from .text import completion_text, final_answer, message_text

__all__ = [
    "COMMON_PARAMS",
    "RewardConfig",
    "option",
    "option_from",
    "MAX_COMPLETION_CHARS_PARAM",
    "DatasetError",
    "DatasetInfo",
    "DatasetParamError",
    "GeneratedDataset",
    "UnknownDatasetError",
    "get_dataset",
    "list_datasets",
    "THINK_OPENED",
    "message_text",
    "AmbiguousRewardError",
    "AsyncReward",
    "ResolvedRewards",
    "RewardChoice",
    "select_rewards",
    "Batch",
    "CallableReward",
    "DuplicateRewardError",
    "MissingColumnError",
    "Param",
    "PluginError",
    "PluginLoadWarning",
    "Registry",
    "Reward",
    "RewardContractError",
    "RewardInfo",
    "RewardParamError",
    "RewardSelectionError",
    "RewardSpec",
    "UnknownRewardError",
    "VerifiersCoreError",
    "completion_text",
    "final_answer",
    "get_registry",
    "get_reward",
    "hookimpl",
    "list_rewards",
    "set_registry",
]

__version__ = "0.2.0"
