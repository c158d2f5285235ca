"""The reward contract, as a base class.

TRL's ``GRPOTrainer`` calls a reward with keywords only::

    reward(prompts=[...], completions=[...], completion_ids=[...], solution=[...], ...,
           trainer_state=..., log_extra=..., log_metric=...)

and expects one ``float`` (or ``None``: "cannot score this row") per completion. :class:`Reward`
turns that call into :meth:`Reward.score` on a :class:`Batch` of plain texts and columns, checks the
columns it needs, checks what comes back, and counts internal failures through ``log_metric``.

Before ``score`` sees anything, the base class applies two rules once per row, for every reward:

- **The answer region** (:mod:`verifiers_core.text`): a completion cut off inside its reasoning
  has no answer. For a reward that grades the answer (``grades_answer = True``, the default) such
  rows never reach ``score``; they get :meth:`Reward.no_answer_value` (``low``) and are counted as
  ``no_answer``. ``batch.answers`` holds the answer region of every row that ``score`` sees.
- **A size bound**: a completion longer than ``max_completion_chars`` is refused before any parsing
  (``no_answer_value``, counted as ``oversized``), so work on hostile input stays bounded.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import MissingColumnError, RewardContractError
from .text import completion_text, final_answer, opened_flags

logger = logging.getLogger("verifiers_core")

#: Keywords TRL passes that are not dataset columns.
TRAINER_KEYWORDS = frozenset({"trainer_state", "log_extra", "log_metric", "environments"})
#: Default bound on a completion's characters (about 250k tokens); longer ones are refused unparsed.
MAX_COMPLETION_CHARS = 1_000_000


@dataclass
class Batch:
    """What a reward scores: completion texts plus the aligned dataset columns.

    >>> b = Batch(texts=["a", "b"], columns={"solution": ["1", "2"]})
    >>> len(b), b.column("solution")
    (2, ['1', '2'])
    """

    texts: list[str]
    prompts: list[Any] | None = None
    completions: list[Any] | None = None
    completion_ids: list[list[int]] | None = None
    columns: dict[str, list[Any]] = field(default_factory=dict)
    log_metric: Callable[[str, float], None] | None = None
    log_extra: Callable[[str, list], None] | None = None
    counts: Counter = field(default_factory=Counter)
    #: Per row: the final answer region (text after the last ``</think>``), or ``None`` when the
    #: completion has none. Rewards that grade the answer only ever see rows where it is a string.
    answers: list[str | None] | None = None
    #: Per row: whether the prompt (or chat template) opened ``<think>`` before the completion.
    think_opened: list[bool] | None = None
    #: Per row counts (``row_counts[i][what]``), filled by :meth:`count` when given ``row=``.
    row_counts: dict[int, Counter] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    def column(self, name: str) -> list[Any]:
        """The values of one column, one per completion.

        >>> Batch(texts=["x"], columns={"gold": [3]}).column("gold")
        [3]
        """
        return self.columns[name]

    def answer(self, i: int) -> str | None:
        """The final answer region of row ``i`` (see :mod:`verifiers_core.text`).

        >>> Batch(texts=["<think>a</think> 4"]).answer(0), Batch(texts=["<think>a"]).answer(0)
        (' 4', None)
        """
        if self.answers is not None:
            return self.answers[i]
        return final_answer(self.texts[i], think_opened=bool(self.think_opened and self.think_opened[i]))

    def count(self, what: str, n: int = 1, *, row: int | None = None) -> None:
        """Count an event (``timeouts``, ``errors``, ...); reported once per call via ``log_metric``.

        With ``row=i`` the event is also kept per row (``row_counts``), for integrations that report
        counters per sample (veRL's per-sample dicts).

        >>> b = Batch(texts=["x", "y"]); b.count("timeouts", row=1); b.counts["timeouts"], b.row_counts
        (1, {1: Counter({'timeouts': 1})})
        """
        self.counts[what] += n
        if row is not None:
            self.row_counts.setdefault(row, Counter())[what] += n

    def subset(self, rows: Sequence[int]) -> Batch:
        """A batch of some of this batch's rows, in the given order; ``log_extra`` calls on it are
        widened back to this batch's length (``None`` for the rows left out).

        >>> b = Batch(texts=["a", "b", "c"], columns={"gold": [1, 2, 3]})
        >>> s = b.subset([2, 0]); s.texts, s.columns
        (['c', 'a'], {'gold': [3, 1]})
        """
        rows = list(rows)

        def pick(values: list[Any] | None) -> list[Any] | None:
            return None if values is None else [values[i] for i in rows]

        log_extra = None
        if self.log_extra is not None:
            parent_extra, n = self.log_extra, len(self)

            def log_extra(column: str, values: list) -> None:
                wide: list[Any] = [None] * n
                for i, v in zip(rows, values):
                    wide[i] = v
                parent_extra(column, wide)

        return Batch(
            texts=[self.texts[i] for i in rows],
            prompts=pick(self.prompts),
            completions=pick(self.completions),
            completion_ids=pick(self.completion_ids),
            columns={k: [v[i] for i in rows] for k, v in self.columns.items()},
            log_metric=self.log_metric,
            log_extra=log_extra,
            answers=pick(self.answers),
            think_opened=pick(self.think_opened),
        )


@dataclass
class Scored:
    """One reward call's outcome: a value per row, and the events counted (per call and per row)."""

    values: list[float | None]
    counts: Counter = field(default_factory=Counter)
    row_counts: dict[int, Counter] = field(default_factory=dict)


class Reward:
    """Base class for rewards that TRL's ``GRPOTrainer`` accepts as they are.

    Subclasses set ``required_columns`` (usually in ``__init__``, from their parameters) and
    implement either :meth:`score` (a whole batch) or :meth:`score_one` (one completion, with that
    row's columns). An exception in ``score_one`` scores the row ``low`` and is counted as an
    error, so one odd completion never stops training. The registry sets ``__name__`` to the
    reward's name, which TRL uses for ``rewards/<name>/mean``.

    >>> class Shout(Reward):
    ...     def score_one(self, text, row):
    ...         return 1.0 if text.isupper() else 0.0
    >>> Shout()(prompts=["p", "p"], completions=["HI", [{"role": "assistant", "content": "hi"}]])
    [1.0, 0.0]
    """

    __name__ = "reward"
    #: Dataset columns this reward reads; checked at every call.
    required_columns: Sequence[str] = ()
    #: The score given to a completion that cannot be right (wrong, malformed, failed).
    low: float = 0.0
    #: The score given when grading ran out of time (``None``: ``low``). Used by the scoring path
    #: (:mod:`verifiers_core.suite`) when a whole call overruns its deadline.
    timeout_value: float | None = None
    #: Counters sent to ``log_metric`` at every call, 0 included, so their means stay honest.
    reported_counts: Sequence[str] = ("errors",)
    #: Whether this reward grades the final answer: rows with no answer region then never reach
    #: :meth:`score`. Rewards about the whole completion (length, repetition) set it to False.
    grades_answer: bool = True
    #: Who opened ``<think>``: ``auto`` (per row, from the prompt), ``completion`` or ``prompt``.
    think_opened: str = "auto"
    #: Completions longer than this many characters are refused before any parsing. Every reward
    #: built by the registry also takes it as a parameter (``--reward-arg NAME.max_completion_chars=N``,
    #: :data:`verifiers_core.params.COMMON_PARAMS`), which sets it on the instance.
    max_completion_chars: int = MAX_COMPLETION_CHARS

    def __call__(
        self,
        prompts: list[Any] | None = None,
        completions: list[Any] | None = None,
        completion_ids: list[list[int]] | None = None,
        **kwargs: Any,
    ) -> list[float | None]:
        if completions is None:
            raise RewardContractError(f"reward {self.__name__!r} was called without completions=")
        log_metric = kwargs.get("log_metric")
        log_extra = kwargs.get("log_extra")
        columns = {k: v for k, v in kwargs.items() if k not in TRAINER_KEYWORDS}
        return self.evaluate(
            completions,
            prompts=prompts,
            completion_ids=completion_ids,
            columns=columns,
            log_metric=log_metric if callable(log_metric) else None,
            log_extra=log_extra if callable(log_extra) else None,
        ).values

    def evaluate(
        self,
        completions: Sequence[Any],
        *,
        prompts: Sequence[Any] | None = None,
        completion_ids: Sequence[Sequence[int]] | None = None,
        columns: dict[str, Any] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        log_extra: Callable[[str, list], None] | None = None,
    ) -> Scored:
        """Score like ``__call__``, and also return this call's counters, per call and per row.

        >>> from verifiers_core.testing.examples import ExactAnswer
        >>> s = ExactAnswer().evaluate(["<think>cut", "4"], columns={"solution": ["4", "4"]})
        >>> s.values, s.counts["no_answer"], dict(s.row_counts)
        ([0.0, 1.0], 1, {0: Counter({'no_answer': 1})})
        """
        completions = list(completions)
        columns = dict(columns or {})
        self._check_columns(columns, len(completions))
        batch = self.make_batch(
            completions,
            prompts=prompts,
            completion_ids=completion_ids,
            columns=columns,
            log_metric=log_metric,
            log_extra=log_extra,
        )
        values = self.score_with_rules(batch)
        self._report(batch)
        return Scored(values, batch.counts, batch.row_counts)

    def make_batch(
        self,
        completions: Sequence[Any],
        *,
        prompts: Sequence[Any] | None = None,
        completion_ids: Sequence[Sequence[int]] | None = None,
        columns: dict[str, Any] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        log_extra: Callable[[str, list], None] | None = None,
    ) -> Batch:
        """The :class:`Batch` this reward scores: texts, answer regions and aligned columns.

        >>> from verifiers_core.testing.examples import ExactAnswer
        >>> b = ExactAnswer().make_batch(["cut off, \\boxed{4}", "x</think> 4"], prompts=["Q <think>"] * 2)
        >>> b.think_opened, b.answers
        ([True, True], [None, ' 4'])
        """
        completions = list(completions)
        n = len(completions)
        texts = [completion_text(c) for c in completions]
        prompts = list(prompts) if prompts is not None else None
        opened = opened_flags(self.think_opened, prompts, n, completions)
        limit = self.max_completion_chars
        # An oversized row is refused unparsed (score_with_rules): not even its answer is looked for.
        answers = [None if len(t) > limit else final_answer(t, think_opened=o) for t, o in zip(texts, opened)]
        return Batch(
            texts=texts,
            prompts=prompts,
            completions=completions,
            completion_ids=list(completion_ids) if completion_ids is not None else None,
            columns={k: list(v) for k, v in (columns or {}).items() if _is_column(v, n)},
            log_metric=log_metric,
            log_extra=log_extra,
            answers=answers,
            think_opened=opened,
        )

    def score_with_rules(self, batch: Batch) -> list[float | None]:
        """Apply the size bound and the answer-region rule, then :meth:`score` the rows left.

        Rows refused here get :meth:`no_answer_value` and are counted (``oversized``,
        ``no_answer``); the others are scored in one call to :meth:`score`, in order.
        """
        n = len(batch)
        refused: dict[int, str] = {}
        for i, text in enumerate(batch.texts):
            if len(text) > self.max_completion_chars:
                refused[i] = "oversized"
            elif self.grades_answer and batch.answers is not None and batch.answers[i] is None:
                refused[i] = "no_answer"
        if not refused:
            values = check_values(self.__name__, self.score(batch), n)
        else:
            keep = [i for i in range(n) if i not in refused]
            values = [None] * n
            if keep:
                sub = batch.subset(keep)
                scored = check_values(self.__name__, self.score(sub), len(keep))
                for i, v in zip(keep, scored):
                    values[i] = v
                batch.counts.update(sub.counts)
                for j, counts in sub.row_counts.items():
                    batch.row_counts.setdefault(keep[j], Counter()).update(counts)
            for i, why in refused.items():
                batch.count(why, row=i)
                values[i] = self.no_answer_value(batch, i)
            values = check_values(self.__name__, values, n)
        return values

    def no_answer_value(self, batch: Batch, i: int) -> float | None:
        """The value of row ``i`` when it has no answer (cut off in its reasoning) or is refused
        for its size: ``low`` unless a reward knows better (``cosine`` scales it by length)."""
        return self.low

    def score(self, batch: Batch) -> list[float | None]:
        """Score a whole batch; the default calls :meth:`score_one` per row, isolating failures."""
        out: list[float | None] = []
        for i, text in enumerate(batch.texts):
            row = {name: values[i] for name, values in batch.columns.items()}
            if batch.completion_ids is not None:
                row["completion_ids"] = batch.completion_ids[i]
            try:
                out.append(self.score_one(text, row))
            except Exception as exc:  # one odd completion must not stop training
                batch.count("errors", row=i)
                logger.warning("reward %r failed on row %d: %r", self.__name__, i, exc)
                out.append(self.low)
        return out

    def score_one(self, text: str, row: dict[str, Any]) -> float | None:
        """Score one completion text; ``row`` holds that row's columns."""
        raise NotImplementedError(f"{type(self).__name__} must implement score() or score_one()")

    def _check_columns(self, columns: dict[str, Any], n: int) -> None:
        for name in self.required_columns:
            if name not in columns:
                present = ", ".join(sorted(columns)) or "none"
                raise MissingColumnError(
                    f"reward {self.__name__!r} needs the column {name!r}, which this batch lacks "
                    f"(columns present: {present}); add it to the dataset or choose another column "
                    f"with the reward's parameter"
                )
            values = columns[name]
            if not _is_column(values, n):
                raise MissingColumnError(
                    f"reward {self.__name__!r}: column {name!r} must hold one value per completion "
                    f"({n}), got {type(values).__name__}"
                    + (f" of length {len(values)}" if hasattr(values, "__len__") else "")
                )

    def _report(self, batch: Batch) -> None:
        """Send this call's counts to ``log_metric`` as ``<reward>/<what>``."""
        if batch.log_metric is None:
            for what, n in batch.counts.items():
                if n and what in ("errors", "timeouts"):
                    logger.info("reward %r: %d %s in a batch of %d", self.__name__, n, what, len(batch))
            return
        reported = set(self.reported_counts) | set(batch.counts) | {"oversized"}
        if self.grades_answer:
            reported.add("no_answer")
        for what in sorted(reported):
            batch.log_metric(f"{self.__name__}/{what}", float(batch.counts[what]))

    def __repr__(self) -> str:
        return f"<reward {self.__name__}>"


class CallableReward(Reward):
    """Wraps a plain reward function so that it obeys the contract (name, values, columns, size bound).

    The function gets TRL's keyword call. Completions over ``max_completion_chars`` are left out of
    the call (they get ``low`` and are counted as ``oversized``); what the function sends to
    ``log_metric`` is passed on, and counted when the suite scores rows.

    >>> def length(completions, **kw):
    ...     return [float(len(c)) for c in completions]
    >>> r = CallableReward(length, name="length")
    >>> r(prompts=["p"], completions=["abc"]), r.__name__
    ([3.0], 'length')
    >>> r.max_completion_chars = 2
    >>> r.evaluate(["abc", "ab"]).values, r.evaluate(["abc", "ab"]).counts
    ([0.0, 2.0], Counter({'oversized': 1}))
    """

    #: A plain function gets no answer-region rule: subclass :class:`Reward` for it.
    grades_answer = False

    def __init__(self, func: Callable[..., Sequence[Any]], name: str, required_columns: Sequence[str] = ()):
        self.func = func
        self.__name__ = name
        self.required_columns = tuple(required_columns)

    def __call__(self, prompts=None, completions=None, completion_ids=None, **kwargs):  # type: ignore[override]
        if completions is None:
            raise RewardContractError(f"reward {self.__name__!r} was called without completions=")
        n = len(completions)
        columns = {k: v for k, v in kwargs.items() if k not in TRAINER_KEYWORDS}
        self._check_columns(columns, n)
        limit = self.max_completion_chars
        keep = [i for i, c in enumerate(completions) if len(completion_text(c)) <= limit]
        log_metric = kwargs.get("log_metric")
        if callable(log_metric):
            log_metric(f"{self.__name__}/oversized", float(n - len(keep)))
        if len(keep) == n:
            values = self.func(
                prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs
            )
            return check_values(self.__name__, values, n)

        def pick(values: Any) -> Any:  # the kept rows of an aligned list; anything else as it is
            return [values[i] for i in keep] if _is_column(values, n) else values

        out: list[float | None] = [self.low] * n
        if keep:
            values = self.func(
                prompts=pick(prompts),
                completions=pick(list(completions)),
                completion_ids=pick(completion_ids),
                **{k: pick(v) if k not in TRAINER_KEYWORDS else v for k, v in kwargs.items()},
            )
            for i, v in zip(keep, check_values(self.__name__, values, len(keep))):
                out[i] = v
        return out

    def score(self, batch: Batch) -> list[float | None]:
        """The scoring path of :meth:`evaluate` (the suite): the function on the batch's rows."""

        def log_metric(name: str, value: float) -> None:
            batch.count(name.removeprefix(f"{self.__name__}/"), value)

        values = self.func(
            prompts=batch.prompts,
            completions=batch.completions if batch.completions is not None else batch.texts,
            completion_ids=batch.completion_ids,
            log_metric=log_metric,
            **batch.columns,
        )
        return check_values(self.__name__, values, len(batch))


def check_values(name: str, values: Any, n: int) -> list[float | None]:
    """Check a reward's output: exactly ``n`` values, each a finite float or ``None``.

    Integers and booleans become floats and NaN becomes ``None``; anything else is a
    :class:`RewardContractError` naming the reward.

    >>> check_values("acc", [1, None, 0.5, True], 4)
    [1.0, None, 0.5, 1.0]
    >>> check_values("acc", [1.0], 2)
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardContractError: reward 'acc' returned 1 values for 2 completions
    """
    try:
        values = list(values)
    except TypeError:
        raise RewardContractError(
            f"reward {name!r} must return a list of floats, got {type(values).__name__}"
        ) from None
    if len(values) != n:
        raise RewardContractError(f"reward {name!r} returned {len(values)} values for {n} completions")
    out: list[float | None] = []
    for i, v in enumerate(values):
        if v is None:
            out.append(None)
            continue
        if isinstance(v, (bool, int, float)) or type(v).__name__ in ("float32", "float64", "int64"):
            f = float(v)
            if math.isnan(f):
                out.append(None)
            elif math.isinf(f):
                raise RewardContractError(f"reward {name!r} returned {f} for completion {i}")
            else:
                out.append(f)
            continue
        raise RewardContractError(
            f"reward {name!r} returned {type(v).__name__} {v!r} for completion {i}; expected a float or None"
        )
    return out


def _is_column(values: Any, n: int) -> bool:
    return isinstance(values, (list, tuple)) and len(values) == n


class AsyncReward:
    """Wraps a reward so that TRL runs it as an ``async`` reward (concurrently with other async ones).

    The wrapped reward runs in a worker thread (``asyncio.to_thread``): TRL calls async rewards from
    its event loop on a daemon thread, so a reward must not rely on being in the main thread.

    >>> import asyncio
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> r = AsyncReward(ExactAnswer())
    >>> r.__name__, asyncio.run(r(prompts=["p"], completions=["4"], solution=["4"]))
    ('exact_answer', [1.0])
    """

    def __init__(self, reward: Callable[..., list[float | None]]) -> None:
        self.reward = reward
        self.__name__ = getattr(reward, "__name__", type(reward).__name__)
        self.spec = getattr(reward, "spec", None)
        self.required_columns = tuple(getattr(reward, "required_columns", ()) or ())

    async def __call__(self, **kwargs: Any) -> list[float | None]:
        import asyncio

        return await asyncio.to_thread(self.reward, **kwargs)

    def __repr__(self) -> str:
        return f"<async reward {self.__name__}>"
