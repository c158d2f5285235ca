"""What every adapter shares: options from keywords or the environment, rows, per-sample results.

Options (keyword arguments a framework passes, e.g. veRL's ``reward_kwargs``, win over the
environment variables):

=================  ==================================  ===========================================
keyword            environment variable                meaning
=================  ==================================  ===========================================
``rewards``        ``VERIFIERS_CORE_REWARDS``          reward names, ``--rewards`` syntax
``reward_weights`` ``VERIFIERS_CORE_REWARD_WEIGHTS``   weights aligned with the names
``reward_args``    ``VERIFIERS_CORE_REWARD_ARGS``      space-separated ``NAME.KEY=VALUE``
``config``         ``VERIFIERS_CORE_CONFIG``           a YAML file with ``rewards:``
``think_opened``   ``VERIFIERS_CORE_THINK_OPENED``     ``prompt`` when the chat template opens
                                                       ``<think>`` (veRL passes no prompt);
                                                       set on every reward that takes it
``deadline``       ``VERIFIERS_CORE_DEADLINE``         seconds one reward call may take; past
                                                       it the rows get the reward's timeout
                                                       value, counted as ``timeouts``
``special_tokens`` ``VERIFIERS_CORE_SPECIAL_TOKENS``   extra tokens to strip (space-separated)
=================  ==================================  ===========================================

A selection that cannot be built (no reward named, an unknown reward, a bad parameter) raises at
the first call with the reason: that is a configuration error to fix before training. Everything
about a sample (a malformed completion, a missing gold, a reward that fails or overruns) scores
the reward's ``low`` (or timeout value) and is counted, never raised.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import RewardSelectionError
from ..reward import TRAINER_KEYWORDS
from ..suite import ROW_KEYS, RewardSuite, RowScore, SuiteSpec, get_suite
from ..text import THINK_OPENED_CHOICES

ENV_THINK_OPENED = "VERIFIERS_CORE_THINK_OPENED"
ENV_DEADLINE = "VERIFIERS_CORE_DEADLINE"
ENV_SPECIAL_TOKENS = "VERIFIERS_CORE_SPECIAL_TOKENS"
#: Every environment variable an adapter reads, in the order the docs list them.
ENVIRONMENT = (
    "VERIFIERS_CORE_REWARDS",
    "VERIFIERS_CORE_REWARD_WEIGHTS",
    "VERIFIERS_CORE_REWARD_ARGS",
    "VERIFIERS_CORE_CONFIG",
    ENV_THINK_OPENED,
    ENV_DEADLINE,
    ENV_SPECIAL_TOKENS,
)
#: Keyword options an adapter reads (others are the framework's and ignored).
OPTIONS = ("rewards", "reward_weights", "reward_args", "config", "think_opened", "deadline", "special_tokens")


@dataclass(frozen=True)
class Settings:
    """An adapter's resolved options: the reward selection and the run options."""

    spec: SuiteSpec
    deadline: float | None = None
    special_tokens: tuple[str, ...] = ()

    @property
    def suite(self) -> RewardSuite:
        """The suite of this process (built at first use, then cached)."""
        return get_suite(self.spec)


def settings_from(options: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """The adapter's settings from keyword ``options`` (the framework's extra keywords are ignored),
    falling back to the ``VERIFIERS_CORE_*`` environment variables. Cached per distinct input.

    >>> s = settings_from({"rewards": "format", "deadline": "30", "data_source": "gsm8k"}, environ={})
    >>> s.spec.names, s.deadline
    (['format'], 30.0)
    """
    env = os.environ if environ is None else environ
    mine = tuple((k, _freeze(options[k])) for k in OPTIONS if options.get(k) is not None)
    env_key = tuple((k, env.get(k)) for k in ENVIRONMENT)
    return _settings(mine, env_key)


def _freeze(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@functools.lru_cache(maxsize=64)
def _settings(mine: tuple[tuple[str, str], ...], env_key: tuple[tuple[str, str | None], ...]) -> Settings:
    options = {k: json.loads(v) for k, v in mine}
    env = {k: v for k, v in env_key if v is not None}
    selection = {k: options.get(k) for k in ("rewards", "reward_weights", "reward_args", "config")}
    if isinstance(selection["reward_args"], Mapping):  # {"accuracy.timeout": 2} from a YAML config
        selection["reward_args"] = [f"{k}={v}" for k, v in selection["reward_args"].items()]
    spec = SuiteSpec.from_env(env, **selection)
    think = options.get("think_opened", env.get(ENV_THINK_OPENED) or None)
    if think is not None and think != "auto":
        spec = with_think_opened(spec, str(think))
    deadline = options.get("deadline", env.get(ENV_DEADLINE) or None)
    if deadline is not None:
        try:
            deadline = float(deadline)
        except (TypeError, ValueError):
            raise RewardSelectionError(f"deadline must be a number of seconds, got {deadline!r}") from None
        if not deadline > 0 or math.isinf(deadline):
            raise RewardSelectionError(f"deadline must be a positive number of seconds, got {deadline!r}")
    tokens = options.get("special_tokens", env.get(ENV_SPECIAL_TOKENS) or ())
    if isinstance(tokens, str):
        tokens = shlex.split(tokens)
    return Settings(spec, deadline, tuple(str(t) for t in tokens))


def with_think_opened(spec: SuiteSpec, value: str) -> SuiteSpec:
    """Set ``think_opened`` on every selected reward that declares it and was not given one.

    >>> from verifiers_core.testing import isolated_registry
    >>> from verifiers_core.testing.examples import ExamplePlugin
    >>> with isolated_registry() as registry:
    ...     _ = registry.register_plugin(ExamplePlugin(), name="examples")
    ...     with_think_opened(SuiteSpec.from_options("exact_answer"), "prompt").to_choices()[0].args
    {}
    """
    from ..registry import get_registry

    if value not in THINK_OPENED_CHOICES:
        raise RewardSelectionError(
            f"think_opened must be one of {', '.join(THINK_OPENED_CHOICES)}, got {value!r}"
        )
    choices = spec.to_choices()
    registry = get_registry()
    for choice in choices:
        params = {p.name for p in registry.resolve(choice.name).params}
        if "think_opened" in params and "think_opened" not in choice.args:
            choice.args["think_opened"] = value
    return SuiteSpec.from_choices(choices)


# -- rows ---------------------------------------------------------------------------------------


def gold_columns(suite: RewardSuite) -> list[str]:
    """The column each reward reads its gold (or tests) from: its ``gold_column`` if it names one,
    else the first of its ``required_columns`` (``accuracy``: ``column``, ``code``:
    ``tests_column``). A framework's single ground-truth value goes to all of them.

    >>> from verifiers_core.selection import ResolvedRewards
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> gold_columns(RewardSuite(ResolvedRewards([ExactAnswer(column="answer")], [1.0])))
    ['answer']
    """
    out: list[str] = []
    for reward in suite.rewards:
        column = getattr(reward, "gold_column", None)
        if not isinstance(column, str):
            required = tuple(getattr(reward, "required_columns", ()) or ())
            column = required[0] if required else None
        if column and column not in out:
            out.append(column)
    return out


_NO_GOLD = object()


def make_row(
    completion: Any,
    *,
    prompt: Any = None,
    gold: Any = _NO_GOLD,
    columns: Any = None,
    gold_cols: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> dict[str, Any]:
    """One row for the suite: the completion, the prompt, the gold in each gold column, and the
    framework's per-sample mapping (``extra_info``, ``metadata``, a dict label) as columns.

    A column the mapping names explicitly wins over the gold; keys that are not columns
    (``completion``, ``prompt``, ...) and the ``drop`` keys are left out.

    >>> make_row("4", gold="4", columns={"split": "test", "prompt": "x"}, gold_cols=["solution"])
    {'completion': '4', 'solution': '4', 'split': 'test'}
    """
    row: dict[str, Any] = {"completion": completion}
    if prompt is not None:
        row["prompt"] = prompt
    cols = columns if isinstance(columns, Mapping) else {}
    if gold is not _NO_GOLD:
        for name in gold_cols:
            if name not in cols:
                row[name] = gold
    for key, value in cols.items():
        if isinstance(key, str) and key not in ROW_KEYS and key not in TRAINER_KEYWORDS and key not in drop:
            row[key] = value
    return row


def label_parts(label: Any) -> tuple[Any, Mapping[str, Any] | None]:
    """A framework's label as (gold, columns): a mapping is columns, anything else the gold.

    >>> label_parts("72"), label_parts({"solution": "72", "split": "train"})[1]
    (('72', None), {'solution': '72', 'split': 'train'})
    """
    if isinstance(label, Mapping):
        return _NO_GOLD, label
    return label, None


# -- results ------------------------------------------------------------------------------------


def filled_values(suite: RewardSuite, row: RowScore) -> dict[str, float]:
    """Each reward's value with ``None`` (a row the reward could not score, e.g. an unusable gold)
    replaced by the reward's ``low``: trainers need a number for every sample."""
    lows = suite.low_values()
    return {k: (lows[k] if v is None else v) for k, v in row.rewards.items()}


def total(suite: RewardSuite, values: Mapping[str, float]) -> float:
    """The weighted sum of the (filled) values, in the suite's order."""
    return math.fsum(w * values[k] for w, k in zip(suite.weights, suite.keys))


def sample_dict(suite: RewardSuite, row: RowScore) -> dict[str, float]:
    """The per-sample dict with the same keys for every sample of a suite: ``score`` (the weighted
    total), each reward's value by name, and every counter of :meth:`RewardSuite.counter_keys`
    (0 when it did not happen).

    >>> from verifiers_core.selection import ResolvedRewards
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> suite = RewardSuite(ResolvedRewards([ExactAnswer()], [2.0]))
    >>> sample_dict(suite, suite.score_rows([{"completion": "4", "solution": "4"}]).rows[0])
    {'score': 2.0, 'exact_answer': 1.0, 'exact_answer/errors': 0.0, 'exact_answer/no_answer': 0.0, 'exact_answer/oversized': 0.0, 'exact_answer/timeouts': 0.0}
    """
    values = filled_values(suite, row)
    out: dict[str, float] = {"score": total(suite, values)}
    out.update(values)
    for key in suite.counter_keys():
        out[key] = float(row.counts.get(key, 0.0))
    return out


def unit_score(suite: RewardSuite, value: float) -> float:
    """A weighted total brought into [0, 1]: divided by the sum of the positive weights, clamped.

    >>> from verifiers_core.selection import ResolvedRewards
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> unit_score(RewardSuite(ResolvedRewards([ExactAnswer(), ExactAnswer()], [1.0, 0.5])), 1.5)
    1.0
    """
    scale = math.fsum(w for w in suite.weights if w > 0) or 1.0
    return min(1.0, max(0.0, value / scale))


# -- special tokens -------------------------------------------------------------------------------

#: Chat-template markers: ``<|...|>`` (ChatML, Llama 3, Phi, GPT-style ``<|endoftext|>``), DeepSeek's
#: full-width ``<｜...｜>``, and the SentencePiece / Gemma / Mistral names. ``<think>``, ``</think>``
#: and other plain tags are kept: they are text the rewards read.
SPECIAL_TOKEN_RE = re.compile(
    r"<\|[^<>|\s]{1,64}\|>|<｜[^<>｜]{1,64}｜>"
    r"|</?s>|<pad>|<unk>|<eos>|<bos>|<start_of_turn>|<end_of_turn>|\[/?INST\]|\[PAD\]"
)


def strip_special_tokens(text: str, extra: Sequence[str] = ()) -> str:
    """Remove chat-template special tokens from decoded text, without a tokenizer.

    >>> strip_special_tokens("<think>2+2</think> 4<|im_end|><|endoftext|>")
    '<think>2+2</think> 4'
    >>> strip_special_tokens("x<｜end▁of▁sentence｜></s><eos>[EOT]", extra=["[EOT]"])
    'x'
    """
    text = SPECIAL_TOKEN_RE.sub("", text)
    for token in extra:
        if token:
            text = text.replace(token, "")
    return text


#: Where the assistant's turn starts in common chat templates (used when the prompt text is not
#: a prefix of the query, e.g. after a decode round trip changed its spacing).
ASSISTANT_HEADERS = (
    "<|im_start|>assistant",
    "<|start_header_id|>assistant<|end_header_id|>",
    "<｜Assistant｜>",
    "<|assistant|>",
    "<start_of_turn>model",
    "[/INST]",
)


def response_from_query(query: str, prompt: Any, extra: Sequence[str] = ()) -> tuple[str, bool]:
    """The response part of ``query`` (prompt + response, decoded with special tokens, as OpenRLHF
    sends it), special tokens stripped, and whether the prompt was found in it.

    In order: no prompt given, the whole query; the prompt as an exact prefix; the prompt as a prefix
    once both have their special tokens stripped (a decode round trip); a *tail* of the prompt as a
    prefix (OpenRLHF cut the prompt from the left to fit ``max_len``); else the text after the last
    assistant header of a known chat template (reported as not found); else the whole query (not
    found). Whitespace left at the end by removed end-of-turn markers is dropped.

    >>> response_from_query("<|im_start|>user\\nQ<|im_end|>\\n<|im_start|>assistant\\n4<|im_end|>",
    ...                     "<|im_start|>user\\nQ<|im_end|>\\n<|im_start|>assistant\\n")
    ('4', True)
    >>> response_from_query("truction. P: q\\nA: 4<|endoftext|>", "A long instruction. P: q\\nA:")
    (' 4', True)
    >>> response_from_query("<|im_start|>user\\nQ <|im_end|>\\n<|im_start|>assistant\\n4", "something else")
    ('\\n4', False)
    """
    if not isinstance(prompt, str) or not prompt:
        return _clean(query, extra), True
    if query.startswith(prompt):
        return _clean(query[len(prompt) :], extra), True
    stripped = strip_special_tokens(query, extra)
    bare_prompt = strip_special_tokens(prompt, extra)
    if bare_prompt and stripped.startswith(bare_prompt):
        return _clean(stripped[len(bare_prompt) :], extra), True
    cut = _tail_overlap(prompt, query)
    if cut:
        return _clean(query[cut:], extra), True
    header = max((query.rfind(h) + len(h) if h in query else -1) for h in ASSISTANT_HEADERS)
    if header >= 0:
        return _clean(query[header:], extra), False
    return _clean(query, extra), False


def _clean(text: str, extra: Sequence[str]) -> str:
    cleaned = strip_special_tokens(text, extra)
    return cleaned.rstrip() if cleaned != text else cleaned


def _tail_overlap(prompt: str, query: str, probe: int = 8) -> int:
    """Length of the longest tail of ``prompt`` that starts ``query`` (0 if none).

    >>> _tail_overlap("a long prompt: Q?", "prompt: Q? answer"), _tail_overlap("prompt", "other")
    (10, 0)
    """
    head = query[: min(probe, len(query))]
    if not head:
        return 0
    start = prompt.find(head)
    while start != -1:
        tail = prompt[start:]
        if query.startswith(tail):
            return len(tail)
        start = prompt.find(head, start + 1)
    return 0


__all__ = [
    "ENVIRONMENT",
    "OPTIONS",
    "Settings",
    "filled_values",
    "gold_columns",
    "label_parts",
    "make_row",
    "response_from_query",
    "sample_dict",
    "settings_from",
    "strip_special_tokens",
    "total",
    "unit_score",
    "with_think_opened",
]
